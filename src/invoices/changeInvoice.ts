import type { Knex } from 'knex';
import * as auditRepo from '../audit/auditRepo.js';
import { conflict, validationFailed } from '../errors.js';
import { markInvoiceDeals, recordDealEvent } from './dealMarks.js';
import { addDays, type Invoice, type InvoiceDetail } from './invoice.js';
import { checkContact, checkCurrency, linesAsInput, priceLines, Problems } from './invoiceInput.js';
import * as invoiceRepo from './invoiceRepo.js';
import type { PatchInvoiceInput } from './invoiceSchemas.js';
import { auditSnapshot, type ChangeContext, type InvoiceScope, lockInScope } from './invoiceScope.js';

export interface ChangeResult {
  invoice: InvoiceDetail;
  /** False when the request asked for what was already true (a repeated void, delete or issue). */
  changed: boolean;
}

async function finish(trx: Knex.Transaction, before: Invoice, action: string, ctx: ChangeContext, changed: boolean): Promise<ChangeResult> {
  const invoice = (await invoiceRepo.findDetail(trx, before.id))!;
  if (changed) {
    await auditRepo.record(trx, {
      actor: ctx.actor,
      action,
      portalId: invoice.portalId,
      dealId: invoice.dealId,
      invoiceId: invoice.id,
      before: auditSnapshot(before),
      after: auditSnapshot(invoice),
      outcome: 'ok',
      requestId: ctx.requestId,
      at: ctx.now,
    });
    // The deal's billing state in HubSpot follows (see dealMarks.ts), in this same transaction.
    await markInvoiceDeals(trx, before, invoice, ctx.now);
    if (action === 'invoice.issue') await recordDealEvent(trx, invoice, 'issued', { dueDate: invoice.dueDate }, ctx.actor, ctx.now);
    if (action === 'invoice.void') await recordDealEvent(trx, invoice, 'voided', { paidMinor: invoice.paidMinor.toString(), reason: invoice.voidReason }, ctx.actor, ctx.now);
  }
  return { invoice, changed };
}

function refuseDeleted(inv: Invoice) {
  if (inv.deletedAt) throw conflict('invoice_deleted', `Invoice ${inv.number} is a deleted draft and can no longer change`);
}

/** Issues a draft: it becomes open (or paid at once when its total is zero). Repeats are no-ops. */
export async function issueInvoice(trx: Knex.Transaction, id: string, scope: InvoiceScope, ctx: ChangeContext): Promise<ChangeResult> {
  const inv = await lockInScope(trx, id, scope);
  refuseDeleted(inv);
  if (inv.status !== 'draft') {
    if (inv.issuedAt) return finish(trx, inv, 'invoice.issue', ctx, false);
    throw conflict('invoice_not_draft', `Invoice ${inv.number} is ${inv.status}; only drafts can be issued`);
  }
  if (!inv.contactExternalId) {
    throw conflict('bill_to_required', `Invoice ${inv.number} has no bill-to contact; set contactExternalId before issuing it`, { field: 'contactExternalId' });
  }
  const settled = inv.totalMinor === 0n;
  await invoiceRepo.update(trx, id, { status: settled ? 'paid' : 'open', issuedAt: ctx.now, ...(settled ? { paidAt: ctx.now } : {}) }, ctx.now);
  return finish(trx, inv, 'invoice.issue', ctx, true);
}

/**
 * Voids an issued invoice (open or paid). Drafts are deleted instead, never voided; voiding a paid
 * invoice needs a reason, because money was received against it. Voiding twice is a no-op.
 */
export async function voidInvoice(trx: Knex.Transaction, id: string, reason: string | undefined, scope: InvoiceScope, ctx: ChangeContext): Promise<ChangeResult> {
  const inv = await lockInScope(trx, id, scope);
  refuseDeleted(inv);
  if (inv.status === 'void') return finish(trx, inv, 'invoice.void', ctx, false);
  if (inv.status === 'draft') {
    throw conflict('invoice_is_draft', `Invoice ${inv.number} is a draft: drafts are deleted, not voided`);
  }
  if (inv.paidMinor > 0n && !reason?.trim()) {
    throw validationFailed([{ field: 'voidReason', message: `is required: ${inv.number} has payments recorded against it, so say why it is voided` }]);
  }
  await invoiceRepo.update(trx, id, { status: 'void', voidedAt: ctx.now, voidReason: reason?.trim() || null }, ctx.now);
  return finish(trx, inv, 'invoice.void', ctx, true);
}

/** Soft-deletes a draft (kept, readable through the API). Issued invoices are voided, never deleted. */
export async function deleteDraft(trx: Knex.Transaction, id: string, scope: InvoiceScope, ctx: ChangeContext): Promise<ChangeResult> {
  const inv = await lockInScope(trx, id, scope);
  if (inv.deletedAt) return finish(trx, inv, 'invoice.delete', ctx, false);
  if (inv.status !== 'draft') {
    throw conflict('invoice_not_draft', `Invoice ${inv.number} was issued (${inv.status}): issued invoices are voided, never deleted`);
  }
  await invoiceRepo.update(trx, id, { deletedAt: ctx.now }, ctx.now);
  return finish(trx, inv, 'invoice.delete', ctx, true);
}

