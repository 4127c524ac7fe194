import type { Db } from '../db/db.js';
import type { DealEventDetail, DealEventKind } from '../invoices/dealMarks.js';
import type { DealEvent } from './dealNotes.js';
import { CLAIM_CTE } from './syncStateRepo.js';

/**
 * The deals and timeline notes of invoice billing in the dedupe table (sync_state), beside the
 * contacts and products and under the same rules (claims that lapse with their run, in-flight
 * marks, retries in next_attempt_at, outcomes written by syncStateRepo.record):
 * - a deal's row (object type 'deal', external id = the deal id) is pending while deal_billing's
 *   version for it is ahead of pushed_version; pushed_hash is the hash of the values HubSpot
 *   holds, so a deal whose values come out the same is not written again;
 * - an event's row (object type 'note', external id = the event id) is pending until its note is
 *   written; hubspot_id is then the note's id. Events never change, so the version is always 1.
 */

/** A deal claimed for a push: where its row stands, and the version as of the claim. */
export interface ClaimedDeal {
  stateId: string;
  dealId: string;
  hubspotId: string | null;
  inFlightSince: Date | null;
  attempts: number;
  version: string;
  pushedHash: string | null;
}

/** An event claimed for the timeline. */
export interface ClaimedNote extends DealEvent {
  stateId: string;
  hubspotId: string | null;
  inFlightSince: Date | null;
  attempts: number;
  /** An earlier attempt failed (its error is kept, through a replay too): it may have written. */
  tried: boolean;
}

/**
 * Brings the portal's deal rows up to date: re-marks deals with an invoice that fell due since
 * their values were computed (`today`, UTC), registers new deals, and makes pending those whose
 * version moved on. Returns how many became pending.
 */
export async function enqueueDeals(db: Db, portalId: string, today: string): Promise<number> {
  await db.raw(
    `update deal_billing b set version = b.version + 1, updated_at = now()
     where b.portal_id = ? and b.computed_on is not null and b.computed_on < ?::date
       and exists (select 1 from invoices i
                   where i.portal_id = b.portal_id and i.deal_id = b.deal_id and i.deleted_at is null and i.status = 'open'
                     and i.due_date >= b.computed_on and i.due_date < ?::date)`,
    [portalId, today, today],
  );
  const inserted = (await db.raw(
    `insert into sync_state (portal_id, object_type, external_id)
     select b.portal_id, 'deal', b.deal_id::text from deal_billing b where b.portal_id = ?
     on conflict (portal_id, object_type, external_id) do nothing`,
    [portalId],
  )) as { rowCount: number | null };
  const marked = (await db.raw(
    `update sync_state s set state = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now()
     from deal_billing b
     where s.portal_id = ? and s.object_type = 'deal' and b.portal_id = s.portal_id and b.deal_id = s.external_id::bigint
       and s.state <> 'pending' and b.version > s.pushed_version
       and (s.state <> 'failed' or s.failed_version is null or b.version > s.failed_version)`,
    [portalId],
  )) as { rowCount: number | null };
  return (inserted.rowCount ?? 0) + (marked.rowCount ?? 0);
}

/** Registers the portal's events not yet in sync_state (pending until their note is written); returns how many. */
export async function enqueueNotes(db: Db, portalId: string): Promise<number> {
  // Not by "ids above the last one": ids are handed out before commit, so an event may commit
  // after a higher one was registered. The flag (with its partial index) finds every one.
  const inserted = (await db.raw(
    `with fresh as (
       update deal_events set queued = true where portal_id = ? and not queued returning portal_id, id
     )
     insert into sync_state (portal_id, object_type, external_id)
     select portal_id, 'note', id::text from fresh
     on conflict (portal_id, object_type, external_id) do nothing`,
    [portalId],
  )) as { rowCount: number | null };
  return inserted.rowCount ?? 0;
}

