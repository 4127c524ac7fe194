import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Deps } from '../deps.js';
import { check, type Validator } from './validate.js';

/** What a route's schemas checked, by where it came from: the handler's typed input. */
export interface RequestInput {
  params?: unknown;
  query?: unknown;
  body?: unknown;
}

/** The input of a route that declares no schema. */
export type NoInput = Record<never, never>;

/**
 * A route handler: gets the deps explicitly and the input its route's schemas checked; Express 5
 * forwards its rejections to the error handler.
 */
export type Handler<I extends RequestInput = NoInput> = (deps: Deps, req: Request, res: Response, input: I) => Promise<void> | void;

/**
 * One compiled schema per part of the input the handler reads; the path parameters are read by a
 * parser instead (it throws the AppError their route answers: a 400, or a 404 for an id that
 * cannot exist).
 */
export type Schemas<I extends RequestInput> = { [K in keyof I]-?: K extends 'params' ? (params: Record<string, string>) => I[K] : Validator<I[K]> };

/**
 * Binds a handler to the app's deps for the routes table, with its route's schemas: the path
 * parameters, then the query (a copy: req.query is a getter in Express 5), then the body are
 * checked once, in that order, and a 400 names every invalid field of the first part that fails.
 * The handler receives the checked values; it never calls the validator itself.
 */
export function bind(deps: Deps, handler: Handler): RequestHandler;
export function bind<I extends RequestInput>(deps: Deps, handler: Handler<I>, schemas: Schemas<I>): RequestHandler;
export function bind(
  deps: Deps,
  handler: Handler<RequestInput>,
  schemas: { params?: (params: Record<string, string>) => unknown; query?: Validator<unknown>; body?: Validator<unknown> } = {},
): RequestHandler {
  const { params, query, body } = schemas;
  return (req: Request, res: Response, _next: NextFunction) => {
    const input: RequestInput = {};
    if (params) input.params = params({ ...(req.params as Record<string, string>) });
    if (query) input.query = check(query, { ...(req.query as Record<string, unknown>) });
    if (body) input.body = check(body, req.body ?? {});
    return handler(deps, req, res, input);
  };
}

/** bind with the deps already given: what the routes table calls for every route. */
export interface Binder {
  (handler: Handler): RequestHandler;
  <I extends RequestInput>(handler: Handler<I>, schemas: Schemas<I>): RequestHandler;
}

/** A Binder over `deps`. */
export function binder(deps: Deps): Binder {
  return ((handler: Handler, schemas?: Schemas<RequestInput>) => (schemas ? bind(deps, handler as Handler<RequestInput>, schemas) : bind(deps, handler))) as Binder;
}
