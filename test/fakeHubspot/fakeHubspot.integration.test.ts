import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchInput, HubSpotApi, type HubSpotError } from '../../src/hubspot/hubspotApi.js';
import { FakeHubspot } from './fakeHubspot.js';

/** The fake answers the way HubSpot is documented to, seen through the SDK wrapper the push uses. */

let fake: FakeHubspot;
let api: HubSpotApi;
const PORTAL = '4711';

beforeAll(async () => {
  fake = new FakeHubspot({ maxPerWindow: 1000, windowMs: 10_000, tokens: { 'pat-test': PORTAL }, legacy: true }); // this file tests /crm/v3 too
  await fake.start();
  api = new HubSpotApi({ accessToken: 'pat-test', baseUrl: fake.url, timeoutMs: 500 });
});
afterAll(() => fake.stop());

const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return err as HubSpotError;
  }
  throw new Error('expected a failure');
};

describe('fake HubSpot', () => {
  it('upserts contacts by lower-cased email and answers "new" only the first time', async () => {
    const first = await api.batchUpsert('contacts', [{ id: 'Ada@Example.com', idProperty: 'email', properties: { firstname: 'Ada' } }]);
    expect(first.status).toBe(200);
    expect(first.results).toEqual([expect.objectContaining({ isNew: true, properties: expect.objectContaining({ email: 'ada@example.com', firstname: 'Ada' }) })]);
    const again = await api.batchUpsert('contacts', [{ id: 'ada@example.com', idProperty: 'email', properties: { firstname: 'Ada L.' } }]);
    expect(again.results[0]).toMatchObject({ id: first.results[0]!.id, isNew: false });
    expect(fake.records(PORTAL, 'contacts')).toHaveLength(1);
  });

  it('answers 409 "Contact already exists" for an email taken by another contact', async () => {
    const a = await api.batchUpsert('contacts', [{ id: 'one@x.example', idProperty: 'email', properties: {} }]);
    const b = await api.batchUpsert('contacts', [{ id: 'two@x.example', idProperty: 'email', properties: {} }]);
    const err = await failure(api.batchUpdate('contacts', [{ id: b.results[0]!.id, properties: { email: 'ONE@x.example' } }]));
    expect(err.status).toBe(409);
    expect(err.message).toBe(`Contact already exists. Existing ID: ${a.results[0]!.id}`);
    expect(err.category).toBe('CONFLICT');
    expect(err.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('fails a whole untraced batch for one bad input, and answers 207 per input when every input is traced', async () => {
    const inputs: BatchInput[] = [
      { id: 'good@x.example', idProperty: 'email', properties: { firstname: 'G' } },
      { id: 'bad@x.example', idProperty: 'email', properties: { favourite_colour: 'blue' } },
    ];
    const whole = await failure(api.batchUpsert('contacts', inputs));
    expect(whole.status).toBe(400);
    expect(whole.message).toContain('Property values were not valid');
    expect(fake.records(PORTAL, 'contacts').some((r) => r.properties.email === 'good@x.example')).toBe(false);
    const traced = await api.batchUpsert(
      'contacts',
      inputs.map((i, n) => ({ ...i, objectWriteTraceId: `t${n}` })),
    );
    expect(traced.status).toBe(207);
    expect(traced.results.map((r) => r.properties.email)).toEqual(['good@x.example']);
    expect(traced.errors).toEqual([expect.objectContaining({ traceIds: ['t1'], category: 'VALIDATION_ERROR' })]);
  });

  it('refuses more than 100 inputs and duplicate ids', async () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ id: `m${i}@x.example`, idProperty: 'email', properties: {} }));
    expect((await failure(api.batchUpsert('contacts', many))).status).toBe(400);
    const dup = await failure(
      api.batchUpsert('contacts', [
        { id: 'd@x.example', idProperty: 'email', properties: {} },
        { id: 'D@x.example', idProperty: 'email', properties: {} },
      ]),
    );
    expect(dup.message).toMatch(/Duplicate IDs found in batch input/);
  });

  it('never dedupes products, unless through a unique-value property', async () => {
    await api.batchUpsert('contacts', []).catch(() => undefined);
    const create = () =>
      fetch(`${fake.url}/crm/v3/objects/products`, {
        method: 'POST',
        headers: { authorization: 'Bearer pat-test', 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { name: 'Widget' } }),
      });
    expect((await create()).status).toBe(201);
    expect((await create()).status).toBe(201);
    expect(fake.records(PORTAL, 'products').filter((p) => p.properties.name === 'Widget')).toHaveLength(2);

    expect(await api.getProperty('products', 'acct_id')).toBeUndefined();
    await api.createProperty('products', { name: 'acct_id', label: 'Accounting id', groupName: 'productinformation', unique: true, description: '' });
    expect(await api.getProperty('products', 'acct_id')).toEqual({ name: 'acct_id', hasUniqueValue: true });
    const up = await api.batchUpsert('products', [{ id: 'P-1', idProperty: 'acct_id', properties: { name: 'Gadget' } }]);
    const up2 = await api.batchUpsert('products', [{ id: 'P-1', idProperty: 'acct_id', properties: { name: 'Gadget v2' } }]);
    expect(up2.results[0]).toMatchObject({ id: up.results[0]!.id, isNew: false });
    const second = await fetch(`${fake.url}/crm/v3/objects/products`, {
      method: 'POST',
      headers: { authorization: 'Bearer pat-test', 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { name: 'Again', acct_id: 'P-1' } }),
    });
    expect(second.status).toBe(409);
    const read = await api.batchRead('products', ['P-1', 'P-404'], ['name'], 'acct_id');
    expect(read.status).toBe(207);
    expect(read.results.map((r) => r.properties.name)).toEqual(['Gadget v2']);
    expect(read.errors[0]!.ids).toEqual(['P-404']);
  });

  it('counts requests in a rolling window and answers 429 TEN_SECONDLY_ROLLING with rate-limit headers', async () => {
    const strict = new FakeHubspot({ maxPerWindow: 3, windowMs: 60_000, tokens: { 'pat-s': '1' } });
    await strict.start();
    try {
      const s = new HubSpotApi({ accessToken: 'pat-s', baseUrl: strict.url });
      const ok = await s.batchUpsert('contacts', [{ id: 'a@x.example', idProperty: 'email', properties: {} }]);
      expect(ok.headers).toMatchObject({ 'x-hubspot-ratelimit-max': '3', 'x-hubspot-ratelimit-remaining': '2', 'x-hubspot-ratelimit-interval-milliseconds': '60000' });
      await s.batchUpsert('contacts', [{ id: 'b@x.example', idProperty: 'email', properties: {} }]);
      await s.batchUpsert('contacts', [{ id: 'c@x.example', idProperty: 'email', properties: {} }]);
      const limited = await failure(s.batchUpsert('contacts', [{ id: 'd@x.example', idProperty: 'email', properties: {} }]));
      expect(limited.status).toBe(429);
      expect(limited.policyName).toBe('TEN_SECONDLY_ROLLING');
      expect(limited.headers['x-hubspot-ratelimit-remaining']).toBe('0');
    } finally {
      await strict.stop();
    }
  });

  it('injects 5xx as JSON and HTML, 423, dropped connections, slow replies and commit-then-fail', async () => {
    const input = (email: string) => [{ id: email, idProperty: 'email', properties: {} }];
    fake.inject({ kind: 'status500' });
    expect((await failure(api.batchUpsert('contacts', input('f1@x.example')))).status).toBe(500);
    fake.inject({ kind: 'status502html' });
    const html = await failure(api.batchUpsert('contacts', input('f2@x.example')));
    expect(html.status).toBe(502);
    fake.inject({ kind: 'status423' });
    expect((await failure(api.batchUpsert('contacts', input('f3@x.example')))).status).toBe(423);
    fake.inject({ kind: 'drop' });
    const dropped = await failure(api.batchUpsert('contacts', input('f4@x.example')));
    expect(dropped.status).toBeNull();
    fake.inject({ kind: 'slow', delayMs: 2000 });
    const slow = await failure(api.batchUpsert('contacts', input('f5@x.example')));
    expect(slow.networkCode).toBe('ETIMEDOUT');
    fake.inject({ kind: 'commitThenFail' });
    const lost = await failure(api.batchUpsert('contacts', input('f6@x.example')));
    expect(lost.status).toBeNull();
    expect(fake.records(PORTAL, 'contacts').some((r) => r.properties.email === 'f6@x.example')).toBe(true); // it landed
    expect(fake.records(PORTAL, 'contacts').some((r) => r.properties.email === 'f1@x.example')).toBe(false);
  });

  it("refuses a bad token with HubSpot's 401 body", async () => {
    const bad = new HubSpotApi({ accessToken: 'pat-nope', baseUrl: fake.url });
    const err = await failure(bad.batchUpsert('contacts', [{ id: 'x@x.example', idProperty: 'email', properties: {} }]));
    expect(err.status).toBe(401);
    expect(err.category).toBe('INVALID_AUTHENTICATION');
  });

  describe('OAuth and the app uninstall', () => {
    const app = { clientId: 'fake-client', clientSecret: 'fake-secret-0123456789', redirectUri: 'https://svc.example/oauth/callback' };
    let oauth: FakeHubspot;
    beforeAll(async () => {
      oauth = new FakeHubspot({ oauth: app, legacy: true });
      await oauth.start();
    });
    afterAll(() => oauth.stop());

    const exchange = async (portalId: string) => {
      const res = await fetch(`${oauth.url}/oauth/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: oauth.authorize(portalId), redirect_uri: app.redirectUri, client_id: app.clientId, client_secret: app.clientSecret }),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as { access_token: string; refresh_token: string };
    };
    const uninstall = (token: string) => fetch(`${oauth.url}/appinstalls/v3/external-install`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    const refresh = (token: string) =>
      fetch(`${oauth.url}/oauth/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token, redirect_uri: app.redirectUri, client_id: app.clientId, client_secret: app.clientSecret }),
      });

    it("uninstalls the app from the token's account: 204 without a body, then its tokens answer 401 and its refresh token is refused", async () => {
      const t = await exchange('5150');
      const other = await exchange('5151');
      expect(oauth.isInstalled('5150')).toBe(true);
      const res = await uninstall(t.access_token);
      expect(res.status).toBe(204);
      expect(await res.text()).toBe('');
      expect(oauth.isInstalled('5150')).toBe(false);
      expect(oauth.stats.uninstalls).toBe(1);
      const crm = new HubSpotApi({ accessToken: t.access_token, baseUrl: oauth.url });
      expect((await failure(crm.batchRead('contacts', ['1'], ['email']))).status).toBe(401);
      expect((await uninstall(t.access_token)).status).toBe(401);
      expect((await fetch(`${oauth.url}/oauth/v1/access-tokens/${t.access_token}`)).status).toBe(404);
      expect(oauth.isRevoked(t.refresh_token)).toBe(true);
      expect((await refresh(t.refresh_token)).status).toBe(400);
      // Only that account: another one's install and tokens are untouched.
      expect(oauth.isInstalled('5151')).toBe(true);
      expect((await refresh(other.refresh_token)).status).toBe(200);
      // A private app's token cannot uninstall anything.
      oauth.addToken('pat-na1-fake', '5152');
      expect((await uninstall('pat-na1-fake')).status).toBe(403);
    });

    it('injects faults on the OAuth and uninstall endpoints: drops, and answers echoing the URL and the body', async () => {
      const t = await exchange('5160');
      oauth.inject({ kind: 'drop', match: /access-tokens/ });
      await expect(fetch(`${oauth.url}/oauth/v1/access-tokens/${t.access_token}`)).rejects.toThrow();
      expect((await fetch(`${oauth.url}/oauth/v1/access-tokens/${t.access_token}`)).status).toBe(200); // once
      oauth.inject({ kind: 'echo', match: /refresh-tokens/ });
      const html = await fetch(`${oauth.url}/oauth/v1/refresh-tokens/${t.refresh_token}`, { method: 'DELETE' });
      expect(html.status).toBe(502);
      expect(await html.text()).toContain(`/oauth/v1/refresh-tokens/${t.refresh_token}`);
      expect(oauth.isRevoked(t.refresh_token)).toBe(false); // the request never got through
      oauth.inject({ kind: 'echo', match: /^POST \/oauth\/v1\/token$/, status: 400, format: 'json', fields: { error: 'invalid_grant' } });
      const json = await refresh(t.refresh_token);
      expect(json.status).toBe(400);
      const body = (await json.json()) as { message: string; error: string };
      expect(body.error).toBe('invalid_grant');
      expect(body.message).toContain(app.clientSecret);
      expect(body.message).toContain(t.refresh_token);
      oauth.inject({ kind: 'status500', match: /external-install/ });
      expect((await uninstall(t.access_token)).status).toBe(500);
      expect(oauth.isInstalled('5160')).toBe(true);
      expect((await uninstall(t.access_token)).status).toBe(204);
    });
  });
});

