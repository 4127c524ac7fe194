import { Client } from '@hubspot/api-client';
import { agentFor, callOptionsFor, type CallOptions, HubSpotError, toHubSpotError } from './hubspotApi.js';

/**
 * HubSpot's OAuth endpoints through @hubspot/api-client, pointed at HUBSPOT_API_BASE_URL: the
 * authorize URL, the code exchange, refreshes, the token's metadata (which portal it is for) and
 * revoking a refresh token when a portal is disconnected.
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
    return this.token(() => this.client.oauth.tokensApi.create('authorization_code', code, this.app.redirectUri, this.app.clientId, this.app.clientSecret, undefined, this.callOptions as never));
  }

  async refresh(refreshToken: string): Promise<OAuthTokens> {
    try {
      return await this.token(() =>
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
      throw toHubSpotError(err);
    }
  }

  /** Revokes a refresh token (disconnecting a portal); an unknown token is already gone. */
  async revoke(refreshToken: string): Promise<void> {
    try {
      await this.client.oauth.refreshTokensApi.archive(refreshToken, this.callOptions as never);
    } catch (err) {
      const e = toHubSpotError(err);
      if (e.status !== 404) throw e;
    }
  }

  private async token(call: () => Promise<{ accessToken: string; refreshToken: string; expiresIn: number; hubId?: number; scopes?: string[] }>): Promise<OAuthTokens> {
    let t;
    try {
      t = await call();
    } catch (err) {
      throw toHubSpotError(err);
    }
    const raw = t as unknown as { hubId?: number; hub_id?: number; scopes?: string[] };
    const hub = raw.hubId ?? raw.hub_id;
    return { accessToken: t.accessToken, refreshToken: t.refreshToken, expiresInSeconds: t.expiresIn, hubId: hub === undefined ? undefined : String(hub), scopes: raw.scopes ?? [] };
  }
}
