import type { Knex } from 'knex';
import type { Db } from '../db/db.js';
import { type Address, type CatalogKind, type CatalogName, type CatalogRecords, type Contact, contentHash, type Product } from './catalogKinds.js';

type Conn = Db | Knex.Transaction;

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

interface DbStoredRecord {
  external_id: string;
  content_hash: string;
  version: string | number;
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A contacts row. */
export interface DbContact extends DbStoredRecord {
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  company: string | null;
  /** jsonb: parsed by the driver, but a raw query may hand it over as text. */
  address: Address | string | null;
}

/** A products row. */
export interface DbProduct extends DbStoredRecord {
  sku: string | null;
  name: string;
  description: string | null;
  price: string;
  /** char(3): padded by the database, trimmed here. */
  currency: string;
  type: Product['type'];
}

const stored = (r: DbStoredRecord) => ({
  externalId: String(r.external_id),
  archivedAt: r.archived_at ?? null,
  version: String(r.version),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** A contacts row as the domain sees it (the sync's claim reads the same rows). */
export function toContact(r: DbContact): Contact {
  return {
    ...stored(r),
    email: r.email,
    firstName: r.first_name,
    lastName: r.last_name,
    phone: r.phone,
    company: r.company,
    address: (typeof r.address === 'string' ? (JSON.parse(r.address) as Address) : r.address) ?? null,
  };
}

/** A products row as the domain sees it (the sync's claim reads the same rows). */
export function toProduct(r: DbProduct): Product {
  return {
    ...stored(r),
    sku: r.sku,
    name: r.name,
    description: r.description,
    price: String(r.price),
    currency: String(r.currency).trim(),
    type: r.type,
  };
}

/**
 * A row of `kind`'s table as its record type. The one cast: TypeScript cannot tie the kind's
 * table to its record type, the table names do.
 */
function toRecord<N extends CatalogName>(kind: CatalogKind<unknown, N>, row: DbContact | DbProduct): CatalogRecords[N] {
  return (kind.table === 'contacts' ? toContact(row as DbContact) : toProduct(row as DbProduct)) as CatalogRecords[N];
}

/**
 * Creates or replaces records in one statement. A record whose content hash is unchanged (and that
 * is not archived) is left alone: no version bump, so the sync will not push it again. Replacing an
 * archived record revives it.
 */
export async function upsertMany<I>(db: Conn, kind: CatalogKind<I>, items: ReadonlyArray<{ externalId: string; input: I }>, now: Date): Promise<Map<string, UpsertOutcome>> {
  if (items.length === 0) return new Map();
  const rows = items.map(({ externalId, input }) => {
    const columns = kind.toColumns(input);
    const stored = Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, v !== null && typeof v === 'object' ? JSON.stringify(v) : v]));
    return { external_id: externalId, ...stored, content_hash: contentHash(columns), version: 1, archived_at: null, created_at: now, updated_at: now };
  });
  const contentColumns = Object.keys(rows[0]!).filter((c) => !['external_id', 'version', 'created_at'].includes(c));
  const table = kind.table;
  const result = (await db.raw(
    `? on conflict (external_id) do update set ${contentColumns.map((c) => `${c} = excluded.${c}`).join(', ')},
       version = ${table}.version + 1
     where ${table}.content_hash <> excluded.content_hash or ${table}.archived_at is not null
     returning external_id, (xmax = 0) as inserted`,
    [db(table).insert(rows)],
  )) as { rows: Array<{ external_id: string; inserted: boolean }> };
  const outcomes = new Map<string, UpsertOutcome>(items.map((i) => [i.externalId, 'unchanged']));
  for (const r of result.rows) outcomes.set(r.external_id, r.inserted ? 'created' : 'updated');
  return outcomes;
}

/** One record, archived ones included. */
export async function find<I, N extends CatalogName>(db: Conn, kind: CatalogKind<I, N>, externalId: string): Promise<CatalogRecords[N] | undefined> {
  const row = (await db(kind.table).where({ external_id: externalId }).first()) as DbContact | DbProduct | undefined;
  return row ? toRecord(kind, row) : undefined;
}

/** The records that exist among `externalIds`, by external id. */
export async function findMany<I, N extends CatalogName>(db: Conn, kind: CatalogKind<I, N>, externalIds: readonly string[]): Promise<Map<string, CatalogRecords[N]>> {
  if (externalIds.length === 0) return new Map();
  const rows = (await db(kind.table).whereIn('external_id', [...new Set(externalIds)])) as Array<DbContact | DbProduct>;
  return new Map(rows.map((r) => [String(r.external_id), toRecord(kind, r)]));
}

/**
 * Archives a record (a tombstone: the row stays, the sync archives it in HubSpot). Returns false
 * when there is no such record; archiving twice is a no-op.
 */
export async function archive<I>(db: Conn, kind: CatalogKind<I>, externalId: string, now: Date): Promise<boolean> {
  const updated = await db(kind.table)
    .where({ external_id: externalId })
    .whereNull('archived_at')
    .update({ archived_at: now, updated_at: now, version: db.raw('version + 1') });
  if (updated > 0) return true;
  return (await find(db, kind, externalId)) !== undefined;
}

/**
 * Live records matching a search text, best matches first (a prefix of a name, email, SKU or
 * company before a match anywhere). The catalog is the accounting system's, typically thousands of
 * rows, so a scan is fine here.
 */
export async function search<I, N extends CatalogName>(db: Conn, kind: CatalogKind<I, N>, text: string, limit: number): Promise<Array<CatalogRecords[N]>> {
  const q = text
    .trim()
    .toLowerCase()
    .replace(/[\\%_]/g, (c) => `\\${c}`);
  const fields =
    kind.table === 'contacts'
      ? [`coalesce(first_name, '') || ' ' || coalesce(last_name, '')`, `coalesce(last_name, '')`, `coalesce(company, '')`, `coalesce(email, '')`]
      : [`coalesce(sku, '')`, `name`];
  const query = db(kind.table).whereNull('archived_at');
  if (q) {
    query.where((w) => {
      for (const f of fields) w.orWhereRaw(`lower(${f}) like ?`, [`%${q}%`]);
    });
    query.orderByRaw(
      `case when ${fields.map((f) => `lower(${f}) like ?`).join(' or ')} then 0 else 1 end`,
      fields.map(() => `${q}%`),
    );
  }
  const rows = (await query
    .orderBy(kind.table === 'contacts' ? 'company' : 'name')
    .orderBy('external_id')
    .limit(limit)) as Array<DbContact | DbProduct>;
  return rows.map((r) => toRecord(kind, r));
}