// What may change once an invoice is issued; everything else is fixed (void it and re-invoice).
const EDITABLE_WHEN: Record<Invoice['status'], ReadonlySet<string>> = {
  draft: new Set(['dealId', 'currency', 'issueDate', 'dueDate', 'paymentTermsDays', 'contactExternalId', 'lines', 'number', 'memo', 'status']),
  open: new Set(['dueDate', 'memo', 'status', 'voidReason']),
  paid: new Set(['memo', 'status', 'voidReason']),
  // Repeating the void is allowed (and changes nothing): HubSpot retries and double clicks happen.
  void: new Set(['memo', 'status', 'voidReason']),
};

/**
 * Applies a PATCH: drafts are freely editable; issued invoices only allow a few fields and the
 * move to void. `status: "open"` issues a draft after applying the other edits.
 */
export async function editInvoice(trx: Knex.Transaction, id: string, patch: PatchInvoiceInput, scope: InvoiceScope, ctx: ChangeContext): Promise<ChangeResult> {
  const inv = await lockInScope(trx, id, scope);
  refuseDeleted(inv);
  const fixed = Object.keys(patch).filter((k) => !EDITABLE_WHEN[inv.status].has(k));
  if (fixed.length > 0) {
    throw conflict(
      'invoice_not_editable',
      `Invoice ${inv.number} is ${inv.status}: ${fixed.join(', ')} can't change${inv.status === 'draft' ? '' : ' once an invoice is issued (void it and create a new one instead)'}`,
      { fields: fixed },
    );
  }
  if (patch.voidReason !== undefined && patch.status !== 'void') {
    throw validationFailed([{ field: 'voidReason', message: 'only goes with status "void"' }]);
  }
  if (patch.status === 'void' && inv.status === 'draft') {
    throw conflict('invoice_is_draft', `Invoice ${inv.number} is a draft: drafts are deleted, not voided`);
  }

  const problems = new Problems();
  const edits: invoiceRepo.InvoicePatch = {};
  const currency = patch.currency ?? inv.currency;
  if (patch.currency !== undefined && checkCurrency(problems, patch.currency)) edits.currency = patch.currency;
  if (patch.dealId !== undefined) edits.dealId = String(patch.dealId);
  if (patch.memo !== undefined) edits.memo = patch.memo;
  if (patch.contactExternalId !== undefined) {
    await checkContact(trx, problems, patch.contactExternalId);
    edits.contactExternalId = patch.contactExternalId;
  }
  if (patch.number !== undefined && patch.number !== inv.number) {
    if (await invoiceRepo.numberTaken(trx, inv.portalId, patch.number, inv.id)) {
      throw conflict('duplicate_number', `Invoice number ${patch.number} is already used in portal ${inv.portalId}`, { field: 'number' });
    }
    edits.number = patch.number;
  }

  // Dates: a new issue date moves a terms-based due date with it.
  const issueDate = patch.issueDate ?? inv.issueDate;
  if (patch.dueDate !== undefined && patch.paymentTermsDays !== undefined) problems.add('dueDate', 'give either dueDate or paymentTermsDays, not both');
  if (patch.issueDate !== undefined) edits.issueDate = patch.issueDate;
  if (patch.dueDate !== undefined) {
    edits.dueDate = patch.dueDate;
    edits.paymentTermsDays = null;
  } else if (patch.paymentTermsDays !== undefined) {
    edits.dueDate = addDays(issueDate, patch.paymentTermsDays);
    edits.paymentTermsDays = patch.paymentTermsDays;
  } else if (patch.issueDate !== undefined && inv.paymentTermsDays !== null) {
    edits.dueDate = addDays(issueDate, inv.paymentTermsDays);
  }
  const dueDate = edits.dueDate ?? inv.dueDate;
  if (dueDate < issueDate) problems.add(patch.dueDate !== undefined ? 'dueDate' : 'issueDate', `the due date (${dueDate}) must be on or after the issue date (${issueDate})`);

  // Lines: re-priced when given, or when the currency changes under the existing ones.
  let newLines: invoiceRepo.NewLine[] | undefined;
  if ((patch.lines !== undefined || edits.currency !== undefined) && problems.empty) {
    const current = patch.lines ?? linesAsInput((await invoiceRepo.findDetail(trx, id))!.lines);
    const priced = await priceLines(trx, problems, current, currency);
    if (priced) {
      newLines = priced.lines;
      edits.totals = priced.totals;
    }
  }
  if (!problems.empty) throw validationFailed(problems.list);

  if (Object.keys(edits).length > 0) {
    await invoiceRepo.update(trx, id, edits, ctx.now);
    if (newLines) await invoiceRepo.replaceLines(trx, id, newLines);
  }
  const edited = Object.keys(edits).length > 0 ? await finish(trx, inv, 'invoice.edit', ctx, true) : undefined;

  if (patch.status === 'open' && inv.status === 'draft') return issueInvoice(trx, id, scope, ctx);
  if (patch.status === 'void') return voidInvoice(trx, id, patch.voidReason, scope, ctx);
  if (patch.status === 'open' && inv.status !== 'open') {
    throw conflict('invalid_transition', `Invoice ${inv.number} is ${inv.status}; it can't go back to open`);
  }
  return edited ?? finish(trx, inv, 'invoice.edit', ctx, false);
}
