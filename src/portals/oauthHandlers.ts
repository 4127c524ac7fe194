import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { Deps } from '../deps.js';
import { notConfigured } from '../errors.js';
import type { Handler } from '../http/handler.js';
import { renderAppDefinition } from '../hubspot/appDefinition.js';
import { HubSpotError } from '../hubspot/hubspotApi.js';
import type { OAuthTokens } from '../hubspot/hubspotOAuth.js';
import { signState, verifyState } from '../hubspot/tokenCrypto.js';
import { html, type SafeHtml } from '../html/html.js';
import { configSecrets, redactSecrets } from '../redact.js';
import { constantTimeEqual } from '../shared/constantTime.js';
import * as portalRepo from './portalRepo.js';
import { oauthClient, saveTokens } from './portalTokens.js';
import { giveBack, type Grant } from './revocations.js';
import { isHubSpotId } from '../shared/hubspotId.js';

/**
 * The OAuth install of the HubSpot public app. /oauth/install sends the admin to HubSpot's consent
 * screen with the scopes of hubspot-app.json and a signed, expiring `state` whose nonce is also
 * in a cookie; the callback checks the state (and the cookie when sent), exchanges the code through @hubspot/api-client, learns
 * the portal from the token's metadata and stores the tokens encrypted.
 */

const STATE_COOKIE = 'hs_oauth_state';
const STATE_TTL_MS = 10 * 60_000;

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

function setup(deps: Deps) {
  const h = deps.config.hubspot;
  if (!h.clientId || !h.redirectUri) throw notConfigured('HUBSPOT_CLIENT_ID and HUBSPOT_REDIRECT_URI', 'The OAuth install');
  if (!h.clientSecret) throw notConfigured('HUBSPOT_CLIENT_SECRET', 'The OAuth install');
  if (!deps.config.tokenEncryptionKey) throw notConfigured('TOKEN_ENCRYPTION_KEY', 'The OAuth install');
  return { oauth: oauthClient(deps)!, key: deps.config.tokenEncryptionKey, redirectUri: h.redirectUri };
}

function page(res: Response, status: number, title: string, body: SafeHtml): void {
  res
    .status(status)
    .type('html')
    .send(
      html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; color: #33475b"><h1 style="font-size: 1.4rem">${title}</h1>${body}</body></html>`.toString(),
    );
}

const cookieOf = (req: Request, name: string): string | undefined =>
  (req.get('cookie') ?? '')
    .split(';')
    .map((c) => c.trim().split('='))
    .find(([k]) => k === name)?.[1];

/** GET /oauth/install: to HubSpot's consent screen. */
export const getOAuthInstall: Handler = (deps, _req, res) => {
  const { oauth, key } = setup(deps);
  const nonce = crypto.randomBytes(16).toString('base64url');
  const state = signState(key, { nonce, exp: Date.now() + STATE_TTL_MS });
  const secure = deps.config.publicBaseUrl.startsWith('https:') ? '; Secure' : '';
  res.set('Set-Cookie', `${STATE_COOKIE}=${nonce}; Path=/oauth; Max-Age=${STATE_TTL_MS / 1000}; HttpOnly; SameSite=Lax${secure}`);
  res.redirect(302, oauth.authorizeUrl(renderAppDefinition(deps.config.publicBaseUrl).scopes, state));
};

