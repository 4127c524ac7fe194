import type { Response } from 'express';
import { fillPath, pagePaths } from './pagePaths.js';
import type { Deps } from '../deps.js';
import { AppError, notConfigured } from '../errors.js';
import type { Handler } from '../http/handler.js';
import { CURRENCY_CODES, currencyExponent } from '../money/currencies.js';
import { balanceMinor, displayStatus, type DisplayStatus, type InvoiceDetail, todayUtc } from '../invoices/invoice.js';
import { DEFAULT_PAYMENT_TERMS_DAYS } from '../invoices/invoiceInput.js';
import * as dealInvoiceRepo from '../invoices/dealInvoiceRepo.js';
import * as invoiceRepo from '../invoices/invoiceRepo.js';
import { formatMinor } from '../money/money.js';
import * as catalogRepo from '../catalog/catalogRepo.js';
import { productKind } from '../catalog/catalogKinds.js';
import { formatDate, formatMoney as formatAmount } from '../../public/locale.js';
import { presentInvoice } from '../invoices/presentInvoice.js';
import * as portalRepo from '../portals/portalRepo.js';
import * as settingsRepo from '../settings/settingsRepo.js';
import { html, raw, type SafeHtml } from '../html/html.js';
import { basePath, pageShell } from '../html/documentShell.js';
import { derivePageToken, type PageClaims, type PagePurpose } from './pageToken.js';

const STATUS_LABEL: Record<DisplayStatus, string> = {
  draft: 'Draft',
  open: 'Open',
  partially_paid: 'Partially paid',
  overdue: 'Overdue',
  paid: 'Paid',
  void: 'Void',
};

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
  return { base, api: `${base}/hubspot/pages/api`, token: sessionToken(deps, claims), today: todayUtc(deps.clock.now()) };
}

function send(res: Response, page: Parameters<typeof pageShell>[0]): void {
  res.type('html').send(pageShell(page));
}

/**
 * A date or an amount as HTML: written here in the default locale, and rewritten by the page's
 * script in the rep's (the browser's) locale by the same rule (public/locale.js).
 */
const dateHtml = (iso: string) => html`<time datetime="${iso}">${formatDate(iso)}</time>`;
const moneyHtml = (minor: bigint, currency: string) => {
  const decimal = formatMinor(minor, currency);
  const exponent = currencyExponent(currency);
  return html`<span data-money="${decimal}" data-currency="${currency}" data-exponent="${String(exponent)}">${formatAmount(decimal, currency, exponent)}</span>`;
};

const badge = (status: DisplayStatus) => html`<span class="badge badge-${status}">${STATUS_LABEL[status]}</span>`;

function summary(inv: InvoiceDetail, today: string): SafeHtml {
  const status = displayStatus(inv, today);
  const who = inv.billTo ? (inv.billTo.company ?? inv.billTo.name ?? inv.billTo.email) : null;
  return html`<dl class="summary">
  <div><dt>Invoice</dt><dd>${inv.number} ${badge(status)}</dd></div>
  ${who ? html`<div><dt>Bill to</dt><dd>${who}</dd></div>` : ''}
  <div><dt>Due</dt><dd>${dateHtml(inv.dueDate)}</dd></div>
  <div><dt>Total</dt><dd class="num">${moneyHtml(inv.totalMinor, inv.currency)}</dd></div>
  <div><dt>Paid</dt><dd class="num">${moneyHtml(inv.paidMinor, inv.currency)}</dd></div>
  <div><dt>Balance due</dt><dd class="num strong">${moneyHtml(balanceMinor(inv), inv.currency)}</dd></div>
</dl>`;
}

