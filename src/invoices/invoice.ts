import type { Decimal } from '../money/money.js';
import type { LineAmounts } from './totals.js';

/** Stored lifecycle: draft → open → paid, or void. Drafts may also be (soft) deleted. */
export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'void';

/** What a rep sees: the stored status refined by dates and payments. */
export type DisplayStatus = 'draft' | 'open' | 'partially_paid' | 'overdue' | 'paid' | 'void';

export interface Invoice {
  id: string;
  portalId: string;
  dealId: string;
  number: string;
  status: InvoiceStatus;
  currency: string;
  issueDate: string;
  dueDate: string;
  paymentTermsDays: number | null;
  contactExternalId: string | null;
  memo: string | null;
  subtotalMinor: bigint;
  discountMinor: bigint;
  taxMinor: bigint;
  totalMinor: bigint;
  paidMinor: bigint;
  issuedAt: Date | null;
  paidAt: Date | null;
  voidedAt: Date | null;
  voidReason: string | null;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface InvoiceLine extends LineAmounts {
  id: string;
  position: number;
  productExternalId: string | null;
  description: string;
  quantity: Decimal;
  unitPrice: Decimal;
  /** Percent, or a fixed amount in the invoice currency. */
  discount: { type: 'percent' | 'amount'; value: Decimal } | null;
  taxRate: Decimal;
}

export interface Payment {
  id: string;
  amountMinor: bigint;
  paidOn: string;
  method: string | null;
  reference: string | null;
  createdAt: Date;
}

/** The bill-to contact as shown next to an invoice. */
export interface BillTo {
  externalId: string;
  name: string | null;
  email: string | null;
  company: string | null;
}

export interface InvoiceDetail extends Invoice {
  lines: InvoiceLine[];
  payments: Payment[];
  billTo: BillTo | null;
}

export const balanceMinor = (inv: Pick<Invoice, 'totalMinor' | 'paidMinor' | 'status'>): bigint => (inv.status === 'void' ? 0n : inv.totalMinor - inv.paidMinor);

/**
 * Refines the stored status for display. Overdue wins over partially paid: an invoice past its
 * due date with money still owed is overdue whether or not part of it was paid.
 */
export function displayStatus(inv: Pick<Invoice, 'status' | 'dueDate' | 'paidMinor'>, today: string): DisplayStatus {
  if (inv.status !== 'open') return inv.status;
  if (inv.dueDate < today) return 'overdue';
  return inv.paidMinor > 0n ? 'partially_paid' : 'open';
}

/**
 * What each display status is called wherever a person reads it: the pages' badges and notices,
 * the PDF and the card's status options (hubspot-app.json declares the card's too; a test checks).
 */
export const STATUS_LABELS: Readonly<Record<DisplayStatus, string>> = {
  draft: 'Draft',
  open: 'Open',
  partially_paid: 'Partially paid',
  overdue: 'Overdue',
  paid: 'Paid',
  void: 'Void',
};

/** Whole days between two ISO dates (b − a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** ISO date `days` after `date`. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Today's date in UTC; due dates are compared in UTC. */
export function todayUtc(now: Date): string {
  return now.toISOString().slice(0, 10);
}
