import type express from 'express';
import type { NextFunction, Request, Response } from 'express';

/**
 * A portal admin's validation rules, as the fake HubSpot enforces them on API writes.
 *
 * What HubSpot documents (read 2026-11; sources below):
 * - "Breaking Change: CRM API Write Validation Enforcement Starting with the 2026-09 API Version"
 *   (https://developers.hubspot.com/changelog/crm-api-write-validation-enforcement, 2026-08-11):
 *   from the `/2026-09/` paths on (shipped 2026-09-08), the rules an admin configures apply to API
 *   writes, not only to the UI: conditional required properties ("close_date is required when
 *   dealstage is closedwon"), the required fields of the object's Create Record form (on
 *   creates), and user-level association permissions (user OAuth only; not modelled here). Earlier
 *   versions (v3, 2026-03) keep ignoring them. A write that breaks one gets `400` with
 *   `category: "VALIDATION_ERROR"` and per-property `errors[]`, e.g.
 *   `{ "code": "MISSING_REQUIRED_PROPERTY", "message": "A value for firstname must be provided",
 *   "context": { "propertyName": ["firstname"] } }`, or `MISSING_CONDITIONAL_REQUIRED_PROPERTY`
 *   with "my_property is required because of a conditional property rule based on [country]"
 *   (the changelog's example bodies, as quoted by a third-party write-up of 2026-10-04; the
 *   changelog page itself was only partly readable here). Top-level message: "The property values
 *   provided are invalid".
 * - Property validation rules (format rules: MIN_LENGTH, MAX_LENGTH, REGEX, ALPHANUMERIC, …) have
 *   been enforced on API writes of every version since 2023-07-24 ("Upcoming: Property Validations
 *   Rules will be enforced for APIs and Integrations",
 *   https://developers.hubspot.com/changelog/upcoming-property-validations-rules-will-be-enforced-for-apis-and-integrations):
 *   400, VALIDATION_ERROR, message "Property values were not valid: [{"isValid":false,"message":
 *   "Enter only letters","error":"INVALID_ALPHA","name":"firstname"}]".
 * - Batch endpoints: with an objectWriteTraceId on every input, a refused input is one entry of
 *   the 207 answer's `errors[]` (its context carries the trace id) and the rest is written; without
 *   trace ids one bad input fails the whole batch (HubSpot's error-handling guide; the fake's
 *   runBatch already does both). HubSpot does not document a validation-rule example inside a
 *   207; the fake puts the same error object there.
 * - Reading the rules: the property validations API
 *   (https://developers.hubspot.com/docs/api-reference/latest/crm/property-validations/guide;
 *   `GET /crm/v3/property-validations/{objectTypeId}` and the date-versioned
 *   `GET /crm/property-validations/2026-03/{objectTypeId}`) lists every property of an object
 *   with format rules: `{ results: [{ propertyName, propertyValidationRules: [{ ruleType,
 *   ruleArguments, shouldApplyNormalization }] }] }`. No documented API lists the Create Record
 *   form's required fields or the conditional rules: those are learned from the 400s only, so
 *   the fake serves format rules there and nothing else.
 *
 * Codes for format rules other than INVALID_ALPHA are not documented; the fake says
 * INVALID_<RULE TYPE>.
 */

export type RuleObjectType = 'contacts' | 'products';

export type PortalRule =
  /**
   * Required: on the Create Record form (applies to creates), or conditionally (`when`: required
   * whenever the record's `when.property` equals `when.equals`, on every write).
   */
  | { kind: 'required'; objectType: RuleObjectType; property: string; when?: { property: string; equals: string }; message?: string }
  /** A property validation rule (the property validations API's ruleType and ruleArguments). */
  | { kind: 'format'; objectType: RuleObjectType; property: string; ruleType: 'MIN_LENGTH' | 'MAX_LENGTH' | 'REGEX' | 'ALPHANUMERIC'; ruleArguments: string[]; message?: string };

export interface ValidationRulesOptions {
  /** Portal id → its rules. */
  rules?: Record<string, PortalRule[]>;
  /**
   * Enforce the 2026-09 rules (required, conditional) on /crm/v3 too. HubSpot does not; tests use
   * it until the date-versioned paths land, so the same test runs on either family.
   */
  enforceValidationRulesOnV3?: boolean;
}

export interface Problem {
  code: string;
  message: string;
  property: string;
  /** Whether it is a 2026-09 rule (required, conditional) or a property validation (format). */
  rule: 'required' | 'format';
}

/** A write the rules refused, as the fake saw it (tests prove "never sent again" with these). */
export interface Refusal {
  portalId: string;
  objectType: RuleObjectType;
  version: string;
  properties: Record<string, string>;
  problems: Problem[];
}

