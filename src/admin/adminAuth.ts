import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../db/db.js';
import type { Deps } from '../deps.js';
import { AppError, notConfigured } from '../errors.js';
import { constantTimeEqual } from '../shared/constantTime.js';
import * as sessionRepo from './sessionRepo.js';

/**
 * The admins' dashboard signs in with the service's API_TOKEN and then carries a session cookie:
 * `<id>.<mac>`, a random id and its HMAC under a key derived from API_TOKEN. The session itself is
 * a row in admin_sessions (the id's SHA-256 and the expiry), so:
 * - signing out deletes the row: the cookie is dead at once, on every instance, even if a copy of
 *   it survives (another tab, a proxy log, a stolen laptop);
 * - "sign out everywhere" deletes every row;
 * - rotating API_TOKEN ends every session too: the MAC no longer matches, and it is checked before
 *   the database is asked (a forged cookie costs one HMAC, no query).
 * The cookie is HttpOnly, SameSite=Strict, Secure over HTTPS and scoped to /admin. Writes (sign-out
 * and the JSON calls) are refused when the browser says they come from another site
 * (Sec-Fetch-Site), and the JSON calls also need the X-Admin-Request header, which a cross-site
 * form cannot send.
 */

export const SESSION_COOKIE = 'admin_session';
export const SESSION_MS = 12 * 3600_000;
const ID = /^[A-Za-z0-9_-]{43}$/; // 32 random bytes, base64url

const sessionKey = (apiToken: string) => Buffer.from(crypto.hkdfSync('sha256', apiToken, 'hubspot-invoice-card', 'admin-session-v2', 32));
const macOf = (apiToken: string, id: string) => crypto.createHmac('sha256', sessionKey(apiToken)).update(id).digest();
const hashOf = (id: string) => crypto.createHash('sha256').update(id).digest('hex');

/** The session id a cookie value carries, when its MAC is right under this API_TOKEN. */
function idOf(apiToken: string, value: string | undefined): string | undefined {
  const [id, mac, ...rest] = (value ?? '').split('.');
  if (!id || !mac || rest.length > 0 || !ID.test(id)) return undefined;
  const given = Buffer.from(mac, 'base64url');
  const expected = macOf(apiToken, id);
  return constantTimeEqual(given, expected) ? id : undefined;
}

/** Whether the cookie names a live session: right MAC, and its row exists and has not expired. */
export async function validSession(db: Db, apiToken: string, value: string | undefined, now: Date): Promise<boolean> {
  const id = idOf(apiToken, value);
  if (!id) return false;
  const expiresAt = await sessionRepo.expiryOf(db, hashOf(id));
  return !!expiresAt && expiresAt.getTime() > now.getTime();
}

export function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(deps: Deps, value: string, maxAgeSeconds: number): string {
  const secure = deps.config.publicBaseUrl.startsWith('https:') ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/admin; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`;
}

/** A new session for someone who gave the right token (expired rows are cleared on the way). */
export async function startSession(deps: Deps, res: Response): Promise<void> {
  const id = crypto.randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  await sessionRepo.start(deps.db, hashOf(id), now, new Date(now.getTime() + SESSION_MS));
  res.append('Set-Cookie', sessionCookie(deps, `${id}.${macOf(deps.config.apiToken!, id).toString('base64url')}`, SESSION_MS / 1000));
}

/**
 * Ends the request's session on the server (or, with `everywhere`, every session) and clears the
 * cookie. Ending other people's sessions needs a live session of one's own. Returns how many
 * sessions ended.
 */
export async function endSession(deps: Deps, req: Request, res: Response, everywhere: boolean): Promise<number> {
  res.append('Set-Cookie', sessionCookie(deps, '', 0));
  const apiToken = deps.config.apiToken;
  const value = cookieOf(req, SESSION_COOKIE);
  const id = apiToken ? idOf(apiToken, value) : undefined;
  if (!id) return 0;
  if (everywhere) {
    if (!(await validSession(deps.db, apiToken!, value, deps.clock.now()))) return 0;
    return sessionRepo.endAll(deps.db);
  }
  return sessionRepo.end(deps.db, hashOf(id));
}

/**
 * Browsers say where a request comes from (Sec-Fetch-Site); a dashboard write from another site,
 * or a sibling subdomain, is refused. Without the header (an old browser, curl) the SameSite=Strict
 * cookie is the guard: a cross-site request carries no session.
 */
export function refuseCrossSite(req: Request): void {
  const site = req.get('sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site') {
    throw new AppError('csrf_check_failed', 403, 'Dashboard changes must come from the dashboard itself');
  }
}

/** Constant-time check of a submitted token against API_TOKEN. */
export function tokenMatches(deps: Deps, submitted: string): boolean {
  const a = crypto.createHash('sha256').update(submitted).digest();
  const b = crypto
    .createHash('sha256')
    .update(deps.config.apiToken ?? '')
    .digest();
  return constantTimeEqual(a, b) && !!deps.config.apiToken;
}

/** Dashboard pages: no session → the sign-in page. JSON calls: 401, and writes need X-Admin-Request. */
export function requireAdmin(deps: Deps, kind: 'page' | 'api') {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (!deps.config.apiToken) throw notConfigured('API_TOKEN', 'The admin dashboard');
    if (!(await validSession(deps.db, deps.config.apiToken, cookieOf(req, SESSION_COOKIE), deps.clock.now()))) {
      if (kind === 'page') {
        res.redirect(303, 'login'); // relative: works under a PUBLIC_BASE_URL path prefix too
        return;
      }
      throw new AppError('not_signed_in', 401, 'Sign in to the dashboard first (/admin/login)');
    }
    if (kind === 'api' && req.method !== 'GET') {
      refuseCrossSite(req);
      if (req.get('x-admin-request') !== '1') throw new AppError('csrf_check_failed', 403, 'Dashboard writes need the X-Admin-Request header');
    }
    next();
  };
}
