import type { Knex } from 'knex';
import type { Db } from '../db/db.js';

/** Who did something: the accounting system over /api/v1, a HubSpot user from the card, or us. */
export type Actor = { type: 'api' } | { type: 'system' } | { type: 'hubspot_user'; userId: string; userEmail: string | null };

export interface AuditEntry {
  actor: Actor;
  action: string;
  portalId?: string | null;
  dealId?: string | null;
  invoiceId?: string | null;
  before?: unknown;
  after?: unknown;
  outcome: 'ok' | 'rejected' | 'error';
  errorCode?: string | null;
  requestId?: string | null;
  at: Date;
}

interface DbAuditEntry {
  id: string;
  occurred_at: Date;
  portal_id: string | null;
  deal_id: string | null;
  invoice_id: string | null;
  actor_type: Actor['type'];
  hubspot_user_id: string | null;
  hubspot_user_email: string | null;
  action: string;
  before: unknown;
  after: unknown;
  outcome: AuditEntry['outcome'];
  error_code: string | null;
  request_id: string | null;
}

/** Appends one audit entry (in the caller's transaction when given one). */
export async function record(db: Db | Knex.Transaction, e: AuditEntry): Promise<void> {
  await db('audit_log').insert({
    occurred_at: e.at,
    portal_id: e.portalId ?? null,
    deal_id: e.dealId ?? null,
    invoice_id: e.invoiceId ?? null,
    actor_type: e.actor.type,
    hubspot_user_id: e.actor.type === 'hubspot_user' ? e.actor.userId : null,
    hubspot_user_email: e.actor.type === 'hubspot_user' ? e.actor.userEmail : null,
    action: e.action,
    before: e.before === undefined ? null : JSON.stringify(e.before),
    after: e.after === undefined ? null : JSON.stringify(e.after),
    outcome: e.outcome,
    error_code: e.errorCode ?? null,
    request_id: e.requestId ?? null,
  });
}

/** Audit entries of one invoice, oldest first. */
export async function listForInvoice(db: Db | Knex.Transaction, invoiceId: string): Promise<DbAuditEntry[]> {
  return (await db('audit_log').where({ invoice_id: invoiceId }).orderBy('id')) as DbAuditEntry[];
}
