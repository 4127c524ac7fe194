import type { NextFunction, Request, Response } from 'express';
import type { Deps } from '../deps.js';
import { limitedWarn } from '../http/limitedWarn.js';
import { AppError, notConfigured } from '../errors.js';
import { requireServedPortal } from '../portals/portalAccess.js';
import { type PageClaims, type PagePurpose, readPageToken, RECORD_LINK_SECONDS, type PageTokenFailure } from '../shared/pageToken.js';

/** How a token is presented and refused, for each of the two kinds. */
interface TokenKind {
  /** Where the token is: a link's in the URL (`?token=`), a page's session token in X-Page-Token. */
  read(req: Request): string | undefined;
  missing: string;
  rejected(reason: PageTokenFailure): string;
  /** The other kind, presented here: refused with this code and message. */
  otherKind: { code: string; message: string; warn?: string };
  /** Whether the token was minted for this URL (its purpose, and the invoice in the path). */
  targets(claims: PageClaims, purposes: readonly PagePurpose[], invoiceId: string | null): boolean;
  wrongTarget: { message: string; warn: boolean };
}

const LINK_WHY: Record<PageTokenFailure, string> = {
  malformed: 'This link is not valid. Open it again from the Invoices card on the deal record.',
  tampered: 'This link has been altered and is not valid. Open it again from the Invoices card on the deal record.',
  expired: 'This link has expired. Close this window and reopen the deal record to get a fresh one.',
};

/** A timeline note's PDF link past its 400 days: the card (ours: PDF; the classic one: View PDF) still opens the same PDF. */
const RECORD_LINK_EXPIRED = `This PDF link from the deal's timeline has expired (timeline links work for ${RECORD_LINK_SECONDS / 86_400} days). Open the Invoices card on the deal record and open the invoice's PDF from there.`;

const KINDS: Record<'link' | 'session', TokenKind> = {
  link: {
    read: (req) => (typeof req.query.token === 'string' ? req.query.token : undefined),
    missing: 'This link has no access token. Open it from the Invoices card on the deal record.',
    rejected: (reason) => LINK_WHY[reason],
    // A session token (what a page gives its script) never opens a page: otherwise each load
    // would hand out the next one and a leaked URL would renew itself.
    otherKind: { code: 'token_not_a_link', message: LINK_WHY.malformed, warn: 'session_token_as_link' },
    targets: (claims, purposes, invoiceId) => purposes.includes(claims.purpose) && claims.invoiceId === invoiceId,
    wrongTarget: { message: 'This link was issued for a different invoice or action. Open it again from the Invoices card.', warn: true },
  },
  session: {
    read: (req) => req.get('x-page-token') || undefined,
    missing: 'This page has lost its access token. Close it and open it again from the Invoices card.',
    rejected: (reason) =>
      reason === 'expired' ? 'This page has expired. Close it and open it again from the Invoices card.' : "This page's access token is not valid. Open it again from the Invoices card.",
    // Only the session token a page was given; a link (the URL's token) opens its page and nothing else.
    otherKind: { code: 'token_not_a_session', message: "This page's access token is not valid. Open it again from the Invoices card." },
    targets: (claims, purposes, invoiceId) => purposes.includes(claims.purpose) && (invoiceId === null || claims.invoiceId === invoiceId),
    wrongTarget: { message: 'This page is not allowed to do that.', warn: false },
  },
};

/**
 * Iframe pages carry no HubSpot signature, so they carry the token the signed data fetch minted:
 * a page opens with a link's token (`kind: 'link'`), and its script calls the page API with the
 * session token the page was given (`kind: 'session'`). The token must be intact, unexpired, of
 * that kind, minted for one of `purposes` and, for invoice URLs, for the invoice in the path; and
 * its portal must still be one the service serves (portalAccess.ts): a portal disconnected or
 * taken off the allow-list after the token was minted gets a 403, not the page. The claims land in
 * res.locals.page.
 */
export function requirePageToken(deps: Deps, kind: 'link' | 'session', purposes: readonly PagePurpose[], opts: { recordLinks?: boolean } = {}) {
  const k = KINDS[kind];
  // A timeline note's PDF link (kind 'record', PDF only) opens where the route takes one.
  const takesRecordLinks = opts.recordLinks === true && kind === 'link';
  return async (req: Request, res: Response, next: NextFunction) => {
    if (!deps.pageTokenKey) throw notConfigured('HUBSPOT_CLIENT_SECRET', 'Card pages');
    const warn = (check: string) => limitedWarn(deps, `page-token:${check}`, 'page token rejected', { scope: 'pages', check, path: req.path, requestId: res.locals.requestId });
    const token = k.read(req);
    if (!token) throw new AppError('missing_token', 401, k.missing);
    const result = readPageToken(deps.pageTokenKey, token, deps.clock.now().getTime());
    if (!result.ok) {
      warn(result.reason);
      const recordLinkExpired = takesRecordLinks && result.reason === 'expired' && result.kind === 'record';
      throw new AppError(`token_${result.reason}`, 401, recordLinkExpired ? RECORD_LINK_EXPIRED : k.rejected(result.reason));
    }
    const { claims } = result;
    res.locals.pageTokenPortal = claims.portalId; // a genuine token: its failures are worth an admin's look (app.ts)
    if (claims.kind !== kind && !(takesRecordLinks && claims.kind === 'record')) {
      if (k.otherKind.warn) warn(k.otherKind.warn);
      throw new AppError(k.otherKind.code, 401, k.otherKind.message);
    }
    const invoiceId = req.params.invoiceId === undefined ? null : String(req.params.invoiceId);
    if (!k.targets(claims, purposes, invoiceId)) {
      if (k.wrongTarget.warn) warn('wrong_target');
      throw new AppError('token_wrong_target', 403, k.wrongTarget.message);
    }
    // The same portal rule as the signed routes, on every request: a portal disconnected (or taken
    // off the allow-list) while its page is open can no longer open, search, save or pay from it.
    await requireServedPortal(deps, claims.portalId, 'rep', { path: req.path, requestId: res.locals.requestId });
    res.locals.page = claims;
    next();
  };
}
