import { notFound } from '../errors.js';
import type { Deps } from '../deps.js';
import type { Handler } from '../http/handler.js';
import type { NextFunction, Request, Response } from 'express';
import { type Checked, compile } from '../http/validate.js';
import { applyPortalPatch, type validatePortalPatch } from '../sync/pushSettings.js';
import { disconnectPortal } from '../portals/disconnectPortal.js';
import * as portalRepo from '../portals/portalRepo.js';
import { listPending } from '../portals/revocations.js';
import { isHubSpotId } from '../shared/hubspotId.js';
import { describePortals } from './describePortals.js';

/** The portal list takes no filters: one given by mistake (`?portalId=`) is refused, not ignored. */
export const validatePortalsQuery = compile<Record<string, never>>({ type: 'object', additionalProperties: false, properties: {} });

/**
 * GET /api/v1/portals: every connected portal with its status, token state and last push, and the
 * grants still to be given back to HubSpot (revocations: a failed disconnect's, a failed or refused
 * install's), with their attempts and last error, never their tokens.
 */
export const listPortals: Handler<{ query: Checked<typeof validatePortalsQuery> }> = async (deps, _req, res) => {
  const [portals, revocations] = await Promise.all([describePortals(deps), listPending(deps.db)]);
  res.json({ portals, revocations });
};

/**
 * DELETE /api/v1/portals/{portalId}: disconnect. The refresh token is revoked at HubSpot and the
 * stored tokens deleted; the portal's records of what was pushed stay, so a reinstall carries on
 * without duplicates. When HubSpot does not confirm the revoke, the grant is not forgotten: it is
 * kept (encrypted) in pending_revocations, in the same transaction that deletes the tokens, and the
 * worker retries it until HubSpot confirms.
 */
export const deletePortal: Handler = async (deps, req, res) => {
  const portalId = String(req.params.portalId);
  const portal = isHubSpotId(portalId) ? await portalRepo.get(deps.db, portalId) : undefined;
  if (!portal) throw notFound(`Portal ${portalId}`);
  const { refreshTokenRevoked, revocationPending } = await disconnectPortal(deps, portalId);
  deps.log.info('portal disconnected', { scope: 'oauth', portalId, revoked: refreshTokenRevoked, revocationPending });
  res.json({ portalId, status: 'disconnected', refreshTokenRevoked, revocationPending });
};

/** Guard: the path's portal is one the service knows (404 otherwise, before its body is read); it goes in res.locals.portal. */
export function requireKnownPortal(deps: Deps) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const portalId = String(req.params.portalId);
    const portal = isHubSpotId(portalId) ? await portalRepo.get(deps.db, portalId) : undefined;
    if (!portal) throw notFound(`Portal ${portalId}`);
    res.locals.portal = portal;
    next();
  };
}

/** PATCH /api/v1/portals/{portalId} (after requireKnownPortal): the push settings (see applyPortalPatch). */
export const patchPortal: Handler<{ body: Checked<typeof validatePortalPatch> }> = async (deps, _req, res, { body: input }) => {
  const portal = res.locals.portal as portalRepo.Portal;
  const portalId = portal.portalId;
  await deps.db.transaction((trx) => applyPortalPatch(deps, trx, portal, input));
  const after = (await portalRepo.get(deps.db, portalId))!;
  res.json({ portalId, pushEnabled: after.pushEnabled, productIdProperty: after.productIdProperty, dealProperties: after.dealPropertiesEnabled, dealTimeline: after.dealTimelineEnabled });
};
