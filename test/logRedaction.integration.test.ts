import { beforeAll, describe, expect, it } from 'vitest';
import { cardFetchPath, hubspotHeaders } from './hubspotCaller.js';
import { privateAppEnv, type ServiceProcess, startService } from './serviceProcess.js';
import { useFakeHubspot, useServiceProcesses } from './setup.js';
import { type JsonBody, TEST_CLIENT_SECRET, type TestApp } from './testApp.js';

/**
 * The built service at LOG_LEVEL=debug (every line it can write), driven through everything that
 * carries a secret: signed card fetches (and a forged one), the iframe pages' token URLs, the API's
 * bearer token, the dashboard sign-in and its session, the OAuth install (code, tokens, state) and
 * a push with a private-app token. Then its whole output is searched for each secret.
 *
 * Then the failures: the fake HubSpot drops, or answers with error pages that echo the request's
 * URL and body (as a misbehaving proxy would), the calls whose URL or body carries a token (the
 * token info after a code exchange, a refresh, the revoke of a disconnect). Neither the log, nor
 * the HTML page, nor any JSON answer may repeat a token, a code, the client secret or the key.
 */

const PUBLIC = 'https://invoices.example.com';
const API_TOKEN = 'log-redaction-api-token-7c1d2e';
const PRIVATE_TOKEN = 'pat-na1-log-redaction-private-0042';
const KEY = 'b2'.repeat(32);
const CLIENT_ID = 'client-log-redaction';
const PORTAL = '6464';
const OAUTH_PORTAL = '6565';
/** Installs that fail after the code exchange, refresh failures, failed disconnects. */
const FAILING_PORTALS = ['6601', '6602', '6603', '6604', '6605'];

const fake = useFakeHubspot({
  maxPerWindow: 1000,
  windowMs: 1000,
  tokens: { [PRIVATE_TOKEN]: PORTAL },
  oauth: { clientId: CLIENT_ID, clientSecret: TEST_CLIENT_SECRET, redirectUri: `${PUBLIC}/oauth/callback` },
});
const { env, children } = useServiceProcesses({
  storage: 'log-redaction',
  env: () => ({
    ...privateAppEnv({ apiToken: API_TOKEN, accessToken: PRIVATE_TOKEN, portalId: PORTAL, hubspotUrl: fake.url }),
    LOG_LEVEL: 'debug',
    PUBLIC_BASE_URL: PUBLIC,
    HUBSPOT_CLIENT_SECRET: TEST_CLIENT_SECRET,
    HUBSPOT_CLIENT_ID: CLIENT_ID,
    HUBSPOT_REDIRECT_URI: `${PUBLIC}/oauth/callback`,
    TOKEN_ENCRYPTION_KEY: KEY,
  }),
});
let service: ServiceProcess;
const secrets = new Set<string>([TEST_CLIENT_SECRET, API_TOKEN, PRIVATE_TOKEN, KEY]);

beforeAll(async () => {
  service = await startService(env, children);
});

