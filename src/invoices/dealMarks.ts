import type { Knex } from 'knex';
import type { Actor } from '../audit/auditRepo.js';
import type { Invoice } from './invoice.js';

/**
 * What an invoice change leaves for the push to HubSpot, written in the change's own transaction
 * (a transactional outbox: the change and its marks commit or vanish together, so a crash never
 * loses one and a rolled-back change never leaves one):
 * - the deal is marked (deal_billing.version goes up): the push writes its billing properties;
 *   many changes before the next push are one write, of the values as they then are;
 * - an issue, a payment or a void is also an event (deal_events), shown once on the deal's
 *   timeline, as it was when it happened.
 */

export type DealEventKind = 'issued' | 'payment' | 'voided';

/** What a timeline note says, frozen when the event happened (amounts in minor units, as text). */
export interface DealEventDetail {
  number: string;
  currency: string;
  totalMinor: string;
  dueDate?: string;
  amountMinor?: string;
  paidOn?: string;
  balanceMinor?: string;
  paidMinor?: string;
  reason?: string | null;
  actor: { type: Actor['type'] | 'unknown'; userEmail: string | null };
}

/** Marks a deal changed (and registers it the first time), in the caller's transaction. */
export async function markDeal(trx: Knex.Transaction, portalId: string, dealId: string, now: Date): Promise<void> {
  await trx.raw(
    `insert into deal_billing (portal_id, deal_id, version, updated_at) values (?, ?, 1, ?)
     on conflict (portal_id, deal_id) do update set version = deal_billing.version + 1, updated_at = excluded.updated_at`,
    [portalId, dealId, now],
  );
}

/** Marks the deal of an invoice that changed; both deals when a draft moved from one to another. */
export async function markInvoiceDeals(trx: Knex.Transaction, before: Pick<Invoice, 'portalId' | 'dealId'> | undefined, after: Pick<Invoice, 'portalId' | 'dealId'>, now: Date): Promise<void> {
  // Two deals are always locked in the same order (by id), so two moves between them cannot deadlock.
  const deals = before && before.dealId !== after.dealId ? [before, after].sort((a, b) => (BigInt(a.dealId) < BigInt(b.dealId) ? -1 : 1)) : [after];
  for (const d of deals) await markDeal(trx, d.portalId, d.dealId, now);
}

const actorOf = (actor: Actor): DealEventDetail['actor'] => ({ type: actor.type, userEmail: actor.type === 'hubspot_user' ? actor.userEmail : null });

/** Records an event for the deal's timeline, in the caller's transaction. */
export async function recordDealEvent(
  trx: Knex.Transaction,
  invoice: Invoice,
  kind: DealEventKind,
  extra: Omit<DealEventDetail, 'number' | 'currency' | 'totalMinor' | 'actor'>,
  actor: Actor,
  now: Date,
): Promise<void> {
  const detail: DealEventDetail = { number: invoice.number, currency: invoice.currency, totalMinor: invoice.totalMinor.toString(), ...extra, actor: actorOf(actor) };
  await trx('deal_events').insert({ portal_id: invoice.portalId, deal_id: invoice.dealId, invoice_id: invoice.id, kind, occurred_at: now, detail: JSON.stringify(detail) });
}
