// The card's iframe pages: create and edit invoices, record payments, void, view, list, settings.
// Plain browser JavaScript, no build step and no third-party code: every request goes to this
// service with the page's token, and every amount shown comes from the server's money rules.

const data = JSON.parse(document.getElementById('page-data').textContent);

/** Closes HubSpot's modal: DONE after a change, CANCEL otherwise (a JSON string, target "*"). */
function closeModal(action) {
  window.parent.postMessage(JSON.stringify({ action }), '*');
}

for (const b of document.querySelectorAll('[data-cancel], [data-close]')) {
  b.addEventListener('click', () => closeModal('CANCEL'));
}
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !e.defaultPrevented && !document.querySelector('.listbox:not([hidden])')) closeModal('CANCEL');
});

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `The service answered ${status}`);
    this.status = status;
    this.code = body?.error?.code;
    this.details = Array.isArray(body?.error?.details) ? body.error.details : [];
  }
}

async function api(method, path, body, headers = {}) {
  let res;
  try {
    res = await fetch(`${data.api}${path}`, {
      method,
      headers: { 'X-Page-Token': data.token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(0, { error: { message: 'The invoice service could not be reached. Check your connection and try again.' } });
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);

function debounce(fn, ms) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

/** "1 234,50" → "1234.50": spaces go, a lone comma is a decimal point, commas next to a dot are grouping. */
function normalizeDecimal(text) {
  let s = String(text ?? '').trim().replace(/[\s_\u00a0']/g, '');
  if (s.includes(',') && !s.includes('.')) s = s.replace(',', '.');
  else s = s.replace(/,/g, '');
  return s;
}

const moneyFormats = new Map();
function formatMoney(decimalText, currency, exponent) {
  if (decimalText === undefined || decimalText === null || decimalText === '') return '–';
  const key = `${currency}:${exponent}`;
  let f = moneyFormats.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat(undefined, { style: 'currency', currency, currencyDisplay: 'narrowSymbol', minimumFractionDigits: exponent, maximumFractionDigits: exponent });
    } catch {
      f = { format: (v) => `${v} ${currency}` };
    }
    moneyFormats.set(key, f);
  }
  return f.format(decimalText); // exact: Intl formats decimal strings without going through a float
}

// ---- Field errors --------------------------------------------------------------------------

const formError = document.getElementById('form-error');

function clearErrors(root = document) {
  for (const el of root.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of root.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
  if (formError) {
    formError.hidden = true;
    formError.textContent = '';
  }
}

function showFormError(message) {
  if (!formError) return alert(message);
  formError.textContent = message;
  formError.hidden = false;
  formError.scrollIntoView({ block: 'nearest' });
}

/** Puts each { field, message } beside its field; what has no field goes on top of the form. */
function showErrors(details, fallbackMessage) {
  const unplaced = [];
  let first;
  for (const d of details) {
    const slot = document.querySelector(`.field-error[data-for="${CSS.escape(d.field)}"]`);
    if (slot) {
      slot.textContent = slot.textContent ? `${slot.textContent} ${d.message}` : capitalize(d.message);
      const input = document.querySelector(`[data-field="${CSS.escape(d.field)}"]`) ?? document.querySelector(`[name="${CSS.escape(d.field)}"]`);
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        first ??= input;
      }
    } else unplaced.push(`${d.field}: ${d.message}`);
  }
  if (unplaced.length || !details.length) showFormError([fallbackMessage, ...unplaced].filter(Boolean).join(' — '));
  first?.focus();
}

const capitalize = (s) => s.charAt(0).toUpperCase() + s.slice(1);

function busy(form, on) {
  for (const b of form.querySelectorAll('button')) b.disabled = on;
  document.body.classList.toggle('busy', on);
}

// ---- Search box (WAI-ARIA combobox) -----------------------------------------------------------

let comboboxCount = 0;

/**
 * Makes `input` a search box over `search(q) → items`; `render(item) → {label, detail}`; calls
 * onPick(item) on Enter or click. Arrow keys move, Escape closes.
 */
function combobox(input, list, { search, render, onPick, onClear }) {
  let items = [];
  let active = -1;
  let seq = 0;
  const id = `cb${++comboboxCount}`;
  list.id ||= `${id}-list`;
  input.setAttribute('aria-controls', list.id);

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const highlight = (i) => {
    active = i;
    for (const [n, li] of [...list.children].entries()) li.setAttribute('aria-selected', String(n === i));
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', `${id}-opt${i}`);
      list.children[i]?.scrollIntoView({ block: 'nearest' });
    }
  };
  const pick = (i) => {
    const item = items[i];
    if (!item) return;
    close();
    onPick(item);
  };
  const show = (found) => {
    items = found;
    list.replaceChildren(
      ...(found.length
        ? found.map((item, i) => {
            const li = document.createElement('li');
            li.id = `${id}-opt${i}`;
            li.setAttribute('role', 'option');
            const { label, detail } = render(item);
            const main = document.createElement('span');
            main.textContent = label;
            li.append(main);
            if (detail) {
              const sub = document.createElement('span');
              sub.className = 'secondary-text';
              sub.textContent = detail;
              li.append(sub);
            }
            li.addEventListener('mousedown', (e) => {
              e.preventDefault();
              pick(i);
            });
            return li;
          })
        : [Object.assign(document.createElement('li'), { className: 'empty', textContent: 'No matches' })]),
    );
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    highlight(found.length ? 0 : -1);
  };
  const run = debounce(async () => {
    const mine = ++seq;
    try {
      const found = await search(input.value.trim());
      if (mine === seq && document.activeElement === input) show(found);
    } catch {
      // a failed search leaves the list as it was; the submit will report real problems
    }
  }, 180);

  input.addEventListener('input', () => {
    onClear?.();
    run();
  });
  input.addEventListener('focus', () => run());
  input.addEventListener('blur', () => setTimeout(close, 120));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (list.hidden) run();
      else highlight(Math.min(items.length - 1, active + 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      highlight(Math.max(0, active - 1));
    } else if (e.key === 'Enter' && !list.hidden) {
      e.preventDefault();
      pick(active);
    } else if (e.key === 'Escape' && !list.hidden) {
      e.preventDefault();
      close();
    }
  });
}

// ---- Invoice form (create and edit) -----------------------------------------------------------

function invoiceForm() {
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

  // Lines.
  const blankLine = () => ({ productExternalId: null, description: '', quantity: '1', unitPrice: '', discountType: 'percent', discountValue: '', taxRate: '' });
  if (inv) {
    state.lines = inv.lines.map((l) => ({
      productExternalId: l.productExternalId,
      description: l.description,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      discountType: l.discount?.type ?? 'percent',
      discountValue: l.discount?.value ?? '',
      taxRate: l.taxRate === '0' ? '' : l.taxRate,
    }));
  } else {
    const first = blankLine();
    if (data.defaults.dealName) first.description = data.defaults.dealName;
    if (data.defaults.amount && /^\d+(\.\d+)?$/.test(data.defaults.amount)) first.unitPrice = data.defaults.amount;
    state.lines = [first];
  }

  const lineInput = (line, i, key, attrs = {}) => {
    const el = Object.assign(document.createElement('input'), { type: 'text', value: line[key] ?? '', autocomplete: 'off', ...attrs });
    el.dataset.field = `lines[${i}].${key === 'discountValue' ? 'discount.value' : key}`;
    el.addEventListener('input', () => {
      line[key] = el.value;
      requestQuote();
    });
    return el;
  };
  const errorSlot = (i, key) => {
    const p = Object.assign(document.createElement('p'), { className: 'field-error' });
    p.dataset.for = `lines[${i}].${key}`;
    return p;
  };
  const cell = (...children) => {
    const td = document.createElement('td');
    td.append(...children);
    return td;
  };

  function renderLines() {
    linesBody.replaceChildren(
      ...state.lines.map((line, i) => {
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
          render: (p) => ({ label: p.name, detail: [p.sku, formatMoney(p.price, p.currency, byCode.get(p.currency)?.exponent ?? 2)].filter(Boolean).join(' · ') }),
          onPick: (p) => {
            line.productExternalId = p.externalId;
            line.productLabel = [p.sku, p.name].filter(Boolean).join(' · ');
            product.value = line.productLabel;
            if (!line.description) line.description = p.name;
            if (p.currency === currencySelect.value) line.unitPrice = p.price;
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
        const price = lineInput(line, i, 'unitPrice', { inputMode: 'decimal', placeholder: '0.00' });
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
        tr.append(
          itemCell,
          cell(qty, errorSlot(i, 'quantity')),
          cell(price, errorSlot(i, 'unitPrice')),
          cell(discBox, errorSlot(i, 'discount.value')),
          cell(tax, errorSlot(i, 'taxRate')),
          amount,
          cell(remove),
        );
        return tr;
      }),
    );
  }

  document.getElementById('add-line').addEventListener('click', () => {
    state.lines.push(blankLine());
    renderLines();
    linesBody.querySelector('tr:last-child input')?.focus();
  });
  currencySelect.addEventListener('change', () => {
    renderLines();
    requestQuote();
  });

  /** The lines as the API takes them; empty optional fields are left out. */
  const linesForApi = () =>
    state.lines.map((l) => {
      const out = { quantity: normalizeDecimal(l.quantity) };
      if (l.description.trim()) out.description = l.description.trim();
      if (l.productExternalId) out.productExternalId = l.productExternalId;
      if (normalizeDecimal(l.unitPrice) !== '') out.unitPrice = normalizeDecimal(l.unitPrice);
      if (normalizeDecimal(l.discountValue) !== '') out.discount = { type: l.discountType, value: normalizeDecimal(l.discountValue) };
      if (normalizeDecimal(l.taxRate) !== '') out.taxRate = normalizeDecimal(l.taxRate);
      return out;
    });

  const setTotals = (t) => {
    const cur = currencySelect.value;
    document.getElementById('t-subtotal').textContent = formatMoney(t?.subtotal, cur, exponent());
    document.getElementById('t-discount').textContent = formatMoney(t?.discount, cur, exponent());
    document.getElementById('t-tax').textContent = formatMoney(t?.tax, cur, exponent());
    document.getElementById('t-total').textContent = formatMoney(t?.total, cur, exponent());
  };

  // Live totals, computed by the server so they match the invoice to the last minor unit.
  let quoteSeq = 0;
  const requestQuote = debounce(async () => {
    const mine = ++quoteSeq;
    const lines = linesForApi();
    const filled = lines.map((l, i) => [l, i]).filter(([l]) => l.description || l.productExternalId || l.unitPrice);
    if (!filled.length) return setTotals(null);
    let quote;
    try {
      quote = await api('POST', '/quote', { currency: currencySelect.value, lines: filled.map(([l]) => l) });
    } catch (err) {
      if (mine === quoteSeq && err.details?.length) setTotals(null);
      return;
    }
    if (mine !== quoteSeq) return;
    for (const td of linesBody.querySelectorAll('[data-amount]')) td.textContent = '–';
    if (quote.problems.length) return setTotals(null);
    filled.forEach(([, i], k) => {
      const td = linesBody.querySelector(`[data-amount="${i}"]`);
      if (td) td.textContent = formatMoney(quote.lines[k].net, currencySelect.value, quote.exponent);
    });
    setTotals(quote.totals);
  }, 250);

  renderLines();
  requestQuote();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const status = e.submitter?.value === 'open' ? 'open' : 'draft';
    clearErrors(form);
    const body = {
      currency: currencySelect.value,
      issueDate: form.elements.issueDate.value,
      contactExternalId: state.contactExternalId,
      lines: linesForApi(),
      memo: form.elements.memo.value.trim() || null,
    };
    if (terms.value === 'custom') body.dueDate = form.elements.dueDate.value;
    else body.paymentTermsDays = Number(terms.value);
    if (!state.contactExternalId && customer.value.trim()) {
      return showErrors([{ field: 'contactExternalId', message: 'pick a customer from the list' }]);
    }
    busy(form, true);
    try {
      if (inv) await api('PATCH', `/invoices/${inv.id}`, status === 'open' ? { ...body, status: 'open' } : body);
      else await api('POST', '/invoices', { ...body, status }, { 'Idempotency-Key': `${idempotencyKey}-${status}` });
      closeModal('DONE');
    } catch (err) {
      busy(form, false);
      showErrors(err.details ?? [], err.details?.length ? null : err.message);
    }
  });
}

// ---- Payment -------------------------------------------------------------------------------

function paymentForm() {
  const form = document.getElementById('payment-form');
  const inv = data.invoice;
  if (!form.elements.amount) return;
  form.elements.amount.value = inv.balance;
  form.elements.date.value = data.today;
  document.getElementById('pay-full').addEventListener('click', () => {
    form.elements.amount.value = inv.balance;
    form.elements.amount.focus();
  });
  const key = newKey();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    busy(form, true);
    try {
      await api(
        'POST',
        `/invoices/${inv.id}/payments`,
        {
          amount: normalizeDecimal(form.elements.amount.value),
          date: form.elements.date.value,
          method: form.elements.method.value,
          reference: form.elements.reference.value.trim() || null,
        },
        { 'Idempotency-Key': key },
      );
      closeModal('DONE');
    } catch (err) {
      busy(form, false);
      showErrors(err.details ?? [], err.details?.length ? null : err.message);
    }
  });
  form.elements.amount.focus();
  form.elements.amount.select();
}

