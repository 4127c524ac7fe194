// The iframe pages' handlers: each loads what its page shows (the token's invoice, settings, links
// carrying fresh tokens) and the data its script needs, and hands them to a pure view
// (pageViews.ts, invoiceFormView.ts, settingsView.ts).

import type { Response } from 'express';
import { fillPath, PAGE_API_PREFIX, pagePaths } from '../shared/pagePaths.js';
import type { Deps } from '../deps.js';
import { AppError, notConfigured } from '../errors.js';
import type { Handler } from '../http/handler.js';
import { CURRENCY_CODES, currencyExponent } from '../money/currencies.js';
import { type InvoiceDetail, todayUtc } from '../invoices/invoice.js';
import { DEFAULT_PAYMENT_TERMS_DAYS } from '../invoices/invoiceInput.js';
import * as dealInvoiceRepo from '../invoices/dealInvoiceRepo.js';
import * as invoiceRepo from '../invoices/invoiceRepo.js';
import * as catalogRepo from '../catalog/catalogRepo.js';
import { productKind } from '../catalog/catalogKinds.js';
import { presentInvoice } from '../invoices/presentInvoice.js';
import * as portalRepo from '../portals/portalRepo.js';
import * as settingsRepo from '../settings/settingsRepo.js';
import { basePath, pageShell } from '../html/documentShell.js';
import { derivePageToken, type PageClaims, type PagePurpose } from '../shared/pageToken.js';
import { renderInvoiceFormPage } from './invoiceFormView.js';
import { renderListPage, renderPaymentPage, renderViewPage, renderVoidPage, statusWord } from './pageViews.js';
import { renderSettingsPage } from './settingsView.js';

const currencyNames = new Intl.DisplayNames(['en'], { type: 'currency' });
const CURRENCIES = CURRENCY_CODES.map((code) => ({ code, exponent: currencyExponent(code), name: currencyNames.of(code) ?? code }));

function claimsOf(res: Response): PageClaims {
  return res.locals.page as PageClaims;
}

function keyOf(deps: Deps): Buffer {
  if (!deps.pageTokenKey) throw notConfigured('HUBSPOT_CLIENT_SECRET', 'Card pages');
  return deps.pageTokenKey;
}

/**
 * The token the page's script uses for its API calls (a session token: it cannot open a page).
 * Like every token a page hands out, it keeps the chain's origin, so reloading the page never
 * stretches access past the bound (PAGE_CHAIN_MAX_SECONDS in pageToken.ts).
 */
function sessionToken(deps: Deps, claims: PageClaims): string {
  return derivePageToken(keyOf(deps), claims, { kind: 'session', purpose: claims.purpose, invoiceId: claims.invoiceId }, deps.clock.now().getTime());
}

/** URL (path and query, under the public base path) of another page for the same rep and deal: a link, bounded by the same chain. */
function pageUrl(deps: Deps, claims: PageClaims, purpose: PagePurpose, invoiceId: string | null, extra = ''): string {
  const token = derivePageToken(keyOf(deps), claims, { kind: 'link', purpose, invoiceId }, deps.clock.now().getTime());
  return `${basePath(deps.config.publicBaseUrl)}${fillPath(pagePaths[purpose], invoiceId)}?token=${token}${extra}`;
}

/** The invoice the token is for, or a 404 page when it is gone or outside the token's deal. */
async function scopedInvoice(deps: Deps, claims: PageClaims): Promise<InvoiceDetail> {
  const inv = claims.invoiceId ? await invoiceRepo.findDetail(deps.db, claims.invoiceId) : undefined;
  if (!inv || inv.portalId !== claims.portalId || inv.dealId !== claims.dealId) {
    throw new AppError('not_found', 404, 'This invoice no longer exists on this deal. Close this window and reopen the deal record.');
  }
  return inv;
}

function common(deps: Deps, claims: PageClaims) {
  const base = basePath(deps.config.publicBaseUrl);
  return { base, api: `${base}${PAGE_API_PREFIX}`, token: sessionToken(deps, claims), today: todayUtc(deps.clock.now()) };
}

