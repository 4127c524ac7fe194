import { Client } from '@hubspot/api-client';
import { type CrmApiVersion, DEFAULT_CRM_API_VERSION, DEFAULT_OAUTH_VERSION, type OAuthVersion } from '../shared/hubspotVersions.js';
import { oauthPath, uninstallPath } from './apiVersions.js';
import { agentFor, type Answer, callOptionsFor, type CallOptions, HubSpotError, keptHeaders, sendRequest, toHubSpotError } from './hubspotApi.js';

/**
 * HubSpot's OAuth endpoints through @hubspot/api-client, pointed at HUBSPOT_API_BASE_URL: the
 * authorize URL, the code exchange, refreshes, the token's metadata (which portal it is for),
 * revoking a refresh token, and uninstalling the app from an account.
 *
 * HUBSPOT_OAUTH_VERSION picks the API. The current one (2026-03, the default) is
 * `POST /oauth/2026-03/token`, `/token/introspect` and `/token/revoke`, every parameter (code,
 * tokens, client secret) form-encoded in the body, so no token is ever in a URL; the SDK has no
 * wrapper for them, so they go through its generic apiRequest. v1 (deprecated 2027-02-16) is the
 * fallback, through the SDK's generated OAuth APIs, which put the access token in the token-info
 * URL and the refresh token in the revoke URL.
 *
 * Every failure goes through toHubSpotError with the secrets the call carried (the code, the
 * tokens, the client secret): errors can repeat the URL and the answer's body.
 */

export interface OAuthTokens {
  accessToken: string;
  refreshToken: string;
  expiresInSeconds: number;
  /** Present in HubSpot's token answers since 2025-08; the metadata call is authoritative. */
  hubId: string | undefined;
  scopes: string[];
}

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  apiBaseUrl: string;
  timeoutMs: number;
  /** HUBSPOT_OAUTH_VERSION (default: the current 2026-03 API). */
  oauthVersion?: OAuthVersion;
  /** HUBSPOT_API_VERSION: picks the uninstall API's path family. */
  apiVersion?: CrmApiVersion;
}

/** HubSpot refused a refresh token: revoked (the app was uninstalled) or unknown. */
export class RefreshTokenRevoked extends Error {}

/**
 * Whether a failed refresh says the refresh token is no good. v1 answers 400 with
 * `error: invalid_grant` and `status: BAD_REFRESH_TOKEN`; the current API answers 400 in HubSpot's
 * standard error shape (`category: VALIDATION_ERROR`, `message`, `correlationId`) with RFC 6749's
 * `error: invalid_grant`. Either marker suffices, and so does a VALIDATION_ERROR whose message says
 * the refresh token is invalid, expired or revoked (should HubSpot drop the RFC fields). Any other
 * 400 (a bad client secret, say) is not a revoked grant.
 */
export function refreshTokenRefused(err: unknown): boolean {
  if (!(err instanceof HubSpotError) || err.status !== 400) return false;
  const b = (err.body ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : '');
  // v1 has said it in either field ({"status":"BAD_REFRESH_TOKEN"}, {"error":"BAD_REFRESH_TOKEN"}).
  const refused = ['invalid_grant', 'bad_refresh_token'];
  if (refused.includes(text(b.error)) || refused.includes(text(b.status))) return true;
  const said = `${text(b.message)} ${text(b.error_description)}`;
  return text(b.category) === 'validation_error' && said.includes('refresh token') && ['invalid', 'expired', 'revoked'].some((w) => said.includes(w));
}

/**
 * HubSpot's app uninstalls API: `DELETE /appinstalls/2026-03/external-install` (v3 with
 * HUBSPOT_API_VERSION=v3; apiVersions.ts uninstallPath) with the account's
 * OAuth access token (scope `oauth`) removes the app from that account and answers 204 without a
 * body; HubSpot emails the account's super admins that the developer uninstalled the app.
 * Documented at developers.hubspot.com/docs/api-reference/legacy/app-management/app-uninstalls/
 * uninstall-app (public beta changelog "New API for uninstalling a public app from a HubSpot
 * account"; the date-versioned twin is /appinstalls/2026-03/external-install). Our research notes
 * do not cover it. @hubspot/api-client 13.5 has no wrapper for it, hence its generic apiRequest.
 */