describe('fake HubSpot: path families', () => {
  const app = { clientId: 'fam-client', clientSecret: 'fam-secret-0123456789', redirectUri: 'https://svc.example/oauth/callback' };
  let f: FakeHubspot;
  beforeAll(async () => {
    f = new FakeHubspot({ oauth: app, tokens: { 'pat-fam': '6000' }, legacy: true });
    await f.start();
  });
  afterAll(() => f.stop());
  const post = (path: string, body: unknown, token = 'pat-fam') =>
    fetch(`${f.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const form = (path: string, fields: Record<string, string>) =>
    fetch(`${f.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });

  it('serves the same records, 409s and rate-limit headers on /crm/v3 and on both date versions', async () => {
    const v3 = await post('/crm/v3/objects/contacts/batch/upsert', { inputs: [{ id: 'fam@x.example', idProperty: 'email', properties: {} }] });
    expect(v3.status).toBe(200);
    const id = ((await v3.json()) as { results: Array<{ id: string }> }).results[0]!.id;
    for (const v of ['2026-03', '2026-09']) {
      const read = await post(`/crm/objects/${v}/contacts/batch/read`, { inputs: [{ id }], properties: ['email'], propertiesWithHistory: [] });
      expect(read.status).toBe(200);
      expect(read.headers.get('x-hubspot-ratelimit-max')).toBe('100');
      expect(((await read.json()) as { results: Array<{ id: string }> }).results[0]!.id).toBe(id);
      const taken = await post(`/crm/objects/${v}/contacts`, { properties: { email: 'FAM@x.example' } });
      expect(taken.status).toBe(409);
      expect(await taken.json()).toMatchObject({ category: 'CONFLICT', message: `Contact already exists. Existing ID: ${id}` });
      const prop = await fetch(`${f.url}/crm/properties/${v}/contacts/email`, { headers: { authorization: 'Bearer pat-fam' } });
      expect(prop.status).toBe(200);
    }
    expect(f.stats.byFamily.get('crm/v3')).toBe(1);
    expect(f.stats.byFamily.get('crm/2026-03')).toBe(3);
    expect(f.stats.byFamily.get('crm/2026-09')).toBe(3);
  });

  it('answers the legacy families with 410 and a sunset message once switched off, and counts every legacy call', async () => {
    const before = f.legacyCalls();
    f.setLegacy(false);
    try {
      const gone = await post('/crm/v3/objects/products/batch/upsert', { inputs: [] });
      expect(gone.status).toBe(410);
      expect(gone.headers.get('content-type')).toContain('application/json');
      const body = (await gone.json()) as { status: string; category: string; message: string; correlationId: string };
      expect(body).toMatchObject({ status: 'error', category: 'API_VERSION_SUNSET' });
      expect(body.message).toContain('/crm/objects/2026-09/');
      expect(body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await form('/oauth/v1/token', { grant_type: 'refresh_token' })).status).toBe(410);
      expect((await fetch(`${f.url}/oauth/v1/access-tokens/oauth-secret-token`)).status).toBe(410);
      expect((await fetch(`${f.url}/appinstalls/v3/external-install`, { method: 'DELETE', headers: { authorization: 'Bearer pat-fam' } })).status).toBe(410);
      expect((await post('/crm/objects/2026-09/products/batch/read', { inputs: [], properties: [], propertiesWithHistory: [] })).status).toBe(200);
      expect(f.legacyCalls() - before).toBe(4);
      expect(f.stats.legacyRefused).toBe(4);
      // The stats never hold a path (a token-info path carries the token).
      expect(JSON.stringify(Object.fromEntries(f.stats.byRoute))).not.toContain('oauth-secret-token');
      // The control route turns them back on.
      expect(await (await post('/__fake/legacy', { legacy: true })).json()).toEqual({ ok: true, legacy: true });
      expect((await post('/crm/v3/objects/products/batch/read', { inputs: [], properties: [], propertiesWithHistory: [] })).status).toBe(200);
    } finally {
      f.setLegacy(true);
    }
  });

  it('runs the current OAuth API with every parameter in the body: code exchange, refresh, introspection and revoke', async () => {
    const creds = { client_id: app.clientId, client_secret: app.clientSecret };
    const v1Before = f.stats.byFamily.get('oauth/v1') ?? 0;
    const res = await form('/oauth/2026-03/token', { ...creds, grant_type: 'authorization_code', code: f.authorize('6100'), redirect_uri: app.redirectUri });
    expect(res.status).toBe(200);
    const t = (await res.json()) as { access_token: string; refresh_token: string; hub_id: number; expires_in: number };
    expect(t).toMatchObject({ hub_id: 6100, expires_in: 1800 });
    const info = (await (await form('/oauth/2026-03/token/introspect', { ...creds, token: t.access_token, token_type_hint: 'access_token' })).json()) as Record<string, unknown>;
    expect(info).toMatchObject({ active: true, hub_id: 6100, token_use: 'access_token', scopes: expect.arrayContaining(['oauth']) });
    expect((await form('/oauth/2026-03/token', { ...creds, grant_type: 'refresh_token', refresh_token: t.refresh_token })).status).toBe(200);
    // Parameters in the query string are refused.
    const inQuery = await fetch(`${f.url}/oauth/2026-03/token/introspect?token=${t.access_token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(creds),
    });
    expect(inQuery.status).toBe(400);
    expect((await form('/oauth/2026-03/token/revoke', { ...creds, token: t.refresh_token, token_type_hint: 'refresh_token' })).status).toBe(204);
    expect(f.isRevoked(t.refresh_token)).toBe(true);
    const refused = await form('/oauth/2026-03/token', { ...creds, grant_type: 'refresh_token', refresh_token: t.refresh_token });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ category: 'VALIDATION_ERROR', error: 'invalid_grant', message: 'refresh token is invalid, expired or revoked', correlationId: expect.any(String) });
    expect(await (await form('/oauth/2026-03/token/introspect', { ...creds, token: t.refresh_token })).json()).toEqual({ active: false });
    const badClient = await form('/oauth/2026-03/token/revoke', { client_id: app.clientId, client_secret: 'wrong', token: 'x' });
    expect(badClient.status).toBe(400);
    expect(f.stats.byFamily.get('oauth/2026-03')).toBe(8);
    expect(f.stats.byFamily.get('oauth/v1') ?? 0).toBe(v1Before);
  });
});