/** GET {HUBSPOT_REDIRECT_URI's path}: HubSpot sends the admin back here with a code. */
export const getOAuthCallback: Handler = async (deps, req, res) => {
  const { oauth, key } = setup(deps);
  const q = req.query as Record<string, unknown>;
  const again = html`<p><a href="/oauth/install">Start the installation again</a>.</p>`;
  if (typeof q.error === 'string') {
    // Anyone can craft this URL, so none of its text is shown as if HubSpot (or we) had said it:
    // only our own words, and HubSpot's error code when it looks like one.
    const code = /^[a-z_]{1,40}$/.test(q.error) ? q.error : undefined;
    const said = code === 'access_denied' ? 'The installation was cancelled in HubSpot, so the app was not installed.' : `HubSpot did not complete the installation${code ? ` (error ${code})` : ''}.`;
    page(res, 400, 'The app was not installed', html`<p>${said}</p>${again}`);
    return;
  }
  const payload = typeof q.state === 'string' ? verifyState(key, q.state, Date.now()) : undefined;
  // The signed, expiring state proves we started this install. The cookie, when the browser sends
  // it, must be this install's: a different one means two installs crossed in one browser. Without
  // it (the consent finished in another browser, or cookies are blocked) the state alone suffices:
  // the code still only connects the portal whose admin consented at HubSpot.
  const nonce = cookieOf(req, STATE_COOKIE);
  const crossed = nonce !== undefined && payload !== undefined && !constantTimeEqual(nonce, payload.nonce);
  if (!payload || crossed) {
    page(res, 400, 'This installation link is not valid', html`<p>${payload ? 'Another installation was started in this browser since; finish that one, or start again.' : 'It expired or was altered.'}</p>${again}`);
    return;
  }
  if (typeof q.code !== 'string' || !/^[\w.-]{1,512}$/.test(q.code)) {
    page(res, 400, 'This installation link is not valid', html`<p>HubSpot's answer has no authorization code.</p>${again}`);
    return;
  }
  res.set('Set-Cookie', `${STATE_COOKIE}=; Path=/oauth; Max-Age=0; HttpOnly; SameSite=Lax`);
  const log = deps.log.child({ scope: 'oauth' });
  const allowed = deps.config.hubspot.allowedPortalIds;
  let tokens: OAuthTokens;
  try {
    tokens = await oauth.exchangeCode(q.code);
  } catch (err) {
    // Nothing was granted, so nothing is to be given back. HubSpot refusing the code (a 4xx:
    // used before, expired, or never issued) is the request's fault, not an outage: a 400, so a
    // stranger with a state from /oauth/install and a made-up code cannot raise 5xx alarms. No
    // answer or a 5xx from HubSpot stays a 502.
    const refused = err instanceof HubSpotError && err.status !== null && err.status >= 400 && err.status < 500;
    const detail = whatFailed(deps, err, q.code);
    log.warn('app install failed: the code exchange', { error: detail });
    page(res, refused ? 400 : 502, 'The app could not be installed', html`<p>${detail}.</p><p>Nothing was connected. Authorization codes work once and expire after a few minutes.</p>${again}`);
    return;
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
      page(
        res,
        403,
        'This HubSpot account may not install the app',
        html`<p>HubSpot account <strong>${portalId}</strong> is not one this service serves: nothing was connected and no data is shared with it. ${
          outcome.done
            ? 'The app has been uninstalled from the account and its authorization revoked; HubSpot emails the account\'s super admins that the app was uninstalled.'
            : 'The app is being uninstalled from the account and its authorization revoked (HubSpot did not confirm at once; the service keeps trying).'
        }</p><p>If the account should be served, the service's administrator adds it to <code>HUBSPOT_ALLOWED_PORTAL_IDS</code>; then install the app again.</p>`,
      );
      return;
    }
    const now = deps.clock.now();
    await deps.db.transaction(async (trx) => {
      await trx('portals')
        .insert({ portal_id: portalId, auth_type: 'oauth', status: 'active', created_at: now, updated_at: now })
        .onConflict('portal_id')
        .merge({ auth_type: 'oauth', status: 'active', status_message: null, updated_at: now });
      await saveTokens(deps, trx, portalId!, { ...tokens, scopes: info.scopes.length ? info.scopes : tokens.scopes }, { hubDomain: info.hubDomain, installedBy: info.user });
    });
    log.info('app installed', { portalId, hubDomain: info.hubDomain });
  } catch (err) {
    // HubSpot granted access and we are about to forget it: give the grant back (now, or later
    // through pending_revocations), uninstalling too when the account is one we refuse anyway.
    const known = portalId && isHubSpotId(portalId) ? portalId : null;
    const refuse = known !== null && allowed !== undefined && !allowed.includes(known);
    const outcome = await giveBack(deps, oauth, grant(refuse ? 'install_refused' : 'install_failed', known, refuse));
    const detail = whatFailed(deps, err, q.code, tokens);
    log.warn('app install failed', { portalId: known, error: detail, grantRevoked: outcome.done });
    page(
      res,
      502,
      'The app could not be installed',
      html`<p>${detail}.</p><p>Nothing was connected, and the authorization HubSpot gave ${outcome.done ? 'was revoked' : 'will be revoked as soon as HubSpot answers'}. Start again in a minute; if it keeps failing, the service's administrator finds the details in its log.</p>${again}`,
    );
    return;
  }
  const portal = await portalRepo.get(deps.db, portalId);
  page(
    res,
    200,
    'Invoice card installed',
    html`<p>HubSpot portal <strong>${portalId}</strong> is connected${portal?.pushEnabled ? ', and its contacts and products will be pushed on the next run' : ''}.</p><p>Open a deal in HubSpot to see its invoices. You can close this tab.</p>`,
  );
};

/** The path HubSpot redirects to, from HUBSPOT_REDIRECT_URI (hubspot-app.json's redirectPath). */
export const callbackPath = (deps: Deps): string => (deps.config.hubspot.redirectUri ? new URL(deps.config.hubspot.redirectUri).pathname : '/oauth/callback');
