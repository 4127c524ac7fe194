// What a rep reads when a page's form has a problem. The service's API answers in words for
// developers ("must be a decimal number written as a string", "must be >= 0"), and keeps doing so:
// /api/v1 is read by developers. The pages put every problem through this one table before a rep
// sees it, whether it came from the server or from reading what the rep typed.

import { formatForInput, formatMoney, formatNumber, numberSymbols } from './locale.js';

/**
 * What each form field is called, for reps, by the last part of its API field path.
 * @type {Record<string, { label: string, a?: string }>}
 */
const FIELDS = {
  quantity: { label: 'quantity', a: 'a quantity' },
  unitPrice: { label: 'price', a: 'a price' },
  'discount.value': { label: 'discount', a: 'a discount' },
  discount: { label: 'discount', a: 'a discount' },
  taxRate: { label: 'tax rate', a: 'a tax rate' },
  description: { label: 'description', a: 'a description' },
  productExternalId: { label: 'product', a: 'a product' },
  contactExternalId: { label: 'customer', a: 'a customer' },
  currency: { label: 'currency', a: 'a currency' },
  issueDate: { label: 'invoice date', a: 'the invoice date' },
  dueDate: { label: 'due date', a: 'a due date' },
  paymentTermsDays: { label: 'payment terms' },
  memo: { label: 'note' },
  lines: { label: 'lines' },
  amount: { label: 'amount', a: 'an amount' },
  date: { label: 'payment date', a: 'the payment date' },
  method: { label: 'payment method' },
  reference: { label: 'reference' },
  voidReason: { label: 'reason' },
  sellerName: { label: 'company name' },
  sellerAddress: { label: 'address' },
  sellerEmail: { label: 'email address', a: 'an email address' },
  sellerPhone: { label: 'phone number' },
  sellerTaxId: { label: 'tax ID' },
  paymentInstructions: { label: 'payment instructions' },
  invoiceFooter: { label: 'footer' },
  defaultCurrency: { label: 'default currency' },
  defaultPaymentTermsDays: { label: 'payment terms' },
  locale: { label: 'PDF date and number format' },
  productIdProperty: { label: 'product ID property' },
  pushEnabled: { label: 'push setting' },
  dealProperties: { label: 'deal billing properties setting' },
  dealTimeline: { label: 'deal timeline setting' },
};

const NUMERIC = new Set(['quantity', 'unitPrice', 'discount.value', 'taxRate', 'amount']);

/** @param {string} field */
function fieldKey(field) {
  const m = /^lines\[\d+\]\.(.+)$/.exec(field);
  return m ? /** @type {string} */ (m[1]) : field;
}

/** @param {string} field */
const lineNumber = (field) => {
  const m = /^lines\[(\d+)\]\./.exec(field);
  return m ? Number(m[1]) + 1 : null;
};

/**
 * "Line 2 quantity", "Customer": where a problem is, for messages shown away from their field;
 * null for a field a rep does not know (the message then stands alone).
 * @param {string} field
 * @returns {string | null}
 */
export function fieldLabel(field) {
  const key = fieldKey(field);
  const label = FIELDS[key]?.label;
  if (!label) return null;
  const line = lineNumber(field);
  return line ? `Line ${line} ${label}` : label.charAt(0).toUpperCase() + label.slice(1);
}

/**
 * @typedef {{ locale: string, currency?: string, exponent?: number }} WordingContext
 */

/**
 * An example of the number a field takes, written the rep's way ("12,50" in de-DE).
 * @param {string} key
 * @param {WordingContext} ctx
 */
function example(key, ctx) {
  const { locale } = ctx;
  if (key === 'quantity') return `2 or ${formatForInput('1.5', locale)}`;
  if (key === 'taxRate' || key === 'discount.value') return `${formatForInput('7.5', locale)}`;
  const exponent = ctx.exponent ?? 2;
  return formatNumber(exponent === 0 ? '1234' : '1234.5', exponent, exponent, locale);
}

