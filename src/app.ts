import express from 'express';
import type { Deps } from './deps.js';
import { errorHandler } from './http/errorHandler.js';
import { requestContext } from './http/requestContext.js';
import { mountOpsRoutes, mountRoutes } from './routes.js';
import { AppError } from './errors.js';
import * as cardErrors from './admin/cardErrors.js';
import { HUBSPOT_PREFIX } from './shared/pagePaths.js';
import { configSecrets } from './redact.js';
import { isHubSpotId } from './shared/hubspotId.js';

/** Builds the Express app without listening (tests run it in-process). */
export function createApp(deps: Deps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // req.ip (rate limits, logs) is the client's address as told by the proxies the operator named
  // in TRUSTED_PROXIES (default loopback), and the peer's own address from anyone else.
  app.set('trust proxy', deps.config.trustedProxies.length > 0 ? [...deps.config.trustedProxies] : false);
  // Card answers are per-request and never cached; skipping ETag hashing saves work on every fetch.
  app.set('etag', false);
  app.use(requestContext(deps.log, deps.metrics));
  mountRoutes(app, deps);
  app.use(errorHandler(deps.log, recordCardError(deps), configSecrets(deps.config)));
  return app;
}

/**
 * Failures on the routes HubSpot and the rep's browser call. Only requests that proved who they
 * are become dashboard rows: signed requests that passed the signature check (HubSpot itself) and
 * page or page-API calls whose token was valid (a rep). Everything else (a 404, a bad signature, a
 * forged or expired token) is anyone on the internet: it is counted in
 * card_unauthenticated_failures_total by route template and our error code, and writes nothing,
 * so a stranger can neither fill the table nor put words on the dashboard. Rows are bounded per
 * portal per minute too (CardErrorRecorder).
 */
function recordCardError(deps: Deps) {
  const recorder = new cardErrors.CardErrorRecorder(() => deps.clock.now().getTime());
  return (req: express.Request, res: express.Response, err: AppError) => {
    if (!req.path.startsWith(HUBSPOT_PREFIX)) return;
    // The template the request matched (ids and tokens are not in it), never the raw path; a
    // failure in a router's own middleware (the page API's body parser) is its mount path + "/*".
    const base = (res.locals.routeBase as string | undefined) ?? req.baseUrl;
    const route = req.route?.path ? `${base}${String(req.route.path)}` : res.locals.routeBase ? `${base}/*` : 'unmatched';
    const caller = authenticatedCaller(req, res);
    if (!caller) {
      deps.metrics.cardUnauthenticatedFailures.inc({ route, code: err.code });
      return;
    }
    const admitted = recorder.admit(caller.portalId);
    if (admitted !== 'ok') {
      deps.metrics.cardErrorsDropped.inc({ reason: admitted });
      return;
    }
    cardErrors
      .record(deps.db, { portalId: caller.portalId, via: caller.via, method: req.method, route, status: err.status, code: err.code, requestId: (res.locals.requestId as string | undefined) ?? null })
      .catch((e: Error) => deps.log.warn('could not record a card error', { scope: 'http', error: e.message }));
  };
}

/** Who a failed request proved to be, or undefined when it proved nothing. */
function authenticatedCaller(req: express.Request, res: express.Response): { via: cardErrors.CardErrorVia; portalId: string | null } | undefined {
  // Set by requirePageToken / requirePageApiToken once the token's MAC and expiry check out.
  const page = res.locals.pageTokenPortal as string | undefined;
  if (page !== undefined) return { via: 'page_token', portalId: page };
  // Set by verifyHubSpotSignature only after the signature matched.
  if (res.locals.signatureVersion === undefined) return undefined;
  return { via: 'hubspot_signature', portalId: signedPortalId(req, res) };
}

/** The portalId of a signed request (query, form or JSON body, all covered by the signature); null when absent or ambiguous. */
function signedPortalId(req: express.Request, res: express.Response): string | null {
  const values: unknown[] = [];
  const q = (req.query as Record<string, unknown>).portalId;
  values.push(...(Array.isArray(q) ? q : q === undefined ? [] : [q]));
  const raw = res.locals.rawBody as Buffer | undefined;
  if (raw && raw.length > 0 && raw.length <= 64 * 1024) {
    const text = raw.toString('utf8');
    try {
      const body = JSON.parse(text) as unknown;
      if (body && typeof body === 'object' && 'portalId' in body) values.push((body as { portalId: unknown }).portalId);
    } catch {
      values.push(...new URLSearchParams(text).getAll('portalId'));
    }
  }
  const ids = new Set(values.map((v) => (typeof v === 'number' ? String(v) : v)));
  const [only] = ids;
  return ids.size === 1 && typeof only === 'string' && isHubSpotId(only) ? only : null;
}

/** The worker role's server: health, readiness and metrics only (no HubSpot or API traffic). */
export function createOpsApp(deps: Deps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestContext(deps.log, deps.metrics));
  mountOpsRoutes(app, deps);
  app.use((req: express.Request) => {
    throw new AppError('not_found', 404, `No route for ${req.method} ${req.path} on a worker: send HubSpot and API traffic to the web role`);
  });
  app.use(errorHandler(deps.log, undefined, configSecrets(deps.config)));
  return app;
}
