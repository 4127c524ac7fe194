import express from 'express';
import type { Deps } from './deps.js';
import { errorHandler } from './http/errorHandler.js';
import { requestContext } from './http/requestContext.js';
import { mountOpsRoutes, mountRoutes } from './http/routes.js';
import { AppError } from './errors.js';

/** Builds the Express app without listening (tests run it in-process). */
export function createApp(deps: Deps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Card answers are per-request and never cached; skipping ETag hashing saves work on every fetch.
  app.set('etag', false);
  app.use(requestContext(deps.log, deps.metrics));
  mountRoutes(app, deps);
  app.use(errorHandler(deps.log));
  return app;
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
  app.use(errorHandler(deps.log));
  return app;
}