/** The API version a CRM request names: "v3", or a date version such as "2026-09". */
export function apiVersionOf(path: string): string {
  const parts = path.split('/').filter(Boolean);
  // /crm/v3/objects/…, /crm/objects/2026-09/…, /crm/property-validations/2026-09/…
  const dated = parts.find((p) => p.length === 7 && p[4] === '-' && Number.isInteger(Number(p.slice(0, 4))) && Number.isInteger(Number(p.slice(5))));
  if (dated) return dated;
  return parts.find((p) => p.length >= 2 && p[0] === 'v' && Number.isInteger(Number(p.slice(1)))) ?? 'v3';
}

/** Whether a version enforces the admin's required and conditional rules (date versions from 2026-09 on). */
export function enforcesWriteRules(version: string, onV3: boolean): boolean {
  if (version.length === 7 && version[4] === '-') return version >= '2026-09';
  return onV3;
}

const OBJECT_TYPE_IDS: Record<string, RuleObjectType> = { '0-1': 'contacts', contacts: 'contacts', '0-7': 'products', products: 'products' };

export class ValidationRules {
  private readonly byPortal = new Map<string, PortalRule[]>();
  enforceValidationRulesOnV3: boolean;
  /** While true, reading the rules answers 403 MISSING_SCOPES (an app without the scope). */
  readForbidden = false;
  readonly refusals: Refusal[] = [];
  /** Reads of the property validations API that were answered 200. */
  reads = 0;

  constructor(options: ValidationRulesOptions = {}) {
    for (const [portalId, rules] of Object.entries(options.rules ?? {})) this.byPortal.set(portalId, [...rules]);
    this.enforceValidationRulesOnV3 = options.enforceValidationRulesOnV3 ?? false;
  }

  /** Replaces a portal's rules (an empty list removes them). */
  set(portalId: string, rules: PortalRule[]): void {
    this.byPortal.set(portalId, [...rules]);
  }

  get(portalId: string): PortalRule[] {
    return this.byPortal.get(portalId) ?? [];
  }

  /**
   * The problems of one write: `input` is what the write sets, `existing` the record's properties
   * before it (undefined when the write creates the record). Format rules look at the values the
   * write sets; required rules at the record as it would be after it.
   */
  check(portalId: string, objectType: RuleObjectType, version: string, input: Record<string, unknown>, existing: Record<string, string> | undefined): Problem[] {
    const rules = this.get(portalId).filter((r) => r.objectType === objectType);
    if (rules.length === 0) return [];
    const after: Record<string, string> = { ...(existing ?? {}) };
    for (const [k, v] of Object.entries(input ?? {})) after[k] = v === null || v === undefined ? '' : String(v);
    const problems: Problem[] = [];
    const writeRules = enforcesWriteRules(version, this.enforceValidationRulesOnV3);
    for (const rule of rules) {
      if (rule.kind === 'required') {
        if (!writeRules) continue;
        const applies = rule.when ? (after[rule.when.property] ?? '') === rule.when.equals : existing === undefined;
        if (!applies || (after[rule.property] ?? '').trim() !== '') continue;
        problems.push({
          rule: 'required',
          property: rule.property,
          code: rule.when ? 'MISSING_CONDITIONAL_REQUIRED_PROPERTY' : 'MISSING_REQUIRED_PROPERTY',
          message:
            rule.message ?? (rule.when ? `${rule.property} is required because of a conditional property rule based on [${rule.when.property}]` : `A value for ${rule.property} must be provided`),
        });
        continue;
      }
      const raw = input?.[rule.property];
      if (raw === undefined || raw === null || String(raw) === '') continue;
      const value = String(raw);
      const n = Number(rule.ruleArguments[0]);
      const broken =
        rule.ruleType === 'MIN_LENGTH'
          ? value.length < n
          : rule.ruleType === 'MAX_LENGTH'
            ? value.length > n
            : rule.ruleType === 'REGEX'
              ? !new RegExp(rule.ruleArguments[0] ?? '').test(value)
              : rule.ruleArguments[0] === 'NUMERIC_ONLY'
                ? ![...value].every((c) => c >= '0' && c <= '9')
                : ![...value].every((c) => c.toLowerCase() !== c.toUpperCase());
      if (!broken) continue;
      const defaults = {
        MIN_LENGTH: `Enter at least ${n} characters`,
        MAX_LENGTH: `Enter at most ${n} characters`,
        REGEX: 'Enter a value in the required format',
        ALPHANUMERIC: rule.ruleArguments[0] === 'NUMERIC_ONLY' ? 'Enter only numbers' : 'Enter only letters',
      };
      problems.push({
        rule: 'format',
        property: rule.property,
        code: rule.ruleType === 'ALPHANUMERIC' ? (rule.ruleArguments[0] === 'NUMERIC_ONLY' ? 'INVALID_NUMERIC' : 'INVALID_ALPHA') : `INVALID_${rule.ruleType}`,
        message: rule.message ?? defaults[rule.ruleType],
      });
    }
    if (problems.length) this.refusals.push({ portalId, objectType, version, properties: after, problems });
    return problems;
  }