const signer = { publicBaseUrl: PUBLIC, clock: { now: () => new Date() } } as unknown as TestApp;
async function api(method: string, p: string, body?: unknown) {
  const res = await fetch(`${service.url}/api/v1${p}`, {
    method,
    headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as JsonBody };
}

describe('logs', () => {
  it('never carry a secret, a token, a signature or a session, even at debug level', { timeout: 60_000 }, async () => {
    // The API, and an invoice on a deal so the card has action and page URLs.
    await api('PUT', '/contacts/lr-1', { email: 'lr.1@logs.example', firstName: 'Log' });
    const invoice = await api('POST', '/invoices', { portalId: PORTAL, dealId: '77', currency: 'EUR', contactExternalId: 'lr-1', lines: [{ description: 'Work', quantity: '1', unitPrice: '10.00' }] });
    expect(invoice.status).toBe(201);
    expect((await fetch(`${service.url}/api/v1/invoices`, { headers: { authorization: 'Bearer wrong-token-but-long-enough' } })).status).toBe(401);

    // Signed card fetches: good and forged. Their signatures are secrets too.
    const pathAndQuery = cardFetchPath({ portalId: PORTAL, dealId: '77' });
    const headers = hubspotHeaders(signer, { method: 'GET', pathAndQuery });
    for (const v of Object.values(headers)) if (v.length > 20) secrets.add(v);
    const card = (await (await fetch(service.url + pathAndQuery, { headers })).json()) as Record<string, unknown>;
    const forged = hubspotHeaders(signer, { method: 'GET', pathAndQuery, secret: 'forged-secret-0000' });
    for (const v of Object.values(forged)) if (v.length > 20) secrets.add(v);
    expect((await fetch(service.url + pathAndQuery, { headers: forged })).status).toBe(401);

    // Every page URL the card handed out, opened as the rep's browser would, and once tampered.
    const urls = [...JSON.stringify(card).matchAll(/https:\/\/invoices\.example\.com(\/hubspot\/[^"\\]+)/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThan(2);
    for (const u of urls) {
      for (const t of u.matchAll(/token=([^&]+)/g)) secrets.add(decodeURIComponent(t[1]!));
      await (await fetch(service.url + u)).arrayBuffer();
      await (await fetch(service.url + u.replace(/token=([^&]{5})/, 'token=XXXXX'))).arrayBuffer();
    }

    // The dashboard: a wrong and a right sign-in; the session cookie is a secret.
    await fetch(`${service.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: 'not-the-api-token-guess' }), redirect: 'manual' });
    const login = await fetch(`${service.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: API_TOKEN }), redirect: 'manual' });
    const session = login.headers.get('set-cookie')!.split(';')[0]!;
    secrets.add(session.split('=')[1]!);
    expect((await fetch(`${service.url}/admin/api/overview`, { headers: { cookie: session } })).status).toBe(200);

    // The OAuth install: state, code, and the tokens HubSpot issues.
    const install = await fetch(`${service.url}/oauth/install`, { redirect: 'manual' });
    const state = new URL(install.headers.get('location')!).searchParams.get('state')!;
    const cookie = install.headers.get('set-cookie')!.split(';')[0]!;
    secrets.add(state.split('.')[1]!);
    const code = fake.authorize(OAUTH_PORTAL);
    secrets.add(code);
    expect((await fetch(`${service.url}/oauth/callback?code=${code}&state=${encodeURIComponent(state)}`, { headers: { cookie } })).status).toBe(200);
    const issued = fake.issuedTokens(OAUTH_PORTAL);
    for (const t of [...issued.access, ...issued.refresh]) secrets.add(t);

    // A push with the private-app token (debug logs each retry and batch).
    fake.inject({ kind: 'status503', times: 2 });
    const run = await api('POST', '/sync/runs', { portalId: PORTAL });
    // Until the run ends, or a deadline well inside the test's timeout (not a count of polls: a
    // loaded machine answers each one later).
    for (const until = Date.now() + 40_000; Date.now() < until;) {
      const r = await api('GET', `/sync/runs/${run.body.id}`);
      if (r.body.status === 'done' || r.body.status === 'failed') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const ended = (await api('GET', `/sync/runs/${run.body.id}`)).body;
    expect(ended.status, JSON.stringify(ended)).toBe('done');
    expect(fake.records(PORTAL, 'contacts')).toHaveLength(1);

    const logs = service.output();
    expect(logs.split('\n').filter((l) => l.startsWith('{')).length).toBeGreaterThan(30); // it did log, at length
    expect(logs).toContain('"message":"request"'); // including every request (http level)
    const leaked = [...secrets].filter((s) => s.length >= 8 && logs.includes(s));
    expect(leaked).toEqual([]);
  });

  it('never carry a token, code or secret when HubSpot drops or garbles the calls that carry them', { timeout: 90_000 }, async () => {
    /** Every HTML page and JSON body the service answered, searched like the logs. */
    const shown: string[] = [];
    const keep = async (res: Response) => {
      const text = await res.text();
      shown.push(text);
      return { status: res.status, text };
    };
    const install = async (portalId: string) => {
      const started = await fetch(`${service.url}/oauth/install`, { redirect: 'manual' });
      const state = new URL(started.headers.get('location')!).searchParams.get('state')!;
      const cookie = started.headers.get('set-cookie')!.split(';')[0]!;
      const code = fake.authorize(portalId);
      secrets.add(code);
      return keep(await fetch(`${service.url}/oauth/callback?code=${code}&state=${encodeURIComponent(state)}`, { headers: { cookie }, redirect: 'manual' }));
    };
    const keptApi = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(`${service.url}/api/v1${p}`, {
        method,
        headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const { status, text } = await keep(res);
      return { status, body: JSON.parse(text) as JsonBody };
    };
    const push = async (portalId: string, externalId: string) => {
      await keptApi('PUT', `/contacts/${externalId}`, { email: `${externalId}@logs.example`, firstName: `Changed ${Date.now()}` });
      const run = await keptApi('POST', '/sync/runs', { portalId });
      for (const until = Date.now() + 25_000; Date.now() < until;) {
        const r = await keptApi('GET', `/sync/runs/${run.body.id}`);
        if (r.body.status === 'done' || r.body.status === 'failed') return r.body;
        await new Promise((res) => setTimeout(res, 100));
      }
      throw new Error('the push did not finish');
    };
    const [dropInfo, echoInfo, refreshing, dropRevoke, echoRevoke] = FAILING_PORTALS as [string, string, string, string, string];

    // 1. An install whose token-info call is dropped, then one whose token-info answer is an HTML
    //    page echoing its URL (the access token is in it) and its Authorization header.
    fake.inject({ kind: 'drop', match: /access-tokens|token\/introspect/ });
    const dropped = await install(dropInfo);
    expect(dropped.status).toBe(502);
    expect(dropped.text).toContain('could not be installed');
    fake.inject({ kind: 'echo', match: /access-tokens|token\/introspect/ });
    const echoed = await install(echoInfo);
    expect(echoed.status).toBe(502);
    fake.inject({ kind: 'echo', match: /access-tokens|token\/introspect/, status: 500, format: 'json' });
    expect((await install(echoInfo)).status).toBe(502);

    // 2. A portal whose refresh fails: dropped, then a 500 echoing the grant's form (client secret
    //    and refresh token), then a 400 invalid_grant echoing it (that one puts the portal in
    //    error, with a status message the dashboard shows).
    expect((await install(refreshing)).status).toBe(200);
    const expire = () => {
      for (const t of fake.issuedTokens(refreshing).access) fake.expireAccessToken(t);
    };
    expire();
    fake.inject({ kind: 'drop', match: /^POST \/oauth\/[^/]+\/token$/ });
    expect((await push(refreshing, 'lr-r1')).status).toBe('failed');
    expire();
    fake.inject({ kind: 'echo', match: /^POST \/oauth\/[^/]+\/token$/, status: 500, format: 'json' });
    expect((await push(refreshing, 'lr-r2')).status).toBe('failed');
    expire();
    fake.inject({ kind: 'echo', match: /^POST \/oauth\/[^/]+\/token$/, status: 400, format: 'json', fields: { error: 'invalid_grant', status: 'BAD_REFRESH_TOKEN' } });
    const refused = await push(refreshing, 'lr-r3');
    expect(refused.status).toBe('failed');
    expect(refused.error).toContain('Install it again');
    const listed = await keptApi('GET', '/portals');
    expect(listed.body.portals.find((p: { portalId: string }) => p.portalId === refreshing)).toMatchObject({ status: 'error' });

    // 3. Disconnects whose revoke is dropped, or answered with a JSON 500 echoing its URL.
    for (const [portalId, fault] of [
      [dropRevoke, { kind: 'drop' }],
      [echoRevoke, { kind: 'echo', status: 500, format: 'json' }],
    ] as const) {
      expect((await install(portalId)).status).toBe(200);
      fake.inject({ ...fault, match: /refresh-tokens|token\/revoke/ });
      const gone = await keptApi('DELETE', `/portals/${portalId}`);
      expect(gone.body).toMatchObject({ portalId, status: 'disconnected', refreshTokenRevoked: false, revocationPending: true });
    }
    // The dashboard's view (the same data as /api/v1/portals) says the revoke is pending.
    const login = await fetch(`${service.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: API_TOKEN }), redirect: 'manual' });
    const session = login.headers.get('set-cookie')!.split(';')[0]!;
    secrets.add(session.split('=')[1]!);
    const overview = await keep(await fetch(`${service.url}/admin/api/overview`, { headers: { cookie: session } }));
    expect(overview.status).toBe(200);
    expect(JSON.parse(overview.text).revocations).toEqual(expect.arrayContaining([expect.objectContaining({ portalId: dropRevoke }), expect.objectContaining({ portalId: echoRevoke })]));

    for (const p of FAILING_PORTALS) for (const t of [...fake.issuedTokens(p).access, ...fake.issuedTokens(p).refresh]) secrets.add(t);
    expect(fake.issuedTokens(dropInfo).access.length + fake.issuedTokens(echoInfo).access.length).toBe(3);
    const logs = service.output();
    expect(logs).toContain('app install failed');
    const leaked = [...secrets].filter((s) => s.length >= 8 && logs.includes(s));
    expect(leaked).toEqual([]);
    const leakedOnPages = [...secrets].filter((s) => s.length >= 8 && shown.some((text) => text.includes(s)));
    expect(leakedOnPages).toEqual([]);
  });
});
