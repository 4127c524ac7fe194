// The invoice pages' views: pure functions of a view model (no I/O, no deps), each rendering a
// page's body for the document shell. Their handlers (pageHandlers.ts) load the model.

import { formatDate, formatMoney } from '../../public/locale.js';
import { html, type SafeHtml } from '../html/html.js';
import { balanceMinor, type DisplayStatus, displayStatus, type InvoiceDetail, STATUS_LABELS } from '../invoices/invoice.js';
import type { DealInvoice } from '../invoices/dealInvoiceRepo.js';
import { currencyExponent } from '../money/currencies.js';
import { formatMinor } from '../money/money.js';

/**
 * A date or an amount as HTML: written here in the default locale, and rewritten by the page's
 * script in the rep's (the browser's) locale by the same rule (public/locale.js).
 */
const dateHtml = (iso: string) => html`<time datetime="${iso}">${formatDate(iso)}</time>`;
const moneyHtml = (minor: bigint, currency: string) => {
  const decimal = formatMinor(minor, currency);
  const exponent = currencyExponent(currency);
  return html`<span data-money="${decimal}" data-currency="${currency}" data-exponent="${String(exponent)}">${formatMoney(decimal, currency, exponent)}</span>`;
};

const badge = (status: DisplayStatus) => html`<span class="badge badge-${status}">${STATUS_LABELS[status]}</span>`;

/** "open", "partially paid": an invoice's status inside a sentence. */
export const statusWord = (inv: Pick<InvoiceDetail, 'status' | 'dueDate' | 'paidMinor'>, today: string): string => STATUS_LABELS[displayStatus(inv, today)].toLowerCase();

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

export interface PaymentPageView {
  invoice: InvoiceDetail;
  today: string;
  /** Open and not deleted: the form is shown, else a notice saying why not. */
  payable: boolean;
}

/** The record-a-payment form, or why no payment can be recorded. */
export function renderPaymentPage({ invoice: inv, today, payable }: PaymentPageView): SafeHtml {
  return html`
<form class="narrow" id="payment-form" novalidate>
  <header class="page-header"><h1>Record a payment</h1></header>
  <div class="scroll">
    ${summary(inv, today)}
    <div class="form-error" id="form-error" role="alert" hidden></div>
    ${
      payable
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
        : html`<p class="notice">${inv.number} is ${statusWord(inv, today)}: payments can only be recorded on open invoices.</p>`
    }
  </div>
  <footer class="page-footer"><div class="actions">
    <button type="button" class="button secondary" data-cancel>Cancel</button>
    ${payable ? html`<button type="submit" class="button primary">Record payment</button>` : ''}
  </div></footer>
</form>`;
}

export interface VoidPageView {
  invoice: InvoiceDetail;
  today: string;
  /** Open or paid and not deleted: the form is shown, else a notice saying why not. */
  voidable: boolean;
  /** Money came in, so the rep must say why the invoice is voided. */
  needsReason: boolean;
}

/** The void form (with a reason, required once money came in), or why the invoice cannot be voided. */
export function renderVoidPage({ invoice: inv, today, voidable, needsReason }: VoidPageView): SafeHtml {
  return html`
<form class="narrow" id="void-form" novalidate>
  <header class="page-header"><h1>Void invoice ${inv.number}</h1></header>
  <div class="scroll">
    ${summary(inv, today)}
    <div class="form-error" id="form-error" role="alert" hidden></div>
    ${
      voidable
        ? html`<p class="notice warning">A voided invoice stays on record, marked void, and can't be reopened. ${
            needsReason ? html`Payments of ${moneyHtml(inv.paidMinor, inv.currency)} were recorded against it, so say why it is voided (a refund, a duplicate…).` : ''
          }</p>
    <div class="field">
      <label for="voidReason">Reason ${needsReason ? '' : html`<span class="optional">(optional)</span>`}</label>
      <textarea id="voidReason" name="voidReason" rows="3" maxlength="1000" ${needsReason ? 'required' : ''}></textarea>
      <p class="field-error" data-for="voidReason"></p>
    </div>`
        : html`<p class="notice">${inv.number} is ${statusWord(inv, today)}${inv.status === 'draft' ? ': drafts are deleted, not voided' : ''}.</p>`
    }
  </div>
  <footer class="page-footer"><div class="actions">
    <button type="button" class="button secondary" data-cancel>Cancel</button>
    ${voidable ? html`<button type="submit" class="button danger">Void invoice</button>` : ''}
  </div></footer>
</form>`;
}

