import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { deleteDraftHook, postIssueHook, postVoidHook } from './card/actionHooks.js';
import { cardPaths } from './card/cardPaths.js';
import { HUBSPOT_PREFIX, isPagePath, PAGE_API_PREFIX, pagePaths } from './shared/pagePaths.js';
import { getInvoiceCard } from './card/getInvoiceCard.js';
import { requireAppCardCaller, requireServedCaller } from './card/hubspotParams.js';
import {
  getAppCardInvoices,
  postAppCardDelete,
  postAppCardIssue,
  postAppCardPayment,
  postAppCardVoid,
  validateAppCardActionQuery,
  validateAppCardEmptyBody,
  validateAppCardListQuery,
  validateAppCardPaymentBody,
  validateAppCardVoidBody,
} from './card/appCardApi.js';
import { batchSchema, deleteRecord, getRecord, postBatch, putRecord, recordParams, recordSchema, refuseOversizedBatch } from './catalog/catalogHandlers.js';
import { type CatalogKind, contactKind, productKind } from './catalog/catalogKinds.js';
import type { Deps } from './deps.js';
import { AppError } from './errors.js';
import { deleteInvoice, getInvoice, listInvoices, patchInvoice, postInvoice, postPayment } from './invoices/invoiceHandlers.js';
import { validateCreateInvoice, validateListInvoices, validatePatchInvoice, validatePayment } from './invoices/invoiceSchemas.js';
import { getInvoicePdf } from './pages/getInvoicePdf.js';
import {
  patchPageInvoice,
  postPageInvoice,
  postPagePayment,
  postPageVoid,
  postQuote,
  putPageSettings,
  searchContacts,
  searchProducts,
  validatePageCreate,
  validateQuote,
  validateSearchQuery,
  validateVoid,
} from './pages/pageApi.js';
import { getCreatePage, getEditPage, getListPage, getPaymentPage, getSettingsPage, getViewPage, getVoidPage } from './pages/pageHandlers.js';
import { PAGE_PURPOSES } from './shared/pageToken.js';
import { requirePageToken } from './pages/requirePageToken.js';
import { getSettings, patchSettings, putSettings } from './settings/settingsHandlers.js';
import { settingsParams, validateSettings, validateSettingsPatch } from './settings/settingsInput.js';
import { requireAdmin } from './admin/adminAuth.js';
import { getDashboard, getLogin, getOverview, postAdminReplay, postLogin, postLogout } from './admin/adminHandlers.js';
import { signInErrorView } from './admin/adminPages.js';
import { rateLimit } from './http/rateLimit.js';
import { mountStaticAssets } from './http/staticAssets.js';
import { jsonBody, jsonFromRawBody } from './http/jsonBody.js';
import { callbackPath, getOAuthCallback, getOAuthInstall } from './portals/oauthHandlers.js';
import { installErrorView } from './portals/oauthPages.js';
import { deletePortal, listPortals, patchPortal, requireKnownPortal, validatePortalsQuery } from './admin/portalHandlers.js';
import { validatePortalPatch } from './sync/pushSettings.js';
import { getSyncRun, listSyncFailures, listSyncRuns, postReplay, postSyncRun, validateFailuresQuery, validateRunsQuery, validateStart } from './sync/syncHandlers.js';
import { binder } from './http/handler.js';
import { registerDatabaseGauges } from './metrics.js';
import { getReadyz } from './http/health.js';
import { showErrorsOn } from './http/errorHandler.js';
import { adminHeaders, apiHeaders, pageHeaders } from './http/headerProfiles.js';
import { requireApiToken } from './http/requireApiToken.js';
import { verifyHubSpotSignature } from './http/verifyHubSpotSignature.js';

/** HubSpot's converter app card allows 1 MB bodies; classic hooks send small form bodies. */
const HUBSPOT_BODY_LIMIT = '1mb';
/** A 1,000-item batch of contacts is ~0.5 MB; 5 MB leaves room without inviting abuse. */
const API_BODY_LIMIT = '5mb';
/** Our app card's actions send a few fields (a void reason of at most 1,000 characters). */
const APP_CARD_BODY_LIMIT = '16kb';
/** A 500-line invoice from the create form is well under this. */
const PAGE_API_BODY_LIMIT = '1mb';

