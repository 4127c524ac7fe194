// The page this script runs in: the data block the server wrote into it, the rep's locale, and
// the way back to HubSpot (closing its modal).

import { formatMoney, pickLocale } from '../locale.js';

/** The page's data (kind, API base, session token, today, and what the page's form needs). */
export const data = JSON.parse(document.getElementById('page-data').textContent);

/**
 * The rep's locale: the browser's language (the page is not told the HubSpot user's own locale).
 * Numbers are read, and dates and amounts shown, this way.
 */
export const LOCALE = pickLocale(navigator.language);

/** Closes HubSpot's modal: DONE after a change, CANCEL otherwise (a JSON string, target "*"). */
export function closeModal(action) {
  window.parent.postMessage(JSON.stringify({ action }), '*');
}

/** An amount in the rep's locale; "–" while there is none. */
export function moneyText(decimalText, currency, exponent) {
  if (decimalText === undefined || decimalText === null || decimalText === '') return '–';
  // A plain space between the currency and the number lets a long amount wrap there, not overflow.
  return formatMoney(decimalText, currency, exponent, LOCALE).replace(/\u00a0/g, ' ');
}
