import { HUBSPOT_PREFIX } from '../shared/pagePaths.js';

/**
 * The URLs HubSpot calls for the card itself: the data fetch and the action hooks of the classic
 * card (and the converter), and our own app card's JSON endpoints (hubspot.fetch). The routes
 * table mounts these patterns and the card builds its action URLs from them. The pages' URLs are
 * in shared/pagePaths.ts.
 */
export const cardPaths = {
  fetch: `${HUBSPOT_PREFIX}/card`,
  hooks: {
    deleteDraft: `${HUBSPOT_PREFIX}/actions/invoices/:invoiceId`,
    void: `${HUBSPOT_PREFIX}/actions/invoices/:invoiceId/void`,
    issue: `${HUBSPOT_PREFIX}/actions/invoices/:invoiceId/issue`,
  },
  appCard: {
    invoices: `${HUBSPOT_PREFIX}/app-card/invoices`,
    issue: `${HUBSPOT_PREFIX}/app-card/invoices/:invoiceId/issue`,
    void: `${HUBSPOT_PREFIX}/app-card/invoices/:invoiceId/void`,
    delete: `${HUBSPOT_PREFIX}/app-card/invoices/:invoiceId/delete`,
    payments: `${HUBSPOT_PREFIX}/app-card/invoices/:invoiceId/payments`,
  },
} as const;
