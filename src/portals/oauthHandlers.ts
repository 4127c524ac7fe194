import crypto from 'node:crypto';
import type { Request } from 'express';
import type { Deps } from '../deps.js';
import { notConfigured } from '../errors.js';
import type { Handler } from '../http/handler.js';
import { renderAppDefinition } from '../hubspot/appDefinition.js';
import { signState, verifyState } from '../hubspot/tokenCrypto.js';
import { constantTimeEqual } from '../shared/constantTime.js';
import { installNotCompleted, invalidInstallLink } from './installErrors.js';
import { installApp } from './installApp.js';
import { renderInstalledPage } from './oauthPages.js';
import * as portalRepo from './portalRepo.js';
import { oauthClient } from './portalTokens.js';

/**
 * The OAuth install of the HubSpot public app. /oauth/install sends the admin to HubSpot's consent
 * screen with the scopes of hubspot-app.json and a signed, expiring `state` whose nonce is also
 * in a cookie; the callback checks the state (and the cookie when sent), then installApp exchanges
 * the code, learns the portal from the token's metadata and stores the tokens encrypted.
 */

const STATE_COOKIE = 'hs_oauth_state';
const STATE_TTL_MS = 10 * 60_000;

function setup(deps: Deps) {
  const h = deps.config.hubspot;
  if (!h.clientId || !h.redirectUri) throw notConfigured('HUBSPOT_CLIENT_ID and HUBSPOT_REDIRECT_URI', 'The OAuth install');
  if (!h.clientSecret) throw notConfigured('HUBSPOT_CLIENT_SECRET', 'The OAuth install');
  if (!deps.config.tokenEncryptionKey) throw notConfigured('TOKEN_ENCRYPTION_KEY', 'The OAuth install');
  return { oauth: oauthClient(deps)!, key: deps.config.tokenEncryptionKey, redirectUri: h.redirectUri };
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

/**
 * GET {HUBSPOT_REDIRECT_URI's path}: HubSpot sends the admin back here with a code. The install's
 * failures are thrown (installErrors.ts); the route shows them on the result page (installErrorView).
 */
export const getOAuthCallback: Handler = async (deps, req, res) => {
  const { oauth, key } = setup(deps);
  const q = req.query as Record<string, unknown>;
  if (typeof q.error === 'string') {
    // Anyone can craft this URL, so none of its text is shown as if HubSpot (or we) had said it:
    // only our own words, and HubSpot's error code when it looks like one.
    const code = /^[a-z_]{1,40}$/.test(q.error) ? q.error : undefined;
    throw installNotCompleted(
      code === 'access_denied' ? 'The installation was cancelled in HubSpot, so the app was not installed.' : `HubSpot did not complete the installation${code ? ` (error ${code})` : ''}.`,
    );
  }
  const payload = typeof q.state === 'string' ? verifyState(key, q.state, Date.now()) : undefined;
  // The signed, expiring state proves we started this install. The cookie, when the browser sends
  // it, must be this install's: a different one means two installs crossed in one browser. Without
  // it (the consent finished in another browser, or cookies are blocked) the state alone suffices:
  // the code still only connects the portal whose admin consented at HubSpot.
  const nonce = cookieOf(req, STATE_COOKIE);
  const crossed = nonce !== undefined && payload !== undefined && !constantTimeEqual(nonce, payload.nonce);
  if (!payload || crossed) throw invalidInstallLink(payload ? 'Another installation was started in this browser since; finish that one, or start again.' : 'It expired or was altered.');
  if (typeof q.code !== 'string' || !/^[\w.-]{1,512}$/.test(q.code)) throw invalidInstallLink("HubSpot's answer has no authorization code.");
  res.set('Set-Cookie', `${STATE_COOKIE}=; Path=/oauth; Max-Age=0; HttpOnly; SameSite=Lax`);
  const portalId = await installApp(deps, oauth, q.code);
  const portal = await portalRepo.get(deps.db, portalId);
  res.type('html').send(renderInstalledPage({ portalId, pushEnabled: !!portal?.pushEnabled }).value);
};

/** The path HubSpot redirects to, from HUBSPOT_REDIRECT_URI (hubspot-app.json's redirectPath). */
export const callbackPath = (deps: Deps): string => (deps.config.hubspot.redirectUri ? new URL(deps.config.hubspot.redirectUri).pathname : '/oauth/callback');
