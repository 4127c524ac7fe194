import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Deps } from '../deps.js';
import { AppError, notConfigured } from '../errors.js';

/**
 * The admins' dashboard signs in with the service's API_TOKEN and then carries a session cookie:
 * an expiry and an HMAC under a key derived from API_TOKEN (rotating the token signs everyone
 * out). The cookie is HttpOnly, SameSite=Strict, Secure over HTTPS and scoped to /admin; JSON
 * calls that change something also need the X-Admin-Request header, which a cross-site form
 * cannot send.
 */

export const SESSION_COOKIE = 'admin_session';
const SESSION_MS = 12 * 3600_000;

const sessionKey = (apiToken: string) => Buffer.from(crypto.hkdfSync('sha256', apiToken, 'hubspot-invoice-card', 'admin-session-v1', 32));

export function signSession(apiToken: string, expiresAtMs: number): string {
  const exp = String(expiresAtMs);
  return `${exp}.${crypto.createHmac('sha256', sessionKey(apiToken)).update(exp).digest('base64url')}`;
}

export function validSession(apiToken: string, value: string | undefined, nowMs: number): boolean {
  const [exp, mac] = (value ?? '').split('.');
  if (!exp || !mac || !/^\d{10,16}$/.test(exp) || Number(exp) < nowMs) return false;
  const expected = crypto.createHmac('sha256', sessionKey(apiToken)).update(exp).digest();
  const given = Buffer.from(mac, 'base64url');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
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

/** A new session for someone who gave the right token. */
export function startSession(deps: Deps, res: Response): void {
  res.append('Set-Cookie', sessionCookie(deps, signSession(deps.config.apiToken!, Date.now() + SESSION_MS), SESSION_MS / 1000));
}

/** Constant-time check of a submitted token against API_TOKEN. */
export function tokenMatches(deps: Deps, submitted: string): boolean {
  const a = crypto.createHash('sha256').update(submitted).digest();
  const b = crypto.createHash('sha256').update(deps.config.apiToken ?? '').digest();
  return crypto.timingSafeEqual(a, b) && !!deps.config.apiToken;
}

/** Dashboard pages: no session → the sign-in page. JSON calls: 401, and writes need X-Admin-Request. */
export function requireAdmin(deps: Deps, kind: 'page' | 'api') {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!deps.config.apiToken) throw notConfigured('API_TOKEN', 'The admin dashboard');
    if (!validSession(deps.config.apiToken, cookieOf(req, SESSION_COOKIE), Date.now())) {
      if (kind === 'page') {
        res.redirect(303, 'login'); // relative: works under a PUBLIC_BASE_URL path prefix too
        return;
      }
      throw new AppError('not_signed_in', 401, 'Sign in to the dashboard first (/admin/login)');
    }
    if (kind === 'api' && req.method !== 'GET' && req.get('x-admin-request') !== '1') {
      throw new AppError('csrf_check_failed', 403, 'Dashboard writes need the X-Admin-Request header');
    }
    next();
  };
}