/** Answers the page: its body rendered by a view, over the document shell every iframe page shares. */
function send(res: Response, page: Parameters<typeof pageShell>[0]): void {
  res.type('html').send(pageShell(page));
}

/** GET /hubspot/pages/invoices/new: the create form, prefilled from the deal HubSpot sent. */
export const getCreatePage: Handler = async (deps, req, res) => {
  const claims = claimsOf(res);
  const settings = await settingsRepo.get(deps.db, claims.portalId);
  const q = req.query as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.length <= 500 ? v : undefined);
  const dealCurrency = str(q.deal_currency_code);
  const currency = dealCurrency && CURRENCIES.some((c) => c.code === dealCurrency) ? dealCurrency : (settings.defaultCurrency ?? 'USD');
  send(res, {
    title: 'New invoice',
    kind: 'create',
    base: basePath(deps.config.publicBaseUrl),
    data: {
      kind: 'create',
      ...common(deps, claims),
      currencies: CURRENCIES,
      defaults: {
        currency,
        paymentTermsDays: settings.defaultPaymentTermsDays ?? DEFAULT_PAYMENT_TERMS_DAYS,
        dealName: str(q.dealname) ?? null,
        amount: str(q.amount) ?? null,
      },
      invoice: null,
    },
    body: renderInvoiceFormPage({ draftNumber: null }),
  });
};

/**
 * The current names of the draft's products: a line whose description is still its product's name
 * was filled in by the product, so picking another product replaces it (see public/pages/invoiceForm.js).
 */
async function productNames(deps: Deps, inv: InvoiceDetail): Promise<Record<string, string>> {
  const found = await catalogRepo.findMany(
    deps.db,
    productKind,
    inv.lines.flatMap((l) => (l.productExternalId ? [l.productExternalId] : [])),
  );
  return Object.fromEntries([...found].map(([id, p]) => [id, p.name]));
}

/** GET /hubspot/pages/invoices/{id}/edit: the same form for a draft. */
export const getEditPage: Handler = async (deps, _req, res) => {
  const claims = claimsOf(res);
  const inv = await scopedInvoice(deps, claims);
  const today = todayUtc(deps.clock.now());
  if (inv.status !== 'draft' || inv.deletedAt) {
    throw new AppError('invoice_not_editable', 409, `${inv.number} is ${inv.deletedAt ? 'deleted' : statusWord(inv, today)}: only drafts can be edited.`);
  }
  send(res, {
    title: `Edit ${inv.number}`,
    kind: 'edit',
    base: basePath(deps.config.publicBaseUrl),
    data: { kind: 'edit', ...common(deps, claims), currencies: CURRENCIES, defaults: null, invoice: presentInvoice(inv, today), productNames: await productNames(deps, inv) },
    body: renderInvoiceFormPage({ draftNumber: inv.number }),
  });
};

/** GET /hubspot/pages/invoices/{id}/payment */
export const getPaymentPage: Handler = async (deps, _req, res) => {
  const claims = claimsOf(res);
  const inv = await scopedInvoice(deps, claims);
  const today = todayUtc(deps.clock.now());
  send(res, {
    title: `Record payment on ${inv.number}`,
    kind: 'payment',
    base: basePath(deps.config.publicBaseUrl),
    data: { kind: 'payment', ...common(deps, claims), invoice: presentInvoice(inv, today), exponent: currencyExponent(inv.currency) },
    body: renderPaymentPage({ invoice: inv, today, payable: inv.status === 'open' && !inv.deletedAt }),
  });
};

/** GET /hubspot/pages/invoices/{id}/void: voiding with a reason (required once money came in). */
export const getVoidPage: Handler = async (deps, _req, res) => {
  const claims = claimsOf(res);
  const inv = await scopedInvoice(deps, claims);
  const today = todayUtc(deps.clock.now());
  const needsReason = inv.paidMinor > 0n;
  send(res, {
    title: `Void ${inv.number}`,
    kind: 'void',
    base: basePath(deps.config.publicBaseUrl),
    data: { kind: 'void', ...common(deps, claims), invoice: presentInvoice(inv, today), needsReason },
    body: renderVoidPage({ invoice: inv, today, voidable: (inv.status === 'open' || inv.status === 'paid') && !inv.deletedAt, needsReason }),
  });
};

