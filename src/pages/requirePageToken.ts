import type { NextFunction, Request, Response } from 'express';
import type { Deps } from '../deps.js';
import { limitedWarn } from '../http/limitedWarn.js';
import { AppError, notConfigured } from '../errors.js';
import { requireServedPortal } from '../portals/portalAccess.js';
import { type PagePurpose, readPageToken } from './pageToken.js';

const WHY: Record<'missing' | 'malformed' | 'tampered' | 'expired', { status: number; message: string }> = {
  missing: { status: 401, message: 'This link has no access token. Open it from the Invoices card on the deal record.' },
  malformed: { status: 401, message: 'This link is not valid. Open it again from the Invoices card on the deal record.' },
  tampered: { status: 401, message: 'This link has been altered and is not valid. Open it again from the Invoices card on the deal record.' },
  expired: { status: 401, message: 'This link has expired. Close this window and reopen the deal record to get a fresh one.' },
};

/**
 * Iframe pages carry no HubSpot signature, so they carry the token the signed data fetch minted.
 * The token must be intact, unexpired, a link (not a page's session token), minted for this
 * purpose and, for invoice pages, for the invoice in the path, and its portal must still be one
 * the service serves (portalAccess.ts): a portal disconnected or taken off the allow-list after the
 * token was minted gets a 403 page, not the page. The claims land in res.locals.page.
 */
export function requirePageToken(deps: Deps, purpose: PagePurpose) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (!deps.pageTokenKey) throw notConfigured('HUBSPOT_CLIENT_SECRET', 'Card pages');
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    if (!token) throw new AppError('missing_token', WHY.missing.status, WHY.missing.message);
    const result = readPageToken(deps.pageTokenKey, token, deps.clock.now().getTime());
    if (!result.ok) {
      limitedWarn(deps, `page-token:${result.reason}`, 'page token rejected', { scope: 'pages', check: result.reason, path: req.path, requestId: res.locals.requestId });
      throw new AppError(`token_${result.reason}`, WHY[result.reason].status, WHY[result.reason].message);
    }
    const { claims } = result;
    res.locals.pageTokenPortal = claims.portalId; // a genuine token: its failures are worth an admin's look (app.ts)
    // A session token (what a page gives its script) never opens a page: otherwise each load
    // would hand out the next one and a leaked URL would renew itself.
    if (claims.kind !== 'link') {
      limitedWarn(deps, 'page-token:session_token_as_link', 'page token rejected', { scope: 'pages', check: 'session_token_as_link', path: req.path, requestId: res.locals.requestId });
      throw new AppError('token_not_a_link', 401, WHY.malformed.message);
    }
    const invoiceId = req.params.invoiceId === undefined ? null : String(req.params.invoiceId);
    if (claims.purpose !== purpose || claims.invoiceId !== invoiceId) {
      limitedWarn(deps, 'page-token:wrong_target', 'page token rejected', { scope: 'pages', check: 'wrong_target', path: req.path, requestId: res.locals.requestId });
      throw new AppError('token_wrong_target', 403, 'This link was issued for a different invoice or action. Open it again from the Invoices card.');
    }
    await requireServedPortal(deps, claims.portalId, 'rep', { path: req.path, requestId: res.locals.requestId });
    res.locals.page = claims;
    next();
  };
}