export class HubSpotOAuth {
  private readonly client: Client;
  private readonly callOptions: CallOptions;
  readonly oauthVersion: OAuthVersion;
  private readonly apiVersion: CrmApiVersion;

  constructor(private readonly app: OAuthApp) {
    const agent = agentFor(app.apiBaseUrl, app.timeoutMs);
    this.client = new Client({ basePath: app.apiBaseUrl.replace(/\/+$/, ''), numberOfApiCallRetries: 0, httpAgent: agent });
    this.callOptions = callOptionsFor(agent);
    this.oauthVersion = app.oauthVersion ?? DEFAULT_OAUTH_VERSION;
    this.apiVersion = app.apiVersion ?? DEFAULT_CRM_API_VERSION;
  }

  /** A call to the current OAuth API: the fields form-encoded in the body, nothing in the URL. */
  private post(call: 'token' | 'introspect' | 'revoke', fields: Record<string, string>, operation: string, secrets: string[]): Promise<Answer> {
    return sendRequest(
      this.client,
      {
        method: 'POST',
        path: oauthPath(call),
        body: new URLSearchParams({ ...fields, client_id: this.app.clientId, client_secret: this.app.clientSecret }).toString(),
        defaultJson: false,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      },
      this.app.timeoutMs,
      { operation, secrets: [...secrets, this.app.clientSecret] },
    );
  }

  /** The current token endpoint's answer (the same fields as v1's: access_token, refresh_token, expires_in, hub_id, scopes). */
  private async currentToken(operation: string, secrets: string[], fields: Record<string, string>): Promise<OAuthTokens> {
    const answer = await this.post('token', fields, operation, secrets);
    const b = (answer.body ?? {}) as { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown; hub_id?: unknown; scopes?: unknown };
    if (typeof b.access_token !== 'string' || typeof b.refresh_token !== 'string' || typeof b.expires_in !== 'number') {
      throw new HubSpotError(`HubSpot answered ${operation} with ${answer.status} but without the tokens`, answer.status, undefined, keptHeaders(answer.headers));
    }
    return {
      accessToken: b.access_token,
      refreshToken: b.refresh_token,
      expiresInSeconds: b.expires_in,
      hubId: typeof b.hub_id === 'number' || typeof b.hub_id === 'string' ? String(b.hub_id) : undefined,
      scopes: Array.isArray(b.scopes) ? b.scopes.filter((x): x is string => typeof x === 'string') : [],
    };
  }

  /** Where to send the installing admin: HubSpot's consent screen. */
  authorizeUrl(scopes: string[], state: string): string {
    return this.client.oauth.getAuthorizationUrl(this.app.clientId, this.app.redirectUri, scopes.join(' '), undefined, state);
  }

  async exchangeCode(code: string): Promise<OAuthTokens> {
    if (this.oauthVersion !== 'v1') return this.currentToken('the code exchange', [code], { grant_type: 'authorization_code', code, redirect_uri: this.app.redirectUri });
    return this.token('the code exchange', [code], () =>
      this.client.oauth.tokensApi.create('authorization_code', code, this.app.redirectUri, this.app.clientId, this.app.clientSecret, undefined, this.callOptions as never),
    );
  }

  async refresh(refreshToken: string): Promise<OAuthTokens> {
    try {
      if (this.oauthVersion !== 'v1')
        return await this.currentToken('the token refresh', [refreshToken], { grant_type: 'refresh_token', refresh_token: refreshToken, redirect_uri: this.app.redirectUri });
      return await this.token('the token refresh', [refreshToken], () =>
        this.client.oauth.tokensApi.create('refresh_token', undefined, this.app.redirectUri, this.app.clientId, this.app.clientSecret, refreshToken, this.callOptions as never),
      );
    } catch (err) {
      if (refreshTokenRefused(err)) throw new RefreshTokenRevoked((err as HubSpotError).message);
      throw err;
    }
  }

