import fs from 'node:fs';
import { parse } from 'csv-parse';
import { type Api, ApiError } from './apiClient.js';

/**
 * CSV import of contacts or products through the running service's /api/v1 batch endpoints:
 * rows go in batches of up to 1,000; a row the service refuses is reported with its line number,
 * column and reason, and its batchmates are sent again without it, so one bad row never holds
 * back the others. Re-running an import is safe: records are keyed by external id and unchanged
 * ones are left alone.
 */

export type ImportKind = 'contacts' | 'products';

type Setter = (item: Record<string, unknown>, value: string) => void;
const field =
  (name: string): Setter =>
  (item, value) => {
    item[name] = value;
  };
const addressField =
  (name: string): Setter =>
  (item, value) => {
    ((item.address ??= {}) as Record<string, string>)[name] = value;
  };

/** Accepted column names (compared lower-cased, without spaces, dashes or underscores). */
const COLUMNS: Record<ImportKind, Record<string, { api: string; set: Setter }>> = {
  contacts: {
    externalid: { api: 'externalId', set: field('externalId') },
    id: { api: 'externalId', set: field('externalId') },
    email: { api: 'email', set: field('email') },
    firstname: { api: 'firstName', set: field('firstName') },
    lastname: { api: 'lastName', set: field('lastName') },
    phone: { api: 'phone', set: field('phone') },
    company: { api: 'company', set: field('company') },
    line1: { api: 'address.line1', set: addressField('line1') },
    addressline1: { api: 'address.line1', set: addressField('line1') },
    street: { api: 'address.line1', set: addressField('line1') },
    line2: { api: 'address.line2', set: addressField('line2') },
    addressline2: { api: 'address.line2', set: addressField('line2') },
    city: { api: 'address.city', set: addressField('city') },
    region: { api: 'address.region', set: addressField('region') },
    state: { api: 'address.region', set: addressField('region') },
    postalcode: { api: 'address.postalCode', set: addressField('postalCode') },
    zip: { api: 'address.postalCode', set: addressField('postalCode') },
    country: { api: 'address.country', set: addressField('country') },
  },
  products: {
    externalid: { api: 'externalId', set: field('externalId') },
    id: { api: 'externalId', set: field('externalId') },
    sku: { api: 'sku', set: field('sku') },
    name: { api: 'name', set: field('name') },
    description: { api: 'description', set: field('description') },
    price: { api: 'price', set: field('price') },
    unitprice: { api: 'price', set: field('price') },
    currency: { api: 'currency', set: field('currency') },
    type: { api: 'type', set: field('type') },
  },
};

const normalise = (header: string) => header.toLowerCase().replace(/[\s_\-.]+/g, '');

export interface RowError {
  line: number;
  externalId: string | null;
  field: string | null;
  message: string;
}

export interface ImportProgress {
  bytes: number;
  totalBytes: number;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export interface ImportResult extends ImportProgress {
  errors: RowError[];
}

/** The file's header does not fit: nothing was sent. */
export class ImportHeaderError extends Error {}

interface Row {
  line: number;
  item: Record<string, unknown>;
}

export async function importCsv(api: Api, kind: ImportKind, file: string, options: { batchSize?: number; onProgress?: (p: ImportProgress) => void } = {}): Promise<ImportResult> {
  const batchSize = options.batchSize ?? 1000;
  const totalBytes = fs.statSync(file).size;
  const result: ImportResult = { bytes: 0, totalBytes, rows: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, errors: [] };
  const reject = (line: number, externalId: string | null, fieldName: string | null, message: string) => {
    result.errors.push({ line, externalId, field: fieldName, message });
  };

  const parser = fs.createReadStream(file).pipe(parse({ bom: true, columns: false, skip_empty_lines: true, trim: true, relax_column_count: true, info: true, max_record_size: 1_000_000 }));
  let setters: Array<{ header: string; api: string; set: Setter }> | undefined;
  const firstLine = new Map<string, number>();
  let batch: Row[] = [];

  const send = async (rows: Row[]): Promise<void> => {
    if (rows.length === 0) return;
    let pending = rows;
    // Refused rows are dropped and the rest go again. The service lists at most 100 problems per
    // answer, so a batch with more bad rows takes several rounds; each round must drop a row.
    while (pending.length > 0) {
      try {
        const answer = await api<{ counts: { created: number; updated: number; unchanged: number } }>('POST', `/${kind}/batch`, { items: pending.map((r) => r.item) });
        result.created += answer.counts.created;
        result.updated += answer.counts.updated;
        result.unchanged += answer.counts.unchanged;
        return;
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 400 || err.details.length === 0) throw err;
        const bad = new Map<number, Array<{ field: string; message: string }>>();
        for (const d of err.details) {
          const m = /^items\[(\d+)\]\.?(.*)$/.exec(d.field);
          if (!m) throw err; // not about one row: nothing to separate
          const list = bad.get(Number(m[1])) ?? [];
          list.push({ field: m[2] || '(row)', message: d.message });
          bad.set(Number(m[1]), list);
        }
        for (const [index, problems] of bad) {
          const row = pending[index];
          if (!row) throw err;
          for (const p of problems) reject(row.line, typeof row.item.externalId === 'string' ? row.item.externalId : null, csvColumn(setters!, p.field), p.message);
          result.rejected += 1;
        }
        pending = pending.filter((_, i) => !bad.has(i));
      }
    }
  };

