// The card formats and reads numbers by the same rules as the iframe pages and the PDF, and words
// an unreadable amount as the payment page does: it imports the modules they share. locale.js and
// repWording.js in this folder are symbolic links to public/ (one file, not a copy); the project
// export copies this folder's files, the linked ones included, so the uploaded card has them
// beside it and imports nothing from outside its folder.
import { formatDate, formatForInput, formatMoney, pickLocale, readDecimal } from './locale.js';
import { sayUnreadableNumber } from './repWording.js';

export { formatDate, formatForInput, formatMoney, readDecimal, sayUnreadableNumber };

/** The locale the card writes in: the rep's own (HubSpot's user setting), else the portal's, else the default. */
export function cardLocale(repLocale: string | null | undefined, portalLocale: string | null | undefined): string {
  return pickLocale(repLocale || portalLocale);
}

/** A date input's value ({ year, month from 0, date }) as the API's YYYY-MM-DD. */
export function isoDate(value: { year: number; month: number; date: number }): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${String(value.year).padStart(4, '0')}-${pad(value.month + 1)}-${pad(value.date)}`;
}
