import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * Security headers per kind of route. JSON routes (API, card fetch, action hooks) may not be framed
 * or run anything. Iframe pages may be framed by HubSpot's app domains only, run scripts from this
 * origin only, and never send their token-bearing URL as a referrer.
 */
export const apiHeaders: RequestHandler = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
});

/**
 * Iframe pages (and the PDF they embed): framable by HubSpot's app domains (HUBSPOT_FRAME_ANCESTORS)
 * and by this origin (the view page frames the PDF); scripts, styles and fonts from this origin only.
 */
export function pageHeaders(frameAncestors: readonly string[]): RequestHandler {
  const headers = helmet({
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
  });
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.errorFormat = 'html';
    res.set('Cache-Control', 'no-store');
    headers(req, res, next);
  };
}

/** The admins' dashboard: its own scripts and styles only, never framed, HTML errors. */
export function adminHeaders(req: Request, res: Response, next: NextFunction): void {
  res.locals.errorFormat = 'html';
  adminHelmet(req, res, next);
}

const adminHelmet = helmet({
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
});