  for await (const record of parser as AsyncIterable<{ record: string[]; info: { lines: number; bytes: number } }>) {
    const { record: cells, info } = record;
    if (!setters) {
      setters = headerSetters(kind, cells);
      continue;
    }
    result.rows += 1;
    result.bytes = info.bytes;
    if (cells.length !== setters.length) {
      reject(info.lines, null, null, `has ${cells.length} cells where the header has ${setters.length}`);
      result.rejected += 1;
      continue;
    }
    const item: Record<string, unknown> = {};
    cells.forEach((value, i) => {
      if (value !== '') setters![i]!.set(item, value);
    });
    const externalId = typeof item.externalId === 'string' ? item.externalId : '';
    if (!externalId) {
      reject(info.lines, null, csvColumn(setters, 'externalId'), 'is empty: every row needs its external id');
      result.rejected += 1;
      continue;
    }
    const seen = firstLine.get(externalId);
    if (seen !== undefined) {
      reject(info.lines, externalId, csvColumn(setters, 'externalId'), `repeats line ${seen}'s external id; the first one was kept`);
      result.rejected += 1;
      continue;
    }
    firstLine.set(externalId, info.lines);
    batch.push({ line: info.lines, item });
    if (batch.length >= batchSize) {
      await send(batch);
      batch = [];
      options.onProgress?.(result);
    }
  }
  if (!setters) throw new ImportHeaderError(`${file} is empty: the first line must name the columns`);
  await send(batch);
  result.bytes = totalBytes;
  options.onProgress?.(result);
  return result;
}

function headerSetters(kind: ImportKind, header: string[]): Array<{ header: string; api: string; set: Setter }> {
  const known = COLUMNS[kind];
  const unknown = header.filter((h) => !known[normalise(h)]);
  if (unknown.length > 0) {
    const names = [...new Set(Object.values(known).map((c) => c.api))].join(', ');
    throw new ImportHeaderError(`unknown column(s) ${unknown.map((u) => JSON.stringify(u)).join(', ')} for ${kind}; the columns are: ${names}`);
  }
  const setters = header.map((h) => ({ header: h, ...known[normalise(h)]! }));
  const apiNames = setters.map((s) => s.api);
  const twice = apiNames.filter((a, i) => apiNames.indexOf(a) !== i);
  if (twice.length > 0) throw new ImportHeaderError(`column(s) for ${[...new Set(twice)].join(', ')} appear twice in the header`);
  if (!apiNames.includes('externalId')) throw new ImportHeaderError(`the header has no externalId column (the record's id in the accounting system)`);
  if (kind === 'products') {
    const missing = ['name', 'price', 'currency'].filter((r) => !apiNames.includes(r));
    if (missing.length > 0) throw new ImportHeaderError(`products need the column(s) ${missing.join(', ')}`);
  }
  return setters;
}

/** The CSV column an API field came from (address.city → the "City" header), for the report. */
function csvColumn(setters: Array<{ header: string; api: string }>, apiField: string): string {
  const exact = setters.find((s) => s.api === apiField);
  if (exact) return exact.header;
  const parent = setters.find((s) => apiField.startsWith(`${s.api}.`) || s.api.startsWith(`${apiField}.`));
  return parent ? parent.header : apiField;
}
