import type { Deps } from '../deps.js';
import { HubSpotError } from '../hubspot/hubspotApi.js';
import type { HubSpotOAuth, OAuthTokens } from '../hubspot/hubspotOAuth.js';
import { configSecrets, redactSecrets } from '../redact.js';
import { isHubSpotId } from '../shared/hubspotId.js';
import { codeExchangeFailed, installFailed, portalNotAllowed } from './installErrors.js';
import * as portalRepo from './portalRepo.js';
import { saveTokens } from './portalTokens.js';
import { giveBack, type Grant } from './revocations.js';

class NoPortal extends Error {}

/**
 * What went wrong, for the installing admin's page and the log: HubSpot's side in its own words
 * (toHubSpotError has taken URLs, bodies and secrets out), our side (the database) without
 * details, which go to the log only (redacted there too).
 */
function whatFailed(deps: Deps, err: unknown, code: string, tokens?: OAuthTokens): string {
  if (err instanceof HubSpotError) return err.message;
  if (err instanceof NoPortal) return err.message;
  deps.log.error('app install failed on our side', {
    scope: 'oauth',
    error: redactSecrets(err instanceof Error ? (err.stack ?? err.message) : String(err), [code, tokens?.accessToken, tokens?.refreshToken, ...configSecrets(deps.config)]),
  });
  return 'The service could not store the connection';
}

/**
 * Installs the app for the portal whose admin consented at HubSpot: exchanges the code, learns the
 * portal from the token's metadata, and connects it (the portal active as an OAuth portal and its
 * tokens stored encrypted, in one transaction). An account not served is refused and the app
 * uninstalled from it; an install that fails after HubSpot granted access gives the grant back.
 * Returns the connected portal's id; throws the install's errors (installErrors.ts).
 */
export async function installApp(deps: Deps, oauth: HubSpotOAuth, code: string): Promise<string> {
  const log = deps.log.child({ scope: 'oauth' });
  const allowed = deps.config.hubspot.allowedPortalIds;
  let tokens: OAuthTokens;
  try {
    tokens = await oauth.exchangeCode(code);
  } catch (err) {
    // Nothing was granted, so nothing is to be given back. HubSpot refusing the code (a 4xx:
    // used before, expired, or never issued) is the request's fault, not an outage: a 400, so a
    // stranger with a state from /oauth/install and a made-up code cannot raise 5xx alarms. No
    // answer or a 5xx from HubSpot stays a 502.
    const refused = err instanceof HubSpotError && err.status !== null && err.status >= 400 && err.status < 500;
    const detail = whatFailed(deps, err, code);
    log.warn('app install failed: the code exchange', { error: detail });
    throw codeExchangeFailed(detail, refused);
  }
  const grantedAt = deps.clock.now();
  const grant = (reason: 'install_failed' | 'install_refused', portalId: string | null, uninstall: boolean): Grant => ({
    portalId,
    reason,
    uninstall,
    refreshToken: tokens.refreshToken,
    accessToken: tokens.accessToken,
    accessExpiresAt: new Date(grantedAt.getTime() + tokens.expiresInSeconds * 1000),
  });
  // The token answer names the account (since 2025-08); the metadata call is authoritative.
  let portalId: string | undefined = tokens.hubId;
  let refusal: { portalId: string; uninstalled: boolean } | undefined;
  try {
    const info = await oauth.tokenInfo(tokens.accessToken);
    portalId = info.hubId;
    if (!isHubSpotId(portalId)) throw new NoPortal(`HubSpot named no account for the authorization (hub id ${JSON.stringify(portalId).slice(0, 40)})`);
    if (allowed && !allowed.includes(portalId)) {
      // Not ours to serve. Revoking the grant alone would leave the app installed there, and
      // HubSpot would go on showing the card and signing its requests with our secret: uninstall
      // the app from the account (with its fresh access token), then revoke the refresh token.
      // What HubSpot does not confirm now is retried by the worker (pending_revocations).
      const outcome = await giveBack(deps, oauth, grant('install_refused', portalId, true));
      log.warn('install refused: portal not allowed', { portalId, uninstalled: outcome.done });
      refusal = { portalId, uninstalled: outcome.done };
    } else {
      const connected = portalId;
      const now = deps.clock.now();
      await deps.db.transaction(async (trx) => {
        await portalRepo.activate(trx, connected, 'oauth', now);
        await saveTokens(deps, trx, connected, { ...tokens, scopes: info.scopes.length ? info.scopes : tokens.scopes }, { hubDomain: info.hubDomain, installedBy: info.user });
      });
      log.info('app installed', { portalId, hubDomain: info.hubDomain });
    }
  } catch (err) {
    // HubSpot granted access and we are about to forget it: give the grant back (now, or later
    // through pending_revocations), uninstalling too when the account is one we refuse anyway.
    const known = portalId && isHubSpotId(portalId) ? portalId : null;
    const refuse = known !== null && allowed !== undefined && !allowed.includes(known);
    const outcome = await giveBack(deps, oauth, grant(refuse ? 'install_refused' : 'install_failed', known, refuse));
    const detail = whatFailed(deps, err, code, tokens);
    log.warn('app install failed', { portalId: known, error: detail, grantRevoked: outcome.done });
    throw installFailed(detail, outcome.done);
  }
  // Thrown outside the try: a refusal is not a failure whose grant is still to be given back.
  if (refusal) throw portalNotAllowed(refusal.portalId, refusal.uninstalled);
  return portalId;
}
