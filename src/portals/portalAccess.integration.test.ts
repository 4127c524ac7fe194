import { afterAll, describe, expect, it } from 'vitest';
import { createContact, createInvoice } from '../../test/factories.js';
import { appendProxyParams, callSigned, cardFetchPath, fetchCard } from '../../test/hubspotCaller.js';
import { startTestApp, type TestApp } from '../../test/testApp.js';
import { useTestDb } from '../../test/setup.js';
import { mintPageToken, type PagePurpose } from '../shared/pageToken.js';
import { PortalLookup } from './portalAccess.js';

/**
 * The one portal rule (portalAccess.ts) on every HubSpot-facing route: the signed data fetch and
 * hooks, every page (and the PDF) and every page-API call. A portal that is not served gets a 403
 * that says what to do, and no data, no page token, no change.
 */

const PUBLIC = 'https://invoices.example.com';
const DEAL = '53701';
const KEY = 'c3'.repeat(32);

const tdb = useTestDb();
const apps: TestApp[] = [];

afterAll(async () => {
  for (const a of apps) await a.close();
});

async function start(env: Record<string, string>): Promise<TestApp> {
  const app = await startTestApp({ db: tdb.db, publicBaseUrl: PUBLIC, env });
  apps.push(app);
  return app;
}

const oauthEnv = { HUBSPOT_CLIENT_ID: 'client-id-portal-access', HUBSPOT_REDIRECT_URI: `${PUBLIC}/oauth/callback`, TOKEN_ENCRYPTION_KEY: KEY };

/** A portal as the OAuth install leaves it (the install itself is tested in oauth.integration.test.ts). */
async function installed(portalId: string, status: 'active' | 'error' = 'active') {
  const now = new Date();
  await tdb.db('portals').insert({ portal_id: portalId, auth_type: 'oauth', status, created_at: now, updated_at: now }).onConflict('portal_id').merge();
}

/** A page token for the portal, as a card fetch would have minted it (perhaps before a disconnect). */
function pageToken(app: TestApp, portalId: string, purpose: PagePurpose, invoiceId: string | null, kind: 'link' | 'session' = 'link'): string {
  const now = Math.floor(app.clock.now().getTime() / 1000);
  return mintPageToken(app.deps.pageTokenKey!, { kind, purpose, portalId, dealId: DEAL, invoiceId, userId: '4242', userEmail: 'rep@seller.example', origin: now, exp: now + 1800 });
}

interface Probe {
  route: string;
  status: number;
  code: string | undefined;
  text: string;
}

/**
 * Every HubSpot-facing route for one portal, with an invoice and a contact of that portal in the
 * database: what each answers.
 */
