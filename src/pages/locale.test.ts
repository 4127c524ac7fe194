import { describe, expect, it } from 'vitest';
import { DEFAULT_LOCALE, formatDate, formatForInput, formatMoney, formatPercent, pickLocale, readDecimal } from '../../public/locale.js';

const read = (text: string, locale: string) => readDecimal(text, locale);

describe('readDecimal: numbers as reps of each locale type them', () => {
  it("reads the locale's own separators the way the locale means them", () => {
    expect(read('1.234,50', 'de-DE')).toEqual({ ok: true, value: '1234.50' });
    expect(read('1,5', 'de')).toEqual({ ok: true, value: '1.5' });
    expect(read('1.234', 'de-DE')).toEqual({ ok: true, value: '1234' });
    expect(read('1,234', 'en-US')).toEqual({ ok: true, value: '1234' });
    expect(read('1.234', 'en-US')).toEqual({ ok: true, value: '1.234' });
    expect(read('1,234,567.891', 'en-US')).toEqual({ ok: true, value: '1234567.891' });
    expect(read('1 234,5', 'fr-FR')).toEqual({ ok: true, value: '1234.5' });
    expect(read('1\u202f234,5', 'fr-FR')).toEqual({ ok: true, value: '1234.5' });
    expect(read('1’234.50', 'de-CH')).toEqual({ ok: true, value: '1234.50' });
    expect(read("1'234.50", 'de-CH')).toEqual({ ok: true, value: '1234.50' });
    expect(read('12,34,567.50', 'en-IN')).toEqual({ ok: true, value: '1234567.50' });
    expect(read('١٬٢٣٤٫٥', 'ar-EG')).toEqual({ ok: true, value: '1234.5' });
    expect(read(' -3 ', 'en-US')).toEqual({ ok: true, value: '-3' });
    expect(read(',5', 'de-DE')).toEqual({ ok: true, value: '0.5' });
    expect(read('', 'de-DE')).toEqual({ ok: true, value: '' });
  });

  it('refuses a grouping separator that does not group thousands, saying what it could have meant', () => {
    expect(read('1,5', 'en-US')).toEqual({ ok: false, problem: 'thousands', text: '1,5', separator: ',', meant: '1.5' });
    expect(read('1.5', 'de-DE')).toEqual({ ok: false, problem: 'thousands', text: '1.5', separator: '.', meant: '1.5' });
    expect(read('12,50', 'en-US')).toMatchObject({ ok: false, problem: 'thousands', meant: '12.50' });
    expect(read('1,2345', 'en-US')).toMatchObject({ ok: false, problem: 'thousands' });
    expect(read('1234,567', 'en-US')).toMatchObject({ ok: false, problem: 'thousands' });
  });

  it('reads a separator foreign to the locale as a decimal point only when it cannot be a thousands separator', () => {
    expect(read('1.5', 'fr-FR')).toEqual({ ok: true, value: '1.5' });
    expect(read('12.50', 'fr-FR')).toEqual({ ok: true, value: '12.50' });
    expect(read('1.234', 'fr-FR')).toEqual({ ok: false, problem: 'ambiguous', text: '1.234', separator: '.' });
    expect(read('1,5', 'de-CH')).toEqual({ ok: true, value: '1.5' });
  });

  it("refuses what is not a number, or mixes up the locale's separators", () => {
    for (const [text, locale] of [
      ['lots', 'en-US'],
      ['1.234,50', 'en-US'],
      ['1,234.50', 'de-DE'],
      ['1.2.3', 'fr-FR'],
      ['€12', 'de-DE'],
      ['1e5', 'en-US'],
      ['--1', 'en-US'],
      [',', 'de-DE'],
      ['1,,234', 'en-US'],
    ] as const) {
      expect(read(text, locale), `${text} in ${locale}`).toMatchObject({ ok: false, problem: 'not_a_number' });
    }
  });
});

describe('formatting by locale', () => {
  it('writes a date one way per locale, in UTC so that no time zone moves the day', () => {
    expect(formatDate('2026-12-01', 'en-GB')).toBe('1 Dec 2026');
    expect(formatDate('2026-12-01', 'en-US')).toBe('Dec 1, 2026');
    expect(formatDate('2026-12-01', 'de-DE')).toBe('01.12.2026');
    expect(formatDate('2026-12-01')).toBe(formatDate('2026-12-01', DEFAULT_LOCALE));
    expect(formatDate('not a date', 'en-GB')).toBe('not a date');
  });

  it("writes amounts exactly, with the currency's decimals, and numbers for an input the way they read back", () => {
    expect(formatMoney('1234567.890', 'KWD', 3, 'en-GB')).toBe('KWD\u00a01,234,567.890');
    expect(formatMoney('1234.5', 'EUR', 2, 'de-DE')).toBe('1.234,50\u00a0€');
    expect(formatMoney('123456789012.345', 'KWD', 3, 'en-GB')).toBe('KWD\u00a0123,456,789,012.345');
    expect(formatForInput('1234.50', 'de-DE')).toBe('1234,50');
    expect(readDecimal(formatForInput('1234.50', 'de-DE'), 'de-DE')).toEqual({ ok: true, value: '1234.50' });
    expect(formatForInput('0.000001', 'en-US')).toBe('0.000001');
    expect(formatPercent('20', 4, 'de-DE')).toBe('20\u00a0%');
    expect(formatPercent('7.25', 4, 'en-GB')).toBe('7.25%');
    expect(formatPercent('0.0001', 4, 'en-GB')).toBe('0.0001%');
  });

  it('falls back to the default locale for a tag Intl does not know', () => {
    expect(pickLocale('de-de')).toBe('de-DE');
    expect(pickLocale(undefined)).toBe(DEFAULT_LOCALE);
    expect(pickLocale('not a locale')).toBe(DEFAULT_LOCALE);
  });
});
