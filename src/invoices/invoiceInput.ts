import type { Knex } from 'knex';
import { contactKind, productKind } from '../catalog/catalogKinds.js';
import * as catalogRepo from '../catalog/catalogRepo.js';
import type { Db } from '../db/db.js';
import type { FieldError } from '../errors.js';
import { currencyExponent, isCurrency } from '../money/currencies.js';
import { addDays } from './invoice.js';
import type { NewLine } from './invoiceRepo.js';
import type { LineInput } from './invoiceSchemas.js';
import { compareDecimal, type Decimal, DecimalFormatError, formatDecimal, parseDecimal, PERCENT_SCALE, QUANTITY_SCALE, toMinor, UNIT_PRICE_SCALE } from '../money/money.js';
import { computeLine, type LineDiscount, type LinePricing, sumLines, type InvoiceTotals } from './totals.js';

type Conn = Db | Knex.Transaction;

/** Payment terms when neither a due date nor terms are given, and the portal sets none. */
export const DEFAULT_PAYMENT_TERMS_DAYS = 30;

const MAX_QUANTITY: Decimal = { units: 1_000_000_000n, scale: 0 };
const HUNDRED: Decimal = { units: 100n, scale: 0 };
/** Largest amount (in whole currency units) a line or an invoice may reach. */
const MAX_WHOLE_UNITS = 999_999_999_999n;

export const maxMinor = (currency: string) => (MAX_WHOLE_UNITS + 1n) * 10n ** BigInt(currencyExponent(currency)) - 1n;

/** Collects field problems so one response can name all of them. */
export class Problems {
  readonly list: FieldError[] = [];
  add(field: string, message: string) {
    this.list.push({ field, message });
  }
  /** Parses with `fn`; a DecimalFormatError becomes a problem on `field` and yields undefined. */
  parse<T>(field: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (err instanceof DecimalFormatError) {
        this.add(field, err.message);
        return undefined;
      }
      throw err;
    }
  }
  get empty() {
    return this.list.length === 0;
  }
}

export function checkCurrency(problems: Problems, currency: string, field = 'currency'): boolean {
  if (isCurrency(currency)) return true;
  problems.add(field, `"${currency}" is not an ISO 4217 currency code that can be invoiced`);
  return false;
}

/** Resolves issue date, due date and terms; the due date comes from terms when not given. */
export function resolveDates(
  problems: Problems,
  input: { issueDate?: string | undefined; dueDate?: string | undefined; paymentTermsDays?: number | undefined },
  today: string,
  defaultTerms = DEFAULT_PAYMENT_TERMS_DAYS,
): { issueDate: string; dueDate: string; paymentTermsDays: number | null } {
  const issueDate = input.issueDate ?? today;
  if (input.dueDate !== undefined && input.paymentTermsDays !== undefined) {
    problems.add('dueDate', 'give either dueDate or paymentTermsDays, not both');
    return { issueDate, dueDate: input.dueDate, paymentTermsDays: null };
  }
  if (input.dueDate !== undefined) {
    if (input.dueDate < issueDate) problems.add('dueDate', `must be on or after the issue date (${issueDate})`);
    return { issueDate, dueDate: input.dueDate, paymentTermsDays: null };
  }
  const terms = input.paymentTermsDays ?? defaultTerms;
  return { issueDate, dueDate: addDays(issueDate, terms), paymentTermsDays: terms };
}

/** Checks that a bill-to contact exists and is not archived. */
export async function checkContact(db: Conn, problems: Problems, externalId: string | null | undefined): Promise<void> {
  if (!externalId) return;
  const contact = await catalogRepo.find(db, contactKind, externalId);
  if (!contact) problems.add('contactExternalId', `no contact with externalId "${externalId}" (create it with PUT /api/v1/contacts/${externalId})`);
  else if (contact.archivedAt) problems.add('contactExternalId', `contact "${externalId}" is archived`);
}

function percent(problems: Problems, field: string, text: string): Decimal | undefined {
  const value = problems.parse(field, () => parseDecimal(text, PERCENT_SCALE));
  if (value === undefined) return undefined;
  if (value.units < 0n || compareDecimal(value, HUNDRED) > 0) {
    problems.add(field, 'must be a percentage from 0 to 100');
    return undefined;
  }
  return value;
}

/**
 * Parses and prices invoice lines. Lines that name a product take its name and price when they
 * give none (the price only when the product is priced in the invoice's currency). Every problem
 * is reported against `lines[i].field`.
 */
