// How dates, amounts and numbers look, and how a typed number is read, in one locale. One rule,
// shared: the iframe pages and the dashboard import this file in the browser (with the rep's or
// admin's navigator.language), and the server imports the same file for the PDF (with the portal's
// locale setting) and for the text it renders into pages before their script runs. So a date never
// reads one way on a page and another way on the PDF of the same locale.
//
// Plain JavaScript with JSDoc types: served to browsers as it is, and compiled with the server
// (tsconfig `allowJs`), so both run exactly this code.

/** The locale used when no rep's, admin's or portal's locale is known: day month year, unambiguous. */
export const DEFAULT_LOCALE = 'en-GB';

/**
 * The locale to format with: `tag` when Intl supports it, else DEFAULT_LOCALE.
 * @param {string | null | undefined} tag
 * @returns {string}
 */
export function pickLocale(tag) {
  if (!tag) return DEFAULT_LOCALE;
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([tag]).length > 0 ? (Intl.getCanonicalLocales(tag)[0] ?? DEFAULT_LOCALE) : DEFAULT_LOCALE;
  } catch {
    return DEFAULT_LOCALE;
  }
}

/** @type {Map<string, Intl.DateTimeFormat>} */
const dateFormats = new Map();
/** @type {Map<string, Intl.NumberFormat>} */
const numberFormats = new Map();

/**
 * @param {string} key
 * @param {() => Intl.NumberFormat} make
 */
function numberFormat(key, make) {
  let f = numberFormats.get(key);
  if (!f) {
    f = make();
    numberFormats.set(key, f);
  }
  return f;
}

/**
 * A calendar date (YYYY-MM-DD) in the locale's medium style: "1 Dec 2026" (en-GB), "Dec 1, 2026"
 * (en-US), "01.12.2026" (de-DE). Dates are days, not instants: formatted in UTC so no time zone
 * can move them to the day before.
 * @param {string} iso
 * @param {string} [locale]
 * @returns {string}
 */
export function formatDate(iso, locale = DEFAULT_LOCALE) {
  const key = `d:${locale}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
    dateFormats.set(key, f);
  }
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? iso : f.format(d);
}

/**
 * An instant (ISO timestamp) as the same medium date plus the time, in the viewer's time zone.
 * @param {string} iso
 * @param {string} [locale]
 * @returns {string}
 */
export function formatDateTime(iso, locale = DEFAULT_LOCALE) {
  const key = `dt:${locale}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });
    dateFormats.set(key, f);
  }
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : f.format(d);
}

/**
 * An amount given as a decimal string, with the currency's symbol and exactly `exponent` decimals:
 * "€1,234.50" (en-GB), "1.234,50 €" (de-DE). Intl formats decimal strings exactly (never through
 * a float), so money keeps every minor unit.
 * @param {string} decimal
 * @param {string} currency
 * @param {number} exponent
 * @param {string} [locale]
 * @param {'narrowSymbol' | 'symbol'} [currencyDisplay] narrowSymbol (what reps read: "$", not "CA$") unless a text must tell dollars apart
 * @returns {string}
 */
export function formatMoney(decimal, currency, exponent, locale = DEFAULT_LOCALE, currencyDisplay = 'narrowSymbol') {
  let f;
  try {
    f = numberFormat(
      `m:${locale}:${currency}:${exponent}:${currencyDisplay}`,
      () => new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay, minimumFractionDigits: exponent, maximumFractionDigits: exponent }),
    );
  } catch {
    return `${decimal} ${currency}`;
  }
  return f.format(/** @type {any} */ (decimal));
}

/**
 * A decimal string as the locale writes numbers, grouped, with at least `minDigits` and at most
 * `maxDigits` decimals: "1,234.5" (en), "1.234,5" (de).
 * @param {string} decimal
 * @param {number} [minDigits]
 * @param {number} [maxDigits]
 * @param {string} [locale]
 * @returns {string}
 */
export function formatNumber(decimal, minDigits = 0, maxDigits = 6, locale = DEFAULT_LOCALE) {
  const f = numberFormat(`n:${locale}:${minDigits}:${maxDigits}`, () => new Intl.NumberFormat(locale, { minimumFractionDigits: minDigits, maximumFractionDigits: Math.max(minDigits, maxDigits) }));
  return f.format(/** @type {any} */ (decimal));
}

