import { Client } from '@hubspot/api-client';
import { agentFor, callOptionsFor, type CallOptions, HubSpotError, toHubSpotError } from './hubspotApi.js';

/**
 * HubSpot's OAuth endpoints through @hubspot/api-client, pointed at HUBSPOT_API_BASE_URL: the
 * authorize URL, the code exchange, refreshes, the token's metadata (which portal it is for),
 * revoking a refresh token, and uninstalling the app from an account.
 *
 * Every failure goes through toHubSpotError with the secrets the call carried (the code, the
 * tokens, the client secret): the SDK puts the access token in the token-info URL and the refresh
 * token in the revoke URL, and its errors repeat the URL and the answer's body.
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
}

/** HubSpot refused a refresh token: revoked (the app was uninstalled) or unknown. */
export class RefreshTokenRevoked extends Error {}

/**
 * HubSpot's app uninstalls API: `DELETE /appinstalls/v3/external-install` with the account's
 * OAuth access token (scope `oauth`) removes the app from that account and answers 204 without a
 * body; HubSpot emails the account's super admins that the developer uninstalled the app.
 * Documented at developers.hubspot.com/docs/api-reference/legacy/app-management/app-uninstalls/
 * uninstall-app (public beta changelog "New API for uninstalling a public app from a HubSpot
 * account"; the date-versioned twin is /appinstalls/2026-03/external-install). Our research notes
 * do not cover it. @hubspot/api-client 13.5 has no wrapper for it, hence its generic apiRequest.
 */
const UNINSTALL_PATH = '/appinstalls/v3/external-install';

export class HubSpotOAuth {
  private readonly client: Client;
  private readonly callOptions: CallOptions;

  constructor(private readonly app: OAuthApp) {
    const agent = agentFor(app.apiBaseUrl, app.timeoutMs);
    this.client = new Client({ basePath: app.apiBaseUrl.replace(/\/+$/, ''), numberOfApiCallRetries: 0, httpAgent: agent });
    this.callOptions = callOptionsFor(agent);
  }

  /** Where to send the installing admin: HubSpot's consent screen. */
  authorizeUrl(scopes: string[], state: string): string {
    return this.client.oauth.getAuthorizationUrl(this.app.clientId, this.app.redirectUri, scopes.join(' '), undefined, state);
  }

  async exchangeCode(code: string): Promise<OAuthTokens> {
    return this.token('the code exchange', [code], () =>
      this.client.oauth.tokensApi.create('authorization_code', code, this.app.redirectUri, this.app.clientId, this.app.clientSecret, undefined, this.callOptions as never),
    );
  }

  async refresh(refreshToken: string): Promise<OAuthTokens> {
    try {
      return await this.token('the token refresh', [refreshToken], () =>
        this.client.oauth.tokensApi.create('refresh_token', undefined, this.app.redirectUri, this.app.clientId, this.app.clientSecret, refreshToken, this.callOptions as never),
      );
    } catch (err) {
      if (err instanceof HubSpotError && err.status === 400 && /invalid_grant|BAD_REFRESH_TOKEN/i.test(JSON.stringify(err.body ?? ''))) {
        throw new RefreshTokenRevoked(err.message);
      }
      throw err;
    }
  }

  /** The portal (hub id), user and scopes an access token belongs to. */
  async tokenInfo(accessToken: string): Promise<{ hubId: string; user: string | undefined; hubDomain: string | undefined; scopes: string[] }> {
    try {
      const info = await this.client.oauth.accessTokensApi.get(accessToken, this.callOptions as never);
      return { hubId: String(info.hubId), user: info.user, hubDomain: info.hubDomain, scopes: info.scopes ?? [] };
    } catch (err) {
      throw this.fail(err, 'the token-info call', [accessToken]);
    }
  }

  /** Revokes a refresh token (disconnecting a portal); an unknown token is already gone. */
  async revoke(refreshToken: string): Promise<void> {
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
    const context = { operation: 'the app uninstall', secrets: [accessToken] };
    let res: Awaited<ReturnType<Client['apiRequest']>>;
    // apiRequest hands no agent to node-fetch, so the service's timeout is raced here (the socket
    // is left to close on its own).
    let timer: NodeJS.Timeout | undefined;
    try {
      res = await Promise.race([
        client.apiRequest({ method: 'DELETE', path: UNINSTALL_PATH }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error(`no answer from HubSpot within ${this.app.timeoutMs} ms`), { code: 'ETIMEDOUT' })), this.app.timeoutMs);
        }),
      ]);
    } catch (err) {
      throw this.fail(err, context.operation, context.secrets);
    } finally {
      clearTimeout(timer);
    }
    if (res.status === 204 || res.status === 200) return 'uninstalled';
    const text = await res.text().catch(() => '');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: toHubSpotError drops it
    }
    const e = toHubSpotError({ code: res.status, body, headers: Object.fromEntries(res.headers.entries()) }, context);
    if (e.status === 401 && e.category !== 'EXPIRED_AUTHENTICATION') return 'gone';
    throw e;
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
