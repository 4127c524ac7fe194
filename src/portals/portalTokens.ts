import type { Knex } from 'knex';
import type { Deps } from '../deps.js';
import { HubSpotOAuth, type OAuthTokens, RefreshTokenRevoked } from '../hubspot/hubspotOAuth.js';
import { decryptToken, encryptToken } from '../hubspot/tokenCrypto.js';
import * as portalRepo from './portalRepo.js';
import type { Portal } from './portalRepo.js';

/**
 * The access token the push uses for a portal: HUBSPOT_ACCESS_TOKEN for the private-app portal, or
 * the portal's OAuth token, refreshed when it has less than REFRESH_AHEAD_MS left. A refresh holds
 * the portal's token row locked (FOR UPDATE): other processes wait, then find it fresh and use it,
 * so one portal is refreshed once however many need it. A refresh token HubSpot refuses (the app
 * was uninstalled or access revoked) puts the portal in `error`, saying to reinstall.
 */

const REFRESH_AHEAD_MS = 5 * 60_000;

/** The portal cannot be pushed to until an admin acts (reinstall, configure). */
export class PortalAuthError extends Error {}

interface DbPortalTokens {
  portal_id: string;
  access_token: string;
  refresh_token: string;
  expires_at: Date;
}

export function oauthClient(deps: Deps): HubSpotOAuth | undefined {
  const h = deps.config.hubspot;
  if (!h.clientId || !h.clientSecret || !h.redirectUri) return undefined;
  return new HubSpotOAuth({
    clientId: h.clientId,
    clientSecret: h.clientSecret,
    redirectUri: h.redirectUri,
    apiBaseUrl: h.apiBaseUrl,
    timeoutMs: h.requestTimeoutMs,
    oauthVersion: h.oauthVersion,
    apiVersion: h.apiVersion,
  });
}

function key(deps: Deps): Buffer {
  const k = deps.config.tokenEncryptionKey;
  if (!k) throw new PortalAuthError('TOKEN_ENCRYPTION_KEY is not set: OAuth tokens cannot be read');
  return k;
}

/** Stores a portal's tokens (install or refresh), encrypted. */
export async function saveTokens(
  deps: Deps,
  db: Deps['db'],
  portalId: string,
  t: OAuthTokens,
  extra: { hubDomain?: string | undefined; installedBy?: string | undefined; refreshed?: boolean } = {},
): Promise<void> {
  const now = deps.clock.now();
  const row = {
    portal_id: portalId,
    access_token: encryptToken(key(deps), portalId, t.accessToken),
    refresh_token: encryptToken(key(deps), portalId, t.refreshToken),
    expires_at: new Date(now.getTime() + t.expiresInSeconds * 1000),
    scopes: t.scopes,
    updated_at: now,
    ...(extra.refreshed ? { refreshed_at: now } : {}),
    ...(extra.hubDomain !== undefined ? { hub_domain: extra.hubDomain } : {}),
    ...(extra.installedBy !== undefined ? { installed_by: extra.installedBy } : {}),
  };
  await db('portal_tokens')
    .insert({ ...row, created_at: now })
    .onConflict('portal_id')
    .merge(row);
}

/** The portal's stored refresh token, decrypted; undefined when it has none. */
export async function refreshTokenOf(db: Deps['db'], key: Buffer, portalId: string): Promise<string | undefined> {
  const r = (await db('portal_tokens').where({ portal_id: portalId }).first('refresh_token')) as { refresh_token: string } | undefined;
  return r && decryptToken(key, portalId, r.refresh_token);
}

/** Forgets the portal's tokens (a disconnect); `db` may be the caller's transaction. */
export async function deleteTokens(db: Deps['db'], portalId: string): Promise<void> {
  await db('portal_tokens').where({ portal_id: portalId }).delete();
}

/** The token state shown to admins (never the tokens). */
export async function tokenState(db: Deps['db'], portalId: string): Promise<{ expiresAt: Date; refreshedAt: Date | null; scopes: string[]; installedBy: string | null } | undefined> {
  const r = (await db('portal_tokens').where({ portal_id: portalId }).first('expires_at', 'refreshed_at', 'scopes', 'installed_by')) as
    { expires_at: Date; refreshed_at: Date | null; scopes: string[]; installed_by: string | null } | undefined;
  return r && { expiresAt: r.expires_at, refreshedAt: r.refreshed_at, scopes: r.scopes, installedBy: r.installed_by };
}

/**
 * A usable access token for the portal. `stale` names a token HubSpot just called expired: it is
 * refreshed even if our clock thinks it still has time (unless another process already did).
 */
export async function accessTokenFor(deps: Deps, portal: Portal, stale?: string): Promise<string> {
  if (portal.authType === 'private_app') {
    const { accessToken, portalId } = deps.config.hubspot;
    if (!accessToken || portalId !== portal.portalId) {
      throw new PortalAuthError(`portal ${portal.portalId} is a private-app portal but HUBSPOT_ACCESS_TOKEN / HUBSPOT_PORTAL_ID name another (or none)`);
    }
    return accessToken;
  }
  const k = key(deps);
  const fresh = (r: DbPortalTokens) => {
    const token = decryptToken(k, portal.portalId, r.access_token);
    return r.expires_at.getTime() - deps.clock.now().getTime() > REFRESH_AHEAD_MS && token !== stale ? token : undefined;
  };
  const current = (await deps.db('portal_tokens').where({ portal_id: portal.portalId }).first()) as DbPortalTokens | undefined;
  if (!current) throw new PortalAuthError(`portal ${portal.portalId} has no OAuth tokens: install the app again (${deps.config.publicBaseUrl}/oauth/install)`);
  const ready = fresh(current);
  if (ready) return ready;

  const oauth = oauthClient(deps);
  if (!oauth) throw new PortalAuthError('HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET and HUBSPOT_REDIRECT_URI are needed to refresh OAuth tokens');
  let revoked: string | undefined;
  const token = await deps.db.transaction(async (trx) => {
    const locked = (await trx('portal_tokens').where({ portal_id: portal.portalId }).forUpdate().first()) as DbPortalTokens | undefined;
    if (!locked) throw new PortalAuthError(`portal ${portal.portalId} was disconnected`);
    const already = fresh(locked);
    if (already) return already; // another process refreshed while we waited for the lock
    try {
      const t = await oauth.refresh(decryptToken(k, portal.portalId, locked.refresh_token));
      await saveTokens(deps, trx, portal.portalId, t, { refreshed: true });
      return t.accessToken;
    } catch (err) {
      if (!(err instanceof RefreshTokenRevoked)) throw err;
      revoked = err.message;
      return undefined;
    }
  });
  if (token) {
    deps.log.info("refreshed the portal's OAuth token", { scope: 'oauth', portalId: portal.portalId });
    return token;
  }
  const message = `HubSpot refused the refresh token (${revoked ?? 'revoked'}): the app was uninstalled or its access revoked. Install it again from ${deps.config.publicBaseUrl}/oauth/install`;
  await portalRepo.setStatus(deps.db, portal.portalId, 'error', message, deps.clock.now());
  deps.log.warn('portal needs reinstalling', { scope: 'oauth', portalId: portal.portalId });
  throw new PortalAuthError(message);
}

/** The email of the HubSpot user who installed the app on the portal (OAuth installs only). */
export async function installerOf(db: Deps['db'] | Knex.Transaction, portalId: string): Promise<string | null> {
  const row = (await db('portal_tokens').where({ portal_id: portalId }).first('installed_by')) as { installed_by: string | null } | undefined;
  return row?.installed_by ?? null;
}