/** Whether any of the portal's deals has an invoice that fell due since its values were computed (the worker's daily look). */
export async function hasNewlyOverdue(db: Db, portalId: string, today: string): Promise<boolean> {
  const r = (await db.raw(
    `select 1 from deal_billing b
     where b.portal_id = ? and b.computed_on is not null and b.computed_on < ?::date
       and exists (select 1 from invoices i
                   where i.portal_id = b.portal_id and i.deal_id = b.deal_id and i.deleted_at is null and i.status = 'open'
                     and i.due_date >= b.computed_on and i.due_date < ?::date)
     limit 1`,
    [portalId, today, today],
  )) as { rows: unknown[] };
  return r.rows.length > 0;
}

/** Notes the UTC day the deals' values were computed for, once HubSpot has them (or already had them). */
export async function noteComputed(db: Db, portalId: string, dealIds: readonly string[], today: string): Promise<void> {
  if (dealIds.length === 0) return;
  await db.raw(`update deal_billing set computed_on = ?::date where portal_id = ? and deal_id = any(?::bigint[])`, [today, portalId, dealIds as string[]]);
}

interface DbClaimedRow {
  id: string;
  external_id: string;
  hubspot_id: string | null;
  in_flight_since: Date | null;
  attempts: number | string;
  pushed_hash: string | null;
  tried: boolean;
}

/** Claims up to `limit` due deals of the portal for `worker`, with their version as of now. */
export async function claimDeals(db: Db, portalId: string, worker: string, limit: number): Promise<ClaimedDeal[]> {
  const result = (await db.raw(
    `${CLAIM_CTE}
     select cl.*, coalesce(b.version, 0) as version from claimed cl
     left join deal_billing b on b.portal_id = ? and b.deal_id = cl.external_id::bigint
     order by cl.id`,
    [portalId, 'deal', limit, worker, portalId],
  )) as { rows: Array<DbClaimedRow & { version: string }> };
  return result.rows.map((r) => ({
    stateId: String(r.id),
    dealId: String(r.external_id),
    hubspotId: r.hubspot_id ?? null,
    inFlightSince: r.in_flight_since ?? null,
    attempts: Number(r.attempts),
    version: String(r.version),
    pushedHash: r.pushed_hash ?? null,
  }));
}

/** Claims up to `limit` due events of the portal for `worker`, each with what its note says. */
export async function claimNotes(db: Db, portalId: string, worker: string, limit: number): Promise<ClaimedNote[]> {
  const result = (await db.raw(
    `${CLAIM_CTE}
     select cl.*, e.portal_id, e.deal_id, e.invoice_id, e.kind, e.occurred_at, e.detail from claimed cl
     join deal_events e on e.id = cl.external_id::bigint
     order by cl.id`,
    [portalId, 'note', limit, worker],
  )) as {
    rows: Array<DbClaimedRow & { portal_id: string; deal_id: string; invoice_id: string; kind: DealEventKind; occurred_at: Date; detail: DealEventDetail | string }>;
  };
  return result.rows.map((r) => ({
    stateId: String(r.id),
    id: String(r.external_id),
    portalId: String(r.portal_id),
    dealId: String(r.deal_id),
    invoiceId: String(r.invoice_id),
    kind: r.kind,
    occurredAt: r.occurred_at,
    detail: (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as DealEventDetail,
    hubspotId: r.hubspot_id ?? null,
    inFlightSince: r.in_flight_since ?? null,
    attempts: Number(r.attempts),
    tried: r.tried === true,
  }));
}

/**
 * Makes every deal row due to be written again (turning the properties on: a backfill of every
 * deal with invoices, whatever HubSpot was last sent), and registers deals that have none yet.
 */
export async function resendDeals(db: Db, portalId: string): Promise<void> {
  await db.raw(
    `update sync_state set pushed_version = 0, pushed_hash = null, failed_version = null, attempts = 0, state = 'pending', next_attempt_at = now(), updated_at = now()
     where portal_id = ? and object_type = 'deal'`,
    [portalId],
  );
}
