import type { Db } from '../db/db.js';

/** An error answered on a HubSpot-facing route, as the dashboard lists it. */
export interface CardError {
  id: string;
  portalId: string | null;
  method: string;
  route: string;
  status: number;
  code: string;
  message: string;
  requestId: string | null;
  createdAt: Date;
}

/** Records one error (never the query string: page URLs carry tokens); now and then drops week-old ones. */
export async function record(db: Db, e: Omit<CardError, 'id' | 'createdAt'>): Promise<void> {
  await db('card_errors').insert({
    portal_id: e.portalId,
    method: e.method,
    route: e.route.slice(0, 300),
    status: e.status,
    code: e.code.slice(0, 100),
    message: e.message.slice(0, 1000),
    request_id: e.requestId,
  });
  if (Math.random() < 0.01) await db.raw(`delete from card_errors where created_at < now() - interval '7 days'`);
}

export async function listRecent(db: Db, limit: number): Promise<CardError[]> {
  const rows = (await db('card_errors').orderBy('id', 'desc').limit(limit)) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    id: String(r.id),
    portalId: r.portal_id === null ? null : String(r.portal_id),
    method: String(r.method),
    route: String(r.route),
    status: Number(r.status),
    code: String(r.code),
    message: String(r.message),
    requestId: (r.request_id as string | null) ?? null,
    createdAt: r.created_at as Date,
  }));
}
