import { describe, expect, it } from 'vitest';
import { CURRENCY_CODES, currencyExponent, isCurrency } from './currencies.js';

describe('currencies', () => {
  it('covers the ISO 4217 list with the right exponents', () => {
    expect(CURRENCY_CODES.length).toBeGreaterThanOrEqual(165);
    const expected: Record<string, number> = {
      JPY: 0,
      KRW: 0,
      ISK: 0,
      CLP: 0,
      VND: 0,
      XAF: 0,
      XOF: 0,
      XPF: 0,
      UGX: 0,
      EUR: 2,
      USD: 2,
      GBP: 2,
      CHF: 2,
      INR: 2,
      KWD: 3,
      BHD: 3,
      OMR: 3,
      JOD: 3,
      IQD: 3,
      LYD: 3,
      TND: 3,
      CLF: 4,
      UYW: 4,
    };
    for (const [code, exponent] of Object.entries(expected)) expect(currencyExponent(code), code).toBe(exponent);
  });

  it('leaves out units that cannot carry an invoice amount', () => {
    for (const code of ['XAU', 'XAG', 'XPT', 'XPD', 'XDR', 'XTS', 'XXX', 'XBA', 'XSU', 'XUA']) expect(isCurrency(code), code).toBe(false);
  });

  it('knows recent additions and rejects unknown codes', () => {
    expect(isCurrency('ZWG')).toBe(true);
    expect(isCurrency('XCG')).toBe(true);
    expect(isCurrency('SLE')).toBe(true);
    expect(isCurrency('EURO')).toBe(false);
    expect(isCurrency('eur')).toBe(false);
    expect(isCurrency('toString')).toBe(false);
    expect(() => currencyExponent('ABC')).toThrow(RangeError);
  });

  it('lists only three-letter capital codes, sorted and unique', () => {
    expect(CURRENCY_CODES.every((c) => /^[A-Z]{3}$/.test(c))).toBe(true);
    expect([...CURRENCY_CODES].sort()).toEqual(CURRENCY_CODES);
    expect(new Set(CURRENCY_CODES).size).toBe(CURRENCY_CODES.length);
  });
});
