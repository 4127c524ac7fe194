import type { Knex } from 'knex';
import type { CatalogRecords } from '../catalog/catalogKinds.js';
import { type DbContact, type DbProduct, toContact, toProduct } from '../catalog/catalogRepo.js';
import type { Db } from '../db/db.js';
import type { Violation } from '../hubspot/hubspotApi.js';
import { RUN_STALE_SECONDS } from './syncRunRepo.js';

/**
 * The dedupe table (sync_state). One row per (portal, record): the HubSpot id once known, the
 * record version HubSpot holds (pushed_version), and where the record stands. A record needs a
 * push when its version is ahead of pushed_version. The strategy:
 * - records are claimed with FOR UPDATE SKIP LOCKED, so workers take disjoint batches without
 *   waiting on each other;
 * - a claim holds while the claiming worker's run is alive (running, heartbeat fresher than
 *   RUN_STALE_SECONDS, see syncRunRepo.ts): several workers never push the same record at once,
 *   and a dead worker's claims lapse with its run, with nothing to renew or release; a row taken
 *   over that way is flagged in flight, since the dead worker may have sent it;
 * - a retry waits in next_attempt_at (backoff with jitter, decided by retryPolicy.ts and written
 *   here by `record`); claims take only rows that are due.
 */

export type ObjectKind = 'contact' | 'product';
/** What sync_state holds rows for: the catalog's records, and the deals and timeline notes of invoice billing (dealStateRepo.ts). */
export type StateKind = ObjectKind | 'deal' | 'note';
export type SyncStateName = 'pending' | 'synced' | 'failed' | 'skipped' | 'conflict';

/** A record claimed for a push: where it stands in sync_state, and its content as of the claim. */
export interface ClaimedRecord<K extends ObjectKind = ObjectKind> {
  stateId: string;
  externalId: string;
  hubspotId: string | null;
  /**
   * Set when an earlier push of this row may have reached HubSpot without us hearing back: its
   * reply was lost, or the worker that had claimed it died.
   */
  inFlightSince: Date | null;
  /** Contacts only: every live contact with this email, itself included (more than one: HubSpot would merge them). */
  emailSharedBy: string[];
  attempts: number;
  version: string;
  contentHash: string;
  archived: boolean;
  content: CatalogRecords[K];
}

const TABLE: Record<ObjectKind, 'contacts' | 'products'> = { contact: 'contacts', product: 'products' };
export const ALL_KINDS: readonly StateKind[] = ['contact', 'product', 'deal', 'note'];

/** Records enqueued per statement: the first ones are pushed while the rest are still being enqueued. */
const ENQUEUE_FIRST_CHUNK = 1000;
const ENQUEUE_CHUNK = 5000;

/**
 * Makes sure every record has a row for the portal and marks changed ones pending, in chunks of
 * records (by external id), calling `onChunk` with how many became pending in each. Records that
 * failed permanently come back only once they change again (or an admin replays them). A conflict
 * never advances pushed_version, so it is looked at again on every run: the fix may come from the
 * other record.
 */
