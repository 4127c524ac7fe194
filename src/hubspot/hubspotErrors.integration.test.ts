import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHubspot } from '../../test/fakeHubspot/fakeHubspot.js';
import { HubSpotApi, HubSpotError } from './hubspotApi.js';
import { HubSpotOAuth, RefreshTokenRevoked } from './hubspotOAuth.js';

/**
 * Every failure of a call that carries a secret, as @hubspot/api-client throws it against the fake
 * HubSpot (dropped connections, error pages and JSON answers echoing the request's URL, body and
 * Authorization header), comes out of src/hubspot/ as a HubSpotError whose message, stack, body
 * and headers hold none of the secrets, and still say what failed.
 */

const APP = { clientId: 'errors-client', clientSecret: 'errors-client-secret-51f0c2', redirectUri: 'https://svc.example/oauth/callback' };
let fake: FakeHubspot;

beforeAll(async () => {
  fake = new FakeHubspot({ oauth: APP, tokens: { 'pat-na1-errors-private-7d1e': '4040' }, legacy: true }); // OAuth v1 is tested too
  await fake.start();
});
afterAll(() => fake.stop());

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

/** Everything of the error that could be logged, stored or shown. */
const everything = (err: Error) => JSON.stringify({ message: err.message, stack: err.stack, ...(err instanceof HubSpotError ? { body: err.body, headers: err.headers } : {}) });

const FAULTS = [
  { name: 'a dropped connection', fault: { kind: 'drop' as const }, status: null },
  { name: 'an HTML page echoing the request', fault: { kind: 'echo' as const }, status: 502 },
  { name: 'a JSON 500 echoing the request', fault: { kind: 'echo' as const, status: 500, format: 'json' as const }, status: 500 },
];

