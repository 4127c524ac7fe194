import type { Db } from '../db/db.js';

/** How a failed request proved who it was; nothing else is recorded (see CardErrorRecorder). */
export type CardErrorVia = 'hubspot_signature' | 'page_token';

/**
 * An error answered on a HubSpot-facing route, as the dashboard lists it. Every field is ours:
 * the portal is the verified one, the route is the template ("/hubspot/pages/api/invoices/:invoiceId/payments"),
 * the code is our stable error code. No message: ours often quote the request, and the dashboard
 * must not show a caller's words as if they were the service's.
 */
export interface CardError {
  id: string;
  portalId: string | null;
  via: CardErrorVia;
  method: string;
  route: string;
  status: number;
  code: string;
  requestId: string | null;
  createdAt: Date;
}

export type NewCardError = Omit<CardError, 'id' | 'createdAt'>;

/** Records one error (never the query string: page URLs carry tokens); now and then drops week-old ones. */
export async function record(db: Db, e: NewCardError): Promise<void> {
  await db('card_errors').insert({
    portal_id: e.portalId,
    via: e.via,
    method: e.method.slice(0, 10),
    route: e.route.slice(0, 300),
    status: e.status,
    code: e.code.slice(0, 100),
    request_id: e.requestId,
  });
  if (Math.random() < 0.01) await db.raw(`delete from card_errors where created_at < now() - interval '7 days'`);
}

export async function listRecent(db: Db, limit: number): Promise<CardError[]> {
  // Rows without `via` predate authenticated-only recording (or come from an older instance
  // during a deploy): they may hold a stranger's text, so they are not shown.
  const rows = (await db('card_errors').whereNotNull('via').orderBy('id', 'desc').limit(limit)) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    id: String(r.id),
    portalId: r.portal_id === null ? null : String(r.portal_id),
    via: r.via as CardErrorVia,
    method: String(r.method),
    route: String(r.route),
    status: Number(r.status),
    code: String(r.code),
    requestId: (r.request_id as string | null) ?? null,
    createdAt: r.created_at as Date,
  }));
}

/** At most this many rows per portal per minute, per process… */
export const CARD_ERRORS_PER_PORTAL_PER_MINUTE = 20;
/** …and this many in all (many portals, or failures with no portal), per process. */
export const CARD_ERRORS_PER_MINUTE = 200;

/**
 * Decides which failures become rows. Only authenticated ones reach it (app.ts counts the rest in
 * metrics), and even those are bounded per portal and in all, per minute and per process, so a
 * flood from one valid token or one HubSpot account cannot fill the table or the dashboard: past
 * the bound a failure is only counted (card_errors_dropped_total). The first failures of each
 * minute are the ones kept: they are what an admin needs to see that something is wrong.
 */
export class CardErrorRecorder {
  private windowStart = 0;
  private total = 0;
  private readonly perPortal = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly limits = { perPortal: CARD_ERRORS_PER_PORTAL_PER_MINUTE, total: CARD_ERRORS_PER_MINUTE },
  ) {}

  /** 'ok' when the failure may be written now, else which bound it is over. */
  admit(portalId: string | null): 'ok' | 'portal_limit' | 'total_limit' {
    const now = this.now();
    if (now - this.windowStart >= 60_000 || now < this.windowStart) {
      this.windowStart = now;
      this.total = 0;
      this.perPortal.clear();
    }
    const key = portalId ?? '';
    const used = this.perPortal.get(key) ?? 0;
    if (used >= this.limits.perPortal) return 'portal_limit';
    if (this.total >= this.limits.total) return 'total_limit';
    this.perPortal.set(key, used + 1);
    this.total += 1;
    return 'ok';
  }
}
