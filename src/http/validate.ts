import { Ajv, type ErrorObject, type JSONSchemaType, type Schema } from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types/index.js';
import addFormatsModule from 'ajv-formats';
import { type FieldError, validationFailed } from '../errors.js';

// ajv-formats is CommonJS with a default export; under nodenext it arrives one level down.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv, formats: string[]) => Ajv;

/**
 * What validation has cost since the process started, in units that do not depend on how busy the
 * machine is: characters handed to the schemas' patterns and formats, and ajv errors produced.
 * Every pattern is linear in its input (test/validationCost.integration.test.ts proves each one
 * with redos-detector), so these two numbers bound the time validation takes; the validation-cost
 * test asserts on them instead of on a clock.
 */
export const validationCost = { patternChars: 0, errors: 0 };

/** ajv's RegExp engine, metered: the same RegExp, counting the characters it is asked to test. */
const meteredRegExp: RegExpEngine = Object.assign(
  (pattern: string, flags: string) => {
    const re = new RegExp(pattern, flags);
    return {
      test: (s: string) => {
        validationCost.patternChars += s.length;
        return re.test(s);
      },
      // ajv keys its compiled patterns by this string.
      toString: () => re.toString(),
    };
  },
  { code: 'new RegExp' },
);

/** The one ajv instance: every schema is compiled once, at module load. */
export const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, coerceTypes: false, useDefaults: false, code: { regExp: meteredRegExp } });
addFormats(ajv, ['date', 'uri', 'date-time']);

/**
 * ajv-formats' email regex (its "full" set, which an array of names selects), rewritten so that no
 * input can match it two ways: its domain labels (`[a-z0-9](?:[a-z0-9-]*[a-z0-9])?`) can split a
 * run of letters between the two classes in many ways, which redos-detector counts as unbounded
 * backtracking. Here a label is runs of letters and digits joined by runs of hyphens: the same
 * strings (it starts and ends with a letter or digit), matched one way only. It accepts exactly
 * what the old one did (src/http/validate.test.ts compares them).
 */
const EMAIL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[a-z0-9]+(?:-+[a-z0-9]+)*(?:\.[a-z0-9]+(?:-+[a-z0-9]+)*)+$/i;
export function isEmail(s: string): boolean {
  validationCost.patternChars += s.length;
  return EMAIL.test(s);
}
ajv.addFormat('email', { type: 'string', validate: isEmail });

/** Largest value of a bigint identity column (2^63 − 1): our own rows' ids never pass it. */
const MAX_ROW_ID = 9_223_372_036_854_775_807n;
const ROW_ID = /^[1-9][0-9]{0,18}$/;

/**
 * An id of one of our rows (invoice, sync run, failure): digits, 1 … 2^63 − 1. A 19-digit number
 * past 2^63 − 1 used to reach PostgreSQL, which refused it as out of range for bigint: a 500.
 * Every path id and `before` cursor goes through this one check.
 */
export function isRowId(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  validationCost.patternChars += value.length;
  if (!ROW_ID.test(value)) return false;
  return value.length < 19 || BigInt(value) <= MAX_ROW_ID;
}
ajv.addFormat('row-id', { type: 'string', validate: isRowId });

/** Schema fragment for a row id in a query or body; `description` is the message when it is not one. */
export const rowId = (description: string) => ({ type: 'string', format: 'row-id', description }) as const;

/**
 * A second instance for schemas that describe other parties' formats (HubSpot's card response):
 * written for readability with if/then, which ajv's strict mode rejects.
 */
export const lenientAjv = new Ajv({ allErrors: true, strict: false });
addFormats(lenientAjv, ['uri']);

/*
 * Size first. With allErrors, ajv runs every keyword on every value: a 240,000-character string
 * still goes through its pattern although it is far past its maxLength, and every element past
 * maxItems is still validated and reported. So each schema is compiled twice: once reduced to its
 * size limits (string lengths, array lengths, numbers of fields) and WITHOUT allErrors, so it stops
 * at the first value that is too big; and once in full. The full schema only ever sees data that
 * passed the size check, which bounds what its patterns read and how many errors it can produce.
 * A value whose schema sets no limit gets a generous default; an object that allows no unknown
 * fields may have at most SLACK_FIELDS of them (each is reported by name), not 60,000.
 */
const sizeAjv = new Ajv({ allErrors: false, strict: false, allowUnionTypes: true });
const DEFAULT_MAX_LENGTH = 10_000;
const DEFAULT_MAX_ITEMS = 1_000;
const DEFAULT_MAX_FIELDS = 1_000;
const SLACK_FIELDS = 10;

/** Keywords the size pass understands. Anything else (anyOf, if, $ref, …) is refused at compile time, so no schema escapes it. */
const KNOWN_KEYWORDS = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'description',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'minimum',
  'maximum',
]);

type SchemaNode = Record<string, unknown>;