async function probeAll(app: TestApp, portalId: string): Promise<Probe[]> {
  const contact = await createContact(app, { company: `Secret customer of ${portalId}` });
  const draft = await createInvoice(app, { portalId, dealId: DEAL, contactExternalId: contact });
  const open = await createInvoice(app, { portalId, dealId: DEAL, contactExternalId: contact, status: 'open' });
  const out: Probe[] = [];
  const note = async (route: string, res: { status: number; body: unknown } | Response) => {
    const text = res instanceof Response ? await res.text() : JSON.stringify(res.body);
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
    } catch {
      code = undefined;
    }
    out.push({ route, status: res.status, code, text });
  };
  const hookBody = new URLSearchParams({ userId: '4242', userEmail: 'rep@seller.example', associatedObjectId: DEAL, associatedObjectType: 'DEAL', portalId }).toString();
  await note('data fetch (classic)', await fetchCard(app, { portalId, dealId: DEAL }));
  await note('data fetch (app card)', await fetchCard(app, { portalId, dealId: DEAL, caller: 'appCard' }));
  await note('void hook', await callSigned(app, { method: 'POST', pathAndQuery: `/hubspot/actions/invoices/${open.id}/void`, body: hookBody, contentType: 'application/x-www-form-urlencoded' }));
  await note('issue hook', await callSigned(app, { method: 'POST', pathAndQuery: `/hubspot/actions/invoices/${draft.id}/issue`, body: hookBody, contentType: 'application/x-www-form-urlencoded' }));
  await note('delete hook', await callSigned(app, { method: 'DELETE', pathAndQuery: `/hubspot/actions/invoices/${draft.id}?${hookBody}` }));
  const pages: Array<[PagePurpose, string, string | null]> = [
    ['create', '/hubspot/pages/invoices/new', null],
    ['list', '/hubspot/pages/invoices', null],
    ['view', `/hubspot/pages/invoices/${open.id}`, open.id],
    ['edit', `/hubspot/pages/invoices/${draft.id}/edit`, draft.id],
    ['payment', `/hubspot/pages/invoices/${open.id}/payment`, open.id],
    ['void', `/hubspot/pages/invoices/${open.id}/void`, open.id],
    ['pdf', `/hubspot/pdf/invoices/${open.id}`, open.id],
    ['settings', '/hubspot/pages/settings', null],
  ];
  for (const [purpose, path, invoiceId] of pages) await note(`${purpose} page`, await fetch(`${app.url}${path}?token=${pageToken(app, portalId, purpose, invoiceId)}`));
  const pageApi = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${app.url}/hubspot/pages/api${path}`, {
      method,
      headers: { 'X-Page-Token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const create = pageToken(app, portalId, 'create', null, 'session');
  await note('contact search', await pageApi('GET', '/contacts?q=', create));
  await note('product search', await pageApi('GET', '/products?q=', create));
  await note('quote', await pageApi('POST', '/quote', create, { currency: 'EUR', lines: [{ description: 'x', quantity: '1', unitPrice: '1.00' }] }));
  await note('save invoice', await pageApi('POST', '/invoices', create, { currency: 'EUR', contactExternalId: contact, lines: [{ description: 'x', quantity: '1', unitPrice: '1.00' }] }));
  await note('record payment', await pageApi('POST', `/invoices/${open.id}/payments`, pageToken(app, portalId, 'payment', open.id, 'session'), { amount: '1.00', date: '2026-11-25' }));
  await note('void', await pageApi('POST', `/invoices/${open.id}/void`, pageToken(app, portalId, 'void', open.id, 'session'), { reason: 'test' }));
  await note('settings', await pageApi('PUT', '/settings', pageToken(app, portalId, 'settings', null, 'session'), { sellerName: 'Intruder' }));
  // What the probed invoices look like afterwards.
  const [d, o] = [(await app.api('GET', `/invoices/${draft.id}`)).body, (await app.api('GET', `/invoices/${open.id}`)).body];
  out.push({ route: 'invoices afterwards', status: 200, code: undefined, text: JSON.stringify([d.status, d.deleted, o.status, o.amountPaid]) });
  return out;
}

const ROUTES = 20;

/** Asserts that every route refused the portal with a 403, leaked nothing, minted no token and changed nothing. */
function expectRefusedEverywhere(probes: Probe[], portalId: string, code: string, advice: RegExp) {
  const routes = probes.filter((p) => p.route !== 'invoices afterwards');
  expect(routes).toHaveLength(ROUTES);
  for (const p of routes) {
    expect(p.status, `${p.route}: ${p.text.slice(0, 300)}`).toBe(403);
    expect(p.text, p.route).not.toContain(`Secret customer of ${portalId}`);
    expect(p.text, p.route).not.toMatch(/token=|INV-|"results"/);
    if (p.code !== undefined) expect(p.code, p.route).toBe(code);
  }
  // Signed routes speak to the operator (what to set); pages speak to the rep (whom to ask).
  for (const p of routes.filter((r) => /hook|data fetch/.test(r.route))) expect(p.text, p.route).toMatch(advice);
  for (const p of routes.filter((r) => / page$/.test(r.route))) {
    expect(p.text, p.route).toContain('<!doctype html>');
    expect(p.text, p.route).not.toMatch(/HUBSPOT_|\/api\/v1/);
  }
  // Nothing changed: the draft is neither issued nor deleted, the open invoice neither paid nor void.
  expect(probes.find((p) => p.route === 'invoices afterwards')!.text).toBe('["draft",false,"open","0.00"]');
}

const REFUSALS = ['portal_not_allowed', 'portal_not_connected', 'no_portal_served'];

function expectServedEverywhere(probes: Probe[]) {
  // Served: no route refuses the portal (a route may still refuse the rep, e.g. not a settings editor).
  for (const p of probes.filter((r) => r.route !== 'invoices afterwards')) {
    expect(p.code ?? '', `${p.route}: ${p.text.slice(0, 300)}`).not.toBeOneOf(REFUSALS);
    if (p.status === 403) expect(p.code, p.route).toBe('not_settings_editor');
  }
  expect(probes.find((p) => p.route === 'data fetch (classic)')!.status).toBe(200);
  expect(probes.find((p) => p.route === 'contact search')!.status).toBe(200);
}

describe('HUBSPOT_ALLOWED_PORTAL_IDS set', () => {
  it('serves the listed portals and refuses every other one on every route', async () => {
    const app = await start({ HUBSPOT_ALLOWED_PORTAL_IDS: '1001, 1002' });
    expectServedEverywhere(await probeAll(app, '1001'));
    expectRefusedEverywhere(await probeAll(app, '1003'), '1003', 'portal_not_allowed', /HubSpot account 1003 is not in HUBSPOT_ALLOWED_PORTAL_IDS.*add it there and restart/);
    const logged = app.logs.records.filter((r) => r.message === 'portal refused');
    expect(logged.length).toBeGreaterThanOrEqual(ROUTES);
    expect(logged[0]).toMatchObject({ portalId: '1003', check: 'portal_not_allowed' });
  });

  it('is read again by a page already open: a portal taken off the list loses its open pages at the next restart', async () => {
    const before = await start({ HUBSPOT_ALLOWED_PORTAL_IDS: '1011' });
    const card = await fetchCard(before, { portalId: '1011', dealId: DEAL });
    expect(card.status).toBe(200);
    const createUri = new URL((card.body as { primaryAction: { uri: string } }).primaryAction.uri);
    const after = await start({ HUBSPOT_ALLOWED_PORTAL_IDS: '1012' });
    const page = await fetch(`${after.url}${createUri.pathname}${createUri.search}`);
    expect(page.status).toBe(403);
    expect((await fetchCard(after, { portalId: '1011', dealId: DEAL })).status).toBe(403);
  });
});

describe('nothing names a portal (no allow-list, no OAuth, no HUBSPOT_PORTAL_ID)', () => {
  it('serves no portal, and says which variable to set', async () => {
    const app = await start({ HUBSPOT_ALLOWED_PORTAL_IDS: '' });
    expect(app.deps.config.hubspot.allowedPortalIds).toBeUndefined();
    expectRefusedEverywhere(await probeAll(app, '2001'), '2001', 'no_portal_served', /Set HUBSPOT_ALLOWED_PORTAL_IDS .*or HUBSPOT_PORTAL_ID/);
  });
});

describe('private-app mode (HUBSPOT_PORTAL_ID, no OAuth, no allow-list)', () => {
  it('serves that one portal only, until an admin disconnects it', async () => {
    const app = await start({ HUBSPOT_ACCESS_TOKEN: 'pat-private', HUBSPOT_PORTAL_ID: '3001' });
    expectServedEverywhere(await probeAll(app, '3001'));
    expectRefusedEverywhere(await probeAll(app, '3002'), '3002', 'portal_not_allowed', /not HUBSPOT_PORTAL_ID.*HUBSPOT_ALLOWED_PORTAL_IDS/);
    await tdb.db('portals').insert({ portal_id: '3001', auth_type: 'private_app', status: 'active', created_at: new Date(), updated_at: new Date() });
    expect((await app.api('DELETE', '/portals/3001')).status).toBe(200);
    expect((await fetchCard(app, { portalId: '3001', dealId: DEAL })).status).toBe(403);
  });
});

describe('OAuth (HUBSPOT_CLIENT_ID set)', () => {
  it('serves installed portals (also when their token failed) and the private-app portal; refuses the others, saying to install', async () => {
    const app = await start({ ...oauthEnv, HUBSPOT_ACCESS_TOKEN: 'pat-oauth-mode', HUBSPOT_PORTAL_ID: '4009' });
    await installed('4001');
    await installed('4002', 'error');
    // A private-app row left from an earlier HUBSPOT_PORTAL_ID is not an install.
    await tdb.db('portals').insert({ portal_id: '4003', auth_type: 'private_app', status: 'active', created_at: new Date(), updated_at: new Date() });
    expectServedEverywhere(await probeAll(app, '4001'));
    expectServedEverywhere(await probeAll(app, '4002'));
    expectServedEverywhere(await probeAll(app, '4009'));
    expectRefusedEverywhere(await probeAll(app, '4003'), '4003', 'portal_not_connected', /installs the app again at https:\/\/invoices\.example\.com\/oauth\/install/);
    expectRefusedEverywhere(await probeAll(app, '4004'), '4004', 'portal_not_connected', /not connected to this service/);
  });

  it("ends a portal's access at the next request once an admin disconnects it: the card, the hooks, and pages and page tokens already handed out", async () => {
    const app = await start(oauthEnv);
    await installed('4101');
    const inv = await createInvoice(app, { portalId: '4101', dealId: DEAL, status: 'open', contactExternalId: await createContact(app) });
    const card = await fetchCard(app, { portalId: '4101', dealId: DEAL });
    expect(card.status).toBe(200);
    const view = new URL((card.body as { results: Array<{ actions: Array<{ label: string; uri: string }> }> }).results[0]!.actions.find((a) => a.label === 'Record payment')!.uri);
    const pageUrl = `${app.url}${view.pathname}${view.search}`;
    const page = await fetch(pageUrl);
    expect(page.status).toBe(200);
    // The session token the open page's script uses for its calls.
    const session = (JSON.parse(/<script type="application\/json" id="page-data">([^<]*)<\/script>/.exec(await page.text())![1]!) as { token: string }).token;

    expect((await app.api('DELETE', '/portals/4101')).body).toMatchObject({ status: 'disconnected' });

    const probes = await probeAll(app, '4101');
    expectRefusedEverywhere(probes, '4101', 'portal_not_connected', /was disconnected/);
    expect((await fetch(pageUrl)).status).toBe(403);
    const pay = await fetch(`${app.url}/hubspot/pages/api/invoices/${inv.id}/payments`, {
      method: 'POST',
      headers: { 'X-Page-Token': session, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: '1.00', date: '2026-11-25' }),
    });
    expect(pay.status).toBe(403);
    expect((await app.api('GET', `/invoices/${inv.id}`)).body.amountPaid).toBe('0.00');
  });

  it('with an allow-list too, serves only portals both listed and installed', async () => {
    const app = await start({ ...oauthEnv, HUBSPOT_ALLOWED_PORTAL_IDS: '4201 4202' });
    await installed('4201');
    await installed('4203');
    expect((await fetchCard(app, { portalId: '4201', dealId: DEAL })).status).toBe(200);
    const listedNotInstalled = await fetchCard(app, { portalId: '4202', dealId: DEAL });
    expect([listedNotInstalled.status, listedNotInstalled.body.error.code]).toEqual([403, 'portal_not_connected']);
    const installedNotListed = await fetchCard(app, { portalId: '4203', dealId: DEAL });
    expect([installedNotListed.status, installedNotListed.body.error.code]).toEqual([403, 'portal_not_allowed']);
  });
});

describe('HUBSPOT_APP_ID', () => {
  it('refuses signed requests that name another app, and accepts ours and the classic card (which names none)', async () => {
    const app = await start({ HUBSPOT_ALLOWED_PORTAL_IDS: '5001', HUBSPOT_APP_ID: '3141592' });
    expect((await fetchCard(app, { portalId: '5001', dealId: DEAL, caller: 'appCard' })).status).toBe(200);
    expect((await fetchCard(app, { portalId: '5001', dealId: DEAL })).status).toBe(200);
    const other = appendProxyParams(
      new URLSearchParams([
        ['associatedObjectId', DEAL],
        ['associatedObjectType', 'DEAL'],
      ]),
      { userId: '1', portalId: '5001', userEmail: 'rep@seller.example', appId: '2718' },
    );
    const res = await callSigned(app, { method: 'GET', pathAndQuery: `/hubspot/card?${other}`, versions: ['v3'] });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'wrong_app', message: expect.stringContaining('HUBSPOT_APP_ID') });
    const inv = await createInvoice(app, { portalId: '5001', dealId: DEAL, status: 'open', contactExternalId: await createContact(app) });
    const hook = await callSigned(app, {
      method: 'POST',
      pathAndQuery: `/hubspot/actions/invoices/${inv.id}/void?${other}`,
      body: JSON.stringify({ portalId: '5001', associatedObjectId: DEAL }),
      contentType: 'application/json',
      versions: ['v3'],
    });
    expect(hook.status).toBe(403);
    expect((await app.api('GET', `/invoices/${inv.id}`)).body.status).toBe('open');
  });
});

describe('HUBSPOT_ALLOW_V2_ONLY=true', () => {
  it("refuses a captured request whose v3 headers were stripped when it shows it had them, and accepts a plain v2 one (the flag's cost)", async () => {
    const app = await start({ HUBSPOT_ALLOWED_PORTAL_IDS: '6001', HUBSPOT_ALLOW_V2_ONLY: 'true' });
    const appCard = cardFetchPath({ portalId: '6001', dealId: DEAL, caller: 'appCard' });
    const stripAll = (r: { headers: Record<string, string> }) => {
      delete r.headers['X-HubSpot-Signature-v3'];
      delete r.headers['X-HubSpot-Request-Timestamp'];
    };
    const stripped = await callSigned(app, { method: 'GET', pathAndQuery: appCard, versions: ['v2', 'v3'], timestamp: app.clock.now().getTime() - 3_600_000, tamper: stripAll });
    expect([stripped.status, stripped.body.error.code]).toEqual([401, 'invalid_signature']);
    expect(stripped.body.error.message).toMatch(/v3 signature was removed/);
    const halfStripped = await callSigned(app, { method: 'GET', pathAndQuery: cardFetchPath({ portalId: '6001', dealId: DEAL }), tamper: (r) => void delete r.headers['X-HubSpot-Signature-v3'] });
    expect(halfStripped.status).toBe(401);
    const jsonHook = await callSigned(app, {
      method: 'POST',
      pathAndQuery: '/hubspot/actions/invoices/1/void',
      body: JSON.stringify({ portalId: '6001', associatedObjectId: DEAL }),
      contentType: 'text/plain',
      versions: ['v2'],
    });
    expect(jsonHook.status).toBe(401);
    // A classic request signed with v2 alone cannot be told from one stripped of v3: accepted.
    expect((await callSigned(app, { method: 'GET', pathAndQuery: cardFetchPath({ portalId: '6001', dealId: DEAL }), versions: ['v2'] })).status).toBe(200);
    expect(app.logs.records.filter((r) => r.message === 'hubspot signature rejected').map((r) => r.check)).toEqual(['v3_removed', 'v3_removed', 'v3_removed']);
  });
});

describe('PortalLookup', () => {
  it('answers concurrent lookups as single ones would, sharing queries, with no cache', async () => {
    const now = new Date();
    await tdb.db('portals').insert([
      { portal_id: '7001', auth_type: 'oauth', status: 'active', created_at: now, updated_at: now },
      { portal_id: '7002', auth_type: 'private_app', status: 'disconnected', created_at: now, updated_at: now },
    ]);
    const lookup = new PortalLookup(tdb.db);
    const asked = Array.from({ length: 60 }, (_, i) => ['7001', '7002', '7003'][i % 3]!);
    const rows = await Promise.all(asked.map((p) => lookup.get(p)));
    expect(rows.map((r) => r && `${r.auth_type}/${r.status}`)).toEqual(asked.map((p) => ({ '7001': 'oauth/active', '7002': 'private_app/disconnected', '7003': undefined })[p]));
    expect(lookup.stats.reads).toBe(60);
    expect(lookup.stats.queries).toBeLessThan(10); // two start at once, the rest wait and share
    // No cache: a change is seen by the next lookup.
    await tdb.db('portals').where({ portal_id: '7001' }).update({ status: 'disconnected' });
    expect((await lookup.get('7001'))?.status).toBe('disconnected');
  });

  it('fails every waiting lookup when its query fails, and keeps working afterwards', async () => {
    const lookup = new PortalLookup(tdb.db);
    const bad = await Promise.allSettled([lookup.get('not-a-number'), lookup.get('also-not')]);
    expect(bad.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await lookup.get('7002'))?.status).toBe('disconnected');
  });
});
