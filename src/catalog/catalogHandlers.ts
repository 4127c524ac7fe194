import { AppError, type FieldError, MAX_DETAILS, notFound, validationFailed } from '../errors.js';
import type { Handler } from '../http/handler.js';
import type { NextFunction, Request, Response } from 'express';
import { compile, toFieldErrors, type Validator } from '../http/validate.js';
import { type CatalogKind, type CatalogRecord, contactKind, EXTERNAL_ID_PATTERN, productKind } from './catalogKinds.js';
import * as catalogRepo from './catalogRepo.js';

/** Most items one batch request may carry. */
export const MAX_BATCH_ITEMS = 1000;

const externalIdRule = {
  type: 'string',
  pattern: EXTERNAL_ID_PATTERN,
  description: 'must be 1-100 characters: letters, digits and . _ : @ / - (starting with a letter or digit)',
} as const;
const EXTERNAL_ID = new RegExp(EXTERNAL_ID_PATTERN);

function compileKind<I>(kind: CatalogKind<I>) {
  const schema = kind.schema as { properties: Record<string, unknown>; required?: readonly string[] };
  return {
    single: compile<I>(kind.schema),
    item: compile<I & { externalId: string }>({
      ...schema,
      required: ['externalId', ...(schema.required ?? [])],
      properties: { externalId: externalIdRule, ...schema.properties },
    }),
    batch: compile<{ items: unknown[] }>({
      type: 'object',
      additionalProperties: false,
      required: ['items'],
      properties: { items: { type: 'array', minItems: 1, maxItems: MAX_BATCH_ITEMS } },
    }),
  };
}

const validators = { contact: compileKind(contactKind), product: compileKind(productKind) };

/** The path's external id (a 400 naming it when it is not one). */
export function recordParams(params: Record<string, string>): { externalId: string } {
  const id = String(params.externalId);
  if (!EXTERNAL_ID.test(id)) throw validationFailed([{ field: 'externalId', message: externalIdRule.description }]);
  return { externalId: id };
}

/** The schema of one record's body (PUT) for a kind. */
export const recordSchema = <I>(kind: CatalogKind<I>) => validators[kind.name].single as unknown as Validator<I>;

/** The schema of a batch's envelope (`{ items: [...] }`) for a kind; each item is checked by postBatch. */
export const batchSchema = <I>(kind: CatalogKind<I>) => validators[kind.name].batch;

/**
 * Guard before a batch's schema: counted first, so an oversized batch is the 413 that says to
 * split it, not a 400 about maxItems.
 */
export function refuseOversizedBatch(req: Request, _res: Response, next: NextFunction): void {
  const raw = (req.body ?? {}) as { items?: unknown };
  if (Array.isArray(raw.items) && raw.items.length > MAX_BATCH_ITEMS) {
    throw new AppError('too_many_items', 413, `A batch holds at most ${MAX_BATCH_ITEMS} items; this one has ${raw.items.length}. Split it into several requests.`, {
      max: MAX_BATCH_ITEMS,
      received: raw.items.length,
    });
  }
  next();
}

function presentRecord<I>(kind: CatalogKind<I>, rec: CatalogRecord) {
  return {
    ...kind.present(rec),
    archived: rec.archivedAt !== null,
    archivedAt: rec.archivedAt,
    version: rec.version,
    createdAt: rec.createdAt,
    updatedAt: rec.updatedAt,
  };
}

/** PUT /api/v1/{kind}s/{externalId}: create or replace one record (201 when new). */
export function putRecord<I>(kind: CatalogKind<I>): Handler<{ params: { externalId: string }; body: I }> {
  return async (deps, _req, res, { params: { externalId }, body: input }) => {
    const problems = kind.check(input);
    if (problems.length > 0) throw validationFailed(problems);
    const outcomes = await catalogRepo.upsertMany(deps.db, kind, [{ externalId, input }], deps.clock.now());
    const rec = await catalogRepo.find(deps.db, kind, externalId);
    const outcome = outcomes.get(externalId);
    res.status(outcome === 'created' ? 201 : 200).json({ ...presentRecord(kind, rec!), outcome });
  };
}

/**
 * POST /api/v1/{kind}s/batch: up to 1,000 records, all or nothing. Every item is checked first and
 * every problem is reported (as items[i].field); nothing is written unless all are valid.
 */
export function postBatch<I>(kind: CatalogKind<I>): Handler<{ body: { items: unknown[] } }> {
  return async (deps, _req, res, { body }) => {
    // Every item is checked and every problem counted, but only the first MAX_DETAILS are kept:
    // the answer lists those and says how many more there were.
    const problems: FieldError[] = [];
    let problemCount = 0;
    const report = (found: FieldError[]) => {
      problemCount += found.length;
      for (const p of found) if (problems.length < MAX_DETAILS) problems.push(p);
    };
    const firstIndex = new Map<string, number>();
    const items: Array<{ externalId: string; input: I }> = [];
    const validateItem = validators[kind.name].item;
    body.items.forEach((raw, i) => {
      if (!validateItem(raw)) {
        report(toFieldErrors(validateItem.errors, `items[${i}]`));
        return;
      }
      const { externalId, ...input } = raw as I & { externalId: string };
      report(kind.check(input as I).map((p) => ({ field: `items[${i}].${p.field}`, message: p.message })));
      const seen = firstIndex.get(externalId);
      if (seen !== undefined) report([{ field: `items[${i}].externalId`, message: `repeats items[${seen}].externalId (${externalId})` }]);
      else firstIndex.set(externalId, i);
      items.push({ externalId, input: input as I });
    });
    if (problemCount > 0) throw validationFailed(problems, `${problemCount} problem(s) in the batch; nothing was saved`, problemCount);
    const outcomes = await catalogRepo.upsertMany(deps.db, kind, items, deps.clock.now());
    const counts = { created: 0, updated: 0, unchanged: 0 };
    const results = items.map(({ externalId }) => {
      const outcome = outcomes.get(externalId) ?? 'unchanged';
      counts[outcome] += 1;
      return { externalId, outcome };
    });
    res.status(200).json({ results, counts });
  };
}

/** GET /api/v1/{kind}s/{externalId}: one record, archived ones included (flagged). */
export function getRecord<I>(kind: CatalogKind<I>): Handler<{ params: { externalId: string } }> {
  return async (deps, _req, res, { params: { externalId } }) => {
    const rec = await catalogRepo.find(deps.db, kind, externalId);
    if (!rec) throw notFound(`${kind.label} ${externalId}`);
    res.json(presentRecord(kind, rec));
  };
}

/** DELETE /api/v1/{kind}s/{externalId}: archive (tombstone); repeating it is harmless. */
export function deleteRecord<I>(kind: CatalogKind<I>): Handler<{ params: { externalId: string } }> {
  return async (deps, _req, res, { params: { externalId } }) => {
    const found = await catalogRepo.archive(deps.db, kind, externalId, deps.clock.now());
    if (!found) throw notFound(`${kind.label} ${externalId}`);
    const rec = await catalogRepo.find(deps.db, kind, externalId);
    res.json(presentRecord(kind, rec!));
  };
}