export async function enqueue(
  db: Db,
  portalId: string,
  onChunk?: (newlyPending: number) => void,
  beforeCount?: () => void,
  kinds: readonly StateKind[] = ALL_KINDS,
): Promise<{ pending: number; upToDate: number }> {
  for (const kind of ['contact', 'product'] as const) {
    const table = TABLE[kind];
    let after = '';
    // A small first chunk, so the lanes start at once; then larger ones.
    for (let size = ENQUEUE_FIRST_CHUNK; ; size = ENQUEUE_CHUNK) {
      const bound = (await db.raw(`select external_id from ${table} where external_id > ? order by external_id offset ${size - 1} limit 1`, [after])) as {
        rows: Array<{ external_id: string }>;
      };
      const upTo = bound.rows[0]?.external_id ?? null;
      // The range is spelled out on both tables so each statement reads only its chunk.
      const rRange = upTo === null ? `r.external_id > ?` : `r.external_id > ? and r.external_id <= ?`;
      const sRange = upTo === null ? `s.external_id > ?` : `s.external_id > ? and s.external_id <= ?`;
      const bounds = upTo === null ? [after] : [after, upTo];
      // No anti-join: while the table grows its statistics lag, and the planner would pick a plan
      // quadratic in the chunk; the unique key skips rows that exist in one index probe each.
      const inserted = (await db.raw(
        `insert into sync_state (portal_id, object_type, external_id)
         select ?, ?, r.external_id from ${table} r where ${rRange}
         on conflict (portal_id, object_type, external_id) do nothing`,
        [portalId, kind, ...bounds],
      )) as { rowCount: number | null };
      const marked = (await db.raw(
        `update sync_state s set state = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now()
         from ${table} r
         where s.portal_id = ? and s.object_type = ? and ${sRange} and ${rRange}
           and r.external_id = s.external_id and s.state <> 'pending'
           and r.version > s.pushed_version and (s.state <> 'failed' or s.failed_version is null or r.version > s.failed_version)`,
        [portalId, kind, ...bounds, ...bounds],
      )) as { rowCount: number | null };
      onChunk?.((inserted.rowCount ?? 0) + (marked.rowCount ?? 0));
      if (upTo === null) break;
      after = upTo;
    }
  }
  // The caller notes its progress just before the count: a batch finishing meanwhile is then in
  // neither or in the count only, never in both.
  beforeCount?.();
  const counts = (await db.raw(
    `select count(*) filter (where state = 'pending') as pending, count(*) filter (where state = 'synced') as up_to_date from sync_state where portal_id = ? and object_type = any(?::text[])`,
    [portalId, [...kinds]],
  )) as { rows: Array<{ pending: string; up_to_date: string }> };
  return { pending: Number(counts.rows[0]!.pending), upToDate: Number(counts.rows[0]!.up_to_date) };
}

/** What claim's query adds to the record's own row. */
interface DbClaimed {
  state_id: string;
  hubspot_id: string | null;
  in_flight_since: Date | null;
  attempts: number | string;
  email_shared_by?: string[] | null;
}

/**
 * The claim's first half, for every kind: picks up to `limit` due rows of one kind (bindings:
 * portal, kind, limit, worker) and claims them, as the `claimed` rows (id, external_id,
 * hubspot_id, in_flight_since, attempts, pushed_hash, and `tried`: an earlier attempt failed and
 * left its error, which a replay keeps) the caller joins its records to.
 */
export const CLAIM_CTE = `with picked as (
       select s.id from sync_state s
       where s.portal_id = ? and s.object_type = ? and s.state = 'pending' and s.next_attempt_at <= now()
         and (s.claimed_by is null or not exists (
           select 1 from sync_runs w
           where w.worker = s.claimed_by and w.status = 'running' and w.heartbeat_at > now() - make_interval(secs => ${RUN_STALE_SECONDS})))
       order by s.next_attempt_at, s.id
       limit ? for update skip locked
     ), claimed as (
       update sync_state s set claimed_by = ?, claimed_at = now(),
         in_flight_since = case when s.claimed_by is not null then coalesce(s.in_flight_since, s.claimed_at, now()) else s.in_flight_since end
       from picked where s.id = picked.id
       returning s.id, s.external_id, s.hubspot_id, s.in_flight_since, s.attempts, s.pushed_hash, (s.error is not null) as tried
     )`;

/**
 * Claims up to `limit` due rows of one kind for `worker`, with the record content as of now. A row
 * claimed by a worker whose run is no longer alive is taken too, and flagged in flight: that
 * worker may have sent it before it died.
 */
