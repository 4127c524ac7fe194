// The create and edit pages' invoice form: a pure view (the page's script fills it in from the
// page data, see public/pages/invoiceForm.js).

import { html, type SafeHtml } from '../html/html.js';

export interface InvoiceFormPageView {
  /** The draft being edited, or null for a new invoice. */
  draftNumber: string | null;
}

/** The invoice form: customer, currency, dates and terms, lines, note, live totals. */
export function renderInvoiceFormPage({ draftNumber }: InvoiceFormPageView): SafeHtml {
  const heading = draftNumber === null ? 'New invoice' : `Edit draft ${draftNumber}`;
  const submitLabels = draftNumber === null ? { draft: 'Save as draft', issue: 'Issue invoice' } : { draft: 'Save draft', issue: 'Save and issue' };
  return html`
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
}
