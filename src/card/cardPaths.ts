import { HUBSPOT_PREFIX } from '../pages/pagePaths.js';

/**
 * The URLs HubSpot calls for the card itself: the data fetch and the action hooks. The routes table
 * mounts these patterns and the card builds its action URLs from them. The pages' URLs are in
 * pages/pagePaths.ts.
 */
export const cardPaths = {
  fetch: `${HUBSPOT_PREFIX}/card`,
  hooks: {
    deleteDraft: `${HUBSPOT_PREFIX}/actions/invoices/:invoiceId`,
    void: `${HUBSPOT_PREFIX}/actions/invoices/:invoiceId/void`,
    issue: `${HUBSPOT_PREFIX}/actions/invoices/:invoiceId/issue`,
  },
} as const;
