import { conflict, notFound } from '../errors.js';
import type { Knex } from 'knex';
import type { Deps } from '../deps.js';
import type { Handler } from '../http/handler.js';
import { check, compile } from '../http/validate.js';
import * as syncRepo from '../sync/syncRepo.js';
import * as portalRepo from './portalRepo.js';
import { oauthClient, tokenState } from './portalTokens.js';
import { decryptToken } from '../hubspot/tokenCrypto.js';
import { giveBack, type Grant, keepForLater, listPending } from './revocations.js';

const PORTAL = /^[1-9][0-9]{0,17}$/;

/** Every connected portal with its status, token state and last push (never the tokens). */
export async function describePortals(deps: Deps) {
  const portals = await portalRepo.list(deps.db);
  return Promise.all(
    portals.map(async (p) => {
      const [token, last] = await Promise.all([tokenState(deps.db, p.portalId), syncRepo.listRuns(deps.db, p.portalId, 1)]);
      return {
        portalId: p.portalId,
        authType: p.authType,
        status: p.status,
        statusMessage: p.statusMessage,
        pushEnabled: p.pushEnabled,
        productIdProperty: p.productIdProperty,
        pausedUntil: p.pausedUntil,
        pausedReason: p.pausedReason,
        token: token ? { expiresAt: token.expiresAt, refreshedAt: token.refreshedAt, scopes: token.scopes, installedBy: token.installedBy } : null,
        lastRun: last[0] ? { id: last[0].id, status: last[0].status, finishedAt: last[0].finishedAt, counts: last[0].counts } : null,
      };
    }),
  );
}

/** The portal list takes no filters: one given by mistake (`?portalId=`) is refused, not ignored. */
const validatePortalsQuery = compile<Record<string, never>>({ type: 'object', additionalProperties: false, properties: {} });

/**
 * GET /api/v1/portals: every connected portal with its status, token state and last push, and the
 * grants still to be given back to HubSpot (revocations: a failed disconnect's, a failed or refused
 * install's), with their attempts and last error, never their tokens.
 */
export const listPortals: Handler = async (deps, req, res) => {
  check(validatePortalsQuery, { ...(req.query as Record<string, unknown>) });
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
  const portal = PORTAL.test(portalId) ? await portalRepo.get(deps.db, portalId) : undefined;
  if (!portal) throw notFound(`Portal ${portalId}`);
  const stored = (await deps.db('portal_tokens').where({ portal_id: portalId }).first('refresh_token')) as { refresh_token: string } | undefined;
  const oauth = oauthClient(deps);
  const key = deps.config.tokenEncryptionKey;
  let revoked = false;
  let failed: { error: string; grant: Grant } | undefined;
  if (stored && oauth && key) {
    const outcome = await giveBack(deps, oauth, { portalId, reason: 'disconnect', uninstall: false, refreshToken: decryptToken(key, portalId, stored.refresh_token) }, { keep: false });
    revoked = outcome.done;
    if (!outcome.done) failed = outcome;
  }
  await deps.db.transaction(async (trx) => {
    await trx('portal_tokens').where({ portal_id: portalId }).delete();
    await portalRepo.setStatus(trx, portalId, 'disconnected', 'disconnected by an admin', deps.clock.now());
    if (failed) await keepForLater(deps, trx, failed.grant, failed.error);
  });
  deps.log.info('portal disconnected', { scope: 'oauth', portalId, revoked, revocationPending: !!failed });
  res.json({ portalId, status: 'disconnected', refreshTokenRevoked: revoked, revocationPending: !!failed });
};

const validatePortalPatch = compile<{ pushEnabled?: boolean; productIdProperty?: string }>({
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    pushEnabled: { type: 'boolean' },
    productIdProperty: {
      type: 'string',
      pattern: '^[a-z][a-z0-9_]{0,99}$',
      description: 'must be a HubSpot property name: lower-case letters, digits and underscores, starting with a letter',
    },
  },
});

export type PortalPatch = { pushEnabled?: boolean; productIdProperty?: string };

/** Validates a portal patch; throws a 400 naming each problem. */
export const checkPortalPatch = (body: unknown): PortalPatch => check(validatePortalPatch, body ?? {});

/**
 * Applies a portal patch: whether the push runs, and the name of the products' unique external-id
 * property. A new name is created (or checked) by the next push, and every product already pushed
 * is sent again (updated by its HubSpot id) so it carries the new property too. `db` may be a
 * transaction.
 */
export async function applyPortalPatch(deps: Deps, db: Deps['db'] | Knex.Transaction, portal: portalRepo.Portal, input: PortalPatch): Promise<void> {
  const portalId = portal.portalId;
  const now = deps.clock.now();
  const renamed = input.productIdProperty !== undefined && input.productIdProperty !== portal.productIdProperty;
  if (renamed && (await syncRepo.listRuns(db, portalId, 1)).some((r) => r.status === 'queued' || r.status === 'running')) {
    throw conflict('push_running', `A push to portal ${portalId} is queued or running; change the property name once it has finished`);
  }
  await db('portals')
    .where({ portal_id: portalId })
    .update({
      ...(input.pushEnabled !== undefined ? { push_enabled: input.pushEnabled } : {}),
      ...(renamed ? { product_id_property: input.productIdProperty, product_id_property_ready: false } : {}),
      updated_at: now,
    });
  if (renamed) await db('sync_state').where({ portal_id: portalId, object_type: 'product' }).whereNotNull('hubspot_id').update({ pushed_version: 0, pushed_hash: null, updated_at: now });
  deps.log.info('portal settings changed', { scope: 'portal', portalId, pushEnabled: input.pushEnabled, productIdProperty: renamed ? input.productIdProperty : undefined });
}

/** PATCH /api/v1/portals/{portalId}: the push settings (see applyPortalPatch). */
export const patchPortal: Handler = async (deps, req, res) => {
  const portalId = String(req.params.portalId);
  const portal = PORTAL.test(portalId) ? await portalRepo.get(deps.db, portalId) : undefined;
  if (!portal) throw notFound(`Portal ${portalId}`);
  const input = checkPortalPatch(req.body);
  await deps.db.transaction((trx) => applyPortalPatch(deps, trx, portal, input));
  const after = (await portalRepo.get(deps.db, portalId))!;
  res.json({ portalId, pushEnabled: after.pushEnabled, productIdProperty: after.productIdProperty });
};
