import express from 'express';
import type { Deps } from './deps.js';
import { errorHandler } from './http/errorHandler.js';
import { requestContext } from './http/requestContext.js';
import { mountOpsRoutes, mountRoutes } from './http/routes.js';
import { AppError } from './errors.js';
import * as cardErrors from './admin/cardErrors.js';
import { HUBSPOT_PREFIX } from './card/cardPaths.js';
import { configSecrets } from './redact.js';

/** Builds the Express app without listening (tests run it in-process). */
export function createApp(deps: Deps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Behind a load balancer on a private network, req.ip is the client's (rate limits, logs).
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  // Card answers are per-request and never cached; skipping ETag hashing saves work on every fetch.
  app.set('etag', false);
  app.use(requestContext(deps.log, deps.metrics));
  mountRoutes(app, deps);
  app.use(errorHandler(deps.log, recordCardError(deps), configSecrets(deps.config)));
  return app;
}

/** Errors on the routes HubSpot and the rep's browser call go to the admins' dashboard. */
function recordCardError(deps: Deps) {
  return (req: express.Request, res: express.Response, err: AppError) => {
    if (!req.path.startsWith(HUBSPOT_PREFIX)) return;
    const q = req.query as Record<string, unknown>;
    const portal = typeof q.portalId === 'string' && /^[1-9][0-9]{0,17}$/.test(q.portalId) ? q.portalId : null;
    // Page paths carry no secrets (tokens travel in the query or a header), but keep them short.
    const route = req.route?.path ? String(req.route.path) : req.path.replace(/[^/]{40,}/g, '…');
    cardErrors
      .record(deps.db, { portalId: portal, method: req.method, route, status: err.status, code: err.code, message: err.message, requestId: (res.locals.requestId as string | undefined) ?? null })
      .catch((e: Error) => deps.log.warn('could not record a card error', { scope: 'http', error: e.message }));
  };
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
