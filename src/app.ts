import express from 'express';
import type { Deps } from './deps.js';
import { errorHandler } from './http/errorHandler.js';
import { requestContext } from './http/requestContext.js';
import { mountRoutes } from './http/routes.js';

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
