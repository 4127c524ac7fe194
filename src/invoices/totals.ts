import { currencyExponent } from '../money/currencies.js';
import { type Decimal, roundHalfEven } from '../money/money.js';

export type LineDiscount = { type: 'percent'; percent: Decimal } | { type: 'amount'; minor: bigint };

/** A line's pricing inputs, already parsed and range-checked. */
export interface LinePricing {
  quantity: Decimal;
  unitPrice: Decimal;
  discount: LineDiscount | null;
  taxRate: Decimal;
}

export interface LineAmounts {
  subtotalMinor: bigint;
  discountMinor: bigint;
  taxMinor: bigint;
  totalMinor: bigint;
}

export type InvoiceTotals = LineAmounts;

const pow10 = (n: number) => 10n ** BigInt(n);

/**
 * Exact line amounts in minor units. The rule (also in the README):
 * 1. subtotal = quantity × unit price, rounded half-even to the currency's minor unit;
 * 2. discount = subtotal × percent / 100 rounded half-even, or the fixed amount (≤ subtotal);
 * 3. tax = (subtotal − discount) × tax rate / 100, rounded half-even;
 * 4. total = subtotal − discount + tax.
 * Each line is rounded on its own; invoice totals are plain sums of the rounded lines, so the
 * invoice always equals the sum of what its lines show.
 */
export function computeLine(line: LinePricing, currency: string): LineAmounts {
  const exponent = currencyExponent(currency);
  const { quantity, unitPrice } = line;
  const subtotalMinor = roundHalfEven(quantity.units * unitPrice.units * pow10(exponent), pow10(quantity.scale + unitPrice.scale));
  let discountMinor = 0n;
  if (line.discount?.type === 'percent') {
    discountMinor = roundHalfEven(subtotalMinor * line.discount.percent.units, 100n * pow10(line.discount.percent.scale));
  } else if (line.discount?.type === 'amount') {
    discountMinor = line.discount.minor;
  }
  const net = subtotalMinor - discountMinor;
  const taxMinor = roundHalfEven(net * line.taxRate.units, 100n * pow10(line.taxRate.scale));
  return { subtotalMinor, discountMinor, taxMinor, totalMinor: net + taxMinor };
}

/** Sums rounded line amounts into invoice totals. */
export function sumLines(lines: readonly LineAmounts[]): InvoiceTotals {
  const totals: InvoiceTotals = { subtotalMinor: 0n, discountMinor: 0n, taxMinor: 0n, totalMinor: 0n };
  for (const l of lines) {
    totals.subtotalMinor += l.subtotalMinor;
    totals.discountMinor += l.discountMinor;
    totals.taxMinor += l.taxMinor;
    totals.totalMinor += l.totalMinor;
  }
  return totals;
}
