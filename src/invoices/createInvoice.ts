import type { Knex } from 'knex';
import * as auditRepo from '../audit/auditRepo.js';
import { conflict, validationFailed } from '../errors.js';
import { markDeal, recordDealEvent } from './dealMarks.js';
import { type InvoiceDetail, todayUtc } from './invoice.js';
import { checkContact, checkCurrency, priceLines, Problems, resolveDates } from './invoiceInput.js';
import * as invoiceRepo from './invoiceRepo.js';
import * as settingsRepo from '../settings/settingsRepo.js';
import type { CreateInvoiceInput } from './invoiceSchemas.js';
import { auditSnapshot, type ChangeContext } from './invoiceScope.js';

/**
 * Creates an invoice (draft by default, or issued at once with status "open") in the caller's
 * transaction. Every invalid field is reported in one 400; a taken number is a 409.
 */
export async function createInvoice(trx: Knex.Transaction, input: CreateInvoiceInput, ctx: ChangeContext): Promise<InvoiceDetail> {
  const problems = new Problems();
  const today = todayUtc(ctx.now);
  const portalId = String(input.portalId);
  const settings = await settingsRepo.get(trx, portalId);
  const currencyOk = checkCurrency(problems, input.currency);
  const dates = resolveDates(problems, input, today, settings.defaultPaymentTermsDays ?? undefined);
  await checkContact(trx, problems, input.contactExternalId);
  const status = input.status ?? 'draft';
  if (status === 'open' && !input.contactExternalId) {
    problems.add('contactExternalId', 'is required to issue an invoice (status "open"): an issued invoice needs someone to bill');
  }
  const priced = currencyOk ? await priceLines(trx, problems, input.lines, input.currency) : undefined;
  if (!problems.empty || !priced) throw validationFailed(problems.list);

  let number = input.number;
  if (number !== undefined) {
    if (await invoiceRepo.numberTaken(trx, portalId, number)) {
      throw conflict('duplicate_number', `Invoice number ${number} is already used in portal ${portalId}`, { field: 'number' });
    }
  } else {
    number = await invoiceRepo.nextNumber(trx, portalId);
  }

  // An issued invoice with nothing to pay is settled the moment it is issued.
  const settled = status === 'open' && priced.totals.totalMinor === 0n;
  const id = await invoiceRepo.insert(trx, {
    portalId,
    dealId: String(input.dealId),
    number,
    status: settled ? 'paid' : status,
    currency: input.currency,
    ...dates,
    contactExternalId: input.contactExternalId ?? null,
    memo: input.memo ?? null,
    totals: priced.totals,
    issuedAt: status === 'open' ? ctx.now : null,
    paidAt: settled ? ctx.now : null,
    now: ctx.now,
  });
  await invoiceRepo.replaceLines(trx, id, priced.lines);
  const created = (await invoiceRepo.findDetail(trx, id))!;
  await auditRepo.record(trx, {
    actor: ctx.actor,
    action: 'invoice.create',
    portalId,
    dealId: created.dealId,
    invoiceId: id,
    after: auditSnapshot(created),
    outcome: 'ok',
    requestId: ctx.requestId,
    at: ctx.now,
  });
  await markDeal(trx, portalId, created.dealId, ctx.now);
  if (created.issuedAt) await recordDealEvent(trx, created, 'issued', { dueDate: created.dueDate }, ctx.actor, ctx.now);
  return created;
}
