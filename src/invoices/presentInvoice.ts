import { currencyExponent } from '../money/currencies.js';
import { balanceMinor, displayStatus, type InvoiceDetail } from './invoice.js';
import type { InvoiceSummary } from './invoiceRepo.js';
import { formatDecimal, formatMinor } from '../money/money.js';

/** An invoice as /api/v1 shows it in lists: amounts as decimal strings in the invoice currency. */
export function presentInvoiceSummary(inv: InvoiceSummary, today: string) {
  const money = (minor: bigint) => formatMinor(minor, inv.currency);
  return {
    id: inv.id,
    portalId: inv.portalId,
    dealId: inv.dealId,
    number: inv.number,
    status: inv.status,
    displayStatus: displayStatus(inv, today),
    currency: inv.currency,
    issueDate: inv.issueDate,
    dueDate: inv.dueDate,
    paymentTermsDays: inv.paymentTermsDays,
    contactExternalId: inv.contactExternalId,
    billTo: inv.billTo,
    memo: inv.memo,
    subtotal: money(inv.subtotalMinor),
    discountTotal: money(inv.discountMinor),
    taxTotal: money(inv.taxMinor),
    total: money(inv.totalMinor),
    amountPaid: money(inv.paidMinor),
    balance: money(balanceMinor(inv)),
    issuedAt: inv.issuedAt,
    paidAt: inv.paidAt,
    voidedAt: inv.voidedAt,
    voidReason: inv.voidReason,
    deleted: inv.deletedAt !== null,
    deletedAt: inv.deletedAt,
    createdAt: inv.createdAt,
    updatedAt: inv.updatedAt,
  };
}

/** One invoice with its lines and payments. */
export function presentInvoice(inv: InvoiceDetail, today: string) {
  const money = (minor: bigint) => formatMinor(minor, inv.currency);
  const exponent = currencyExponent(inv.currency);
  return {
    ...presentInvoiceSummary(inv, today),
    lines: inv.lines.map((l) => ({
      position: l.position,
      description: l.description,
      productExternalId: l.productExternalId,
      quantity: formatDecimal(l.quantity),
      unitPrice: formatDecimal(l.unitPrice, exponent),
      discount: l.discount ? { type: l.discount.type, value: formatDecimal(l.discount.value, l.discount.type === 'amount' ? exponent : 0) } : null,
      taxRate: formatDecimal(l.taxRate),
      subtotal: money(l.subtotalMinor),
      discountAmount: money(l.discountMinor),
      tax: money(l.taxMinor),
      total: money(l.totalMinor),
    })),
    payments: inv.payments.map((p) => ({
      id: p.id,
      amount: money(p.amountMinor),
      date: p.paidOn,
      method: p.method,
      reference: p.reference,
      createdAt: p.createdAt,
    })),
  };
}
