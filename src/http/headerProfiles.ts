import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Helmet's headers for one set of options, worked out once at start-up. Our options are static (no
 * nonce, no directive computed per request), so helmet sets the same headers on every response;
 * replaying that list costs one loop instead of helmet's chain of thirteen middlewares on each
 * request (the card's data fetch runs thousands a second: bench:card). The values are helmet's own.
 */
export function helmetOnce(options: HelmetOptions): RequestHandler {
  const set: Array<[string, string]> = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => void set.push([name, String(value)]),
    removeHeader: (name: string) => void removed.push(name),
  };
  let finished = false;
  helmet(options)({} as Request, recorder as unknown as Response, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error(String(err));
    finished = true;
  });
  if (!finished) throw new Error('helmet did not set its headers synchronously; the header profiles cannot be worked out once');
  return (_req: Request, res: Response, next: NextFunction) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
    next();
  };
}

/**
 * Security headers per kind of route. JSON routes (API, card fetch, action hooks) may not be framed
 * or run anything. Iframe pages may be framed by HubSpot's app domains only, run scripts from this
 * origin only, and never send their token-bearing URL as a referrer.
 */
export const API_HELMET: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
};
export const apiHeaders: RequestHandler = helmetOnce(API_HELMET);

/**
 * Iframe pages (and the PDF they embed): framable by HubSpot's app domains (HUBSPOT_FRAME_ANCESTORS)
 * and by this origin (the view page frames the PDF); scripts, styles and fonts from this origin only.
 */
export function pageHeaders(frameAncestors: readonly string[]): RequestHandler {
  const headers = helmetOnce(pageHelmet(frameAncestors));
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.errorFormat = 'html';
    res.set('Cache-Control', 'no-store');
    headers(req, res, next);
  };
}

export function pageHelmet(frameAncestors: readonly string[]): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        frameSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'self'", ...frameAncestors],
      },
    },
    // X-Frame-Options cannot name several origins; CSP frame-ancestors does the job instead.
    frameguard: false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  };
}

/** The admins' dashboard: its own scripts and styles only, never framed, HTML errors. */
export function adminHeaders(req: Request, res: Response, next: NextFunction): void {
  res.locals.errorFormat = 'html';
  adminHelmet(req, res, next);
}

export const ADMIN_HELMET: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'same-origin' },
};
const adminHelmet = helmetOnce(ADMIN_HELMET);