function sizeSchema(node: SchemaNode, at: string): SchemaNode {
  for (const key of Object.keys(node)) {
    if (!KNOWN_KEYWORDS.has(key))
      throw new Error(`compile(): "${key}" at ${at || '/'} is not supported by the size-first check in src/http/validate.ts; write the schema without it or teach sizeSchema() its limits`);
  }
  const types = node.type === undefined ? undefined : ([] as unknown[]).concat(node.type);
  // A value with no type may be anything (unless an enum or const pins it to a few values).
  const may = (t: string) => (types === undefined ? node.enum === undefined && node.const === undefined : types.includes(t));
  const out: SchemaNode = {};
  if (may('string')) out.maxLength = node.maxLength ?? DEFAULT_MAX_LENGTH;
  if (may('array')) {
    out.maxItems = node.maxItems ?? DEFAULT_MAX_ITEMS;
    if (node.items !== undefined) {
      if (typeof node.items !== 'object' || node.items === null || Array.isArray(node.items)) throw new Error(`compile(): items at ${at || '/'} must be one schema`);
      out.items = sizeSchema(node.items as SchemaNode, `${at}/items`);
    }
  }
  if (may('object')) {
    const props = (node.properties ?? {}) as Record<string, SchemaNode>;
    if (node.additionalProperties !== undefined && typeof node.additionalProperties !== 'boolean') throw new Error(`compile(): additionalProperties at ${at || '/'} must be true or false`);
    const declared = node.maxProperties as number | undefined;
    out.maxProperties = node.additionalProperties === false ? Math.min(declared ?? Infinity, Object.keys(props).length + SLACK_FIELDS) : (declared ?? DEFAULT_MAX_FIELDS);
    out.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, sizeSchema(v, `${at}/properties/${k}`)]));
  }
  return out;
}

/** A compiled schema: call it, then read `errors` when it returns false. */
export interface Validator<T> {
  (data: unknown): data is T;
  errors: ErrorObject[] | null;
  /** How often it ran (the validation-cost test checks that it reached every schema). */
  calls: number;
  readonly schema: object;
  /** Checks a schema cannot state (a currency that exists, a locale Intl knows), run beside it. */
  readonly refine?: (data: unknown) => FieldError[];
}

export interface CompileOptions {
  /**
   * Problems the schema cannot see, found in the raw value whether or not the schema passes, and
   * reported with the schema's in one 400. It must read only what it checks, and bound its work.
   */
  refine?: (data: unknown) => FieldError[];
}

/** Every schema compiled with compile(), for the tests that check them all. */
export const compiledSchemas: Array<Validator<unknown>> = [];

export function compile<T>(schema: Schema | JSONSchemaType<T>, options: CompileOptions = {}): Validator<T> {
  const sizes = sizeAjv.compile(sizeSchema(schema as SchemaNode, ''));
  const full = ajv.compile<T>(schema as Schema);
  const validate = ((data: unknown): data is T => {
    validate.calls += 1;
    const step = sizes(data) ? full : sizes;
    const ok = step(data);
    validate.errors = step.errors ?? null;
    validationCost.errors += validate.errors?.length ?? 0;
    return ok && step === full;
  }) as Validator<T>;
  validate.errors = null;
  validate.calls = 0;
  Object.defineProperty(validate, 'schema', { value: schema, enumerable: true });
  if (options.refine) Object.defineProperty(validate, 'refine', { value: options.refine, enumerable: true });
  compiledSchemas.push(validate as Validator<unknown>);
  return validate;
}

/** `/lines/0/quantity` → `lines[0].quantity`, prefixed with where the value came from. */
function fieldPath(instancePath: string, prefix: string): string {
  let path = prefix;
  for (const part of instancePath.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(key) ? `[${key}]` : path ? `.${key}` : key;
  }
  return path;
}

/** Turns ajv errors into one entry per invalid field, in words a caller can act on. */
export function toFieldErrors(errors: readonly ErrorObject[] | null | undefined, prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    let field = fieldPath(e.instancePath, prefix);
    let message: string;
    switch (e.keyword) {
      case 'required':
        field = fieldPath(`${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`, prefix);
        message = 'is required';
        break;
      case 'additionalProperties':
        field = fieldPath(`${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`, prefix);
        message = 'is not a known field';
        break;
      case 'maxProperties':
        message = `has too many fields (more than ${(e.params as { limit: number }).limit}): send only the known ones`;
        break;
      case 'enum':
        message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'type':
        message = `must be ${(e.params as { type: string | string[] }).type.toString().replace(',', ' or ')}`;
        // A list where one value belongs is, in a query string, the parameter given twice.
        if (Array.isArray(e.data) && !String((e.params as { type: string | string[] }).type).includes('array')) message += ', given once (it was given as a list)';
        break;
      case 'format':
        message =
          (e.parentSchema as { description?: string } | undefined)?.description ??
          `must be a valid ${(e.params as { format: string }).format === 'date' ? 'date (YYYY-MM-DD)' : (e.params as { format: string }).format}`;
        break;
      case 'pattern':
        message = (e.parentSchema as { description?: string } | undefined)?.description ?? `has an invalid format`;
        break;
      default:
        message = e.message ?? 'is invalid';
    }
    const id = `${field}|${message}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push({ field: field || '(body)', message });
    }
  }
  return out;
}

/** Validates and returns `value`, or throws a 400 naming each invalid field. */
export function check<T>(validate: Validator<T>, value: unknown, prefix = ''): T {
  const extra = validate.refine?.(value) ?? [];
  if (validate(value) && extra.length === 0) return value;
  throw validationFailed([...toFieldErrors(validate.errors, prefix), ...extra]);
}

/** The type a compiled schema checks: `Checked<typeof validateX>`. */
export type Checked<V> = V extends Validator<infer T> ? T : never;