export async function claim<K extends ObjectKind>(db: Db, portalId: string, kind: K, worker: string, limit: number): Promise<Array<ClaimedRecord<K>>> {
  const table = TABLE[kind];
  const shared =
    kind === 'contact'
      ? `, (select array_agg(o.external_id order by o.external_id) from contacts o
           where r.email is not null and r.archived_at is null and o.archived_at is null
             and lower(o.email) = lower(r.email)) as email_shared_by`
      : '';
  const result = (await db.raw(
    `${CLAIM_CTE}
     select r.*, cl.id as state_id, cl.hubspot_id, cl.in_flight_since, cl.attempts${shared}
     from claimed cl join ${table} r on r.external_id = cl.external_id
     order by cl.id`,
    [portalId, kind, limit, worker],
  )) as { rows: Array<DbClaimed & (DbContact | DbProduct)> };
  return result.rows.map((r) => ({
    stateId: String(r.state_id),
    externalId: String(r.external_id),
    hubspotId: r.hubspot_id ?? null,
    inFlightSince: r.in_flight_since ?? null,
    emailSharedBy: r.email_shared_by ?? [],
    attempts: Number(r.attempts),
    version: String(r.version),
    contentHash: String(r.content_hash),
    archived: r.archived_at !== null && r.archived_at !== undefined,
    // The record's own row, mapped by its owner; the kind names the table it came from.
    content: (kind === 'contact' ? toContact(r as DbContact) : toProduct(r as DbProduct)) as CatalogRecords[K],
  }));
}

export interface Outcome {
  stateId: string;
  state: Exclude<SyncStateName, 'pending'> | 'pending';
  hubspotId: string | null;
  /** The version now in HubSpot (finished rows), or unchanged (retries). */
  pushedVersion: string | null;
  pushedHash: string | null;
  reason: string | null;
  error: unknown;
  failedVersion: string | null;
  attempts: number;
  nextAttemptAt: Date | null;
}

/** The version a row's record has now: a record that changed while in flight stays pending. */
const CURRENT_VERSION: Record<StateKind, string> = {
  contact: `(select r.version from contacts r where r.external_id = s.external_id)`,
  product: `(select r.version from products r where r.external_id = s.external_id)`,
  deal: `(select b.version from deal_billing b where b.portal_id = s.portal_id and b.deal_id = s.external_id::bigint)`,
  // A timeline event never changes once recorded.
  note: `1`,
};

/**
 * Writes the outcome of a batch and releases the claims, in one statement. Only rows this worker
 * still holds are written (a lease that ran out belongs to someone else now); a pushed version
 * never goes backwards; a record that changed while in flight stays pending.
 */
export async function record(db: Db, kind: StateKind, worker: string, outcomes: Outcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await db.raw(
    `update sync_state s set
       hubspot_id = coalesce(v.hubspot_id, s.hubspot_id),
       pushed_version = greatest(s.pushed_version, coalesce(v.pushed_version, s.pushed_version)),
       pushed_hash = coalesce(v.pushed_hash, s.pushed_hash),
       state = case when v.state in ('synced', 'skipped')
                     and ${CURRENT_VERSION[kind]} > coalesce(v.pushed_version, s.pushed_version)
                    then 'pending' else v.state end,
       reason = v.reason,
       error = v.error::jsonb,
       failed_version = coalesce(v.failed_version, case when v.state = 'failed' then s.failed_version end),
       attempts = v.attempts,
       next_attempt_at = coalesce(v.next_attempt_at, now()),
       in_flight_since = case when v.state = 'pending' and v.hubspot_id is null then coalesce(s.in_flight_since, now()) end,
       claimed_by = null,
       claimed_at = null,
       updated_at = now()
     from unnest(?::bigint[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::int[], ?::timestamptz[])
       as v(id, state, hubspot_id, pushed_version, pushed_hash, reason, error, failed_version, attempts, next_attempt_at)
     where s.id = v.id and s.claimed_by = ?`,
    // Arrays may hold nulls; knex's binding types do not say so.
    [
      outcomes.map((o) => o.stateId),
      outcomes.map((o) => o.state),
      outcomes.map((o) => o.hubspotId),
      outcomes.map((o) => o.pushedVersion),
      outcomes.map((o) => o.pushedHash),
      outcomes.map((o) => o.reason),
      outcomes.map((o) => (o.error === null || o.error === undefined ? null : JSON.stringify(o.error))),
      outcomes.map((o) => o.failedVersion),
      outcomes.map((o) => o.attempts),
      outcomes.map((o) => o.nextAttemptAt?.toISOString() ?? null),
      worker,
    ] as never,
  );
}

