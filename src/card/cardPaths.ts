import type { PagePurpose } from '../pages/pageToken.js';

/**
 * Every URL the card hands to HubSpot, in one place: the routes table mounts these patterns and
 * the card builds its action URLs from them, so the two cannot drift apart. All of them sit under
 * HUBSPOT_PREFIX, which is the card definition's `actions.baseUrls` entry.
 */
export const HUBSPOT_PREFIX = '/hubspot';

export const cardPaths = {
  fetch: `${HUBSPOT_PREFIX}/card`,
  pages: {
    create: `${HUBSPOT_PREFIX}/pages/invoices/new`,
    list: `${HUBSPOT_PREFIX}/pages/invoices`,
    view: `${HUBSPOT_PREFIX}/pages/invoices/:invoiceId`,
    edit: `${HUBSPOT_PREFIX}/pages/invoices/:invoiceId/edit`,
    payment: `${HUBSPOT_PREFIX}/pages/invoices/:invoiceId/payment`,
    void: `${HUBSPOT_PREFIX}/pages/invoices/:invoiceId/void`,
    pdf: `${HUBSPOT_PREFIX}/pdf/invoices/:invoiceId`,
    settings: `${HUBSPOT_PREFIX}/pages/settings`,
  } satisfies Record<PagePurpose, string>,
  hooks: {
    deleteDraft: `${HUBSPOT_PREFIX}/actions/invoices/:invoiceId`,
    void: `${HUBSPOT_PREFIX}/actions/invoices/:invoiceId/void`,
    issue: `${HUBSPOT_PREFIX}/actions/invoices/:invoiceId/issue`,
  },
} as const;

/** Fills `:invoiceId` in a path pattern. */
export function fillPath(pattern: string, invoiceId: string | null): string {
  if (!pattern.includes(':invoiceId')) return pattern;
  if (invoiceId === null) throw new Error(`${pattern} needs an invoice id`);
  return pattern.replace(':invoiceId', encodeURIComponent(invoiceId));
}