/**
 * A percentage given as a decimal string ("20" for 20 %), as the locale writes percentages:
 * "20%" (en), "20 %" (de-DE). The value is divided by 100 by moving the decimal point, exactly.
 * @param {string} percent
 * @param {number} [maxDigits]
 * @param {string} [locale]
 * @returns {string}
 */
export function formatPercent(percent, maxDigits = 4, locale = DEFAULT_LOCALE) {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(percent);
  if (!m) return `${percent}%`;
  const [, sign, whole = '', frac = ''] = m;
  const digits = whole.padStart(3, '0');
  const fraction = `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}${frac}`;
  const f = numberFormat(`p:${locale}:${maxDigits}`, () => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: maxDigits }));
  return f.format(/** @type {any} */ (fraction));
}

/**
 * A decimal string as a rep would type it into a field: the locale's decimal separator and digits,
 * no grouping ("1234,5" in de-DE), so what the form shows reads back to the same value.
 * @param {string} decimal
 * @param {string} [locale]
 * @returns {string}
 */
export function formatForInput(decimal, locale = DEFAULT_LOCALE) {
  if (!/^-?\d+(\.\d+)?$/.test(decimal)) return decimal;
  const scale = decimal.split('.')[1]?.length ?? 0;
  const f = numberFormat(`i:${locale}:${scale}`, () => new Intl.NumberFormat(locale, { useGrouping: false, minimumFractionDigits: scale, maximumFractionDigits: scale }));
  return f.format(/** @type {any} */ (decimal));
}

/** @typedef {{ decimal: string, group: string, digits: Map<string, string> }} NumberSymbols */
/** @type {Map<string, NumberSymbols>} */
const symbolCache = new Map();

/**
 * The locale's decimal and grouping separators (from Intl.NumberFormat#formatToParts) and its
 * digits, mapped to 0-9.
 * @param {string} [locale]
 * @returns {NumberSymbols}
 */
