import { balanceMinor, type DisplayStatus, displayStatus, type InvoiceStatus, STATUS_LABELS } from '../invoices/invoice.js';
import type { DealCurrencyTotals } from '../invoices/dealInvoiceRepo.js';
import { currencyExponent } from '../money/currencies.js';
import { formatMinor } from '../money/money.js';
import type { PagePurpose } from '../shared/pageToken.js';

/**
 * Our app card's JSON (the wire shapes of src/card/appCardApi.ts, which the React card reads):
 * amounts are decimal strings in the invoice's currency with its ISO exponent beside them,
 * so the card formats them for the rep's locale without ever going through a float.
 */

/** Invoices on one page of the card's table. */
export const APP_CARD_PAGE_SIZE = 10;

/** What a rep can do to an invoice from the card, in the order the card lists them. */
export type AppCardAction = 'pdf' | 'edit' | 'payment' | 'issue' | 'void' | 'delete';

const ACTIONS: Readonly<Record<InvoiceStatus, readonly AppCardAction[]>> = {
  draft: ['pdf', 'edit', 'issue', 'delete'],
  open: ['pdf', 'payment', 'void'],
  paid: ['pdf', 'void'],
  void: ['pdf'],
};

/** An invoice as the card's actions answer it: everything a row shows, without page links. */
export interface AppCardInvoiceState {
  id: string;
  number: string;
  status: InvoiceStatus;
  displayStatus: DisplayStatus;
  statusLabel: string;
  issueDate: string;
  dueDate: string;
  currency: string;
  exponent: number;
  total: string;
  balance: string;
  paid: string;
  actions: AppCardAction[];
  /** Money was received: voiding needs a reason. */
  voidNeedsReason: boolean;
}

/**
 * The iframe pages a row opens, each URL with a freshly minted page token: only the pages the card
 * opens (its payment, void and delete are its own forms), since every token costs an HMAC.
 */
export interface AppCardInvoiceLinks {
  pdf: string;
  edit?: string;
}

/** A row of the card's table. */
export interface AppCardInvoice extends AppCardInvoiceState {
  links: AppCardInvoiceLinks;
}

export interface AppCardTotals {
  currency: string;
  exponent: number;
  open: string;
  overdue: string;
  paid: string;
}

/** GET /hubspot/app-card/invoices */
export interface AppCardInvoicesResponse {
  dealId: string;
  locale: string | null;
  totals: AppCardTotals[];
  invoices: AppCardInvoice[];
  page: number;
  pageSize: number;
  totalCount: number;
  createUrl: string;
}

/** What an invoice row is made from (a DealInvoice of the list, or an InvoiceDetail after an action). */
export interface AppCardInvoiceSource {
  id: string;
  number: string;
  status: InvoiceStatus;
  currency: string;
  issueDate: string;
  dueDate: string;
  totalMinor: bigint;
  paidMinor: bigint;
  /** A deleted draft allows nothing more. */
  deleted?: boolean;
}

/** Mints a page URL with its token (card/cardLinks.ts). */
export type PageLink = (purpose: PagePurpose, invoiceId: string | null) => string;

/** An invoice's state as the card shows it, on `today` (UTC). */
export function presentAppCardInvoiceState(inv: AppCardInvoiceSource, today: string): AppCardInvoiceState {
  const shown = displayStatus(inv, today);
  const money = (minor: bigint) => formatMinor(minor, inv.currency);
  return {
    id: inv.id,
    number: inv.number,
    status: inv.status,
    displayStatus: shown,
    statusLabel: STATUS_LABELS[shown],
    issueDate: inv.issueDate,
    dueDate: inv.dueDate,
    currency: inv.currency,
    exponent: currencyExponent(inv.currency),
    total: money(inv.totalMinor),
    balance: money(balanceMinor(inv)),
    paid: money(inv.paidMinor),
    actions: inv.deleted ? [] : [...ACTIONS[inv.status]],
    voidNeedsReason: (inv.status === 'open' || inv.status === 'paid') && inv.paidMinor > 0n,
  };
}

function presentRow(inv: AppCardInvoiceSource, today: string, page: PageLink): AppCardInvoice {
  const state = presentAppCardInvoiceState(inv, today);
  const links: AppCardInvoiceLinks = { pdf: page('pdf', inv.id) };
  if (state.actions.includes('edit')) links.edit = page('edit', inv.id);
  return { ...state, links };
}

function presentTotals(t: DealCurrencyTotals): AppCardTotals {
  const money = (minor: bigint) => formatMinor(minor, t.currency);
  return { currency: t.currency, exponent: currencyExponent(t.currency), open: money(t.openMinor), overdue: money(t.overdueMinor), paid: money(t.paidMinor) };
}

export interface AppCardInvoicesView {
  dealId: string;
  locale: string | null;
  totals: DealCurrencyTotals[];
  invoices: AppCardInvoiceSource[];
  page: number;
  totalCount: number;
  today: string;
}

/** Presents one page of a deal's invoices and its totals (pure apart from the links it is handed). */
export function presentAppCardInvoices(view: AppCardInvoicesView, page: PageLink): AppCardInvoicesResponse {
  return {
    dealId: view.dealId,
    locale: view.locale,
    totals: view.totals.map(presentTotals),
    invoices: view.invoices.map((inv) => presentRow(inv, view.today, page)),
    page: view.page,
    pageSize: APP_CARD_PAGE_SIZE,
    totalCount: view.totalCount,
    createUrl: page('create', null),
  };
}
