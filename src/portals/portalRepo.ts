import type { Knex } from 'knex';
import type { Db } from '../db/db.js';

type Conn = Db | Knex.Transaction;

export interface Portal {
  portalId: string;
  authType: 'private_app' | 'oauth';
  status: 'active' | 'error' | 'disconnected';
  statusMessage: string | null;
  pushEnabled: boolean;
  productIdProperty: string;
  productIdPropertyReady: boolean;
  pausedUntil: Date | null;
  pausedReason: string | null;
  /** Whether the push writes the deals' billing properties (issue 14's "deal properties"). */
  dealPropertiesEnabled: boolean;
  /** Whether the push writes invoice events onto the deals' timelines. */
  dealTimelineEnabled: boolean;
  /** Whether the deal property group and properties exist in the portal (created once). */
  dealPropertiesReady: boolean;
  /** Why the deal side of the last push stopped (a missing scope, a property made by hand), and when; null when it went through. */
  dealPushProblem: string | null;
  dealPushProblemAt: Date | null;
}

interface DbPortal {
  portal_id: string;
  auth_type: Portal['authType'];
  status: Portal['status'];
  status_message: string | null;
  push_enabled: boolean;
  product_id_property: string;
  product_id_property_ready: boolean;
  paused_until: Date | null;
  paused_reason: string | null;
  deal_properties_enabled: boolean;
  deal_timeline_enabled: boolean;
  deal_properties_ready: boolean;
  deal_push_problem: string | null;
  deal_push_problem_at: Date | null;
}

const toPortal = (r: DbPortal): Portal => ({
  portalId: String(r.portal_id),
  authType: r.auth_type,
  status: r.status,
  statusMessage: r.status_message,
  pushEnabled: r.push_enabled,
  productIdProperty: r.product_id_property,
  productIdPropertyReady: r.product_id_property_ready,
  pausedUntil: r.paused_until,
  pausedReason: r.paused_reason,
  dealPropertiesEnabled: r.deal_properties_enabled,
  dealTimelineEnabled: r.deal_timeline_enabled,
  dealPropertiesReady: r.deal_properties_ready,
  dealPushProblem: r.deal_push_problem,
  dealPushProblemAt: r.deal_push_problem_at,
});

export async function get(db: Conn, portalId: string): Promise<Portal | undefined> {
  const row = (await db('portals').where({ portal_id: portalId }).first()) as DbPortal | undefined;
  return row ? toPortal(row) : undefined;
}

/** The portal when it is connected for the push (not disconnected), else undefined. */
export const connected = (p: Portal | undefined): Portal | undefined => (p && p.status !== 'disconnected' ? p : undefined);

export async function list(db: Conn): Promise<Portal[]> {
  return ((await db('portals').orderBy('portal_id')) as DbPortal[]).map(toPortal);
}

/** Registers a portal, or re-activates it: active, no status message, authenticated by `authType`. */
export async function activate(db: Conn, portalId: string, authType: Portal['authType'], now: Date): Promise<void> {
  await db('portals')
    .insert({ portal_id: portalId, auth_type: authType, status: 'active', created_at: now, updated_at: now })
    .onConflict('portal_id')
    .merge({ auth_type: authType, status: 'active', status_message: null, updated_at: now });
}

/** Registers (or re-activates) the private-app portal named by HUBSPOT_PORTAL_ID. */
export async function ensurePrivateApp(db: Conn, portalId: string, now: Date): Promise<void> {
  await activate(db, portalId, 'private_app', now);
}

export async function markPropertyReady(db: Conn, portalId: string, now: Date): Promise<void> {
  await db('portals').where({ portal_id: portalId }).update({ product_id_property_ready: true, updated_at: now });
}

export async function markDealPropertiesReady(db: Conn, portalId: string, ready: boolean, now: Date): Promise<void> {
  await db('portals').where({ portal_id: portalId }).update({ deal_properties_ready: ready, updated_at: now });
}

/** Notes (or, with null, clears) why the deal side of the push stopped, for the dashboard. */
export async function setDealPushProblem(db: Conn, portalId: string, problem: string | null, now: Date): Promise<void> {
  await db('portals')
    .where({ portal_id: portalId })
    .update({ deal_push_problem: problem, deal_push_problem_at: problem ? now : null, updated_at: now });
}

/** Stops the portal's push until `until` (HubSpot's daily limit); null lifts the pause. */
export async function pause(db: Conn, portalId: string, until: Date | null, reason: string | null, now: Date): Promise<void> {
  await db('portals').where({ portal_id: portalId }).update({ paused_until: until, paused_reason: reason, updated_at: now });
}

export async function setStatus(db: Conn, portalId: string, status: Portal['status'], message: string | null, now: Date): Promise<void> {
  await db('portals').where({ portal_id: portalId }).update({ status, status_message: message, updated_at: now });
}

/**
 * The push settings: whether it runs, and the products' unique external-id property. A new
 * property name is not ready until the next push has created (or checked) it.
 */
export async function setPushSettings(
  db: Conn,
  portalId: string,
  change: { pushEnabled?: boolean | undefined; productIdProperty?: string | undefined; dealProperties?: boolean | undefined; dealTimeline?: boolean | undefined },
  now: Date,
): Promise<void> {
  await db('portals')
    .where({ portal_id: portalId })
    .update({
      ...(change.pushEnabled !== undefined ? { push_enabled: change.pushEnabled } : {}),
      ...(change.dealProperties !== undefined ? { deal_properties_enabled: change.dealProperties } : {}),
      ...(change.dealTimeline !== undefined ? { deal_timeline_enabled: change.dealTimeline } : {}),
      ...(change.productIdProperty !== undefined ? { product_id_property: change.productIdProperty, product_id_property_ready: false } : {}),
      updated_at: now,
    });
}

/** The rate limit HubSpot last announced for the portal (to any process), if any. */
export async function rateLimitOf(db: Conn, portalId: string): Promise<{ max: number; intervalMs: number } | undefined> {
  const row = (await db('portals').where({ portal_id: portalId }).first('rate_limit_max', 'rate_limit_interval_ms')) as
    { rate_limit_max: number | null; rate_limit_interval_ms: number | null } | undefined;
  return row?.rate_limit_max && row.rate_limit_interval_ms ? { max: row.rate_limit_max, intervalMs: row.rate_limit_interval_ms } : undefined;
}

/** Remembers the rate limit HubSpot announced, for the other processes (written only when it changed). */
export async function rememberRateLimit(db: Conn, portalId: string, max: number, intervalMs: number): Promise<void> {
  await db.raw(`update portals set rate_limit_max = ?, rate_limit_interval_ms = ? where portal_id = ? and (rate_limit_max is distinct from ? or rate_limit_interval_ms is distinct from ?)`, [
    max,
    intervalMs,
    portalId,
    max,
    intervalMs,
  ]);
}
