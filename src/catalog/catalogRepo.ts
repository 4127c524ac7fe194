import type { Knex } from 'knex';
import type { Db } from '../db/db.js';
import { type CatalogKind, contentHash } from './catalogKinds.js';

type Conn = Db | Knex.Transaction;

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

export interface CatalogRecord {
  externalId: string;
  archivedAt: Date | null;
  version: string;
  createdAt: Date;
  updatedAt: Date;
  row: Record<string, unknown>;
}

function toRecord(row: Record<string, unknown>): CatalogRecord {
  return {
    externalId: String(row.external_id),
    archivedAt: (row.archived_at as Date | null) ?? null,
    version: String(row.version),
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
    row,
  };
}

/**
 * Creates or replaces records in one statement. A record whose content hash is unchanged (and that
 * is not archived) is left alone: no version bump, so the sync will not push it again. Replacing an
 * archived record revives it.
 */
export async function upsertMany<I>(
  db: Conn,
  kind: CatalogKind<I>,
  items: ReadonlyArray<{ externalId: string; input: I }>,
  now: Date,
): Promise<Map<string, UpsertOutcome>> {
  if (items.length === 0) return new Map();
  const rows = items.map(({ externalId, input }) => {
    const columns = kind.toColumns(input);
    const stored = Object.fromEntries(
      Object.entries(columns).map(([k, v]) => [k, v !== null && typeof v === 'object' ? JSON.stringify(v) : v]),
    );
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

export async function find<I>(db: Conn, kind: CatalogKind<I>, externalId: string): Promise<CatalogRecord | undefined> {
  const row = (await db(kind.table).where({ external_id: externalId }).first()) as Record<string, unknown> | undefined;
  return row ? toRecord(row) : undefined;
}

export async function findMany<I>(db: Conn, kind: CatalogKind<I>, externalIds: readonly string[]): Promise<Map<string, CatalogRecord>> {
  if (externalIds.length === 0) return new Map();
  const rows = (await db(kind.table).whereIn('external_id', [...new Set(externalIds)])) as Array<Record<string, unknown>>;
  return new Map(rows.map((r) => [String(r.external_id), toRecord(r)]));
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
export async function search<I>(db: Conn, kind: CatalogKind<I>, text: string, limit: number): Promise<CatalogRecord[]> {
  const q = text.trim().toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  const fields =
    kind.table === 'contacts'
      ? [`coalesce(first_name, '') || ' ' || coalesce(last_name, '')`, `coalesce(last_name, '')`, `coalesce(company, '')`, `coalesce(email, '')`]
      : [`coalesce(sku, '')`, `name`];
  const query = db(kind.table).whereNull('archived_at');
  if (q) {
    query.where((w) => {
      for (const f of fields) w.orWhereRaw(`lower(${f}) like ?`, [`%${q}%`]);
    });
    query.orderByRaw(`case when ${fields.map((f) => `lower(${f}) like ?`).join(' or ')} then 0 else 1 end`, fields.map(() => `${q}%`));
  }
  const rows = (await query.orderBy(kind.table === 'contacts' ? 'company' : 'name').orderBy('external_id').limit(limit)) as Array<Record<string, unknown>>;
  return rows.map(toRecord);
}
