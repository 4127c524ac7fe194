import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { cardPaths } from '../card/cardPaths.js';
import { getInvoiceCard } from '../card/getInvoiceCard.js';
import { deleteRecord, getRecord, postBatch, putRecord } from '../catalog/catalogHandlers.js';
import { type CatalogKind, contactKind, productKind } from '../catalog/catalogKinds.js';
import type { Deps } from '../deps.js';
import { AppError, notImplemented } from '../errors.js';
import { deleteInvoice, getInvoice, listInvoices, patchInvoice, postInvoice, postPayment } from '../invoices/invoiceHandlers.js';
import type { PagePurpose } from '../pages/pageToken.js';
import { requirePageToken } from '../pages/requirePageToken.js';
import { PUBLIC_DIR } from '../paths.js';
import { bind, type Handler } from './handler.js';
import { apiHeaders, pageHeaders } from './headerProfiles.js';
import { requireApiToken } from './requireApiToken.js';
import { verifyHubSpotSignature } from './verifyHubSpotSignature.js';


/** HubSpot's converter app card allows 1 MB bodies; classic hooks send small form bodies. */
const HUBSPOT_BODY_LIMIT = '1mb';
/** A 1,000-item batch of contacts is ~0.5 MB; 5 MB leaves room without inviting abuse. */
const API_BODY_LIMIT = '5mb';

/** POST/PUT/PATCH bodies on /api/v1 must be JSON: anything else is a 415, not a confusing 400. */
function requireJsonBody(req: Request, _res: Response, next: NextFunction) {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && ['POST', 'PUT', 'PATCH'].includes(req.method) && !req.is(['application/json', 'application/*+json'])) {
    throw new AppError('unsupported_media_type', 415, `Send JSON with Content-Type: application/json (got ${req.get('content-type') ?? 'no Content-Type'})`);
  }
  next();
}

const placeholder = (what: string): Handler => () => {
  throw notImplemented(`${what} is not available yet; it ships with the card-actions release`);
};

/** Every URL the service answers, with its chain: headers → auth/signature → body → handler. */
export function mountRoutes(app: express.Express, deps: Deps): void {
  const h = (handler: Handler) => bind(deps, handler);

  app.use('/assets', express.static(PUBLIC_DIR, { index: false, maxAge: '1h' }));
  app.get('/healthz', apiHeaders, (_req, res) => {
    res.json({ status: 'ok' });
  });

  // HubSpot → service: signed. The raw body is kept for the signature and parsed afterwards.
  const signed = [apiHeaders, express.raw({ type: () => true, limit: HUBSPOT_BODY_LIMIT }), verifyHubSpotSignature(deps)];
  app.get(cardPaths.fetch, ...signed, h(getInvoiceCard));
  app.post(cardPaths.hooks.void, ...signed, h(placeholder('Voiding from the card')));
  app.post(cardPaths.hooks.issue, ...signed, h(placeholder('Issuing from the card')));
  app.delete(cardPaths.hooks.deleteDraft, ...signed, h(placeholder('Deleting drafts from the card')));

  // Browser (inside HubSpot's modal) → service: unsigned, so every page checks its token.
  const pages: Array<[PagePurpose, string]> = [
    ['create', 'Creating invoices from the card'],
    ['list', 'The full invoice list'],
    ['edit', 'Editing drafts from the card'],
    ['payment', 'Recording payments from the card'],
    ['void', 'Voiding with a reason'],
    ['pdf', 'The invoice PDF'],
    ['view', 'The invoice view'],
    ['settings', 'Settings'],
  ];
  for (const [purpose, what] of pages) {
    app.get(cardPaths.pages[purpose], pageHeaders(), requirePageToken(deps, purpose), h(placeholder(what)));
  }

  // The accounting system → service: bearer token, JSON.
  const api: Router = express.Router();
  api.use(apiHeaders, requireApiToken(deps), requireJsonBody, express.json({ limit: API_BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  for (const kind of [contactKind, productKind] as Array<CatalogKind<unknown>>) {
    const base = `/${kind.table}`;
    api.post(`${base}/batch`, h(postBatch(kind)));
    api.put(`${base}/:externalId`, h(putRecord(kind)));
    api.get(`${base}/:externalId`, h(getRecord(kind)));
    api.delete(`${base}/:externalId`, h(deleteRecord(kind)));
  }
  api.post('/invoices', h(postInvoice));
  api.get('/invoices', h(listInvoices));
  api.get('/invoices/:id', h(getInvoice));
  api.patch('/invoices/:id', h(patchInvoice));
  api.delete('/invoices/:id', h(deleteInvoice));
  api.post('/invoices/:id/payments', h(postPayment));
  app.use('/api/v1', api);

  app.use((req: Request, _res: Response) => {
    throw new AppError('not_found', 404, `No route for ${req.method} ${req.path}`);
  });
}

