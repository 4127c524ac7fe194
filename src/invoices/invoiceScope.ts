import type { Knex } from 'knex';
import { isRowId } from '../http/validate.js';
import type { Actor } from '../audit/auditRepo.js';
import { notFound } from '../errors.js';
import { formatMinor } from '../money/money.js';
import type { Invoice } from './invoice.js';
import * as invoiceRepo from './invoiceRepo.js';

/** Where a change comes from: the card limits it to one portal (and deal); the API does not. */
export interface InvoiceScope {
  portalId?: string;
  dealId?: string;
}

/** Who asked, and the request id to tie audit entries to logs. */
export interface ChangeContext {
  actor: Actor;
  requestId?: string | undefined;
  now: Date;
}

/**
 * Locks the invoice for this transaction, or answers 404 when it does not exist or lies outside
 * the caller's portal/deal: another portal's invoice is indistinguishable from a missing one.
 */
export async function lockInScope(trx: Knex.Transaction, id: string, scope: InvoiceScope): Promise<Invoice> {
  const inv = isRowId(id) ? await invoiceRepo.lockById(trx, id) : undefined;
  if (!inv || (scope.portalId && inv.portalId !== scope.portalId) || (scope.dealId && inv.dealId !== scope.dealId)) {
    throw notFound(`Invoice ${id}`);
  }
  return inv;
}

/** The fields an audit entry records before and after a change (never the whole invoice). */
export function auditSnapshot(inv: Invoice) {
  return {
    number: inv.number,
    status: inv.status,
    dealId: inv.dealId,
    currency: inv.currency,
    total: formatMinor(inv.totalMinor, inv.currency),
    paid: formatMinor(inv.paidMinor, inv.currency),
    issueDate: inv.issueDate,
    dueDate: inv.dueDate,
    contactExternalId: inv.contactExternalId,
    deleted: inv.deletedAt !== null,
    ...(inv.voidReason ? { voidReason: inv.voidReason } : {}),
  };
}