// ---- Void ----------------------------------------------------------------------------------

function voidForm() {
  const form = document.getElementById('void-form');
  if (!form.elements.voidReason) return;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const voidReason = form.elements.voidReason.value.trim();
    if (data.needsReason && !voidReason) return showErrors([{ field: 'voidReason', message: 'say why the invoice is voided' }]);
    busy(form, true);
    try {
      await api('POST', `/invoices/${data.invoice.id}/void`, voidReason ? { voidReason } : {});
      closeModal('DONE');
    } catch (err) {
      busy(form, false);
      showErrors(err.details ?? [], err.details?.length ? null : err.message);
    }
  });
  form.elements.voidReason.focus();
}

// ---- Settings --------------------------------------------------------------------------------

function settingsForm() {
  const form = document.getElementById('settings-form');
  const text = (name) => form.elements[name].value.trim() || null;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!data.canEdit) return;
    clearErrors(form);
    const terms = form.elements.defaultPaymentTermsDays.value.trim();
    const currency = text('defaultCurrency');
    const settings = {
      sellerName: text('sellerName'),
      sellerAddress: text('sellerAddress'),
      sellerEmail: text('sellerEmail'),
      sellerPhone: text('sellerPhone'),
      sellerTaxId: text('sellerTaxId'),
      paymentInstructions: text('paymentInstructions'),
      invoiceFooter: text('invoiceFooter'),
      defaultCurrency: currency ? currency.toUpperCase() : null,
      defaultPaymentTermsDays: terms === '' ? null : Number.isInteger(Number(terms)) ? Number(terms) : terms,
    };
    if (typeof settings.defaultPaymentTermsDays === 'string') return showErrors([{ field: 'defaultPaymentTermsDays', message: 'must be a whole number of days' }]);
    const body = { settings, version: data.version };
    if (data.push) {
      // Only what was changed here: a change made elsewhere meanwhile is not undone.
      const push = {};
      const pushEnabled = form.elements.pushEnabled.checked;
      const productIdProperty = form.elements.productIdProperty.value.trim();
      if (pushEnabled !== data.push.pushEnabled) push.pushEnabled = pushEnabled;
      if (productIdProperty !== data.push.productIdProperty) push.productIdProperty = productIdProperty;
      if (Object.keys(push).length > 0) body.push = push;
    }
    busy(form, true);
    try {
      await api('PUT', '/settings', body);
      closeModal('DONE');
    } catch (err) {
      busy(form, false);
      showErrors(err.details ?? [], err.details?.length ? null : err.message);
    }
  });
  if (data.canEdit) form.elements.sellerName.focus();
  else form.querySelector('[data-cancel]').focus();
}

({ create: invoiceForm, edit: invoiceForm, payment: paymentForm, void: voidForm, settings: settingsForm })[data.kind]?.();
