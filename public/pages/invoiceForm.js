// The invoice form of the create and edit pages: customer, currency, dates and terms, lines with
// live totals the server computes, and the submit (as a draft or issued).

import { formatForInput, readDecimal } from '../locale.js';
import { sayFieldProblem, sayUnreadableNumber } from '../repWording.js';
import { combobox } from './combobox.js';
import { debounce } from './debounce.js';
import { busy, clearErrors, problemsOf, showProblems } from './formProblems.js';
import { closeModal, data, LOCALE, moneyText } from './pageData.js';
import { api, newKey } from './serviceApi.js';

/** Fills in and runs the invoice form (#invoice-form) from the page data. */
export function invoiceForm() {
  const form = document.getElementById('invoice-form');
  const inv = data.invoice;
  const currencySelect = form.elements.currency;
  const linesBody = document.getElementById('lines');
  const state = {
    contactExternalId: inv?.contactExternalId ?? null,
    lines: [],
  };
  const idempotencyKey = newKey();

  // Currencies: the likely ones first, then all of ISO 4217.
  const preferred = [...new Set([inv?.currency, data.defaults?.currency, 'USD', 'EUR', 'GBP', 'CAD', 'AUD', 'JPY'].filter(Boolean))];
  const byCode = new Map(data.currencies.map((c) => [c.code, c]));
  const option = (c) => Object.assign(document.createElement('option'), { value: c.code, textContent: `${c.code} — ${c.name}` });
  const top = document.createElement('optgroup');
  top.label = 'Common';
  top.append(...preferred.filter((c) => byCode.has(c)).map((c) => option(byCode.get(c))));
  const all = document.createElement('optgroup');
  all.label = 'All currencies';
  all.append(...data.currencies.map(option));
  currencySelect.append(top, all);
  currencySelect.value = inv?.currency ?? data.defaults.currency;
  const exponent = () => byCode.get(currencySelect.value)?.exponent ?? 2;
  const wording = () => ({ locale: LOCALE, currency: currencySelect.value, exponent: exponent() });

  // Dates and terms.
  form.elements.issueDate.value = inv?.issueDate ?? data.today;
  const terms = form.elements.terms;
  const dueField = document.getElementById('due-field');
  const termsValue = inv ? (inv.paymentTermsDays ?? 'custom') : data.defaults.paymentTermsDays;
  if (![...terms.options].some((o) => o.value === String(termsValue))) {
    terms.add(Object.assign(document.createElement('option'), { value: String(termsValue), textContent: `Net ${termsValue}` }), terms.options[terms.options.length - 1]);
  }
  terms.value = String(termsValue);
  form.elements.dueDate.value = inv?.dueDate ?? '';
  const syncTerms = () => {
    dueField.hidden = terms.value !== 'custom';
    if (terms.value === 'custom' && !form.elements.dueDate.value) form.elements.dueDate.value = form.elements.issueDate.value;
  };
  terms.addEventListener('change', syncTerms);
  syncTerms();

  form.elements.memo.value = inv?.memo ?? '';
  if (data.defaults?.dealName) document.getElementById('deal-name').textContent = `For deal: ${data.defaults.dealName}`;

  // Customer.
  const customer = document.getElementById('customer');
  const contactLabel = (c) => [c.company, c.name, c.email].filter(Boolean).slice(0, 2).join(' · ') || c.externalId;
  if (inv?.billTo) customer.value = contactLabel(inv.billTo);
  customer.dataset.field = 'contactExternalId';
  combobox(customer, document.getElementById('customer-list'), {
    search: async (q) => (await api('GET', `/contacts?q=${encodeURIComponent(q)}`)).contacts,
    render: (c) => ({ label: c.company ?? c.name ?? c.email ?? c.externalId, detail: [c.company ? c.name : null, c.email].filter(Boolean).join(' · ') }),
    onPick: (c) => {
      state.contactExternalId = c.externalId;
      customer.value = contactLabel(c);
      customer.removeAttribute('aria-invalid');
      document.querySelector('.field-error[data-for="contactExternalId"]').textContent = '';
    },
    onClear: () => {
      state.contactExternalId = null;
    },
  });

  // Lines. Inputs hold text as the rep reads and types it (the locale's decimal separator);
  // `suggested` remembers what the form itself filled in (the deal's name and amount, a picked
  // product's name and price): a field still holding its suggestion is the form's, not the rep's,
  // so picking a product replaces it. What the rep typed is never overwritten.
  const input = (decimal) => (decimal === null || decimal === undefined || decimal === '' ? '' : formatForInput(String(decimal), LOCALE));
  const blankLine = () => ({
    productExternalId: null,
    description: '',
    quantity: input('1'),
    unitPrice: '',
    discountType: 'percent',
    discountValue: '',
    taxRate: '',
    suggested: { description: '', unitPrice: '' },
  });
  const isOwn = (line, key) => line[key].trim() !== '' && line[key] !== line.suggested[key];
  if (inv) {
    state.lines = inv.lines.map((l) => ({
      productExternalId: l.productExternalId,
      description: l.description,
      quantity: input(l.quantity),
      unitPrice: input(l.unitPrice),
      discountType: l.discount?.type ?? 'percent',
      discountValue: input(l.discount?.value ?? ''),
      taxRate: l.taxRate === '0' ? '' : input(l.taxRate),
      // A saved description that is its product's name came from the product: a new pick replaces it.
      suggested: { description: l.productExternalId && data.productNames?.[l.productExternalId] === l.description ? l.description : '', unitPrice: '' },
    }));
  } else {
    const first = blankLine();
    if (data.defaults.dealName) first.description = first.suggested.description = data.defaults.dealName;
    if (data.defaults.amount && /^\d+(\.\d+)?$/.test(data.defaults.amount)) first.unitPrice = first.suggested.unitPrice = input(data.defaults.amount);
    state.lines = [first];
  }

  const lineInput = (line, i, key, attrs = {}) => {
    const el = Object.assign(document.createElement('input'), { type: 'text', value: line[key] ?? '', autocomplete: 'off', ...attrs });
    el.dataset.field = `lines[${i}].${key === 'discountValue' ? 'discount.value' : key}`;
    el.addEventListener('input', () => {
      line[key] = el.value;
      typingIn = el.dataset.field;
      // What was wrong with this field before this keystroke is stale; the next quote says anew.
      liveProblems = liveProblems.filter((p) => p.field !== el.dataset.field);
      // The amount is out of date from the first keystroke until the new quote arrives.
      const amount = linesBody.querySelector(`[data-amount="${i}"]`);
      if (amount) amount.textContent = '–';
      requestQuote();
    });
    return el;
  };
  const errorSlot = (i, key, label) => {
    const p = Object.assign(document.createElement('p'), { className: 'field-error', id: `err-${i}-${key.replace('.', '-')}` });
    p.dataset.for = `lines[${i}].${key}`;
    // Problems of the narrow number columns sit in a full-width row under the line, named by field.
    if (label) p.dataset.label = label;
    return p;
  };
  const cell = (...children) => {
    const td = document.createElement('td');
    td.append(...children);
    return td;
  };

  function renderLines() {
    linesBody.replaceChildren(
      ...state.lines
        .map((line, i) => {
          const tr = document.createElement('tr');
          const n = i + 1;
          // Item: product search, then the description printed on the invoice.
          const box = document.createElement('div');
          box.className = 'combobox';
          const product = Object.assign(document.createElement('input'), {
            type: 'text',
            placeholder: 'Search products by SKU or name',
            autocomplete: 'off',
            value: line.productLabel ?? line.productExternalId ?? '',
          });
          product.setAttribute('role', 'combobox');
          product.setAttribute('aria-autocomplete', 'list');
          product.setAttribute('aria-expanded', 'false');
          product.setAttribute('aria-label', `Line ${n} product`);
          product.dataset.field = `lines[${i}].productExternalId`;
          const list = Object.assign(document.createElement('ul'), { className: 'listbox', hidden: true });
          list.setAttribute('role', 'listbox');
          box.append(product, list);
          const description = lineInput(line, i, 'description', { placeholder: 'Description' });
          description.setAttribute('aria-label', `Line ${n} description`);
          combobox(product, list, {
            search: async (q) => (await api('GET', `/products?q=${encodeURIComponent(q)}`)).products,
            render: (p) => ({ label: p.name, detail: [p.sku, moneyText(p.price, p.currency, byCode.get(p.currency)?.exponent ?? 2)].filter(Boolean).join(' · ') }),
            onPick: (p) => {
              line.productExternalId = p.externalId;
              line.productLabel = [p.sku, p.name].filter(Boolean).join(' · ');
              // The product fills the line, except what the rep typed. A price in another currency
              // is no price for this invoice: the field is emptied for the rep to fill in.
              if (!isOwn(line, 'description')) line.description = line.suggested.description = p.name;
              if (!isOwn(line, 'unitPrice')) line.unitPrice = line.suggested.unitPrice = p.currency === currencySelect.value ? input(p.price) : '';
              renderLines();
              requestQuote();
            },
            onClear: () => {
              line.productExternalId = null;
              line.productLabel = null;
              requestQuote();
            },
          });
          const qty = lineInput(line, i, 'quantity', { inputMode: 'decimal' });
          qty.setAttribute('aria-label', `Line ${n} quantity`);
          const price = lineInput(line, i, 'unitPrice', { inputMode: 'decimal', placeholder: input((0).toFixed(exponent())) });
          price.setAttribute('aria-label', `Line ${n} unit price`);
          const disc = lineInput(line, i, 'discountValue', { inputMode: 'decimal', placeholder: '0' });
          disc.setAttribute('aria-label', `Line ${n} discount`);
          const discType = document.createElement('select');
          discType.setAttribute('aria-label', `Line ${n} discount type`);
          discType.append(new Option('%', 'percent'), new Option(currencySelect.value, 'amount'));
          discType.value = line.discountType;
          discType.addEventListener('change', () => {
            line.discountType = discType.value;
            requestQuote();
          });
          const discBox = document.createElement('div');
          discBox.className = 'disc';
          discBox.append(disc, discType);
          const tax = lineInput(line, i, 'taxRate', { inputMode: 'decimal', placeholder: '0' });
          tax.setAttribute('aria-label', `Line ${n} tax rate (percent)`);
          const amount = document.createElement('td');
          amount.className = 'amount';
          amount.dataset.amount = String(i);
          amount.textContent = '–';
          const remove = Object.assign(document.createElement('button'), { type: 'button', className: 'icon-button', textContent: '×', title: `Remove line ${n}` });
          remove.setAttribute('aria-label', `Remove line ${n}`);
          remove.disabled = state.lines.length === 1;
          remove.addEventListener('click', () => {
            state.lines.splice(i, 1);
            renderLines();
            requestQuote();
          });
          const itemCell = cell(box, description, errorSlot(i, 'productExternalId'), errorSlot(i, 'description'));
          itemCell.className = 'line-item';
          const removeCell = cell(remove);
          removeCell.className = 'line-remove';
          tr.className = 'line';
          tr.append(itemCell, cell(qty), cell(price), cell(discBox), cell(tax), amount, removeCell);
          const problems = document.createElement('tr');
          problems.className = 'line-problems';
          const slots = [
            [qty, errorSlot(i, 'quantity', 'Quantity')],
            [price, errorSlot(i, 'unitPrice', 'Unit price')],
            [disc, errorSlot(i, 'discount.value', 'Discount')],
            [tax, errorSlot(i, 'taxRate', 'Tax rate')],
          ];
          for (const [el, slot] of slots) el.setAttribute('aria-describedby', slot.id);
          const all = cell(...slots.map(([, slot]) => slot));
          all.colSpan = 7;
          problems.append(all);
          return [tr, problems];
        })
        .flat(),
    );
  }

  document.getElementById('add-line').addEventListener('click', () => {
    state.lines.push(blankLine());
    renderLines();
    requestQuote();
    linesBody.querySelector(`[data-field="lines[${state.lines.length - 1}].productExternalId"]`)?.focus();
  });
  currencySelect.addEventListener('change', () => {
    renderLines();
    requestQuote();
  });

  /**
   * The lines as the API takes them (canonical decimal strings; empty optional fields left out),
   * and the rep-worded problems of whatever could not be read.
   */
  const readLines = () => {
    const problems = [];
    const lines = state.lines.map((l, i) => {
      const read = (key, text) => {
        const field = `lines[${i}].${key}`;
        const r = readDecimal(text, LOCALE);
        if (r.ok) return r.value;
        problems.push({ field, text: sayUnreadableNumber(field, r, wording()) });
        return '';
      };
      const out = { quantity: read('quantity', l.quantity) };
      if (l.description.trim()) out.description = l.description.trim();
      if (l.productExternalId) out.productExternalId = l.productExternalId;
      const unitPrice = read('unitPrice', l.unitPrice);
      if (unitPrice !== '') out.unitPrice = unitPrice;
      const discount = read('discount.value', l.discountValue);
      if (discount !== '') out.discount = { type: l.discountType, value: discount };
      const taxRate = read('taxRate', l.taxRate);
      if (taxRate !== '') out.taxRate = taxRate;
      return out;
    });
    return { lines, problems };
  };

  const setTotals = (t) => {
    const cur = currencySelect.value;
    document.getElementById('t-subtotal').textContent = moneyText(t?.subtotal, cur, exponent());
    document.getElementById('t-discount').textContent = moneyText(t?.discount, cur, exponent());
    document.getElementById('t-tax').textContent = moneyText(t?.tax, cur, exponent());
    document.getElementById('t-total').textContent = moneyText(t?.total, cur, exponent());
  };

  // Problems found while the rep types are shown beside their fields, except under the field
  // being typed in (half a number is not a mistake yet); leaving the field shows them.
  let liveProblems = [];
  let typingIn = null;
  const showLiveProblems = () => {
    for (const slot of linesBody.querySelectorAll('.field-error')) slot.textContent = '';
    for (const el of linesBody.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
    for (const p of liveProblems) {
      const el = linesBody.querySelector(`[data-field="${CSS.escape(p.field)}"]`);
      if (p.field === typingIn && el === document.activeElement) continue;
      const slot = linesBody.querySelector(`.field-error[data-for="${CSS.escape(p.field)}"]`);
      if (!slot) continue;
      slot.textContent = slot.textContent ? `${slot.textContent} ${p.text}` : p.text;
      el?.setAttribute('aria-invalid', 'true');
    }
  };
  linesBody.addEventListener('focusout', () => {
    typingIn = null;
    setTimeout(showLiveProblems, 0);
  });
  const noAmounts = (problems) => {
    for (const td of linesBody.querySelectorAll('[data-amount]')) td.textContent = '–';
    setTotals(null);
    liveProblems = problems;
    showLiveProblems();
  };

  // Live totals, computed by the server so they match the invoice to the last minor unit. While
  // any line has a problem, no line shows an amount and the totals show "–".
  let quoteSeq = 0;
  const requestQuote = debounce(async () => {
    const mine = ++quoteSeq;
    const { lines, problems } = readLines();
    const filled = lines
      .map((l, i) => [l, i])
      .filter(([, i]) => {
        const l = state.lines[i];
        return l.description.trim() || l.productExternalId || l.unitPrice.trim();
      });
    const unread = problems.filter((p) => filled.some(([, i]) => p.field.startsWith(`lines[${i}].`)));
    if (unread.length) return noAmounts(unread);
    if (!filled.length) return noAmounts([]);
    // The quote numbers the lines it was sent; problems are placed on the form's own lines.
    const onForm = (d) => {
      const m = /^lines\[(\d+)\]\.(.+)$/.exec(d.field);
      const at = m ? filled[Number(m[1])]?.[1] : undefined;
      return { field: at === undefined ? d.field : `lines[${at}].${m[2]}`, text: sayFieldProblem(d, wording()) };
    };
    let quote;
    try {
      quote = await api('POST', '/quote', { currency: currencySelect.value, lines: filled.map(([l]) => l) });
    } catch (err) {
      if (mine === quoteSeq) noAmounts(err.details.map(onForm));
      return;
    }
    if (mine !== quoteSeq) return;
    if (quote.problems.length) return noAmounts(quote.problems.map(onForm));
    for (const td of linesBody.querySelectorAll('[data-amount]')) td.textContent = '–';
    filled.forEach(([, i], k) => {
      const td = linesBody.querySelector(`[data-amount="${i}"]`);
      if (td) td.textContent = moneyText(quote.lines[k].net, currencySelect.value, quote.exponent);
    });
    liveProblems = [];
    showLiveProblems();
    setTotals(quote.totals);
  }, 250);

  renderLines();
  requestQuote();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const status = e.submitter?.value === 'open' ? 'open' : 'draft';
    clearErrors(form);
    typingIn = null;
    const { lines, problems } = readLines();
    if (problems.length) return showProblems(problems);
    const body = {
      currency: currencySelect.value,
      issueDate: form.elements.issueDate.value,
      contactExternalId: state.contactExternalId,
      lines,
      memo: form.elements.memo.value.trim() || null,
    };
    if (terms.value === 'custom') body.dueDate = form.elements.dueDate.value;
    else body.paymentTermsDays = Number(terms.value);
    if (!state.contactExternalId && customer.value.trim()) {
      return showProblems([{ field: 'contactExternalId', text: sayFieldProblem({ field: 'contactExternalId', message: 'pick a customer' }, wording()) }]);
    }
    busy(form, true);
    try {
      if (inv) await api('PATCH', `/invoices/${inv.id}`, status === 'open' ? { ...body, status: 'open' } : body);
      else await api('POST', '/invoices', { ...body, status }, { 'Idempotency-Key': `${idempotencyKey}-${status}` });
      closeModal('DONE');
    } catch (err) {
      busy(form, false);
      showProblems(problemsOf(err, wording()));
    }
  });
}