/** Gives claimed rows back untouched (a worker stopping before it sent them). */
export async function release(db: Db, stateIds: string[], worker: string): Promise<void> {
  if (stateIds.length === 0) return;
  await db.raw(`update sync_state set claimed_by = null, claimed_at = null where id = any(?::bigint[]) and claimed_by = ?`, [stateIds, worker]);
}

/** Pending rows of the portal (of `kinds` only, when given) and when the earliest becomes due (null when none). */
export async function pendingSummary(db: Db, portalId: string, kinds?: readonly StateKind[]): Promise<{ pending: number; dueAt: Date | null }> {
  const r = (await db.raw(`select count(*) as n, min(next_attempt_at) as due from sync_state where portal_id = ? and state = 'pending' and object_type = any(?::text[])`, [
    portalId,
    [...(kinds ?? ALL_KINDS)],
  ])) as {
    rows: Array<{ n: string; due: Date | null }>;
  };
  return { pending: Number(r.rows[0]!.n), dueAt: r.rows[0]!.due };
}

export interface SyncFailure {
  id: string;
  portalId: string;
  objectType: StateKind;
  externalId: string;
  state: SyncStateName;
  reason: string | null;
  error: {
    status: number | null;
    category: string | null;
    message: string;
    correlationId: string | null;
    /** A VALIDATION_ERROR's properties, each with HubSpot's (the rule's) message. */
    violations?: Violation[];
    /** Set when a HubSpot portal admin's validation rule refused the record. */
    refusedBy?: 'portal_rule';
    /** Set when the rule was read before the push and the record was not sent. */
    foundBeforeSending?: boolean;
  } | null;
  attempts: number;
  hubspotId: string | null;
  updatedAt: Date;
}

/** Records HubSpot refused (failed), and, on request, those skipped or in conflict. */
export async function listFailures(
  db: Db,
  filter: { portalId?: string | undefined; objectType?: StateKind | undefined; states: SyncStateName[]; limit: number; beforeId?: string | undefined },
): Promise<SyncFailure[]> {
  const q = db('sync_state').whereIn('state', filter.states).orderBy('id', 'desc').limit(filter.limit);
  if (filter.portalId) q.where({ portal_id: filter.portalId });
  if (filter.objectType) q.where({ object_type: filter.objectType });
  if (filter.beforeId) q.where('id', '<', filter.beforeId);
  const rows = (await q) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    id: String(r.id),
    portalId: String(r.portal_id),
    objectType: r.object_type as StateKind,
    externalId: String(r.external_id),
    state: r.state as SyncStateName,
    reason: (r.reason as string | null) ?? null,
    error: (typeof r.error === 'string' ? JSON.parse(r.error) : r.error) as SyncFailure['error'],
    attempts: Number(r.attempts),
    hubspotId: (r.hubspot_id as string | null) ?? null,
    updatedAt: r.updated_at as Date,
  }));
}

/** Puts a refused record back in line; returns its portal, or undefined when there is no such failure. */
export async function replay(db: Db, id: string): Promise<{ portalId: string } | undefined> {
  const r = (await db.raw(
    `update sync_state set state = 'pending', attempts = 0, failed_version = null, next_attempt_at = now(), updated_at = now()
     where id = ? and state in ('failed', 'conflict', 'skipped') returning portal_id`,
    [id],
  )) as { rows: Array<{ portal_id: string }> };
  return r.rows[0] ? { portalId: String(r.rows[0].portal_id) } : undefined;
}

/**
 * Makes every record of a kind already in HubSpot due to be sent again (by its HubSpot id, so no
 * duplicate): after the products' unique property is renamed, each must carry the new one too.
 */
export async function resendPushed(db: Db | Knex.Transaction, portalId: string, kind: ObjectKind, now: Date): Promise<void> {
  await db('sync_state').where({ portal_id: portalId, object_type: kind }).whereNotNull('hubspot_id').update({ pushed_version: 0, pushed_hash: null, updated_at: now });
}