const invoiceForm = (heading: string, submitLabels: { draft: string; issue: string }) => html`
<form class="invoice-form" id="invoice-form" novalidate>
  <header class="page-header">
    <h1>${heading}</h1>
    <p class="subtitle" id="deal-name"></p>
  </header>
  <div class="scroll">
    <div class="form-error" id="form-error" role="alert" hidden></div>
    <section class="grid">
      <div class="field span-2">
        <label for="customer">Customer</label>
        <div class="combobox" data-kind="contacts">
          <input id="customer" name="contactExternalId" type="text" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="customer-list" autocomplete="off" placeholder="Search by name, company or email">
          <ul id="customer-list" role="listbox" class="listbox" hidden></ul>
        </div>
        <p class="field-error" data-for="contactExternalId"></p>
      </div>
      <div class="field">
        <label for="currency">Currency</label>
        <select id="currency" name="currency"></select>
        <p class="field-error" data-for="currency"></p>
      </div>
      <div class="field">
        <label for="issueDate">Invoice date</label>
        <input id="issueDate" name="issueDate" type="date" required>
        <p class="field-error" data-for="issueDate"></p>
      </div>
      <div class="field">
        <label for="terms">Payment terms</label>
        <select id="terms" name="terms">
          <option value="0">Due on receipt</option>
          <option value="7">Net 7</option>
          <option value="14">Net 14</option>
          <option value="15">Net 15</option>
          <option value="30">Net 30</option>
          <option value="45">Net 45</option>
          <option value="60">Net 60</option>
          <option value="90">Net 90</option>
          <option value="custom">Custom due date</option>
        </select>
        <p class="field-error" data-for="paymentTermsDays"></p>
      </div>
      <div class="field" id="due-field" hidden>
        <label for="dueDate">Due date</label>
        <input id="dueDate" name="dueDate" type="date">
        <p class="field-error" data-for="dueDate"></p>
      </div>
    </section>
    <section class="lines">
      <table class="lines-table">
        <thead><tr>
          <th class="col-item">Item</th><th class="col-qty">Qty</th><th class="col-price">Unit price</th>
          <th class="col-disc">Discount</th><th class="col-tax">Tax %</th><th class="col-amount">Amount</th><th class="col-remove"><span class="visually-hidden">Remove</span></th>
        </tr></thead>
        <tbody id="lines"></tbody>
      </table>
      <p class="field-error" data-for="lines"></p>
      <button type="button" class="button-link" id="add-line">+ Add line</button>
    </section>
    <section class="field">
      <label for="memo">Note to customer <span class="optional">(optional)</span></label>
      <textarea id="memo" name="memo" rows="2" maxlength="5000"></textarea>
      <p class="field-error" data-for="memo"></p>
    </section>
  </div>
  <footer class="page-footer">
    <dl class="totals" aria-live="polite">
      <div><dt>Subtotal</dt><dd id="t-subtotal">–</dd></div>
      <div><dt>Discounts</dt><dd id="t-discount">–</dd></div>
      <div><dt>Tax</dt><dd id="t-tax">–</dd></div>
      <div class="grand"><dt>Total</dt><dd id="t-total">–</dd></div>
    </dl>
    <div class="actions">
      <button type="button" class="button secondary" data-cancel>Cancel</button>
      <button type="submit" class="button secondary" name="status" value="draft">${submitLabels.draft}</button>
      <button type="submit" class="button primary" name="status" value="open">${submitLabels.issue}</button>
    </div>
  </footer>
</form>`;

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
    body: invoiceForm('New invoice', { draft: 'Save as draft', issue: 'Issue invoice' }),
  });
};

/**
 * The current names of the draft's products: a line whose description is still its product's name
 * was filled in by the product, so picking another product replaces it (see pages.js).
 */
async function productNames(deps: Deps, inv: InvoiceDetail): Promise<Record<string, string>> {
  const found = await catalogRepo.findMany(deps.db, productKind, inv.lines.flatMap((l) => (l.productExternalId ? [l.productExternalId] : [])));
  return Object.fromEntries([...found].map(([id, p]) => [id, (productKind.present(p.row) as { name: string }).name]));
}