/** Every URL the service answers, with its chain: headers → auth/signature → body → handler. */
export function mountRoutes(app: express.Express, deps: Deps): void {
  const h = binder(deps);

  // Header profiles: iframe pages may be framed by HubSpot (and show HTML errors); nothing else may.
  const pageProfile = pageHeaders(deps.config.hubspot.frameAncestors);
  app.use((req: Request, res: Response, next: NextFunction) =>
    isPagePath(req.path) ? pageProfile(req, res, next) : req.path.startsWith('/admin') && !req.path.startsWith('/admin/api/') ? adminHeaders(req, res, next) : apiHeaders(req, res, next),
  );

  // HubSpot → service: signed (first after the headers: the card's data fetch and our app card's
  // list are the busiest routes, and no route before them could match their paths). The raw body is kept for the signature and parsed afterwards; then
  // HubSpot's parameters are read once (repeats must agree) and the portal must be one we serve.
  const signed = [express.raw({ type: () => true, limit: HUBSPOT_BODY_LIMIT }), verifyHubSpotSignature(deps)];
  const fetchCaller = requireServedCaller(deps, { body: false, portal: 'in-handler' });
  const hookCaller = requireServedCaller(deps, { body: true });
  app.get(cardPaths.fetch, ...signed, fetchCaller, h(getInvoiceCard));
  app.post(cardPaths.hooks.void, ...signed, hookCaller, h(postVoidHook));
  app.post(cardPaths.hooks.issue, ...signed, hookCaller, h(postIssueHook));
  app.delete(cardPaths.hooks.deleteDraft, ...signed, hookCaller, h(deleteDraftHook));

  // Our app card (hubspot.fetch) → service: signed the same way, with who is asking read from the
  // signed query only (HubSpot appends it there; a body is never read for it: appCardApi.ts says
  // why). The raw body is read (small: the card sends a few fields) for the signature, then parsed.
  const appCardSigned = [express.raw({ type: () => true, limit: APP_CARD_BODY_LIMIT }), verifyHubSpotSignature(deps)];
  const appCardReader = requireAppCardCaller(deps, { portal: 'in-handler' });
  const appCardCaller = requireAppCardCaller(deps);
  const appCardJson = jsonFromRawBody();
  const appCardAction = { query: validateAppCardActionQuery };
  app.get(cardPaths.appCard.invoices, ...appCardSigned, appCardReader, h(getAppCardInvoices, { query: validateAppCardListQuery }));
  app.post(cardPaths.appCard.issue, ...appCardSigned, appCardCaller, ...appCardJson, h(postAppCardIssue, { ...appCardAction, body: validateAppCardEmptyBody }));
  app.post(cardPaths.appCard.void, ...appCardSigned, appCardCaller, ...appCardJson, h(postAppCardVoid, { ...appCardAction, body: validateAppCardVoidBody }));
  app.post(cardPaths.appCard.delete, ...appCardSigned, appCardCaller, ...appCardJson, h(postAppCardDelete, { ...appCardAction, body: validateAppCardEmptyBody }));
  app.post(cardPaths.appCard.payments, ...appCardSigned, appCardCaller, ...appCardJson, h(postAppCardPayment, { ...appCardAction, body: validateAppCardPaymentBody }));

  mountStaticAssets(app);
  mountOpsRoutes(app, deps);

  // The OAuth install of the public app (the admin's browser, sent on by HubSpot).
  const oauthLimit = rateLimit({ name: 'the OAuth install', max: 30, windowMs: 60_000 });
  app.get('/oauth/install', oauthLimit, h(getOAuthInstall));
  app.get(callbackPath(deps), oauthLimit, showErrorsOn(installErrorView), h(getOAuthCallback));

  // The admins' dashboard: signs in with API_TOKEN, then a session cookie.
  app.get('/admin/login', h(getLogin));
  app.post(
    '/admin/login',
    rateLimit({ name: 'the dashboard sign-in', max: 10, windowMs: 60_000 }),
    express.urlencoded({ extended: false, limit: '4kb' }),
    showErrorsOn(signInErrorView, { noStore: true }),
    h(postLogin),
  );
  app.post('/admin/logout', express.urlencoded({ extended: false, limit: '4kb' }), h(postLogout));
  // Routing is not strict: this serves /admin and /admin/; the page's relative URLs need the slash.
  app.get('/admin/', (req, res, next) => (req.path.endsWith('/') ? next() : res.redirect(301, 'admin/')), requireAdmin(deps, 'page'), h(getDashboard));
  const admin: Router = express.Router();
  admin.use(requireAdmin(deps, 'api'));
  admin.get('/overview', h(getOverview));
  admin.post('/failures/:id/replay', h(postAdminReplay));
  app.use('/admin/api', admin);

  // The rep's browser (inside HubSpot's modal) → service: unsigned, so every page checks its token.
  app.use(`${HUBSPOT_PREFIX}/pages`, rateLimit({ name: 'the card pages', max: 1200, windowMs: 60_000 }));
  app.get(pagePaths.create, requirePageToken(deps, 'link', ['create']), h(getCreatePage));
  app.get(pagePaths.list, requirePageToken(deps, 'link', ['list']), h(getListPage));
  app.get(pagePaths.edit, requirePageToken(deps, 'link', ['edit']), h(getEditPage));
  app.get(pagePaths.payment, requirePageToken(deps, 'link', ['payment']), h(getPaymentPage));
  app.get(pagePaths.void, requirePageToken(deps, 'link', ['void']), h(getVoidPage));
  app.get(pagePaths.view, requirePageToken(deps, 'link', ['view']), h(getViewPage));
  app.get(pagePaths.pdf, requirePageToken(deps, 'link', ['pdf'], { recordLinks: true }), h(getInvoicePdf));
  app.get(pagePaths.settings, requirePageToken(deps, 'link', ['settings']), h(getSettingsPage));

  // The pages' own JSON calls: the page's token in X-Page-Token.
  const pageApi: Router = express.Router();
  // The router's mount path, for the error handler: outside the router req.baseUrl is '' again.
  pageApi.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.routeBase = req.baseUrl;
    next();
  });
  // The token is checked before the body is read: parsing 1 MB of JSON costs more than checking a
  // token, and no one without a page's token gets to make the service spend it.
  pageApi.use(requirePageToken(deps, 'session', PAGE_PURPOSES), ...jsonBody(PAGE_API_BODY_LIMIT));
  pageApi.get('/contacts', requirePageToken(deps, 'session', ['create', 'edit']), h(searchContacts, { query: validateSearchQuery }));
  pageApi.get('/products', requirePageToken(deps, 'session', ['create', 'edit']), h(searchProducts, { query: validateSearchQuery }));
  pageApi.post('/quote', requirePageToken(deps, 'session', ['create', 'edit']), h(postQuote, { body: validateQuote }));
  pageApi.post('/invoices', requirePageToken(deps, 'session', ['create']), h(postPageInvoice, { body: validatePageCreate }));
  pageApi.patch('/invoices/:invoiceId', requirePageToken(deps, 'session', ['edit']), h(patchPageInvoice, { body: validatePatchInvoice }));
  pageApi.post('/invoices/:invoiceId/payments', requirePageToken(deps, 'session', ['payment']), h(postPagePayment, { body: validatePayment }));
  pageApi.post('/invoices/:invoiceId/void', requirePageToken(deps, 'session', ['void']), h(postPageVoid, { body: validateVoid }));
  pageApi.put('/settings', requirePageToken(deps, 'session', ['settings']), h(putPageSettings));
  app.use(PAGE_API_PREFIX, pageApi);

  // The accounting system → service: bearer token, JSON.
  const api: Router = express.Router();
  api.use(requireApiToken(deps), ...jsonBody(API_BODY_LIMIT));
  for (const kind of [contactKind, productKind] as Array<CatalogKind<unknown>>) {
    const base = `/${kind.table}`;
    api.post(`${base}/batch`, refuseOversizedBatch, h(postBatch(kind), { body: batchSchema(kind) }));
    api.put(`${base}/:externalId`, h(putRecord(kind), { params: recordParams, body: recordSchema(kind) }));
    api.get(`${base}/:externalId`, h(getRecord(kind), { params: recordParams }));
    api.delete(`${base}/:externalId`, h(deleteRecord(kind), { params: recordParams }));
  }
  api.post('/invoices', h(postInvoice, { body: validateCreateInvoice }));
  api.get('/invoices', h(listInvoices, { query: validateListInvoices }));
  api.get('/invoices/:id', h(getInvoice));
  api.patch('/invoices/:id', h(patchInvoice, { body: validatePatchInvoice }));
  api.delete('/invoices/:id', h(deleteInvoice));
  api.post('/invoices/:id/payments', h(postPayment, { body: validatePayment }));
  api.post('/sync/runs', h(postSyncRun, { body: validateStart }));
  api.get('/sync/runs', h(listSyncRuns, { query: validateRunsQuery }));
  api.get('/sync/runs/:id', h(getSyncRun));
  api.get('/sync/failures', h(listSyncFailures, { query: validateFailuresQuery }));
  api.post('/sync/failures/:id/replay', h(postReplay));
  api.get('/portals', h(listPortals, { query: validatePortalsQuery }));
  api.patch('/portals/:portalId', requireKnownPortal(deps), h(patchPortal, { body: validatePortalPatch }));
  api.delete('/portals/:portalId', h(deletePortal));
  api.get('/portals/:portalId/settings', h(getSettings, { params: settingsParams }));
  api.put('/portals/:portalId/settings', h(putSettings, { params: settingsParams, body: validateSettings }));
  api.patch('/portals/:portalId/settings', h(patchSettings, { params: settingsParams, body: validateSettingsPatch }));
  app.use('/api/v1', api);

  app.use((req: Request, _res: Response) => {
    throw new AppError('not_found', 404, `No route for ${req.method} ${req.path}`);
  });
}

/** Health, readiness and metrics: on every role's server (web and worker). */
export function mountOpsRoutes(app: express.Express, deps: Deps): void {
  const h = binder(deps);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', h(getReadyz));
  // Prometheus text format. Operational figures only (no secrets), but keep it off the public
  // load balancer: route only /hubspot, /oauth, /api and /assets there.
  if (!deps.metrics.registry.getSingleMetric('sync_queue_depth')) registerDatabaseGauges(deps.metrics, deps.db, deps.config.hubspot.rateLimitPer10s);
  app.get('/metrics', async (_req, res) => {
    res
      .set('Content-Type', deps.metrics.registry.contentType)
      .set('Cache-Control', 'no-store')
      .send(await deps.metrics.registry.metrics());
  });
}
