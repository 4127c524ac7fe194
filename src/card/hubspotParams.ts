import type { NextFunction, Request, Response } from 'express';
import type { Deps } from '../deps.js';
import { AppError, badRequest, validationFailed } from '../errors.js';
import { check, compile } from '../http/validate.js';
import { requireServedPortal } from '../portals/portalAccess.js';
import { hubspotIdSchema } from '../shared/hubspotId.js';

/**
 * HubSpot's default parameters on a signed request (data fetch and action hooks): who is asking
 * (account, user, app) and about which record. Read in this one place for every signed route.
 *
 * Where they come from, and why repeats are normal:
 * - The classic card writes `userId`, `userEmail`, `associatedObjectId`, `associatedObjectType` and
 *   `portalId` once, in the query (data fetch, GET/DELETE hooks) or in a form body (POST hooks).
 * - `hubspot.fetch` (the converter app card and our own app card) goes through HubSpot's proxy,
 *   which, per HubSpot's "fetching data" guide, APPENDS `userId`, `portalId`, `userEmail` and
 *   `appId` to the query after the card's own parameters, inside what it signs. The converter has
 *   already written the first three itself, so each arrives twice; a POST hook from it repeats
 *   them once more in its JSON body.
 *
 * The rule: every copy of a parameter, from the query and the body, must say the same thing.
 * Identical repeats are one value; copies that differ are a 400 naming them. A value the card (or a
 * rep at the browser console) wrote can therefore never outvote the one HubSpot appended: when they
 * differ the request is refused, and when they agree it does not matter which one we read. The
 * query is read from the raw URL (the bytes HubSpot signed), not from Express's parsed req.query,
 * so no parser setting can change what a repeat means. Values from the body must agree with the
 * signed query; a body-only value (the classic card's form POST) is accepted as the only copy.
 * Our own app card's endpoints go further (requireAppCardCaller below): they read the caller from
 * the signed query alone, never from a body.
 *
 * Only the names below are read, into a map without a prototype: a `__proto__` key in a JSON body
 * is not one of them and is ignored, so it cannot supply a required field.
 */

export interface HubSpotParams {
  portalId: string;
  associatedObjectId: string;
  associatedObjectType?: string;
  userId?: string;
  userEmail?: string;
  /** Sent by hubspot.fetch callers (app cards) only. */
  appId?: string;
}

const NAMES = ['portalId', 'associatedObjectId', 'associatedObjectType', 'userId', 'userEmail', 'appId'] as const;

const id = hubspotIdSchema();
const validateParams = compile<HubSpotParams>({
  type: 'object',
  required: ['portalId', 'associatedObjectId'],
  properties: {
    portalId: id,
    associatedObjectId: id,
    associatedObjectType: { type: 'string', maxLength: 40 },
    userId: { type: 'string', pattern: '^[0-9]{0,20}$', description: 'must be a HubSpot user id (digits only)' },
    userEmail: { type: 'string', maxLength: 254 },
    appId: { type: 'string', pattern: '^[0-9]{1,20}$', description: 'must be a HubSpot app id (digits only)' },
  },
});

/** Shown in a conflict message: short, so an attacker's values cannot make the answer big. */
const shown = (v: unknown) => {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
};

/** The body's parameters: JSON (app cards) or form-encoded (classic card), each value listed. */
function bodyValues(req: Request, raw: Buffer): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  if (raw.length === 0) return out;
  const type = (req.get('content-type') ?? '').toLowerCase();
  if (type.includes('json') || (!type.includes('form') && raw[0] === 0x7b)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw badRequest('invalid_json', 'The request body is not valid JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('invalid_body', 'The request body must be a JSON object');
    for (const name of NAMES) {
      if (!Object.prototype.hasOwnProperty.call(parsed, name)) continue;
      const v = (parsed as Record<string, unknown>)[name];
      if (v === undefined || v === null) continue;
      // JSON bodies may carry ids as numbers; the query string always has strings. Anything else
      // (an object, a list, however deeply nested) is refused here, before it is compared or shown.
      if (typeof v !== 'string' && typeof v !== 'number') throw validationFailed([{ field: name, message: 'must be text or a number' }]);
      out.set(name, [typeof v === 'number' ? String(v) : v]);
    }
  } else {
    const form = new URLSearchParams(raw.toString('utf8'));
    for (const name of NAMES) {
      const all = form.getAll(name);
      if (all.length > 0) out.set(name, all);
    }
  }
  return out;
}

/**
 * Reads `names` from the signed query (the raw URL) and from the signed body's values (`fromBody`,
 * empty when the body is not read), merging identical repeats and refusing differing ones (400 conflicting_parameters).
 */
function readNamed(req: Request, names: readonly string[], fromBody: Map<string, unknown[]>): Record<string, unknown> {
  const q = req.originalUrl.indexOf('?');
  const query = new URLSearchParams(q < 0 ? '' : req.originalUrl.slice(q + 1));
  const merged: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const conflicts: Array<{ field: string; message: string }> = [];
  for (const name of names) {
    const values: unknown[] = [...query.getAll(name), ...(fromBody.get(name) ?? [])];
    if (values.length === 0) continue;
    const distinct = [...new Set(values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))))];
    if (distinct.length > 1) {
      conflicts.push({ field: name, message: `is given ${values.length} times with different values (${distinct.slice(0, 3).map(shown).join(', ')}${distinct.length > 3 ? ', …' : ''})` });
    } else {
      merged[name] = values[0];
    }
  }
  if (conflicts.length > 0) {
    throw new AppError(
      'conflicting_parameters',
      400,
      `HubSpot's parameters disagree: ${conflicts.map((c) => c.field).join(', ')} ${conflicts.length === 1 ? 'has' : 'have'} different values in one request. HubSpot appends the account and user to every request it signs; a request that names another one as well is refused.`,
      conflicts,
    );
  }
  return merged;
}

