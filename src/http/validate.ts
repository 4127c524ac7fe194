import { Ajv, type ErrorObject, type JSONSchemaType, type Schema, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { NextFunction, Request, Response } from 'express';
import { type FieldError, validationFailed } from '../errors.js';

// ajv-formats is CommonJS with a default export; under nodenext it arrives one level down.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv, formats: string[]) => Ajv;

/** The one ajv instance: every schema is compiled once, at module load. */
export const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, coerceTypes: false, useDefaults: false });
addFormats(ajv, ['date', 'email', 'uri', 'date-time']);

/** Largest value of a bigint identity column (2^63 − 1): our own rows' ids never pass it. */
const MAX_ROW_ID = 9_223_372_036_854_775_807n;
const ROW_ID = /^[1-9][0-9]{0,18}$/;

/**
 * An id of one of our rows (invoice, sync run, failure): digits, 1 … 2^63 − 1. A 19-digit number
 * past 2^63 − 1 used to reach PostgreSQL, which refused it as out of range for bigint: a 500.
 * Every path id and `before` cursor goes through this one check.
 */
export function isRowId(value: unknown): value is string {
  if (typeof value !== 'string' || !ROW_ID.test(value)) return false;
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

export function compile<T>(schema: Schema | JSONSchemaType<T>): ValidateFunction<T> {
  return ajv.compile<T>(schema as Schema);
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
      case 'enum':
        message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'type':
        message = `must be ${(e.params as { type: string | string[] }).type.toString().replace(',', ' or ')}`;
        // A list where one value belongs is, in a query string, the parameter given twice.
        if (Array.isArray(e.data) && !String((e.params as { type: string | string[] }).type).includes('array')) message += ', given once (it was given as a list)';
        break;
      case 'format':
        message = (e.parentSchema as { description?: string } | undefined)?.description ?? `must be a valid ${(e.params as { format: string }).format === 'date' ? 'date (YYYY-MM-DD)' : (e.params as { format: string }).format}`;
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
export function check<T>(validate: ValidateFunction<T>, value: unknown, prefix = ''): T {
  if (validate(value)) return value;
  throw validationFailed(toFieldErrors(validate.errors, prefix));
}

/** Middleware: validates req.body into res.locals.body. */
export function validateBody<T>(validate: ValidateFunction<T>) {
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.body = check(validate, req.body ?? {});
    next();
  };
}

/** Middleware: validates a copy of req.query (a getter in Express 5) into res.locals.query. */
export function validateQuery<T>(validate: ValidateFunction<T>) {
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.query = check(validate, { ...(req.query as Record<string, unknown>) });
    next();
  };
}
