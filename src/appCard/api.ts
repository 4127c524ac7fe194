import { hubspot } from '@hubspot/ui-extensions';
import { BASE_URL } from './config';

/**
 * The card's side of the backend contract (GET and POST under /hubspot/app-card). HubSpot's proxy
 * signs every call and appends the rep's identity (userId, portalId, userEmail, appId) to the
 * query itself: the card sends only the deal and what the rep typed, never who it acts for.
 */

export type DisplayStatus = 'draft' | 'open' | 'partially_paid' | 'overdue' | 'paid' | 'void';
export type InvoiceAction = 'pdf' | 'edit' | 'payment' | 'issue' | 'void' | 'delete';

export interface CurrencyTotals {
  currency: string;
  exponent: number;
  open: string;
  overdue: string;
  paid: string;
}

export interface CardInvoice {
  id: string;
  number: string;
  status: 'draft' | 'open' | 'paid' | 'void';
  displayStatus: DisplayStatus;
  statusLabel: string;
  issueDate: string;
  dueDate: string;
  currency: string;
  exponent: number;
  total: string;
  balance: string;
  paid: string;
  actions: InvoiceAction[];
  voidNeedsReason: boolean;
  links: { pdf: string; edit?: string };
}

export interface InvoicePage {
  dealId: string;
  locale: string | null;
  totals: CurrencyTotals[];
  invoices: CardInvoice[];
  page: number;
  pageSize: number;
  totalCount: number;
  createUrl: string;
}

export interface ActionAnswer {
  message: string;
}

/** A refusal or failure, with the sentence a rep reads. */
export class CardApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'CardApiError';
  }
}

const API = '/hubspot/app-card';

/** The JSON of a response, or null when it has none. */
async function readJson(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    return null;
  }
}

/** Our error envelope's message, or a plain sentence for a status without one. */
function errorOf(status: number, body: unknown): CardApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (error && typeof error.message === 'string' && error.message) {
    return new CardApiError(error.message, status, typeof error.code === 'string' ? error.code : null);
  }
  if (status === 429) return new CardApiError('Too many requests at once: wait a moment and try again.', status, null);
  if (status >= 500) return new CardApiError(`The invoice service failed (HTTP ${status}). Try again in a moment.`, status, null);
  return new CardApiError(`The invoice service refused the request (HTTP ${status}).`, status, null);
}

/** Calls the backend through HubSpot's signed proxy; throws a CardApiError on anything but 2xx. */
async function call<T>(path: string, options: { method: 'GET' | 'POST'; body?: Record<string, unknown> }): Promise<T> {
  let res: Response;
  try {
    res = await hubspot.fetch(`${BASE_URL}${API}${path}`, options.body === undefined ? { method: options.method } : { method: options.method, body: options.body });
  } catch (e) {
    // The proxy rejects when it cannot reach the service or the request timed out.
    const why = e instanceof Error && e.message ? ` (${e.message})` : '';
    throw new CardApiError(`The invoice service could not be reached${why}.`, null, null);
  }
  const body = await readJson(res);
  if (!res.ok) throw errorOf(res.status, body);
  if (body === null || typeof body !== 'object') throw new CardApiError('The invoice service sent an answer the card cannot read.', res.status, null);
  return body as T;
}

const dealQuery = (dealId: string) => `dealId=${encodeURIComponent(dealId)}`;
const invoicePath = (invoiceId: string, action: string, dealId: string) => `/invoices/${encodeURIComponent(invoiceId)}/${action}?${dealQuery(dealId)}`;

/** One page (1-based) of the deal's invoices, with the deal's totals and the pages' links. */
export function fetchInvoicePage(dealId: string, page: number): Promise<InvoicePage> {
  return call<InvoicePage>(`/invoices?${dealQuery(dealId)}&page=${page}`, { method: 'GET' });
}

/** Issues a draft. */
export function issueInvoice(dealId: string, invoiceId: string): Promise<ActionAnswer> {
  return call<ActionAnswer>(invoicePath(invoiceId, 'issue', dealId), { method: 'POST', body: {} });
}

/** Voids an issued invoice; `reason` is required by the service when money was received. */
export function voidInvoice(dealId: string, invoiceId: string, reason: string): Promise<ActionAnswer> {
  return call<ActionAnswer>(invoicePath(invoiceId, 'void', dealId), { method: 'POST', body: reason.trim() ? { reason: reason.trim() } : {} });
}

/** Deletes a draft. */
export function deleteDraft(dealId: string, invoiceId: string): Promise<ActionAnswer> {
  return call<ActionAnswer>(invoicePath(invoiceId, 'delete', dealId), { method: 'POST', body: {} });
}

/**
 * Records a payment. `requestId` makes a repeat (HubSpot's automatic retry, or the rep trying again
 * after a lost answer) the same payment, never a second one.
 */
export function recordPayment(dealId: string, invoiceId: string, payment: { amount: string; date?: string; requestId: string }): Promise<ActionAnswer> {
  return call<ActionAnswer>(invoicePath(invoiceId, 'payments', dealId), { method: 'POST', body: { ...payment } });
}

/** A fresh id for one payment submission (RFC 4122 v4). */
export function newRequestId(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof c?.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
