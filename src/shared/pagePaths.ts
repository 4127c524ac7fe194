import type { PagePurpose } from './pageToken.js';

/**
 * Every URL HubSpot is given sits under HUBSPOT_PREFIX, the card definition's `actions.baseUrls`
 * entry: the card's own (card/cardPaths.ts) and the iframe pages' (here).
 */
export const HUBSPOT_PREFIX = '/hubspot';

/**
 * The iframe pages' URLs, one per page-token purpose: the routes table mounts these patterns and
 * the card and the pages build their links from them, so the two cannot drift apart.
 */
export const pagePaths = {
  create: `${HUBSPOT_PREFIX}/pages/invoices/new`,
  list: `${HUBSPOT_PREFIX}/pages/invoices`,
  view: `${HUBSPOT_PREFIX}/pages/invoices/:invoiceId`,
  edit: `${HUBSPOT_PREFIX}/pages/invoices/:invoiceId/edit`,
  payment: `${HUBSPOT_PREFIX}/pages/invoices/:invoiceId/payment`,
  void: `${HUBSPOT_PREFIX}/pages/invoices/:invoiceId/void`,
  pdf: `${HUBSPOT_PREFIX}/pdf/invoices/:invoiceId`,
  settings: `${HUBSPOT_PREFIX}/pages/settings`,
} as const satisfies Record<PagePurpose, string>;

/** The pages' own JSON calls (X-Page-Token) are mounted under this. */
export const PAGE_API_PREFIX = `${HUBSPOT_PREFIX}/pages/api`;

/** Whether a request path is an iframe page (HubSpot may frame it; its errors are HTML). */
export const isPagePath = (p: string): boolean => (p.startsWith(`${HUBSPOT_PREFIX}/pages/`) && !p.startsWith(`${PAGE_API_PREFIX}/`)) || p.startsWith(`${HUBSPOT_PREFIX}/pdf/`);

/** Fills `:invoiceId` in a path pattern. */
export function fillPath(pattern: string, invoiceId: string | null): string {
  if (!pattern.includes(':invoiceId')) return pattern;
  if (invoiceId === null) throw new Error(`${pattern} needs an invoice id`);
  return pattern.replace(':invoiceId', encodeURIComponent(invoiceId));
}
