import type { Knex } from 'knex';
import * as auditRepo from '../audit/auditRepo.js';
import { conflict, validationFailed } from '../errors.js';
import { markDeal, recordDealEvent } from './dealMarks.js';
import { balanceMinor, type InvoiceDetail, todayUtc } from './invoice.js';
import { Problems } from './invoiceInput.js';
import * as invoiceRepo from './invoiceRepo.js';
import * as paymentRepo from './paymentRepo.js';
import type { PaymentInput } from './invoiceSchemas.js';
import { auditSnapshot, type ChangeContext, type InvoiceScope, lockInScope } from './invoiceScope.js';
import { formatMinor, toMinor } from '../money/money.js';

/**
 * Records a payment against an open invoice. The invoice row is locked first, so two payments
 * racing for the same balance cannot overpay it; the one that would overpay gets a 409. When the
 * balance reaches zero the invoice becomes paid.
 */
export async function recordPayment(trx: Knex.Transaction, id: string, input: PaymentInput, scope: InvoiceScope, ctx: ChangeContext): Promise<{ invoice: InvoiceDetail; paymentId: string }> {
  const inv = await lockInScope(trx, id, scope);
  if (inv.deletedAt || inv.status !== 'open') {
    const why = inv.deletedAt ? 'a deleted draft' : inv.status === 'draft' ? 'a draft (issue it first)' : inv.status;
    throw conflict('invoice_not_payable', `Invoice ${inv.number} is ${why}; payments can only be recorded on open invoices`);
  }
  const problems = new Problems();
  const amount = problems.parse('amount', () => toMinor(input.amount, inv.currency));
  if (amount !== undefined && amount <= 0n) problems.add('amount', 'must be more than 0');
  const today = todayUtc(ctx.now);
  const paidOn = input.date ?? today;
  if (paidOn > today) problems.add('date', `must not be in the future (today is ${today} UTC)`);
  if (!problems.empty || amount === undefined) throw validationFailed(problems.list);

  const balance = balanceMinor(inv);
  if (amount > balance) {
    throw conflict(
      'payment_exceeds_balance',
      `A payment of ${formatMinor(amount, inv.currency)} ${inv.currency} is more than the balance of ${formatMinor(balance, inv.currency)} ${inv.currency} on ${inv.number}`,
      { field: 'amount', balance: formatMinor(balance, inv.currency) },
    );
  }
  const paymentId = await paymentRepo.insert(trx, id, {
    amountMinor: amount,
    paidOn,
    method: input.method?.trim() || null,
    reference: input.reference?.trim() || null,
    now: ctx.now,
  });
  const paidMinor = inv.paidMinor + amount;
  const settled = paidMinor === inv.totalMinor;
  await invoiceRepo.update(trx, id, { paidMinor, ...(settled ? { status: 'paid', paidAt: ctx.now } : {}) }, ctx.now);
  const invoice = (await invoiceRepo.findDetail(trx, id))!;
  await auditRepo.record(trx, {
    actor: ctx.actor,
    action: 'invoice.payment',
    portalId: inv.portalId,
    dealId: inv.dealId,
    invoiceId: id,
    before: auditSnapshot(inv),
    after: { ...auditSnapshot(invoice), payment: { id: paymentId, amount: formatMinor(amount, inv.currency), date: paidOn } },
    outcome: 'ok',
    requestId: ctx.requestId,
    at: ctx.now,
  });
  await markDeal(trx, inv.portalId, inv.dealId, ctx.now);
  await recordDealEvent(trx, invoice, 'payment', { amountMinor: amount.toString(), paidOn, balanceMinor: balanceMinor(invoice).toString() }, ctx.actor, ctx.now);
  return { invoice, paymentId };
}