/** GET /hubspot/pages/invoices/{id}: the invoice with its PDF embedded, download and open links. */
export const getViewPage: Handler = async (deps, _req, res) => {
  const claims = claimsOf(res);
  const inv = await scopedInvoice(deps, claims);
  send(res, {
    title: `Invoice ${inv.number}`,
    kind: 'view',
    base: basePath(deps.config.publicBaseUrl),
    data: { kind: 'view', ...common(deps, claims) },
    body: renderViewPage({ invoice: inv, today: todayUtc(deps.clock.now()), pdfUrl: pageUrl(deps, claims, 'pdf', inv.id) }),
  });
};

const LIST_PAGE_SIZE = 25;

/** GET /hubspot/pages/invoices?page=N: every invoice of the deal, most relevant first. */
export const getListPage: Handler = async (deps, req, res) => {
  const claims = claimsOf(res);
  const today = todayUtc(deps.clock.now());
  const pageNo = Math.max(1, Math.min(10_000, Number.parseInt(String((req.query as Record<string, unknown>).page ?? '1'), 10) || 1));
  const page = await dealInvoiceRepo.listForDeal(deps.db, claims.portalId, claims.dealId, today, { limit: LIST_PAGE_SIZE, offset: (pageNo - 1) * LIST_PAGE_SIZE });
  const pageCount = Math.max(1, Math.ceil(page.totalCount / LIST_PAGE_SIZE));
  const listLink = (n: number) => pageUrl(deps, claims, 'list', null, `&page=${n}`);
  send(res, {
    title: 'Invoices for this deal',
    kind: 'list',
    base: basePath(deps.config.publicBaseUrl),
    data: { kind: 'list', ...common(deps, claims) },
    body: renderListPage({
      rows: page.invoices.map((invoice) => ({ invoice, viewUrl: pageUrl(deps, claims, 'view', invoice.id) })),
      totalCount: page.totalCount,
      today,
      pageNo,
      pageCount,
      previousUrl: pageNo > 1 ? listLink(pageNo - 1) : null,
      nextUrl: pageNo < pageCount ? listLink(pageNo + 1) : null,
    }),
  });
};

/**
 * The request that makes this rep a settings editor, for an admin to send, or null when the token
 * names no user. `addCardEditors` adds to the list without resending it, so the request is the
 * same whoever else is an editor (and the page need not show them).
 */
function editorRequest(deps: Deps, claims: PageClaims): string | null {
  const who = claims.userId || claims.userEmail;
  return who ? `PATCH ${deps.config.publicBaseUrl.replace(/\/+$/, '')}/api/v1/portals/${claims.portalId}/settings\n{"addCardEditors": [${JSON.stringify(who)}]}` : null;
}

/** GET /hubspot/pages/settings: the portal's invoice settings, and its push when it is connected. */
export const getSettingsPage: Handler = async (deps, _req, res) => {
  const claims = claimsOf(res);
  const [settings, found] = await Promise.all([settingsRepo.get(deps.db, claims.portalId), portalRepo.get(deps.db, claims.portalId)]);
  const canEdit = await settingsRepo.mayEdit(deps.db, settings, claims);
  const portal = portalRepo.connected(found);
  const push = portal ? { pushEnabled: portal.pushEnabled, productIdProperty: portal.productIdProperty, dealProperties: portal.dealPropertiesEnabled, dealTimeline: portal.dealTimelineEnabled } : null;
  send(res, {
    title: 'Invoice settings',
    kind: 'settings',
    base: basePath(deps.config.publicBaseUrl),
    data: {
      kind: 'settings',
      ...common(deps, claims),
      canEdit,
      // The save is refused when the settings changed since this page opened.
      version: settings.revision,
      push,
    },
    body: renderSettingsPage({ settings, canEdit, push, editorRequest: canEdit ? null : editorRequest(deps, claims) }),
  });
};
