import type { Knex } from 'knex';
import type { Db } from '../db/db.js';
import type { BillTo, Invoice, InvoiceDetail, InvoiceLine, InvoiceStatus } from './invoice.js';
import * as paymentRepo from './paymentRepo.js';
import { type Decimal, formatDecimal, parseDecimal } from '../money/money.js';
import type { LineAmounts } from './totals.js';

type Conn = Db | Knex.Transaction;

export interface DbInvoice {
  id: string;
  portal_id: string;
  deal_id: string;
  number: string;
  status: InvoiceStatus;
  currency: string;
  issue_date: string;
  due_date: string;
  payment_terms_days: number | null;
  contact_external_id: string | null;
  memo: string | null;
  subtotal_minor: string;
  discount_minor: string;
  tax_minor: string;
  total_minor: string;
  paid_minor: string;
  issued_at: Date | null;
  paid_at: Date | null;
  voided_at: Date | null;
  void_reason: string | null;
  deleted_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface DbInvoiceLine {
  id: string;
  invoice_id: string;
  position: number;
  product_external_id: string | null;
  description: string;
  quantity: string;
  unit_price: string;
  discount_type: 'percent' | 'amount' | null;
  discount_value: string | null;
  tax_rate: string;
  subtotal_minor: string;
  discount_minor: string;
  tax_minor: string;
  total_minor: string;
}

export interface BillToColumns {
  bill_to_first_name: string | null;
  bill_to_last_name: string | null;
  bill_to_email: string | null;
  bill_to_company: string | null;
}

// Numeric columns come back as text ("2.000000"); 12 places covers every column's scale.
const dec = (text: string): Decimal => parseDecimal(text, 12);

function toInvoice(row: DbInvoice): Invoice {
  return {
    id: String(row.id),
    portalId: String(row.portal_id),
    dealId: String(row.deal_id),
    number: row.number,
    status: row.status,
    currency: row.currency.trim(),
    issueDate: row.issue_date,
    dueDate: row.due_date,
    paymentTermsDays: row.payment_terms_days,
    contactExternalId: row.contact_external_id,
    memo: row.memo,
    subtotalMinor: BigInt(row.subtotal_minor),
    discountMinor: BigInt(row.discount_minor),
    taxMinor: BigInt(row.tax_minor),
    totalMinor: BigInt(row.total_minor),
    paidMinor: BigInt(row.paid_minor),
    issuedAt: row.issued_at,
    paidAt: row.paid_at,
    voidedAt: row.voided_at,
    voidReason: row.void_reason,
    deletedAt: row.deleted_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toBillTo(row: BillToColumns & { contact_external_id: string | null }): BillTo | null {
  if (!row.contact_external_id) return null;
  const name = [row.bill_to_first_name, row.bill_to_last_name].filter(Boolean).join(' ');
  return { externalId: row.contact_external_id, name: name || null, email: row.bill_to_email, company: row.bill_to_company };
}

function toLine(row: DbInvoiceLine): InvoiceLine {
  return {
    id: String(row.id),
    position: row.position,
    productExternalId: row.product_external_id,
    description: row.description,
    quantity: dec(row.quantity),
    unitPrice: dec(row.unit_price),
    discount: row.discount_type && row.discount_value !== null ? { type: row.discount_type, value: dec(row.discount_value) } : null,
    taxRate: dec(row.tax_rate),
    subtotalMinor: BigInt(row.subtotal_minor),
    discountMinor: BigInt(row.discount_minor),
    taxMinor: BigInt(row.tax_minor),
    totalMinor: BigInt(row.total_minor),
  };
}

const billToSelect = (knex: Conn) => [
  'i.*',
  knex.raw('c.first_name as bill_to_first_name'),
  knex.raw('c.last_name as bill_to_last_name'),
  knex.raw('c.email as bill_to_email'),
  knex.raw('c.company as bill_to_company'),
];

export interface NewInvoice {
  portalId: string;
  dealId: string;
  number: string;
  status: 'draft' | 'open' | 'paid';
  currency: string;
  issueDate: string;
  dueDate: string;
  paymentTermsDays: number | null;
  contactExternalId: string | null;
  memo: string | null;
  totals: LineAmounts;
  issuedAt: Date | null;
  paidAt: Date | null;
  now: Date;
}

export interface NewLine extends LineAmounts {
  productExternalId: string | null;
  description: string;
  quantity: Decimal;
  unitPrice: Decimal;
  discount: { type: 'percent' | 'amount'; value: Decimal } | null;
  taxRate: Decimal;
}

/** Inserts an invoice row (lines separately with replaceLines); returns its id. */
export async function insert(trx: Knex.Transaction, inv: NewInvoice): Promise<string> {
  const [row] = await trx('invoices')
    .insert({
      portal_id: inv.portalId,
      deal_id: inv.dealId,
      number: inv.number,
      status: inv.status,
      currency: inv.currency,
      issue_date: inv.issueDate,
      due_date: inv.dueDate,
      payment_terms_days: inv.paymentTermsDays,
      contact_external_id: inv.contactExternalId,
      memo: inv.memo,
      subtotal_minor: inv.totals.subtotalMinor.toString(),
      discount_minor: inv.totals.discountMinor.toString(),
      tax_minor: inv.totals.taxMinor.toString(),
      total_minor: inv.totals.totalMinor.toString(),
      issued_at: inv.issuedAt,
      paid_at: inv.paidAt,
      created_at: inv.now,
      updated_at: inv.now,
    })
    .returning('id');
  return String((row as { id: string }).id);
}

/** Replaces all lines of an invoice, numbering them from 1 in the given order. */
export async function replaceLines(trx: Knex.Transaction, invoiceId: string, lines: readonly NewLine[]): Promise<void> {
  await trx('invoice_lines').where({ invoice_id: invoiceId }).delete();
  if (lines.length === 0) return;
  await trx('invoice_lines').insert(
    lines.map((l, i) => ({
      invoice_id: invoiceId,
      position: i + 1,
      product_external_id: l.productExternalId,
      description: l.description,
      quantity: formatDecimal(l.quantity),
      unit_price: formatDecimal(l.unitPrice),
      discount_type: l.discount?.type ?? null,
      discount_value: l.discount ? formatDecimal(l.discount.value) : null,
      tax_rate: formatDecimal(l.taxRate),
      subtotal_minor: l.subtotalMinor.toString(),
      discount_minor: l.discountMinor.toString(),
      tax_minor: l.taxMinor.toString(),
      total_minor: l.totalMinor.toString(),
    })),
  );
}

export type InvoicePatch = Partial<{
  dealId: string;
  number: string;
  status: InvoiceStatus;
  currency: string;
  issueDate: string;
  dueDate: string;
  paymentTermsDays: number | null;
  contactExternalId: string | null;
  memo: string | null;
  totals: LineAmounts;
  paidMinor: bigint;
  issuedAt: Date;
  paidAt: Date | null;
  voidedAt: Date;
  voidReason: string | null;
  deletedAt: Date;
}>;

/** Applies a patch to one invoice row and bumps updated_at. */
export async function update(trx: Knex.Transaction, id: string, patch: InvoicePatch, now: Date): Promise<void> {
  const row: Record<string, unknown> = { updated_at: now };
  const set = (column: string, value: unknown) => {
    if (value !== undefined) row[column] = typeof value === 'bigint' ? value.toString() : value;
  };
  set('deal_id', patch.dealId);
  set('number', patch.number);
  set('status', patch.status);
  set('currency', patch.currency);
  set('issue_date', patch.issueDate);
  set('due_date', patch.dueDate);
  set('payment_terms_days', patch.paymentTermsDays);
  set('contact_external_id', patch.contactExternalId);
  set('memo', patch.memo);
  set('paid_minor', patch.paidMinor);
  set('issued_at', patch.issuedAt);
  set('paid_at', patch.paidAt);
  set('voided_at', patch.voidedAt);
  set('void_reason', patch.voidReason);
  set('deleted_at', patch.deletedAt);
  if (patch.totals) {
    set('subtotal_minor', patch.totals.subtotalMinor);
    set('discount_minor', patch.totals.discountMinor);
    set('tax_minor', patch.totals.taxMinor);
    set('total_minor', patch.totals.totalMinor);
  }
  await trx('invoices').where({ id }).update(row);
}

/** One invoice with its lines, payments and bill-to contact; deleted drafts included. */
export async function findDetail(db: Conn, id: string): Promise<InvoiceDetail | undefined> {
  const row = (await db('invoices as i').leftJoin('contacts as c', 'c.external_id', 'i.contact_external_id').select(billToSelect(db)).where('i.id', id).first()) as
    (DbInvoice & BillToColumns) | undefined;
  if (!row) return undefined;
  const [lines, payments] = await Promise.all([db('invoice_lines').where({ invoice_id: id }).orderBy('position') as Promise<DbInvoiceLine[]>, paymentRepo.listForInvoice(db, id)]);
  return { ...toInvoice(row), billTo: toBillTo(row), lines: lines.map(toLine), payments };
}

/** Locks an invoice row for the rest of the transaction (serialises edits and payments). */
export async function lockById(trx: Knex.Transaction, id: string): Promise<Invoice | undefined> {
  const row = (await trx('invoices').where({ id }).forUpdate().first()) as DbInvoice | undefined;
  return row ? toInvoice(row) : undefined;
}

export interface InvoiceSummary extends Invoice {
  billTo: BillTo | null;
}

export interface ListFilter {
  portalId?: string | undefined;
  dealId?: string | undefined;
  status?: InvoiceStatus | undefined;
  includeDeleted?: boolean;
  limit: number;
  /** Keyset cursor: return invoices with id below this one. */
  beforeId?: string | undefined;
}

/** Invoices for the API list, newest first, keyset-paginated by id. */
export async function list(db: Conn, filter: ListFilter): Promise<InvoiceSummary[]> {
  const q = db('invoices as i').leftJoin('contacts as c', 'c.external_id', 'i.contact_external_id').select(billToSelect(db));
  if (filter.portalId) q.where('i.portal_id', filter.portalId);
  if (filter.dealId) q.where('i.deal_id', filter.dealId);
  if (filter.status) q.where('i.status', filter.status);
  if (!filter.includeDeleted) q.whereNull('i.deleted_at');
  if (filter.beforeId) q.where('i.id', '<', filter.beforeId);
  const rows = (await q.orderBy('i.id', 'desc').limit(filter.limit)) as Array<DbInvoice & BillToColumns>;
  return rows.map((r) => ({ ...toInvoice(r), billTo: toBillTo(r) }));
}

/** True when the portal already has an invoice with this number (deleted drafts included). */
export async function numberTaken(db: Conn, portalId: string, number: string, exceptId?: string): Promise<boolean> {
  const q = db('invoices').where({ portal_id: portalId, number }).first('id');
  if (exceptId) q.whereNot('id', exceptId);
  return (await q) !== undefined;
}

/**
 * Next generated number for the portal (INV-000001, INV-000002, …). The counter row is locked
 * until the transaction ends, so concurrent creates in one portal get distinct numbers; numbers
 * that were typed in by hand are skipped.
 */
export async function nextNumber(trx: Knex.Transaction, portalId: string): Promise<string> {
  for (;;) {
    const result = (await trx.raw(
      `insert into invoice_number_counters (portal_id, next_value) values (?, 2)
       on conflict (portal_id) do update set next_value = invoice_number_counters.next_value + 1
       returning next_value - 1 as value`,
      [portalId],
    )) as { rows: Array<{ value: string }> };
    const number = `INV-${String(result.rows[0]!.value).padStart(6, '0')}`;
    if (!(await numberTaken(trx, portalId, number))) return number;
  }
}
