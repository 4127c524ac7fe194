import { describe, expect, it } from 'vitest';
import { compareDecimal, DecimalFormatError, formatDecimal, formatMinor, parseDecimal, roundHalfEven, toMinor } from './money.js';

describe('toMinor / formatMinor', () => {
  it("uses each currency's ISO 4217 exponent", () => {
    expect(toMinor('1234', 'JPY')).toBe(1234n);
    expect(toMinor('12.34', 'EUR')).toBe(1234n);
    expect(toMinor('12.3', 'EUR')).toBe(1230n);
    expect(toMinor('1.234', 'KWD')).toBe(1234n);
    expect(toMinor('0.0001', 'CLF')).toBe(1n);
    expect(formatMinor(1234n, 'JPY')).toBe('1234');
    expect(formatMinor(1234n, 'EUR')).toBe('12.34');
    expect(formatMinor(5n, 'EUR')).toBe('0.05');
    expect(formatMinor(1234n, 'KWD')).toBe('1.234');
    expect(formatMinor(-5n, 'KWD')).toBe('-0.005');
    expect(formatMinor(0n, 'BHD')).toBe('0.000');
  });

  it('refuses more decimals than the currency has, naming the currency', () => {
    expect(() => toMinor('1.5', 'JPY')).toThrow(/whole number: JPY/);
    expect(() => toMinor('1.234', 'EUR')).toThrow(/at most 2 decimal places for EUR/);
    expect(() => toMinor('1.2345', 'KWD')).toThrow(/at most 3 decimal places for KWD/);
  });

  it('accepts trailing zeros beyond the exponent ("100.00" yen is 100 yen)', () => {
    expect(toMinor('100.00', 'JPY')).toBe(100n);
    expect(toMinor('1.2300', 'EUR')).toBe(123n);
  });

  it('round-trips large amounts exactly (beyond float precision)', () => {
    const text = '999999999999999.99';
    expect(formatMinor(toMinor(text, 'EUR'), 'EUR')).toBe(text);
    expect(Number(text).toFixed(2)).not.toBe(text); // the float would not have survived
  });
});

describe('parseDecimal', () => {
  it('parses plain decimal strings only', () => {
    expect(parseDecimal('0.5', 6)).toEqual({ units: 5n, scale: 1 });
    expect(parseDecimal('-12', 0)).toEqual({ units: -12n, scale: 0 });
    for (const bad of ['', '1e3', '1.', '.5', '+1', '1,5', ' 1', '0x10', 'NaN', '1.2.3']) {
      expect(() => parseDecimal(bad, 6), bad).toThrow(DecimalFormatError);
    }
  });

  it('limits digits before the point and decimals after it', () => {
    expect(() => parseDecimal('1234567890123456', 2)).toThrow(/at most 15 digits/);
    expect(() => parseDecimal('1.1234567', 6)).toThrow(/at most 6 decimal places/);
    expect(parseDecimal('000123.10', 2)).toEqual({ units: 1231n, scale: 1 });
  });
});

describe('formatDecimal', () => {
  it('drops trailing zeros but keeps a minimum scale', () => {
    expect(formatDecimal({ units: 2000000n, scale: 6 })).toBe('2');
    expect(formatDecimal({ units: 125n, scale: 4 })).toBe('0.0125');
    expect(formatDecimal({ units: 10n, scale: 0 }, 2)).toBe('10.00');
    expect(formatDecimal({ units: -125n, scale: 3 }, 2)).toBe('-0.125');
  });
});

describe('roundHalfEven', () => {
  it('rounds ties to the even neighbour, both signs', () => {
    const cases: Array<[bigint, bigint, bigint]> = [
      [5n, 10n, 0n], // 0.5 → 0
      [15n, 10n, 2n], // 1.5 → 2
      [25n, 10n, 2n], // 2.5 → 2
      [35n, 10n, 4n], // 3.5 → 4
      [-25n, 10n, -2n],
      [-35n, 10n, -4n],
      [26n, 10n, 3n],
      [24n, 10n, 2n],
      [1n, 3n, 0n],
      [2n, 3n, 1n],
    ];
    for (const [n, d, q] of cases) expect(roundHalfEven(n, d), `${n}/${d}`).toBe(q);
  });

  it('refuses a non-positive denominator', () => {
    expect(() => roundHalfEven(1n, 0n)).toThrow(RangeError);
  });
});

describe('compareDecimal', () => {
  it('compares across scales', () => {
    expect(compareDecimal({ units: 100n, scale: 0 }, { units: 10000n, scale: 2 })).toBe(0);
    expect(compareDecimal({ units: 1n, scale: 1 }, { units: 11n, scale: 2 })).toBe(-1);
    expect(compareDecimal({ units: 2n, scale: 0 }, { units: 1999n, scale: 3 })).toBe(1);
  });
});