export function numberSymbols(locale = DEFAULT_LOCALE) {
  let s = symbolCache.get(locale);
  if (!s) {
    const parts = new Intl.NumberFormat(locale).formatToParts(1234567.5);
    const plain = new Intl.NumberFormat(locale, { useGrouping: false });
    /** @type {Map<string, string>} */
    const digits = new Map();
    for (let d = 0; d <= 9; d++) digits.set(plain.format(d), String(d));
    s = { decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.', group: parts.find((p) => p.type === 'group')?.value ?? ',', digits };
    symbolCache.set(locale, s);
  }
  return s;
}

// Spaces (plain, no-break, narrow, thin) and apostrophes only ever group digits, in any locale.
const SPACE_OR_APOSTROPHE = /[\s\u00a0\u202f\u2009'\u2019]/;

/**
 * @typedef {{ ok: true, value: string } | { ok: false, problem: 'not_a_number' | 'thousands' | 'ambiguous' | 'decimal', text: string, separator?: string, meant?: string }} ReadResult
 */

/**
 * Reads a number as a rep of `locale` types it, and gives it back as the canonical decimal string
 * the API takes ("1.234,50" in de-DE → "1234.50"), or says why it cannot be read for sure.
 *
 * The locale's own separators are read as the locale means them: in en-US "1,234" is 1234 and
 * "1.234" is 1.234; in de-DE "1.234,50" is 1234.50 and "1,5" is 1.5. Spaces and apostrophes
 * between digits group thousands everywhere ("1 234,5", "1'234.50"). A grouping separator must sit
 * before a group of three digits (Indian lakh groups of two are accepted before that), so "1,5" in
 * en-US is refused (problem "thousands", meant "1.5") instead of being read as 15. A "." or ","
 * that is neither of the locale's separators (a "." in fr-FR, where thousands are spaced) is read
 * as a decimal point unless three digits follow it: "1.5" is 1.5 there, but "1.234" could be
 * either, so it is refused ("ambiguous"). Empty text reads as "".
 * @param {string} text
 * @param {string} [locale]
 * @returns {ReadResult}
 */
export function readDecimal(text, locale = DEFAULT_LOCALE) {
  const raw = String(text ?? '').trim();
  if (raw === '') return { ok: true, value: '' };
  const sym = numberSymbols(locale);
  let s = [...raw].map((ch) => sym.digits.get(ch) ?? ch).join('');
  let negative = false;
  if (/^[-\u2212]/.test(s)) {
    negative = true;
    s = s.slice(1).trimStart();
  }
  // Tokens: digit runs, and separators classified as G (groups), D (decimal) or X (a "." or ","
  // the locale does not use).
  /** @type {Array<{ kind: 'n' | 'G' | 'D' | 'X', text: string }>} */
  const tokens = [];
  for (const ch of s) {
    /** @type {'n' | 'G' | 'D' | 'X' | null} */
    let kind = null;
    if (ch >= '0' && ch <= '9') kind = 'n';
    else if (ch === sym.decimal) kind = 'D';
    else if (ch === sym.group || SPACE_OR_APOSTROPHE.test(ch)) kind = 'G';
    else if (ch === '.' || ch === ',') kind = 'X';
    if (kind === null) return { ok: false, problem: 'not_a_number', text: raw };
    const last = tokens[tokens.length - 1];
    if (kind === 'n' && last?.kind === 'n') last.text += ch;
    else tokens.push({ kind, text: ch });
  }
  const seps = tokens.filter((t) => t.kind !== 'n');
  const decimals = seps.filter((t) => t.kind === 'D' || t.kind === 'X');
  if (decimals.length > 1 || (decimals.some((t) => t.kind === 'D') && decimals.some((t) => t.kind === 'X'))) return { ok: false, problem: 'not_a_number', text: raw };
  const point = tokens.findIndex((t) => t.kind === 'D' || t.kind === 'X');
  const whole = point === -1 ? tokens : tokens.slice(0, point);
  const fraction = point === -1 ? [] : tokens.slice(point + 1);
  if (fraction.length > 1 || (fraction[0] && fraction[0].kind !== 'n')) return { ok: false, problem: 'not_a_number', text: raw };
  if (whole.length === 0 && fraction.length === 0) return { ok: false, problem: 'not_a_number', text: raw };
  // The whole part: digits, optionally grouped. Groups alternate with separators, start and end
  // with digits, and every group after the first has three digits (two allowed before the last).
  if (whole.length > 0) {
    for (let i = 0; i < whole.length; i++) {
      const t = /** @type {{ kind: string, text: string }} */ (whole[i]);
      if ((i % 2 === 0) !== (t.kind === 'n')) return { ok: false, problem: 'not_a_number', text: raw };
    }
    if (whole[whole.length - 1]?.kind !== 'n') return { ok: false, problem: 'not_a_number', text: raw };
    const groups = whole.filter((t) => t.kind === 'n').map((t) => t.text);
    if (groups.length > 1) {
      const first = /** @type {string} */ (groups[0]);
      const lastGroup = /** @type {string} */ (groups[groups.length - 1]);
      const middleOk = groups.slice(1, -1).every((g) => g.length === 2 || g.length === 3);
      if (first.length > 3 || lastGroup.length !== 3 || !middleOk) {
        const separator = /** @type {{ text: string }} */ (whole[1]).text;
        // "1,5" in en-US: probably a decimal written with the wrong separator; say what it reads as.
        const meant = groups.length === 2 && fraction.length === 0 && !SPACE_OR_APOSTROPHE.test(separator) ? `${first}.${lastGroup}` : undefined;
        return { ok: false, problem: 'thousands', text: raw, separator, ...(meant ? { meant } : {}) };
      }
    }
  }
  const pointToken = point === -1 ? undefined : tokens[point];
  const fractionDigits = fraction[0]?.text ?? '';
  // A "." or "," the locale does not use, followed by exactly three digits, could be either a
  // thousands separator or a decimal point: refuse rather than guess.
  if (pointToken?.kind === 'X' && fractionDigits.length === 3 && whole.length > 0) {
    return { ok: false, problem: 'ambiguous', text: raw, separator: pointToken.text };
  }
  const intDigits =
    whole
      .filter((t) => t.kind === 'n')
      .map((t) => t.text)
      .join('') || '0';
  const value = `${negative ? '-' : ''}${intDigits}${fractionDigits ? `.${fractionDigits}` : ''}`;
  return { ok: true, value };
}