/** GET /hubspot/pages/invoices/{id}/edit: the same form for a draft. */
export const getEditPage: Handler = async (deps, _req, res) => {
  const claims = claimsOf(res);
  const inv = await scopedInvoice(deps, claims);
  const today = todayUtc(deps.clock.now());
  if (inv.status !== 'draft' || inv.deletedAt) {
    throw new AppError('invoice_not_editable', 409, `${inv.number} is ${inv.deletedAt ? 'deleted' : STATUS_LABEL[displayStatus(inv, today)].toLowerCase()}: only drafts can be edited.`);
  }
  send(res, {
    title: `Edit ${inv.number}`,
    kind: 'edit',
    base: basePath(deps.config.publicBaseUrl),
    data: { kind: 'edit', ...common(deps, claims), currencies: CURRENCIES, defaults: null, invoice: presentInvoice(inv, today), productNames: await productNames(deps, inv) },
    body: invoiceForm(`Edit draft ${inv.number}`, { draft: 'Save draft', issue: 'Save and issue' }),
  });
};

/** GET /hubspot/pages/invoices/{id}/payment */
export const getPaymentPage: Handler = async (deps, _req, res) => {
  const claims = claimsOf(res);
  const inv = await scopedInvoice(deps, claims);
  const today = todayUtc(deps.clock.now());
  const payable = inv.status === 'open' && !inv.deletedAt;
  const exponent = currencyExponent(inv.currency);
  send(res, {
    title: `Record payment on ${inv.number}`,
    kind: 'payment',
    base: basePath(deps.config.publicBaseUrl),
    data: { kind: 'payment', ...common(deps, claims), invoice: presentInvoice(inv, today), exponent },
    body: html`
<form class="narrow" id="payment-form" novalidate>
  <header class="page-header"><h1>Record a payment</h1></header>
  <div class="scroll">
    ${summary(inv, today)}
    <div class="form-error" id="form-error" role="alert" hidden></div>
    ${payable
      ? html`<div class="field">
      <label for="amount">Amount received (${inv.currency})</label>
      <div class="inline">
        <input id="amount" name="amount" type="text" inputmode="decimal" autocomplete="off" required>
        <button type="button" class="button-link" id="pay-full">Pay in full</button>
      </div>
      <p class="hint">A partial payment leaves the rest open; the full balance marks the invoice paid.</p>
      <p class="field-error" data-for="amount"></p>
    </div>
    <div class="field">
      <label for="date">Payment date</label>
      <input id="date" name="date" type="date" max="${today}" required>
      <p class="field-error" data-for="date"></p>
    </div>
    <div class="field">
      <label for="method">Method</label>
      <select id="method" name="method">
        <option value="bank transfer">Bank transfer</option><option value="card">Card</option><option value="cash">Cash</option>
        <option value="check">Check</option><option value="other">Other</option>
      </select>
    </div>
    <div class="field">
      <label for="reference">Reference <span class="optional">(optional)</span></label>
      <input id="reference" name="reference" type="text" maxlength="200" autocomplete="off">
      <p class="field-error" data-for="reference"></p>
    </div>`
      : html`<p class="notice">${inv.number} is ${STATUS_LABEL[displayStatus(inv, today)].toLowerCase()}: payments can only be recorded on open invoices.</p>`}
  </div>
  <footer class="page-footer"><div class="actions">
    <button type="button" class="button secondary" data-cancel>Cancel</button>
    ${payable ? html`<button type="submit" class="button primary">Record payment</button>` : ''}
  </div></footer>
</form>`,
  });
};