export async function priceLines(db: Conn, problems: Problems, lines: readonly LineInput[], currency: string): Promise<{ lines: NewLine[]; totals: InvoiceTotals } | undefined> {
  const products = await catalogRepo.findMany(
    db,
    productKind,
    lines.flatMap((l) => (l.productExternalId ? [l.productExternalId] : [])),
  );
  const before = problems.list.length;
  const priced: NewLine[] = [];
  lines.forEach((line, i) => {
    const at = (f: string) => `lines[${i}].${f}`;
    let description = line.description?.trim() || undefined;
    let unitPriceText = line.unitPrice;
    if (line.productExternalId) {
      const product = products.get(line.productExternalId);
      if (!product) {
        problems.add(at('productExternalId'), `no product with externalId "${line.productExternalId}"`);
      } else if (product.archivedAt) {
        problems.add(at('productExternalId'), `product "${line.productExternalId}" is archived`);
      } else {
        const p = productKind.present(product) as { name: string; price: string; currency: string };
        description ??= p.name;
        if (unitPriceText === undefined) {
          if (p.currency === currency) unitPriceText = p.price;
          else problems.add(at('unitPrice'), `is required: product "${line.productExternalId}" is priced in ${p.currency}, the invoice is in ${currency}`);
        }
      }
    }
    if (description === undefined) problems.add(at('description'), 'is required (or give a productExternalId)');
    if (unitPriceText === undefined && !line.productExternalId) problems.add(at('unitPrice'), 'is required (or give a productExternalId)');

    const quantity = problems.parse(at('quantity'), () => parseDecimal(line.quantity, QUANTITY_SCALE));
    if (quantity && (quantity.units <= 0n || compareDecimal(quantity, MAX_QUANTITY) > 0)) {
      problems.add(at('quantity'), 'must be more than 0 and at most 1000000000');
    }
    const unitPrice = unitPriceText === undefined ? undefined : problems.parse(at('unitPrice'), () => parseDecimal(unitPriceText, UNIT_PRICE_SCALE));
    if (unitPrice && unitPrice.units < 0n) problems.add(at('unitPrice'), 'must not be negative');
    const taxRate = line.taxRate === undefined ? { units: 0n, scale: 0 } : percent(problems, at('taxRate'), line.taxRate);

    let discount: LineDiscount | null = null;
    let storedDiscount: NewLine['discount'] = null;
    if (line.discount) {
      if (line.discount.type === 'percent') {
        const value = percent(problems, at('discount.value'), line.discount.value);
        if (value) {
          discount = { type: 'percent', percent: value };
          storedDiscount = { type: 'percent', value };
        }
      } else {
        const minor = problems.parse(at('discount.value'), () => toMinor(line.discount!.value, currency));
        if (minor !== undefined && minor < 0n) problems.add(at('discount.value'), 'must not be negative');
        else if (minor !== undefined) {
          discount = { type: 'amount', minor };
          storedDiscount = { type: 'amount', value: parseDecimal(line.discount.value, currencyExponent(currency)) };
        }
      }
    }
    if (problems.list.length > before || !quantity || !unitPrice || !taxRate || description === undefined) return;

    const pricing: LinePricing = { quantity, unitPrice, discount, taxRate };
    const amounts = computeLine(pricing, currency);
    if (amounts.subtotalMinor > maxMinor(currency)) {
      problems.add(at('quantity'), `quantity × unitPrice is more than ${MAX_WHOLE_UNITS} ${currency}`);
      return;
    }
    if (amounts.discountMinor > amounts.subtotalMinor) {
      problems.add(
        at('discount.value'),
        `must not exceed the line subtotal (${formatDecimal({ units: amounts.subtotalMinor, scale: currencyExponent(currency) }, currencyExponent(currency))} ${currency})`,
      );
      return;
    }
    priced.push({
      productExternalId: line.productExternalId ?? null,
      description,
      quantity,
      unitPrice,
      discount: storedDiscount,
      taxRate,
      ...amounts,
    });
  });
  if (problems.list.length > before) return undefined;
  const totals = sumLines(priced);
  if (totals.totalMinor > maxMinor(currency)) {
    problems.add('lines', `the invoice total is more than ${MAX_WHOLE_UNITS} ${currency}`);
    return undefined;
  }
  return { lines: priced, totals };
}

/** Turns stored lines back into inputs, to re-price them (e.g. when a draft's currency changes). */
export function linesAsInput(lines: ReadonlyArray<Pick<NewLine, 'description' | 'quantity' | 'unitPrice' | 'productExternalId' | 'discount' | 'taxRate'>>): LineInput[] {
  return lines.map((l) => ({
    description: l.description,
    quantity: formatDecimal(l.quantity),
    unitPrice: formatDecimal(l.unitPrice),
    ...(l.productExternalId ? { productExternalId: l.productExternalId } : {}),
    discount: l.discount ? { type: l.discount.type, value: formatDecimal(l.discount.value) } : null,
    taxRate: formatDecimal(l.taxRate),
  }));
}