/**
 * Rules for the server's developer messages, first match wins: [field keys (null: any), the
 * message's pattern, what the rep reads]. `m` is the match, `k` the field key.
 * @type {Array<[string[] | null, RegExp, (m: RegExpExecArray, k: string, ctx: WordingContext) => string]>}
 */
const RULES = [
  // Numbers.
  [[...NUMERIC], /decimal number|must be string|must NOT have more than 40 characters/, (_m, k, ctx) => `Enter ${FIELDS[k]?.a ?? 'a number'}, like ${example(k, ctx)}`],
  [[...NUMERIC], /at most (\d+) decimal places for ([A-Z]{3})/, (m, k) => `The ${FIELDS[k]?.label} can have at most ${m[1]} decimals for ${m[2]}`],
  [[...NUMERIC], /must be a whole number: ([A-Z]{3}) has no minor unit/, (m, k) => `${m[1]} has no smaller unit: enter the ${FIELDS[k]?.label} as a whole number`],
  [[...NUMERIC], /at most (\d+) decimal places/, (m, k) => `The ${FIELDS[k]?.label} can have at most ${m[1]} decimals`],
  [[...NUMERIC], /must be a whole number/, (_m, k) => `The ${FIELDS[k]?.label} must be a whole number`],
  [[...NUMERIC], /digits before the decimal point/, (_m, k) => `That ${FIELDS[k]?.label} is too large`],
  [['quantity'], /more than 0 and at most/, (_m, _k, ctx) => `The quantity must be more than 0 and at most ${formatNumber('1000000000', 0, 0, ctx.locale)}`],
  [['quantity'], /quantity × unitPrice is more than (\d+) ([A-Z]{3})/, (m, _k, ctx) => `This line comes to more than an invoice can hold (${formatNumber(m[1] ?? '0', 0, 0, ctx.locale)} ${m[2]})`],
  [null, /must not be negative/, (_m, k) => `The ${FIELDS[k]?.label ?? 'number'} can't be negative`],
  [null, /percentage from 0 to 100/, () => 'Enter a percentage from 0 to 100'],
  [['amount'], /must be more than 0/, () => 'Enter an amount more than 0'],
  [
    ['discount.value'],
    /must not exceed the line subtotal \(([0-9.]+) ([A-Z]{3})/,
    (m, _k, ctx) => `The discount can't be more than the line's amount (${formatMoney(m[1] ?? '0', m[2] ?? '', ctx.exponent ?? 2, ctx.locale)})`,
  ],
  // Lines and products.
  [['description'], /is required|fewer than 1 characters/, () => 'Enter a description, or pick a product'],
  [['unitPrice'], /is required: product .* is priced in ([A-Z]{3}), the invoice is in ([A-Z]{3})/, (m) => `This product is priced in ${m[1]}: enter its price in ${m[2]}`],
  [['unitPrice'], /is required/, () => 'Enter a price, or pick a product'],
  [['productExternalId'], /archived/, () => 'This product was archived: pick another one'],
  [['productExternalId'], /no product|has an invalid format|must be 1-100/, () => 'This product is not in the catalog: pick one from the list'],
  [['lines'], /fewer than 1 items/, () => 'Add at least one line'],
  [['lines'], /more than (\d+) items/, (m) => `An invoice can have at most ${m[1]} lines`],
  [['lines'], /invoice total is more than/, () => 'The invoice total is more than an invoice can hold: split it into several invoices'],
  // Customer, currency, dates, terms.
  [['contactExternalId'], /required to issue/, () => 'Pick a customer: an invoice needs someone to bill before it is issued'],
  [['contactExternalId'], /archived/, () => 'This customer was archived: pick another one'],
  [['contactExternalId'], /no contact|pick a customer|invalid format|must be 1-100/, () => 'Pick a customer from the list'],
  [['currency', 'defaultCurrency'], /./, () => 'Pick a currency such as EUR or USD'],
  [['dueDate', 'issueDate'], /on or after the issue date/, () => "The due date can't be before the invoice date"],
  [['dueDate'], /either dueDate or paymentTermsDays/, () => 'Pick payment terms or a due date, not both'],
  [['date'], /in the future/, () => "The payment date can't be in the future"],
  [['issueDate', 'dueDate', 'date'], /date|required/, (_m, k) => `Enter ${FIELDS[k]?.a}`],
  [['paymentTermsDays', 'defaultPaymentTermsDays'], /./, () => 'Enter a whole number of days from 0 to 3650'],
  // Payments and voiding.
  [['voidReason'], /./, () => 'Say why the invoice is voided: money was received against it'],
  // Settings.
  [['sellerEmail'], /./, () => 'Enter an email address, like billing@example.com'],
  [['locale'], /./, () => 'Enter a language and region, such as en-GB or de-DE'],
  [['productIdProperty'], /./, () => 'Use lower-case letters, digits and _ only, starting with a letter (like accounting_external_id)'],
  // Any text field.
  [null, /must NOT have more than (\d+) characters/, (m, k, ctx) => `The ${FIELDS[k]?.label ?? 'text'} is too long: at most ${formatNumber(m[1] ?? '0', 0, 0, ctx.locale)} characters`],
];

/**
 * The rep's words for one field problem from the server ({ field, message } as the page API
 * names it). Anything the table does not know becomes a plain "check this" for its field: a
 * developer's message never reaches the page.
 * @param {{ field: string, message: string }} problem
 * @param {WordingContext} ctx
 * @returns {string}
 */
export function sayFieldProblem(problem, ctx) {
  const key = fieldKey(problem.field);
  for (const [keys, pattern, say] of RULES) {
    if (keys && !keys.includes(key)) continue;
    const m = pattern.exec(problem.message);
    if (m) return say(m, key, ctx);
  }
  const f = FIELDS[key];
  return f ? `Check the ${f.label}: it can't be saved as it is` : "Something on this form can't be saved as it is: close it and open it again from the card";
}

/**
 * The rep's words for a number that could not be read (see readDecimal in locale.js).
 * @param {string} field
 * @param {{ problem: string, text: string, separator?: string, meant?: string }} result
 * @param {WordingContext} ctx
 * @returns {string}
 */
export function sayUnreadableNumber(field, result, ctx) {
  const key = fieldKey(field);
  const sym = numberSymbols(ctx.locale);
  const sep = result.separator === ' ' || /\s/.test(result.separator ?? '') ? 'a space' : `"${result.separator}"`;
  if (result.problem === 'thousands') {
    const meant = result.meant ? ` For a decimal, write ${formatForInput(result.meant, ctx.locale)}.` : '';
    return `Can't read "${result.text}": ${sep} separates thousands here, as in ${formatNumber('1234', 0, 0, ctx.locale)}.${meant}`;
  }
  if (result.problem === 'ambiguous') {
    return `Can't tell whether "${result.text}" has a thousands separator or a decimal point: write it as ${formatNumber('1234', 0, 0, ctx.locale)} or ${formatForInput('1.234', ctx.locale)}, with "${sym.decimal}" for decimals`;
  }
  return `Enter ${FIELDS[key]?.a ?? 'a number'}, like ${example(key, ctx)}`;
}

/**
 * The rep's words for a refused request that names no field, by its error code; null keeps the
 * service's own message, which is written for reps on these routes.
 * @param {{ code?: string, details?: unknown }} error
 * @param {WordingContext} ctx
 * @returns {{ field?: string, message: string } | null}
 */
export function sayRefusal(error, ctx) {
  const details = /** @type {{ balance?: string } | null} */ (error.details && typeof error.details === 'object' ? error.details : null);
  switch (error.code) {
    case 'bill_to_required':
      return { field: 'contactExternalId', message: 'Pick a customer: an invoice needs someone to bill before it is issued' };
    case 'payment_exceeds_balance':
      return {
        field: 'amount',
        message:
          details?.balance && ctx.currency ? `That is more than the balance due (${formatMoney(details.balance, ctx.currency, ctx.exponent ?? 2, ctx.locale)})` : 'That is more than the balance due',
      };
    default:
      return null;
  }
}