/** GET /hubspot/pages/invoices/{id}/void: voiding with a reason (required once money came in). */
export const getVoidPage: Handler = async (deps, _req, res) => {
  const claims = claimsOf(res);
  const inv = await scopedInvoice(deps, claims);
  const today = todayUtc(deps.clock.now());
  const voidable = (inv.status === 'open' || inv.status === 'paid') && !inv.deletedAt;
  const needsReason = inv.paidMinor > 0n;
  send(res, {
    title: `Void ${inv.number}`,
    kind: 'void',
    base: basePath(deps.config.publicBaseUrl),
    data: { kind: 'void', ...common(deps, claims), invoice: presentInvoice(inv, today), needsReason },
    body: html`
<form class="narrow" id="void-form" novalidate>
  <header class="page-header"><h1>Void invoice ${inv.number}</h1></header>
  <div class="scroll">
    ${summary(inv, today)}
    <div class="form-error" id="form-error" role="alert" hidden></div>
    ${voidable
      ? html`<p class="notice warning">A voided invoice stays on record, marked void, and can't be reopened. ${
          needsReason ? html`Payments of ${moneyHtml(inv.paidMinor, inv.currency)} were recorded against it, so say why it is voided (a refund, a duplicate…).` : ''
        }</p>
    <div class="field">
      <label for="voidReason">Reason ${needsReason ? '' : html`<span class="optional">(optional)</span>`}</label>
      <textarea id="voidReason" name="voidReason" rows="3" maxlength="1000" ${needsReason ? 'required' : ''}></textarea>
      <p class="field-error" data-for="voidReason"></p>
    </div>`
      : html`<p class="notice">${inv.number} is ${STATUS_LABEL[displayStatus(inv, today)].toLowerCase()}${inv.status === 'draft' ? ': drafts are deleted, not voided' : ''}.</p>`}
  </div>
  <footer class="page-footer"><div class="actions">
    <button type="button" class="button secondary" data-cancel>Cancel</button>
    ${voidable ? html`<button type="submit" class="button danger">Void invoice</button>` : ''}
  </div></footer>
</form>`,
  });
};

/** GET /hubspot/pages/invoices/{id}: the invoice with its PDF embedded, download and open links. */
export const getViewPage: Handler = async (deps, _req, res) => {
  const claims = claimsOf(res);
  const inv = await scopedInvoice(deps, claims);
  const today = todayUtc(deps.clock.now());
  const pdf = pageUrl(deps, claims, 'pdf', inv.id);
  send(res, {
    title: `Invoice ${inv.number}`,
    kind: 'view',
    base: basePath(deps.config.publicBaseUrl),
    data: { kind: 'view', ...common(deps, claims) },
    body: html`
<div class="view">
  <header class="page-header view-header">
    <h1>Invoice ${inv.number} ${badge(displayStatus(inv, today))}</h1>
    <div class="actions">
      <a class="button secondary" href="${pdf}&download=1" download="${inv.number}.pdf">Download PDF</a>
      <a class="button secondary" href="${pdf}" target="_blank" rel="noopener">Open in new tab</a>
      <button type="button" class="button primary" data-close>Close</button>
    </div>
  </header>
  <p class="subtitle">${moneyHtml(inv.totalMinor, inv.currency)} · balance ${moneyHtml(balanceMinor(inv), inv.currency)} · due ${dateHtml(inv.dueDate)}</p>
  <iframe class="pdf-frame" src="${pdf}" title="Invoice ${inv.number} (PDF)"></iframe>
</div>`,
  });
};

const LIST_PAGE_SIZE = 25;