  /** The portal (hub id), user and scopes an access token belongs to. */
  async tokenInfo(accessToken: string): Promise<{ hubId: string; user: string | undefined; hubDomain: string | undefined; scopes: string[] }> {
    if (this.oauthVersion !== 'v1') {
      // RFC 7662 introspection (the token-info call): `active: false` for a token that is unknown, expired or revoked.
      const answer = await this.post('introspect', { token: accessToken, token_type_hint: 'access_token' }, 'the token-info call', [accessToken]);
      const b = (answer.body ?? {}) as { active?: unknown; hub_id?: unknown; user?: unknown; hub_domain?: unknown; scopes?: unknown };
      if (b.active !== true) {
        throw new HubSpotError(
          'HubSpot answered the token-info call: the access token is not active (expired or revoked, or the app was uninstalled)',
          answer.status,
          undefined,
          keptHeaders(answer.headers),
        );
      }
      return {
        hubId: String(b.hub_id),
        user: typeof b.user === 'string' ? b.user : undefined,
        hubDomain: typeof b.hub_domain === 'string' ? b.hub_domain : undefined,
        scopes: Array.isArray(b.scopes) ? b.scopes.filter((x): x is string => typeof x === 'string') : [],
      };
    }
    try {
      const info = await this.client.oauth.accessTokensApi.get(accessToken, this.callOptions as never);
      return { hubId: String(info.hubId), user: info.user, hubDomain: info.hubDomain, scopes: info.scopes ?? [] };
    } catch (err) {
      throw this.fail(err, 'the token-info call', [accessToken]);
    }
  }

  /** Revokes a refresh token (disconnecting a portal); an unknown token is already gone. */
  async revoke(refreshToken: string): Promise<void> {
    if (this.oauthVersion !== 'v1') {
      try {
        await this.post('revoke', { token: refreshToken, token_type_hint: 'refresh_token' }, 'the refresh-token revoke', [refreshToken]);
      } catch (err) {
        // Already gone: HubSpot may say so (unknown, or already revoked by an uninstall) rather
        // than answer 2xx as RFC 7009 asks; there is nothing left to revoke either way.
        if (!(err instanceof HubSpotError) || (err.status !== 404 && !refreshTokenRefused(err))) throw err;
      }
      return;
    }
    try {
      await this.client.oauth.refreshTokensApi.archive(refreshToken, this.callOptions as never);
    } catch (err) {
      const e = this.fail(err, 'the refresh-token revoke', [refreshToken]);
      if (e.status !== 404) throw e;
    }
  }

  /**
   * Uninstalls the app from the account the access token belongs to (see UNINSTALL_PATH). Answers
   * 'uninstalled' on HubSpot's 204, and 'gone' on a 401 that is not an expiry: the token no longer
   * works because the app is no longer installed (an earlier uninstall whose answer was lost, or
   * the account's admin removed it). Anything else throws a HubSpotError.
   */
  async uninstall(accessToken: string): Promise<'uninstalled' | 'gone'> {
    const client = new Client({ accessToken, basePath: this.app.apiBaseUrl.replace(/\/+$/, ''), numberOfApiCallRetries: 0 });
    try {
      await sendRequest(client, { method: 'DELETE', path: uninstallPath(this.apiVersion) }, this.app.timeoutMs, { operation: 'the app uninstall', secrets: [accessToken] });
      return 'uninstalled';
    } catch (err) {
      if (err instanceof HubSpotError && err.status === 401 && err.category !== 'EXPIRED_AUTHENTICATION') return 'gone';
      throw err;
    }
  }

  private fail(err: unknown, operation: string, secrets: string[]): HubSpotError {
    return toHubSpotError(err, { operation, secrets: [...secrets, this.app.clientSecret] });
  }

  private async token(
    operation: string,
    secrets: string[],
    call: () => Promise<{ accessToken: string; refreshToken: string; expiresIn: number; hubId?: number; scopes?: string[] }>,
  ): Promise<OAuthTokens> {
    let t;
    try {
      t = await call();
    } catch (err) {
      throw this.fail(err, operation, secrets);
    }
    const raw = t as unknown as { hubId?: number; hub_id?: number; scopes?: string[] };
    const hub = raw.hubId ?? raw.hub_id;
    return { accessToken: t.accessToken, refreshToken: t.refreshToken, expiresInSeconds: t.expiresIn, hubId: hub === undefined ? undefined : String(hub), scopes: raw.scopes ?? [] };
  }
}