/**
 * Reads and checks HubSpot's parameters from the signed query and (for hooks) the signed body.
 * Needs verifyHubSpotSignature in front (it keeps the raw body in res.locals.rawBody).
 */
export function readHubSpotParams(req: Request, res: Response, opts: { body: boolean }): HubSpotParams {
  const fromBody = opts.body ? bodyValues(req, (res.locals.rawBody as Buffer | undefined) ?? Buffer.alloc(0)) : new Map<string, unknown[]>();
  return check(validateParams, readNamed(req, NAMES, fromBody));
}

/** With HUBSPOT_APP_ID set, a signed request naming another app is refused (classic cards send none). */
export function checkAppId(configured: string | undefined, params: { appId?: string | undefined }): void {
  if (configured === undefined || params.appId === undefined || params.appId === configured) return;
  throw new AppError(
    'wrong_app',
    403,
    `This request comes from HubSpot app ${params.appId}, not from this service's app (HUBSPOT_APP_ID=${configured}). If the app's id changed, set HUBSPOT_APP_ID to the new one and restart the service.`,
  );
}

/**
 * Middleware for every signed route, after verifyHubSpotSignature: reads HubSpot's parameters (400
 * on conflicting or invalid ones), refuses another app's requests and, unless `portal` is
 * 'in-handler', any portal this service does not serve (403, portalAccess.ts), before the handler
 * runs. It leaves the parameters in res.locals.hubspot.
 *
 * 'in-handler' is for the data fetch only, which reads and writes nothing before it answers: it
 * runs the same check side by side with its card query and answers (and mints page links) only
 * once both are done (getInvoiceCard.ts), so the check costs no extra database round trip of
 * latency. The hooks change invoices, so their check runs here, first.
 */
export function requireServedCaller(deps: Deps, opts: { body: boolean; portal?: 'in-handler' }) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const params = readHubSpotParams(req, res, opts);
    checkAppId(deps.config.hubspot.appId, params);
    if (opts.portal !== 'in-handler') await requireServedPortal(deps, params.portalId, 'operator', { path: req.path, requestId: res.locals.requestId });
    res.locals.hubspot = params;
    next();
  };
}

/** The parameters requireServedCaller read. */
export const hubspotParamsOf = (res: Response): HubSpotParams => res.locals.hubspot as HubSpotParams;

/**
 * Who calls one of our own app card's endpoints (src/card/appCardApi.ts): what HubSpot's proxy
 * appends to the query of every hubspot.fetch request, after the card's own parameters, inside
 * what it signs. The record the card is about is the card's own parameter (`dealId`), not one of
 * these.
 */
export interface AppCardCaller {
  portalId: string;
  userId?: string;
  userEmail?: string;
  appId?: string;
}

const APP_CARD_NAMES = ['portalId', 'userId', 'userEmail', 'appId'] as const;

const validateAppCardCaller = compile<AppCardCaller>({
  type: 'object',
  required: ['portalId'],
  properties: {
    portalId: id,
    userId: { type: 'string', pattern: '^[0-9]{0,20}$', description: 'must be a HubSpot user id (digits only)' },
    userEmail: { type: 'string', maxLength: 254 },
    appId: { type: 'string', pattern: '^[0-9]{1,20}$', description: 'must be a HubSpot app id (digits only)' },
  },
});

/**
 * Middleware for our app card's endpoints, after verifyHubSpotSignature: reads the caller from the
 * signed QUERY only (a JSON body is never read for who is asking; repeats must agree, as above),
 * refuses another app's requests and, unless `portal` is 'in-handler' (the read-only invoice list,
 * which checks side by side with its queries), any portal this service does not serve. With
 * HUBSPOT_APP_ID set, a request without an appId is refused too: hubspot.fetch always appends one.
 * It leaves the caller in res.locals.appCardCaller.
 */
export function requireAppCardCaller(deps: Deps, opts: { portal?: 'in-handler' } = {}) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const caller = check(validateAppCardCaller, readNamed(req, APP_CARD_NAMES, new Map()));
    const configured = deps.config.hubspot.appId;
    if (configured !== undefined && caller.appId === undefined) {
      throw new AppError(
        'wrong_app',
        403,
        `This request names no HubSpot app, and this service answers only its own app's card (HUBSPOT_APP_ID=${configured}): HubSpot appends appId to every hubspot.fetch call.`,
      );
    }
    checkAppId(configured, caller);
    if (opts.portal !== 'in-handler') await requireServedPortal(deps, caller.portalId, 'operator', { path: req.path, requestId: res.locals.requestId });
    res.locals.appCardCaller = caller;
    next();
  };
}

/** The caller requireAppCardCaller read. */
export const appCardCallerOf = (res: Response): AppCardCaller => res.locals.appCardCaller as AppCardCaller;