/** GET /hubspot/pages/invoices?page=N: every invoice of the deal, most relevant first. */
export const getListPage: Handler = async (deps, req, res) => {
  const claims = claimsOf(res);
  const today = todayUtc(deps.clock.now());
  const pageNo = Math.max(1, Math.min(10_000, Number.parseInt(String((req.query as Record<string, unknown>).page ?? '1'), 10) || 1));
  const page = await dealInvoiceRepo.listForDeal(deps.db, claims.portalId, claims.dealId, today, { limit: LIST_PAGE_SIZE, offset: (pageNo - 1) * LIST_PAGE_SIZE });
  const pages = Math.max(1, Math.ceil(page.totalCount / LIST_PAGE_SIZE));
  const listLink = (n: number) => pageUrl(deps, claims, 'list', null, `&page=${n}`);
  send(res, {
    title: 'Invoices for this deal',
    kind: 'list',
    base: basePath(deps.config.publicBaseUrl),
    data: { kind: 'list', ...common(deps, claims) },
    body: html`
<div class="list">
  <header class="page-header"><h1>Invoices for this deal</h1><p class="subtitle">${page.totalCount} invoice${page.totalCount === 1 ? '' : 's'}</p></header>
  <div class="scroll">
    <table class="invoice-table">
      <thead><tr><th>Invoice</th><th>Status</th><th>Bill to</th><th>Date</th><th>Due</th><th class="num">Total</th><th class="num">Balance</th></tr></thead>
      <tbody>
      ${page.invoices.map(
        (i) => html`<tr>
        <td><a href="${pageUrl(deps, claims, 'view', i.id)}">${i.number}</a></td>
        <td>${badge(displayStatus(i, today))}</td>
        <td>${i.billTo ? (i.billTo.company ?? i.billTo.name ?? i.billTo.email) : '—'}</td>
        <td>${dateHtml(i.issueDate)}</td><td>${dateHtml(i.dueDate)}</td>
        <td class="num">${moneyHtml(i.totalMinor, i.currency)}</td>
        <td class="num">${moneyHtml(balanceMinor(i), i.currency)}</td>
      </tr>`,
      )}
      </tbody>
    </table>
    ${page.invoices.length === 0 ? html`<p class="notice">No invoices on this deal yet.</p>` : ''}
  </div>
  <footer class="page-footer">
    <nav class="pager" aria-label="Pages">
      ${pageNo > 1 ? html`<a class="button secondary" href="${listLink(pageNo - 1)}">Previous</a>` : ''}
      <span>Page ${pageNo} of ${pages}</span>
      ${pageNo < pages ? html`<a class="button secondary" href="${listLink(pageNo + 1)}">Next</a>` : ''}
    </nav>
    <div class="actions"><button type="button" class="button primary" data-close>Close</button></div>
  </footer>
</div>`,
  });
};

/**
 * What a rep who may not change the settings reads: who can, and the exact request that makes the
 * rep an editor, for the admin to send. `addCardEditors` adds to the list without resending it, so
 * the request is the same whoever else is an editor (and the page need not show them).
 */
function editorAdvice(deps: Deps, claims: PageClaims): SafeHtml {
  const who = claims.userId || claims.userEmail;
  const request = who ? `PATCH ${deps.config.publicBaseUrl.replace(/\/+$/, '')}/api/v1/portals/${claims.portalId}/settings\n{"addCardEditors": [${JSON.stringify(who)}]}` : null;
  return html`<div class="notice" role="note">
      <p>Only this account's settings editors can change these settings: the user who installed the app, and the HubSpot users an admin of the invoice service names.</p>
      ${request
        ? html`<p>To make you one, your finance admin sends this request to the invoice service, with its API token:</p>
      <pre class="request"><code>${request}</code></pre>`
        : html`<p>Ask your finance admin to add your HubSpot user as a settings editor.</p>`}
    </div>`;
}

