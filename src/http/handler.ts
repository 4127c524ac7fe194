import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Deps } from '../deps.js';

/** A route handler: gets the deps explicitly; Express 5 forwards its rejections to the error handler. */
export type Handler = (deps: Deps, req: Request, res: Response) => Promise<void> | void;

/** Binds a handler to the app's deps for the routes table. */
export function bind(deps: Deps, handler: Handler): RequestHandler {
  return (req: Request, res: Response, _next: NextFunction) => handler(deps, req, res);
}
