import type { PropertyValidation, Violation } from '../hubspot/hubspotApi.js';
import type { StateKind } from './syncStateRepo.js';

/**
 * A portal admin's validation rules, as the push meets them.
 *
 * Since API version 2026-09 (2026-09-08) HubSpot applies an admin's required and conditionally
 * required properties to API writes; its property validation rules (format: length, pattern,
 * letters or digits only) have applied to API writes of every version since 2023-07. A write that
 * breaks one gets 400 VALIDATION_ERROR naming the property and the rule's message (see
 * hubspotApi.violationsIn). Sources: developers.hubspot.com/changelog/crm-api-write-validation-enforcement
 * and developers.hubspot.com/docs/api-reference/latest/crm/property-validations/guide.
 *
 * Such a refusal is permanent: the same record is refused again until someone changes it (or the
 * rule), so it is never retried; its failure says so in plain words.
 *
 * Only the format rules can be read before a push (the property validations API); HubSpot
 * documents no API for the required fields of the Create Record form or the conditional rules,
 * so those are learned from the first refusal of each record.
 */

/** HubSpot's codes for a value it takes in no portal (not an admin's rule): our data, not their rule. */
const NOT_A_RULE = new Set(['PROPERTY_DOESNT_EXIST', 'READ_ONLY_VALUE', 'INVALID_EMAIL', 'INVALID_DECIMAL', 'INVALID_INTEGER', 'INVALID_OPTION', 'INVALID_DATE', 'LEADING_TRAILING_WHITESPACE']);

/** Whether the violations come from a portal admin's validation rule (any code not known to be HubSpot's own check). */
export function isPortalRule(violations: Violation[]): boolean {
  return violations.length > 0 && violations.some((v) => !NOT_A_RULE.has(v.code ?? ''));
}

const noun = (kind: StateKind) => (kind === 'note' ? 'timeline note' : kind);

/** "phone: “A value for phone must be provided”; zip: “Enter only numbers”" */
export function describeViolations(violations: Violation[]): string {
  return violations.map((v) => (v.property ? `${v.property}: “${v.message}”` : `“${v.message}”`)).join('; ');
}

/**
 * The failure's reason, in plain words: which rule refused the record, and what to do about it.
 * `upFront`: found against the rules read before the push, so the record was not sent.
 */
export function refusalReason(kind: StateKind, violations: Violation[], upFront = false): string {
  if (!isPortalRule(violations)) {
    return `HubSpot refused this ${noun(kind)}'s values: ${describeViolations(violations)}. Fix the record in the accounting system, then replay it.`;
  }
  const which = violations.filter((v) => !NOT_A_RULE.has(v.code ?? ''));
  const lead = upFront
    ? `Not sent: it breaks a validation rule a HubSpot portal admin set, read from the portal before the push`
    : `A validation rule a HubSpot portal admin set refused this ${noun(kind)}`;
  return `${lead} (${describeViolations(which)}). Fix the record in the accounting system, or ask the portal admin to change the rule, then replay it.`;
}

/** The rules read from the portal, by kind and property; `unreadable` says why there are none. */
export interface PortalRules {
  contact: PropertyValidation[];
  product: PropertyValidation[];
  unreadable?: string;
}

export const NO_RULES: PortalRules = { contact: [], product: [] };

const isDigit = (c: string) => c >= '0' && c <= '9';
/** A letter that has case (Latin, Greek, Cyrillic…): surely not a digit, whatever HubSpot counts as one. */
const isCasedLetter = (c: string) => c.toLowerCase() !== c.toUpperCase();

/**
 * The lengths HubSpot could be counting: UTF-16 units or characters, of the value as sent or
 * trimmed (when the rule normalizes). A record is refused up front only when every one of them
 * breaks the rule: a refusal here is permanent, so the check must never be stricter than HubSpot.
 */
const lengthsOf = (value: string) => [value, value.trim()].flatMap((v) => [v.length, [...v].length]);

/**
 * The rules a record's values surely break, among those the service can judge: MIN_LENGTH,
 * MAX_LENGTH, ALPHANUMERIC (NUMERIC_ONLY, ALPHA_ONLY), MIN_NUMBER, MAX_NUMBER. Every other rule
 * type is left to HubSpot (a REGEX written by a portal admin is never run here: a pattern from
 * outside could take the worker down), and so is every case that depends on how HubSpot counts:
 * letters-only is judged only by ASCII digits, digits-only only by cased letters. Empty values are
 * not judged: HubSpot checks what is set.
 */
export function breaches(rules: PropertyValidation[], properties: Record<string, string>): Violation[] {
  const out: Violation[] = [];
  for (const rule of rules) {
    const value = properties[rule.property];
    if (value === undefined || value === '') continue;
    const arg = rule.ruleArguments[0] ?? '';
    const n = Number(arg);
    const chars = [...value];
    const lengths = lengthsOf(value);
    let message: string | undefined;
    switch (rule.ruleType) {
      case 'MIN_LENGTH':
        if (Number.isFinite(n) && lengths.every((l) => l < n)) message = `must have at least ${n} characters (it has ${chars.length})`;
        break;
      case 'MAX_LENGTH':
        if (Number.isFinite(n) && lengths.every((l) => l > n)) message = `must have at most ${n} characters (it has ${chars.length})`;
        break;
      case 'ALPHANUMERIC':
        if (arg === 'NUMERIC_ONLY' && chars.some(isCasedLetter)) message = 'may hold digits only';
        if (arg === 'ALPHA_ONLY' && chars.some(isDigit)) message = 'may hold letters only';
        break;
      case 'MIN_NUMBER':
        if (Number.isFinite(n) && Number.isFinite(Number(value)) && Number(value) < n) message = `must be at least ${n}`;
        break;
      case 'MAX_NUMBER':
        if (Number.isFinite(n) && Number.isFinite(Number(value)) && Number(value) > n) message = `must be at most ${n}`;
        break;
      default:
        break;
    }
    if (message) out.push({ property: rule.property, code: rule.ruleType, message: `${rule.property} ${message} (the portal's ${rule.ruleType}${arg ? ` ${arg}` : ''} rule)` });
  }
  return out;
}