describe.each(['2026-03', 'v1'] as const)('HubSpot errors carry no secret (OAuth %s)', (version) => {
  let oauth: HubSpotOAuth;
  beforeAll(() => {
    oauth = new HubSpotOAuth({ ...APP, apiBaseUrl: fake.url, timeoutMs: 2000, oauthVersion: version });
  });
  for (const { name, fault, status } of FAULTS) {
    it(`the token-info, revoke, refresh, code exchange and uninstall calls, on ${name}`, async () => {
      const code = fake.authorize('4141');
      const tokens = await oauth.exchangeCode(code);
      const secrets = [tokens.accessToken, tokens.refreshToken, APP.clientSecret];

      fake.inject({ ...fault, match: /access-tokens|token\/introspect/ });
      const info = await failure(oauth.tokenInfo(tokens.accessToken));
      fake.inject({ ...fault, match: /refresh-tokens|token\/revoke/ });
      const revoke = await failure(oauth.revoke(tokens.refreshToken));
      fake.inject({ ...fault, match: /^POST \/oauth\/[^/]+\/token$/ });
      const refresh = await failure(oauth.refresh(tokens.refreshToken));
      const code2 = fake.authorize('4141');
      fake.inject({ ...fault, match: /^POST \/oauth\/[^/]+\/token$/ });
      const exchange = await failure(oauth.exchangeCode(code2));
      fake.inject({ ...fault, match: /external-install/ });
      const uninstall = await failure(oauth.uninstall(tokens.accessToken));

      for (const [err, call] of [
        [info, 'the token-info call'],
        [revoke, 'the refresh-token revoke'],
        [refresh, 'the token refresh'],
        [exchange, 'the code exchange'],
        [uninstall, 'the app uninstall'],
      ] as const) {
        expect(err).toBeInstanceOf(HubSpotError);
        expect((err as HubSpotError).status).toBe(status);
        expect(err.message).toContain(call);
        for (const s of [...secrets, code2]) expect(everything(err), `${call}: ${s}`).not.toContain(s);
        expect(everything(err)).not.toContain(fake.url); // no URL at all
      }
      // The grant still works: none of the faulted calls reached it.
      expect((await oauth.refresh(tokens.refreshToken)).refreshToken).toBe(tokens.refreshToken);
    });
  }

  it('a refused refresh whose answer echoes the grant says so without the refresh token or the client secret', async () => {
    const tokens = await oauth.exchangeCode(fake.authorize('4242'));
    fake.inject({ kind: 'echo', status: 400, format: 'json', fields: { error: 'invalid_grant', status: 'BAD_REFRESH_TOKEN' }, match: /^POST \/oauth\/[^/]+\/token$/ });
    const err = await failure(oauth.refresh(tokens.refreshToken));
    expect(err).toBeInstanceOf(RefreshTokenRevoked);
    expect(err.message).toContain(`HubSpot answered the token refresh with 400: upstream failed for POST /oauth/${version}/token`);
    for (const s of [tokens.refreshToken, APP.clientSecret, tokens.accessToken]) expect(everything(err)).not.toContain(s);
  });

  it('a refused refresh in the standard error shape alone (category and message, no RFC fields) is a revoked grant; another 400 is not', async () => {
    const tokens = await oauth.exchangeCode(fake.authorize('4244'));
    fake.inject({
      kind: 'echo',
      status: 400,
      format: 'json',
      fields: { category: 'VALIDATION_ERROR', message: 'refresh token is invalid, expired or revoked' },
      match: /^POST \/oauth\/[^/]+\/token$/,
    });
    expect(await failure(oauth.refresh(tokens.refreshToken))).toBeInstanceOf(RefreshTokenRevoked);
    fake.inject({ kind: 'echo', status: 400, format: 'json', fields: { category: 'VALIDATION_ERROR', message: 'client_secret is missing' }, match: /^POST \/oauth\/[^/]+\/token$/ });
    const other = await failure(oauth.refresh(tokens.refreshToken));
    expect(other).toBeInstanceOf(HubSpotError);
    expect(other).not.toBeInstanceOf(RefreshTokenRevoked);
  });

  it('a revoke HubSpot answers with "refresh token invalid or revoked" is done (nothing is left to revoke); another 400 is a failure', async () => {
    const tokens = await oauth.exchangeCode(fake.authorize('4245'));
    const match = /refresh-tokens|token\/revoke/;
    if (version === 'v1') {
      fake.inject({ kind: 'echo', status: 404, format: 'json', fields: { message: 'Refresh token not found' }, match });
    } else {
      fake.inject({ kind: 'echo', status: 400, format: 'json', fields: { category: 'VALIDATION_ERROR', error: 'invalid_grant', message: 'refresh token is invalid, expired or revoked' }, match });
    }
    await expect(oauth.revoke(tokens.refreshToken)).resolves.toBeUndefined();
    fake.inject({ kind: 'echo', status: 400, format: 'json', fields: { category: 'VALIDATION_ERROR', message: 'missing or invalid client id' }, match });
    expect(await failure(oauth.revoke(tokens.refreshToken))).toMatchObject({ status: 400 });
  });

  it("the uninstall: 204 uninstalls; afterwards the token's 401 means the app is gone; a private-app token is refused", async () => {
    const tokens = await oauth.exchangeCode(fake.authorize('4343'));
    expect(await oauth.uninstall(tokens.accessToken)).toBe('uninstalled');
    expect(fake.isInstalled('4343')).toBe(false);
    expect(await oauth.uninstall(tokens.accessToken)).toBe('gone');
    const refused = await failure(oauth.uninstall('pat-na1-errors-private-7d1e'));
    expect(refused).toMatchObject({ status: 403, category: 'MISSING_SCOPES' });
    expect(everything(refused)).not.toContain('pat-na1-errors-private-7d1e');
  });

  it('a CRM call whose error page echoes the Authorization header keeps the status, not the token', async () => {
    const token = 'pat-na1-errors-private-7d1e';
    const api = new HubSpotApi({ accessToken: token, baseUrl: fake.url, timeoutMs: 2000 });
    fake.inject({ kind: 'echo', status: 503, format: 'json', match: /batch\/upsert/ });
    const err = await failure(api.batchUpsert('contacts', [{ id: 'e@x.example', idProperty: 'email', properties: { firstname: 'E' } }]));
    expect(err).toMatchObject({ status: 503, category: 'ECHO' });
    expect((err as HubSpotError).correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect((err as HubSpotError).headers['x-hubspot-ratelimit-max']).toBeDefined(); // the headers the push reads stay
    expect(everything(err)).not.toContain(token);
  });
});