  /** HubSpot's 400 body for `problems` (the 2026-09 shape, with the older message when only format rules broke). */
  errorBody(portalId: string, problems: Problem[]): Record<string, unknown> {
    const formatOnly = problems.every((p) => p.rule === 'format');
    return {
      status: 'error',
      category: 'VALIDATION_ERROR',
      message: formatOnly
        ? `Property values were not valid: ${JSON.stringify(problems.map((p) => ({ isValid: false, message: p.message, error: p.code, name: p.property, localizedErrorMessage: p.message, portalId: Number(portalId) })))}`
        : 'The property values provided are invalid',
      errors: problems.map((p) => ({ code: p.code, message: p.message, context: { propertyName: [p.property] } })),
    };
  }

  /** What `GET …/property-validations/{objectTypeId}` answers: the format rules, by property. */
  listed(
    portalId: string,
    objectType: RuleObjectType,
  ): { results: Array<{ propertyName: string; propertyValidationRules: Array<{ ruleType: string; ruleArguments: string[]; shouldApplyNormalization: boolean }> }> } {
    const byProperty = new Map<string, Array<{ ruleType: string; ruleArguments: string[]; shouldApplyNormalization: boolean }>>();
    for (const r of this.get(portalId)) {
      if (r.kind !== 'format' || r.objectType !== objectType) continue;
      const list = byProperty.get(r.property) ?? [];
      list.push({ ruleType: r.ruleType, ruleArguments: [...r.ruleArguments], shouldApplyNormalization: false });
      byProperty.set(r.property, list);
    }
    return { results: [...byProperty].map(([propertyName, propertyValidationRules]) => ({ propertyName, propertyValidationRules })) };
  }

  /**
   * The property validations API (both path families, behind the fake's gate: auth, rate limits,
   * faults) and the control routes `/__fake/validation-rules/:portalId` (GET, PUT `{ rules,
   * enforceValidationRulesOnV3?, readForbidden? }`, DELETE).
   */
  routes(app: express.Express, gate: (req: Request, res: Response, next: NextFunction) => void, reply: (res: Response, status: number, body?: unknown) => void): void {
    app.get('/__fake/validation-rules/:portalId', (req, res) => {
      res.json({
        rules: this.get(String(req.params.portalId)),
        enforceValidationRulesOnV3: this.enforceValidationRulesOnV3,
        readForbidden: this.readForbidden,
        refusals: this.refusals.filter((r) => r.portalId === req.params.portalId),
      });
    });
    app.put('/__fake/validation-rules/:portalId', (req, res) => {
      const b = (req.body ?? {}) as { rules?: PortalRule[]; enforceValidationRulesOnV3?: boolean; readForbidden?: boolean };
      this.set(String(req.params.portalId), b.rules ?? []);
      if (typeof b.enforceValidationRulesOnV3 === 'boolean') this.enforceValidationRulesOnV3 = b.enforceValidationRulesOnV3;
      if (typeof b.readForbidden === 'boolean') this.readForbidden = b.readForbidden;
      res.json({ ok: true });
    });
    app.delete('/__fake/validation-rules/:portalId', (req, res) => {
      this.set(String(req.params.portalId), []);
      res.json({ ok: true });
    });
    const read = (req: Request, res: Response) => {
      const objectType = OBJECT_TYPE_IDS[String(req.params.objectTypeId)];
      if (!objectType) return reply(res, 400, { status: 'error', category: 'VALIDATION_ERROR', message: `Unable to infer object type from: ${String(req.params.objectTypeId)}` });
      if (this.readForbidden) {
        return reply(res, 403, {
          status: 'error',
          category: 'MISSING_SCOPES',
          message: "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
          errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: [objectType === 'contacts' ? 'crm.objects.contacts.read' : 'e-commerce'] } }],
        });
      }
      this.reads += 1;
      const listed = this.listed(String(res.locals.portalId), objectType);
      if (req.params.propertyName) {
        const one = listed.results.find((r) => r.propertyName === req.params.propertyName);
        return reply(res, 200, { results: one?.propertyValidationRules ?? [] });
      }
      reply(res, 200, listed);
    };
    app.use(['/crm/property-validations', '/crm/v3/property-validations'], gate);
    app.get(['/crm/v3/property-validations/:objectTypeId', '/crm/property-validations/:version/:objectTypeId'], read);
    app.get(['/crm/v3/property-validations/:objectTypeId/:propertyName', '/crm/property-validations/:version/:objectTypeId/:propertyName'], read);
  }
}
