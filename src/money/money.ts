import { currencyExponent } from './currencies.js';

/** Decimal places accepted for quantities and unit prices (sub-cent unit prices are common). */
export const QUANTITY_SCALE = 6;
export const UNIT_PRICE_SCALE = 6;
/** Decimal places accepted for discount and tax percentages ("7.25", "19.6"). */
export const PERCENT_SCALE = 4;

/** An exact decimal: value = units / 10^scale. Never a float. */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

/** Thrown when text is not an acceptable decimal; the message names no field (callers add it). */
export class DecimalFormatError extends Error {}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;
const MAX_INTEGER_DIGITS = 15;

/** Parses a plain decimal string ("12", "-0.5", "1234.5678") with at most `maxScale` decimals. */
export function parseDecimal(text: string, maxScale: number): Decimal {
  const m = DECIMAL.exec(text);
  if (!m) throw new DecimalFormatError('must be a decimal number written as a string, like "12.50"');
  const [, sign, intPart = '', frac = ''] = m;
  if (intPart.replace(/^0+(?=\d)/, '').length > MAX_INTEGER_DIGITS) {
    throw new DecimalFormatError(`must have at most ${MAX_INTEGER_DIGITS} digits before the decimal point`);
  }
  // Trailing zeros carry no value: "1.500" is accepted wherever "1.5" is. (A loop, not /0+$/: that
  // regex retries from every zero, quadratic in a long run of them.)
  let end = frac.length;
  while (end > 0 && frac.charCodeAt(end - 1) === 0x30) end -= 1;
  const trimmed = frac.slice(0, end);
  if (trimmed.length > maxScale) {
    throw new DecimalFormatError(maxScale === 0 ? 'must be a whole number' : `must have at most ${maxScale} decimal places`);
  }
  const units = BigInt(intPart + trimmed) * (sign ? -1n : 1n);
  return { units, scale: trimmed.length };
}

/** Writes a decimal without trailing zeros, keeping at least `minScale` decimals. */
export function formatDecimal(value: Decimal, minScale = 0): string {
  let { units, scale } = value;
  while (scale > minScale && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  if (scale < minScale) {
    units *= 10n ** BigInt(minScale - scale);
    scale = minScale;
  }
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** Parses an amount in `currency` into integer minor units; more decimals than ISO allows is an error. */
export function toMinor(text: string, currency: string): bigint {
  const exponent = currencyExponent(currency);
  let parsed: Decimal;
  try {
    parsed = parseDecimal(text, exponent);
  } catch (err) {
    if (err instanceof DecimalFormatError && /decimal places|whole number/.test(err.message)) {
      throw new DecimalFormatError(exponent === 0 ? `must be a whole number: ${currency} has no minor unit` : `must have at most ${exponent} decimal places for ${currency}`);
    }
    throw err;
  }
  return parsed.units * 10n ** BigInt(exponent - parsed.scale);
}

/** Formats integer minor units as the currency's decimal string: 1234n EUR → "12.34", JPY → "1234". */
export function formatMinor(minor: bigint, currency: string): string {
  return formatDecimal({ units: minor, scale: currencyExponent(currency) }, currencyExponent(currency));
}

/**
 * n / d rounded to the nearest integer, ties to even ("banker's rounding"), d > 0. Half-even is
 * the rounding rule for every line amount: it has no upward bias when many lines are summed.
 */
export function roundHalfEven(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError('denominator must be positive');
  const negative = n < 0n;
  const abs = negative ? -n : n;
  let q = abs / d;
  const r = abs % d;
  const twice = r * 2n;
  if (twice > d || (twice === d && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/** Compares two decimals: -1, 0 or 1. */
export function compareDecimal(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const x = a.units * 10n ** BigInt(scale - a.scale);
  const y = b.units * 10n ** BigInt(scale - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}