export interface ViewPageView {
  invoice: InvoiceDetail;
  today: string;
  /** The invoice's PDF (inline; `&download=1` makes it a download). */
  pdfUrl: string;
}

/** The invoice with its PDF embedded, download and open links. */
export function renderViewPage({ invoice: inv, today, pdfUrl }: ViewPageView): SafeHtml {
  return html`
<div class="view">
  <header class="page-header view-header">
    <h1>Invoice ${inv.number} ${badge(displayStatus(inv, today))}</h1>
    <div class="actions">
      <a class="button secondary" href="${pdfUrl}&download=1" download="${inv.number}.pdf">Download PDF</a>
      <a class="button secondary" href="${pdfUrl}" target="_blank" rel="noopener">Open in new tab</a>
      <button type="button" class="button primary" data-close>Close</button>
    </div>
  </header>
  <p class="subtitle">${moneyHtml(inv.totalMinor, inv.currency)} · balance ${moneyHtml(balanceMinor(inv), inv.currency)} · due ${dateHtml(inv.dueDate)}</p>
  <iframe class="pdf-frame" src="${pdfUrl}" title="Invoice ${inv.number} (PDF)"></iframe>
</div>`;
}

export interface ListPageView {
  /** One page of the deal's invoices, each with the link to its view page. */
  rows: { invoice: DealInvoice; viewUrl: string }[];
  totalCount: number;
  today: string;
  pageNo: number;
  pageCount: number;
  /** The neighbouring pages of the list, null at either end. */
  previousUrl: string | null;
  nextUrl: string | null;
}

/** Every invoice of the deal, one page of them, with a pager. */
export function renderListPage(view: ListPageView): SafeHtml {
  const { rows, totalCount, today } = view;
  return html`
<div class="list">
  <header class="page-header"><h1>Invoices for this deal</h1><p class="subtitle">${totalCount} invoice${totalCount === 1 ? '' : 's'}</p></header>
  <div class="scroll">
    <table class="invoice-table">
      <thead><tr><th>Invoice</th><th>Status</th><th>Bill to</th><th>Date</th><th>Due</th><th class="num">Total</th><th class="num">Balance</th></tr></thead>
      <tbody>
      ${rows.map(
        ({ invoice: i, viewUrl }) => html`<tr>
        <td><a href="${viewUrl}">${i.number}</a></td>
        <td>${badge(displayStatus(i, today))}</td>
        <td>${i.billTo ? (i.billTo.company ?? i.billTo.name ?? i.billTo.email) : '—'}</td>
        <td>${dateHtml(i.issueDate)}</td><td>${dateHtml(i.dueDate)}</td>
        <td class="num">${moneyHtml(i.totalMinor, i.currency)}</td>
        <td class="num">${moneyHtml(balanceMinor(i), i.currency)}</td>
      </tr>`,
      )}
      </tbody>
    </table>
    ${rows.length === 0 ? html`<p class="notice">No invoices on this deal yet.</p>` : ''}
  </div>
  <footer class="page-footer">
    <nav class="pager" aria-label="Pages">
      ${view.previousUrl ? html`<a class="button secondary" href="${view.previousUrl}">Previous</a>` : ''}
      <span>Page ${view.pageNo} of ${view.pageCount}</span>
      ${view.nextUrl ? html`<a class="button secondary" href="${view.nextUrl}">Next</a>` : ''}
    </nav>
    <div class="actions"><button type="button" class="button primary" data-close>Close</button></div>
  </footer>
</div>`;
}