/** GET /hubspot/pages/settings: the portal's invoice settings, and its push when it is connected. */
export const getSettingsPage: Handler = async (deps, _req, res) => {
  const claims = claimsOf(res);
  const [settings, found] = await Promise.all([settingsRepo.get(deps.db, claims.portalId), portalRepo.get(deps.db, claims.portalId)]);
  const canEdit = await settingsRepo.mayEdit(deps.db, settings, claims);
  const portal = portalRepo.connected(found);
  const ro = canEdit ? raw('') : raw('disabled');
  const field = (name: string, label: string, value: string | number | null, attrs: SafeHtml = raw(''), hint?: string) => html`<div class="field">
      <label for="${name}">${label} <span class="optional">(optional)</span></label>
      <input id="${name}" name="${name}" value="${value ?? ''}" ${attrs} ${ro}>
      ${hint ? html`<p class="hint">${hint}</p>` : ''}
      <p class="field-error" data-for="${name}"></p>
    </div>`;
  const area = (name: string, label: string, value: string | null, max: number) => html`<div class="field">
      <label for="${name}">${label} <span class="optional">(optional)</span></label>
      <textarea id="${name}" name="${name}" rows="3" maxlength="${max}" ${ro}>${value ?? ''}</textarea>
      <p class="field-error" data-for="${name}"></p>
    </div>`;
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
      push: portal ? { pushEnabled: portal.pushEnabled, productIdProperty: portal.productIdProperty } : null,
    },
    body: html`
<form id="settings-form" novalidate>
  <header class="page-header"><h1>Invoice settings</h1><p class="subtitle">For every deal in this HubSpot account</p></header>
  <div class="scroll">
    <div class="form-error" id="form-error" role="alert" hidden></div>
    ${canEdit ? '' : editorAdvice(deps, claims)}
    <fieldset><legend>Seller on the PDF</legend>
      ${field('sellerName', 'Company name', settings.sellerName, raw('maxlength="200" autocomplete="organization"'))}
      ${area('sellerAddress', 'Address', settings.sellerAddress, 1000)}
      ${field('sellerEmail', 'Email', settings.sellerEmail, raw('type="email" maxlength="254"'))}
      ${field('sellerPhone', 'Phone', settings.sellerPhone, raw('maxlength="50"'))}
      ${field('sellerTaxId', 'Tax ID', settings.sellerTaxId, raw('maxlength="100"'))}
      ${area('paymentInstructions', 'Payment instructions', settings.paymentInstructions, 2000)}
      ${area('invoiceFooter', 'Footer', settings.invoiceFooter, 1000)}
      ${field('locale', 'Date and number format', settings.locale, raw('maxlength="35" autocapitalize="off" spellcheck="false"'), `A language and region: en-GB prints 1 Dec 2026 and 1,234.50; de-DE prints ${formatDate('2026-12-01', 'de-DE')} and 1.234,50. Empty: en-GB.`)}
    </fieldset>
    <fieldset><legend>New invoices</legend>
      ${field('defaultCurrency', 'Default currency', settings.defaultCurrency, raw('maxlength="3" pattern="[A-Za-z]{3}" autocapitalize="characters"'), 'An ISO code such as EUR; the deal\'s own currency comes first.')}
      ${field('defaultPaymentTermsDays', 'Payment terms (days)', settings.defaultPaymentTermsDays, raw('type="number" min="0" max="3650" step="1" inputmode="numeric"'))}
    </fieldset>
    ${portal
      ? html`<fieldset><legend>Push to HubSpot</legend>
      <div class="field checkbox"><label><input type="checkbox" name="pushEnabled" ${portal.pushEnabled ? 'checked' : ''} ${ro}> Push the accounting system's contacts and products into this account</label></div>
      <div class="field">
        <label for="productIdProperty">Product ID property</label>
        <input id="productIdProperty" name="productIdProperty" value="${portal.productIdProperty}" maxlength="100" pattern="[a-z][a-z0-9_]*" required ${ro}>
        <p class="hint">A unique HubSpot product property holding the accounting system's id. Renaming it sends every product again, by id, so each carries the new one.</p>
        <p class="field-error" data-for="productIdProperty"></p>
      </div>
    </fieldset>`
      : ''}
  </div>
  <footer class="page-footer"><div class="actions">
    <button type="button" class="button secondary" data-cancel>${canEdit ? 'Cancel' : 'Close'}</button>
    ${canEdit ? html`<button type="submit" class="button primary">Save settings</button>` : ''}
  </div></footer>
</form>`,
  });
};
