import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidCard } from './cardAssertions.js';
import { createContact, createInvoice, createProduct } from './factories.js';
import { callSigned, cardFetchPath, fetchCard, hubspotHeaders } from './hubspotCaller.js';
import { startTestApp, TEST_API_TOKEN, TEST_CLIENT_SECRET, type TestApp } from './testApp.js';
import { useFakeHubspot, useTestApp } from './setup.js';
import type { CardResponse } from '../src/card/cardResponse.js';
import { CARD_ERRORS_PER_PORTAL_PER_MINUTE } from '../src/admin/cardErrors.js';
import { mintPageToken, PAGE_CHAIN_MAX_SECONDS, type PagePurpose } from '../src/shared/pageToken.js';
import * as portalRepo from '../src/portals/portalRepo.js';

/**
 * A security probe written as an outsider and as a rep of another HubSpot account would attack the
 * service: other portals, logs and error bodies, validation cost, token lifetime, unauthenticated
 * writes and odd input. Each `it` asserts the absence of one family of holes, so this file stays
 * as a regression test. No timing assertions: sizes and counts only.
 *
 * The cast: portals A and B are served (HUBSPOT_ALLOWED_PORTAL_IDS), C is not. A rep of B holds
 * every token B's card and pages hand out; A holds invoices B must never reach. The contact and
 * product search answers every served portal's rep from the one shared catalog (the accounting
 * system pushes it to every served portal): that is by design; C must get none of it.
 *
 * Holes it found, fixed beside it: a made-up OAuth code (anyone can get a state from
 * /oauth/install) was a 502; a JSON body labelled utf-16 or utf-7 was decoded and stored.
 */

const PUBLIC = 'https://invoices.example.com';
const A = '8101';
const B = '8102';
const C = '8103';
const DEAL_A = '91001';
const DEAL_B = '91002';
const USER_B = '5150';
const TOO_BIG = '9223372036854775808';

let oauthApp: TestApp;
let adminCookie: string;

/** Everything a rep of B got from B's card and B's pages. */
const b = { links: new Map<string, string>(), sessions: new Map<string, string>() };
let ids: { draftA: string; openA: string; draftB: string; openB: string };
/** Every secret the probe saw or sent: none may appear in a log line or an error body. */
const secrets = new Set<string>([TEST_CLIENT_SECRET, TEST_API_TOKEN]);
/** Every error body (status >= 400) the service answered. */
const errorBodies: Array<{ what: string; status: number; text: string }> = [];

const OAUTH_CLIENT = 'client-security-probe';
const OAUTH_KEY = 'd4'.repeat(32);

const fake = useFakeHubspot({ maxPerWindow: 1000, windowMs: 1000, oauth: { clientId: OAUTH_CLIENT, clientSecret: TEST_CLIENT_SECRET, redirectUri: `${PUBLIC}/oauth/callback` } });
const { tdb, app } = useTestApp({ publicBaseUrl: PUBLIC, env: { HUBSPOT_ALLOWED_PORTAL_IDS: `${A},${B}` } });

beforeAll(async () => {
  oauthApp = await startTestApp({
    db: tdb.db,
    publicBaseUrl: PUBLIC,
    env: {
      HUBSPOT_ALLOWED_PORTAL_IDS: `${A},${B}`,
      HUBSPOT_CLIENT_ID: OAUTH_CLIENT,
      HUBSPOT_REDIRECT_URI: `${PUBLIC}/oauth/callback`,
      TOKEN_ENCRYPTION_KEY: OAUTH_KEY,
      HUBSPOT_API_BASE_URL: fake.url,
    },
  });
  secrets.add(OAUTH_KEY);
  for (const p of [A, B]) await portalRepo.ensurePrivateApp(tdb.db, p, new Date());
  expect((await app.api('PUT', `/portals/${B}/settings`, { sellerName: 'Seller B', cardEditors: [USER_B] })).status).toBe(200);
  expect((await app.api('PUT', `/portals/${A}/settings`, { sellerName: 'Seller A' })).status).toBe(200);
  const contact = await createContact(app, { company: 'Customer of everyone' });
  await createProduct(app);
  ids = {
    draftA: (await createInvoice(app, { portalId: A, dealId: DEAL_A, contactExternalId: contact })).id,
    openA: (await createInvoice(app, { portalId: A, dealId: DEAL_A, contactExternalId: contact, status: 'open' })).id,
    draftB: (await createInvoice(app, { portalId: B, dealId: DEAL_B, contactExternalId: contact })).id,
    openB: (await createInvoice(app, { portalId: B, dealId: DEAL_B, contactExternalId: contact, status: 'open' })).id,
  };
  // B's rep opens the deal, then every page the card links to.
  const card = await fetchCard(app, { portalId: B, dealId: DEAL_B, userId: USER_B });
  expect(card.status).toBe(200);
  const body: CardResponse = expectValidCard(card.body, app.publicBaseUrl);
  for (const u of harvestLinks(JSON.stringify(body))) {
    const { key } = describeLink(u);
    b.links.set(key, u);
    const page = await fetch(local(u));
    expect(page.status, u).toBe(200);
    const session = sessionTokenOf(await page.text());
    if (session) b.sessions.set(key, session);
  }
  for (const t of [...b.links.values()].map(tokenOf)) secrets.add(t);
  // A dashboard session, taken before the probes use up the sign-in limit.
  const login = await fetch(`${app.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: TEST_API_TOKEN }), redirect: 'manual' });
  adminCookie = login.headers.get('set-cookie')!.split(';')[0]!;
  secrets.add(adminCookie.split('=')[1]!);
  for (const t of b.sessions.values()) secrets.add(t);
}, 120_000);
afterAll(async () => {
  await oauthApp?.close();
});

// ---------------------------------------------------------------------------------------------
// Helpers.

const local = (u: string, base = app.url) => {
  const url = new URL(u, PUBLIC);
  return base + url.pathname + url.search;
};
const tokenOf = (u: string) => new URL(u, PUBLIC).searchParams.get('token')!;

/** Page and PDF links (with their token) in a card answer or a page's HTML. */
function harvestLinks(text: string): string[] {
  const out = new Set<string>();
  const unescaped = text
    .replace(/&amp;/g, '&')
    .replace(/&#38;/g, '&')
    .replace(/\\u0026/g, '&');
  for (const m of unescaped.matchAll(/(?:https:\/\/invoices\.example\.com)?(\/hubspot\/(?:pages|pdf)\/[^"'\s<>\\]*\?token=[^"'\s<>\\]+)/g)) out.add(`${PUBLIC}${m[1]!}`);
  return [...out];
}

/** The session token a page hands its script. */
function sessionTokenOf(html: string): string | undefined {
  const m = /<script type="application\/json" id="page-data">([^<]*)<\/script>/.exec(html);
  if (!m) return undefined;
  return (JSON.parse(m[1]!) as { token?: string }).token;
}

/** "payment:12" and the like, from a link's token (purpose code and invoice id are in clear). */
function describeLink(u: string): { purpose: PagePurpose; key: string } {
  const parts = tokenOf(u).split('.');
  const byCode: Record<string, PagePurpose> = { c: 'create', e: 'edit', p: 'payment', f: 'pdf', v: 'view', l: 'list', x: 'void', s: 'settings' };
  const purpose = byCode[parts[1]![1]!]!;
  return { purpose, key: parts[4] ? `${purpose}:${parts[4]}` : purpose };
}

async function keep(what: string, res: Response): Promise<{ status: number; text: string }> {
  const text = await res.text();
  if (res.status >= 400) errorBodies.push({ what, status: res.status, text });
  return { status: res.status, text };
}

const pageApi = (path: string, token: string | undefined, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> =>
  fetch(`${app.url}/hubspot/pages/api${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(token === undefined ? {} : { 'x-page-token': token }),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : typeof init.body === 'string' || init.body instanceof Uint8Array ? (init.body as string) : JSON.stringify(init.body),
  });

const session = (key: string) => {
  const s = b.sessions.get(key);
  if (!s) throw new Error(`no session token for ${key}: have ${[...b.sessions.keys()].join(', ')}`);
  return s;
};

/** A token for `portalId` as a card fetch would have minted it (the key is the service's). */
function minted(portalId: string, purpose: PagePurpose, invoiceId: string | null, kind: 'link' | 'session', dealId = DEAL_B, originOffset = 0): string {
  const now = Math.floor(app.clock.now().getTime() / 1000) + originOffset;
  return mintPageToken(app.deps.pageTokenKey!, { kind, purpose, portalId, dealId, invoiceId, userId: USER_B, userEmail: 'rep@b.example', origin: now, exp: now + 1800 });
}

const formHook = (portalId: string, dealId: string, extra: Record<string, string> = {}) =>
  new URLSearchParams({ userId: USER_B, userEmail: 'rep@b.example', associatedObjectId: dealId, associatedObjectType: 'DEAL', portalId, ...extra }).toString();

async function invoiceState(id: string) {
  const r = (await app.api('GET', `/invoices/${id}`)).body;
  return JSON.stringify([r.status, r.deleted, r.amountPaid, r.memo ?? null, r.dealId, r.lines?.length]);
}

/** A fingerprint of every table's rows: any insert, update or delete changes it. */
async function fingerprint(): Promise<Record<string, string>> {
  const tables = (await tdb.db.raw(`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`)) as {
    rows: Array<{ table_name: string }>;
  };
  const out: Record<string, string> = {};
  for (const { table_name: t } of tables.rows) {
    const r = (await tdb.db.raw(`select count(*)::int as n, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from "${t}" x`)) as { rows: Array<{ n: number; h: string }> };
    out[t] = `${r.rows[0]!.n}:${r.rows[0]!.h}`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('other portals', () => {
  it("B's tokens cannot read or change A's invoices, on any page, PDF or page-API route", async () => {
    const before = await Promise.all([ids.draftA, ids.openA].map(invoiceState));
    const results: Array<{ what: string; status: number; text: string }> = [];
    // Every link of B, pointed at A's invoices (same purpose, other id).
    for (const [key, u] of b.links) {
      const url = new URL(u);
      if (!/\/invoices\/\d+/.test(url.pathname)) continue;
      for (const target of [ids.draftA, ids.openA]) {
        const swapped = url.pathname.replace(/\/invoices\/\d+/, `/invoices/${target}`);
        results.push({ what: `${key} link → ${target}`, ...(await keep('swap', await fetch(`${app.url}${swapped}${url.search}`))) });
      }
    }
    // Every session token of B, on every page-API route naming A's invoices.
    for (const [key, tok] of b.sessions) {
      for (const target of [ids.draftA, ids.openA]) {
        results.push({ what: `${key} → PATCH ${target}`, ...(await keep('api', await pageApi(`/invoices/${target}`, tok, { method: 'PATCH', body: { memo: 'from B' } }))) });
        results.push({ what: `${key} → pay ${target}`, ...(await keep('api', await pageApi(`/invoices/${target}/payments`, tok, { method: 'POST', body: { amount: '1.00' } }))) });
        results.push({ what: `${key} → void ${target}`, ...(await keep('api', await pageApi(`/invoices/${target}/void`, tok, { method: 'POST', body: { voidReason: 'from B' } }))) });
      }
    }
    for (const r of results) {
      expect(r.status, `${r.what}: ${r.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(r.status, r.what).toBeLessThan(500);
      expect(r.text, r.what).not.toContain('Seller A');
      expect(r.text, r.what).not.toMatch(/INV-\d/);
    }
    expect(results.length).toBeGreaterThan(20);
    // B's create token cannot name another portal or deal in its body.
    for (const extra of [{ portalId: A }, { dealId: DEAL_A }, { portalId: A, dealId: DEAL_A }]) {
      const r = await keep(
        'create',
        await pageApi('/invoices', session('create'), { method: 'POST', body: { currency: 'EUR', lines: [{ description: 'x', quantity: '1', unitPrice: '1.00' }], ...extra } }),
      );
      expect(r.status, r.text).toBe(400);
    }
    // B's edit token cannot move B's draft to A's deal.
    const move = await keep('move', await pageApi(`/invoices/${ids.draftB}`, session(`edit:${ids.draftB}`), { method: 'PATCH', body: { dealId: DEAL_A } }));
    expect(move.status).toBeGreaterThanOrEqual(400);
    expect(move.status).toBeLessThan(500);
    // B's settings token saves B's settings only, and cannot name A.
    const settingsA = JSON.stringify((await app.api('GET', `/portals/${A}/settings`)).body);
    const put = await keep('settings', await pageApi('/settings', session('settings'), { method: 'PUT', body: { settings: { sellerName: 'B wrote this', portalId: A }, version: 0 } }));
    expect(put.status).toBe(400);
    expect(JSON.stringify((await app.api('GET', `/portals/${A}/settings`)).body)).toBe(settingsA);
    expect(await Promise.all([ids.draftA, ids.openA].map(invoiceState))).toEqual(before);
  });

  it("B's signed hooks cannot reach A's invoices, whichever deal or portal the request names", async () => {
    const before = await Promise.all([ids.draftA, ids.openA].map(invoiceState));
    const tries: Array<{ method: string; path: string; body?: string; contentType?: string }> = [];
    for (const id of [ids.draftA, ids.openA]) {
      for (const deal of [DEAL_B, DEAL_A]) {
        const q = formHook(B, deal);
        tries.push({ method: 'POST', path: `/hubspot/actions/invoices/${id}/void`, body: q, contentType: 'application/x-www-form-urlencoded' });
        tries.push({ method: 'POST', path: `/hubspot/actions/invoices/${id}/issue`, body: q, contentType: 'application/x-www-form-urlencoded' });
        tries.push({ method: 'DELETE', path: `/hubspot/actions/invoices/${id}?${q}` });
        // The app card's shape: HubSpot appends B's identity to the query; the body names A.
        tries.push({
          method: 'POST',
          path: `/hubspot/actions/invoices/${id}/issue?userId=${USER_B}&portalId=${B}&userEmail=rep%40b.example&appId=3141592`,
          body: JSON.stringify({ portalId: A, associatedObjectId: deal, associatedObjectType: 'DEAL' }),
          contentType: 'application/json',
        });
        tries.push({
          method: 'POST',
          path: `/hubspot/actions/invoices/${id}/void?userId=${USER_B}&portalId=${B}&portalId=${A}&userEmail=rep%40b.example&appId=3141592`,
          body: JSON.stringify({ associatedObjectId: deal, associatedObjectType: 'DEAL' }),
          contentType: 'application/json',
        });
      }
    }
    for (const t of tries) {
      const r = await callSigned(app, { method: t.method, pathAndQuery: t.path, body: t.body, contentType: t.contentType, versions: ['v3'] });
      expect(r.status, `${t.method} ${t.path}: ${JSON.stringify(r.body).slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
    expect(await Promise.all([ids.draftA, ids.openA].map(invoiceState))).toEqual(before);
  });

  it('a portal that is not served gets nothing from any route: no invoices, no links, no catalog, no write', async () => {
    const before = await fingerprint();
    const results: Array<{ what: string; status: number; text: string }> = [];
    const note = async (what: string, res: Response | Promise<Response>) => results.push({ what, ...(await keep(what, await res)) });
    // Signed data fetch and hooks, both callers.
    for (const caller of ['classic', 'appCard'] as const) {
      const r = await fetchCard(app, { portalId: C, dealId: DEAL_B, caller });
      results.push({ what: `fetch ${caller}`, status: r.status, text: JSON.stringify(r.body) });
    }
    for (const [method, path] of [
      ['POST', `/hubspot/actions/invoices/${ids.openB}/void`],
      ['POST', `/hubspot/actions/invoices/${ids.draftB}/issue`],
    ] as const) {
      const r = await callSigned(app, { method, pathAndQuery: path, body: formHook(C, DEAL_B), contentType: 'application/x-www-form-urlencoded' });
      results.push({ what: `${method} ${path}`, status: r.status, text: JSON.stringify(r.body) });
    }
    const del = await callSigned(app, { method: 'DELETE', pathAndQuery: `/hubspot/actions/invoices/${ids.draftB}?${formHook(C, DEAL_B)}` });
    results.push({ what: 'DELETE hook', status: del.status, text: JSON.stringify(del.body) });
    // Pages and page-API calls with tokens that name C (as if minted while C was served).
    for (const [purpose, path, inv] of [
      ['create', '/hubspot/pages/invoices/new', null],
      ['list', '/hubspot/pages/invoices', null],
      ['settings', '/hubspot/pages/settings', null],
      ['view', `/hubspot/pages/invoices/${ids.openB}`, ids.openB],
      ['pdf', `/hubspot/pdf/invoices/${ids.openB}`, ids.openB],
    ] as Array<[PagePurpose, string, string | null]>) {
      await note(`${purpose} page`, fetch(`${app.url}${path}?token=${minted(C, purpose, inv, 'link')}`));
    }
    const createC = minted(C, 'create', null, 'session');
    await note('contacts', pageApi('/contacts?q=', createC));
    await note('products', pageApi('/products?q=', createC));
    await note('quote', pageApi('/quote', createC, { method: 'POST', body: { currency: 'EUR', lines: [] } }));
    await note('create', pageApi('/invoices', createC, { method: 'POST', body: { currency: 'EUR', lines: [{ description: 'x', quantity: '1', unitPrice: '1.00' }] } }));
    await note('settings', pageApi('/settings', minted(C, 'settings', null, 'session'), { method: 'PUT', body: { settings: { sellerName: 'C' }, version: 0 } }));
    for (const r of results) {
      expect(r.status, `${r.what}: ${r.text.slice(0, 200)}`).toBe(403);
      expect(r.text, r.what).not.toMatch(/token=|Customer of everyone|INV-\d|Seller B|"contacts"|"products"/);
    }
    // What C's signed requests and genuine tokens may leave behind: dashboard rows, bounded; nothing else.
    const after = await fingerprint();
    const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
    expect(changed.filter((t) => t !== 'card_errors')).toEqual([]);
    const rows = Number(((await tdb.db('card_errors').where({ portal_id: C }).count({ n: '*' })) as Array<{ n: string }>)[0]!.n);
    expect(rows).toBeLessThanOrEqual(CARD_ERRORS_PER_PORTAL_PER_MINUTE);
  });
});

describe('token lifetime', () => {
  it("no chain of links, reloads, paging and session tokens outlives the card's fetch by more than the bound", async () => {
    const start = app.clock.now().getTime();
    try {
      const card = await fetchCard(app, { portalId: B, dealId: DEAL_B, userId: USER_B });
      const origin = Math.floor(app.clock.now().getTime() / 1000);
      let frontier = new Set(harvestLinks(JSON.stringify(card.body)));
      const sessions = new Set<string>();
      // Every 20 minutes, open every link seen so far and keep every link and session each page hands out.
      const seen = new Set<string>();
      for (let step = 0; step < 9; step++) {
        const next = new Set<string>();
        for (const u of frontier) {
          const res = await fetch(local(u));
          const text = await res.text();
          if (res.status !== 200) continue;
          for (const l of harvestLinks(text)) next.add(l);
          const s = sessionTokenOf(text);
          if (s) sessions.add(s);
          next.add(u);
        }
        for (const u of next) seen.add(u);
        frontier = next;
        app.clock.advance(20 * 60_000);
      }
      expect(seen.size).toBeGreaterThan(5);
      // Past the bound: nothing opens, nothing calls.
      app.clock.set(new Date((origin + PAGE_CHAIN_MAX_SECONDS) * 1000).toISOString());
      for (const u of seen) expect((await keep('late link', await fetch(local(u)))).status, u).toBe(401);
      for (const s of sessions) expect((await keep('late session', await pageApi('/contacts?q=', s))).status).toBe(401);
      for (const t of [...seen].map(tokenOf)) {
        const exp = Number(t.split('.')[7]);
        expect(exp).toBeLessThanOrEqual(origin + PAGE_CHAIN_MAX_SECONDS);
      }
    } finally {
      app.clock.set(new Date(start).toISOString());
    }
  });

  it('a link cannot call the page API and a session token cannot open a page', async () => {
    for (const [key, u] of b.links) {
      const r = await keep('link as session', await pageApi('/contacts?q=', tokenOf(u)));
      expect(r.status, key).toBe(401);
    }
    for (const [key, s] of b.sessions) {
      const u = new URL(b.links.get(key)!);
      u.searchParams.set('token', s);
      const r = await keep('session as link', await fetch(local(u.toString())));
      expect(r.status, key).toBe(401);
      expect(r.text).not.toContain('page-data');
    }
  });

  it('an admin session is dead on the server once signed out, whichever copy of the cookie is used', async () => {
    const login = await fetch(`${app.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: TEST_API_TOKEN }), redirect: 'manual' });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    secrets.add(cookie.split('=')[1]!);
    expect((await fetch(`${app.url}/admin/api/overview`, { headers: { cookie } })).status).toBe(200);
    await fetch(`${app.url}/admin/logout`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
    expect((await keep('after logout', await fetch(`${app.url}/admin/api/overview`, { headers: { cookie } }))).status).toBe(401);
    const page = await fetch(`${app.url}/admin/`, { headers: { cookie }, redirect: 'manual' });
    expect(page.status).toBe(303);
  });
});

describe('unauthenticated requests', () => {
  it('write nothing to any table, whatever they send', { timeout: 120_000 }, async () => {
    const before = await fingerprint();
    const statuses: Array<{ what: string; status: number }> = [];
    const send = async (what: string, url: string, init: RequestInit = {}) => {
      const r = await keep(what, await fetch(url, { redirect: 'manual', ...init }));
      statuses.push({ what, status: r.status });
    };
    const fetchPath = cardFetchPath({ portalId: B, dealId: DEAL_B, userId: USER_B });
    const goodHeaders = hubspotHeaders(app, { method: 'GET', pathAndQuery: fetchPath });
    // The data fetch and hooks: unsigned, forged, stale, v2 only, a signature of another URL.
    const forged = hubspotHeaders(app, { method: 'GET', pathAndQuery: fetchPath, secret: 'not-the-client-secret' });
    const stale = hubspotHeaders(app, { method: 'GET', pathAndQuery: fetchPath, timestamp: app.clock.now().getTime() - 6 * 60_000 });
    for (const v of [...Object.values(goodHeaders), ...Object.values(forged), ...Object.values(stale)]) if (v.length > 20) secrets.add(v);
    for (const [what, headers] of [
      ['unsigned', {}],
      ['forged', forged],
      ['stale', stale],
      ['v2 only', { 'X-HubSpot-Signature': goodHeaders['X-HubSpot-Signature']!, 'X-HubSpot-Signature-Version': 'v2' }],
    ] as const) {
      await send(`fetch ${what}`, app.url + fetchPath, { headers });
      await send(`fetch ${what} other deal`, app.url + fetchPath.replace(DEAL_B, DEAL_A), { headers: { ...headers } });
      for (const id of [ids.openB, ids.draftB, TOO_BIG, 'x']) {
        for (const path of [`/hubspot/actions/invoices/${id}/void`, `/hubspot/actions/invoices/${id}/issue`]) {
          await send(`hook ${what}`, app.url + path, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: formHook(B, DEAL_B) });
          await send(`hook ${what} json`, app.url + path, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({ portalId: B, associatedObjectId: DEAL_B, __proto__: { portalId: B } }),
          });
        }
        await send(`delete ${what}`, `${app.url}/hubspot/actions/invoices/${id}?${formHook(B, DEAL_B)}`, { method: 'DELETE', headers });
      }
    }
    // Pages and the page API: no token, a malformed one, an altered one, an expired one.
    const real = b.sessions.get(`payment:${ids.openB}`)!;
    const altered = real.slice(0, -3) + (real.endsWith('AAA') ? 'BBB' : 'AAA');
    const tampered = real.replace(`.${B}.`, `.${A}.`);
    const expired = minted(B, 'payment', ids.openB, 'session', DEAL_B, -PAGE_CHAIN_MAX_SECONDS - 60);
    const expiredLink = minted(B, 'payment', ids.openB, 'link', DEAL_B, -PAGE_CHAIN_MAX_SECONDS - 60);
    for (const tok of [undefined, '', 'x', '3.lp.1.2.3.4.5.6..AAAAAAAAAAAAAAAAAAAAAA', altered, tampered, expired, 'y'.repeat(8000)]) {
      for (const path of [
        `/hubspot/pages/invoices/${ids.openB}/payment`,
        '/hubspot/pages/invoices/new',
        '/hubspot/pages/invoices',
        '/hubspot/pages/settings',
        `/hubspot/pdf/invoices/${ids.openB}`,
        `/hubspot/pages/invoices/${TOO_BIG}`,
      ]) {
        await send('page', `${app.url}${path}${tok === undefined ? '' : `?token=${encodeURIComponent(tok)}`}`);
      }
      const headers: Record<string, string> = tok === undefined ? {} : { 'x-page-token': tok };
      await send('contacts', `${app.url}/hubspot/pages/api/contacts?q=`, { headers });
      await send('pay', `${app.url}/hubspot/pages/api/invoices/${ids.openB}/payments`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': 'probe-1' },
        body: JSON.stringify({ amount: '1.00' }),
      });
      await send('void', `${app.url}/hubspot/pages/api/invoices/${ids.openB}/void`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
      await send('create', `${app.url}/hubspot/pages/api/invoices`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': 'probe-2' },
        body: JSON.stringify({ currency: 'EUR', lines: [{ description: 'x', quantity: '1', unitPrice: '1' }] }),
      });
      await send('settings', `${app.url}/hubspot/pages/api/settings`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ settings: { sellerName: 'intruder' }, version: 1 }),
      });
    }
    await send('expired link', `${app.url}/hubspot/pages/invoices/${ids.openB}/payment?token=${expiredLink}`);
    // Unknown paths under /hubspot (they once each wrote a card_errors row).
    for (let i = 0; i < 30; i++) await send('404', `${app.url}/hubspot/nothing-here-${i}?text=${encodeURIComponent('Your account is suspended: call +1 555 0100')}`);
    // The API without (or with a wrong) bearer token, on every write.
    for (const auth of [undefined, 'Bearer wrong-token-of-the-same-length-000', `Bearer ${TEST_API_TOKEN}x`, `Basic ${Buffer.from(`x:${TEST_API_TOKEN.slice(0, 5)}`).toString('base64')}`]) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) };
      for (const [method, path, body] of [
        ['PUT', '/contacts/probe-c', { email: 'x@y.example' }],
        ['POST', '/contacts/batch', { items: [{ externalId: 'probe-b' }] }],
        ['PUT', '/products/probe-p', { name: 'x', price: '1.00', currency: 'EUR' }],
        ['POST', '/invoices', { portalId: B, dealId: DEAL_B, currency: 'EUR', lines: [{ description: 'x', quantity: '1', unitPrice: '1.00' }] }],
        ['PATCH', `/invoices/${ids.draftB}`, { memo: 'x' }],
        ['DELETE', `/invoices/${ids.draftB}`, undefined],
        ['POST', `/invoices/${ids.openB}/payments`, { amount: '1.00' }],
        ['POST', '/sync/runs', { portalId: B }],
        ['POST', '/sync/failures/1/replay', {}],
        ['PATCH', `/portals/${B}`, { pushEnabled: false }],
        ['DELETE', `/portals/${B}`, undefined],
        ['PUT', `/portals/${B}/settings`, { sellerName: 'x' }],
        ['PATCH', `/portals/${B}/settings`, { addCardEditors: ['1'] }],
      ] as Array<[string, string, unknown]>) {
        await send(`api ${method} ${path}`, `${app.url}/api/v1${path}`, { method, headers: { ...headers, 'idempotency-key': 'probe-3' }, body: body === undefined ? undefined : JSON.stringify(body) });
      }
    }
    // The dashboard: wrong sign-ins, sign-outs and writes with forged cookies.
    for (let i = 0; i < 12; i++) await send('login', `${app.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: `guess-${i}-0000000000000000` }) });
    const forgedCookie = `admin_session=${'A'.repeat(43)}.${'B'.repeat(43)}`;
    for (const cookie of [forgedCookie, 'admin_session=', 'admin_session=x.y.z']) {
      await send('logout', `${app.url}/admin/logout`, { method: 'POST', headers: { cookie }, body: new URLSearchParams({ everywhere: '1' }) });
      await send('overview', `${app.url}/admin/api/overview`, { headers: { cookie } });
      await send('replay', `${app.url}/admin/api/failures/1/replay`, { method: 'POST', headers: { cookie, 'x-admin-request': '1' } });
    }
    // The OAuth install: a state from /oauth/install (anyone may start one) with bogus codes.
    const started = await fetch(`${oauthApp.url}/oauth/install`, { redirect: 'manual' });
    const state = new URL(started.headers.get('location')!).searchParams.get('state')!;
    const stateCookie = started.headers.get('set-cookie')!.split(';')[0]!;
    secrets.add(state.split('.')[1]!);
    for (const q of [
      `code=bogus-code-000&state=${encodeURIComponent(state)}`,
      `code=bogus&state=forged.state`,
      `error=access_denied&error_description=${encodeURIComponent('<b>call us</b>')}`,
      'code=a&code=b&state=x&state=y',
      `state=${encodeURIComponent(state)}`,
    ]) {
      await send('oauth callback', `${oauthApp.url}/oauth/callback?${q}`, { headers: { cookie: stateCookie } });
    }
    // Ops routes.
    for (const p of ['/healthz', '/readyz', '/metrics', '/assets/pages.css', '/assets/fallback-fonts/__proto__', '/assets/../package.json']) await send('ops', app.url + p);

    expect(statuses.length).toBeGreaterThan(250);
    for (const s of statuses) expect(s.status, s.what).toBeLessThan(500);
    const after = await fingerprint();
    const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
    expect(changed).toEqual([]);
  });
});

describe('validation cost', () => {
  /** Every answer: a 4xx (or a success), small. */
  const small = async (what: string, res: Response | Promise<Response>, maxBytes = 16 * 1024) => {
    const r = await keep(what, await res);
    expect(r.status, `${what}: ${r.text.slice(0, 200)}`).toBeLessThan(500);
    expect(r.text.length, what).toBeLessThanOrEqual(maxBytes);
    return r;
  };

  it('big headers, huge query strings, many repeated keys and huge tokens are answered small', async () => {
    const headers = { 'x-filler': 'f'.repeat(15_000) };
    await small('big header', fetch(`${app.url}/hubspot/card`, { headers }));
    await small('huge query', fetch(`${app.url}/hubspot/card?${'a=1&'.repeat(3_500)}`));
    await small('repeated portalId', fetch(`${app.url}/hubspot/card?${`portalId=${B}&`.repeat(1_000)}`));
    const repeatsSigned = `/hubspot/card?${'portalId=1&'.repeat(600)}associatedObjectId=${DEAL_B}&associatedObjectType=DEAL`;
    const r = await callSigned(app, { method: 'GET', pathAndQuery: repeatsSigned });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(r.body).length).toBeLessThan(4_000);
    const conflicting = `/hubspot/card?${Array.from({ length: 600 }, (_, i) => `portalId=${i + 1}`).join('&')}&associatedObjectId=${DEAL_B}&associatedObjectType=DEAL`;
    const c = await callSigned(app, { method: 'GET', pathAndQuery: conflicting });
    expect(c.status).toBe(400);
    expect(JSON.stringify(c.body).length).toBeLessThan(4_000);
    for (const tok of ['3.'.repeat(6_000), `3.lp.${'1'.repeat(5_000)}`, `${session('create')}${'A'.repeat(10_000)}`]) {
      await small('huge page token', pageApi('/contacts?q=', tok));
      await small('huge link token', fetch(`${app.url}/hubspot/pages/invoices/new?token=${tok}`));
    }
    await small('repeated token', fetch(`${app.url}/hubspot/pages/invoices/new?${'token=x&'.repeat(1_000)}`));
    await small('repeated q', pageApi(`/contacts?${'q=a&'.repeat(1_500)}`, session('create')));
    await small('repeated page', fetch(`${local(b.links.get('list')!)}&${'page=2&'.repeat(1_000)}`), 64 * 1024);
    await small('big cookie', fetch(`${app.url}/admin/api/overview`, { headers: { cookie: `admin_session=${'a.'.repeat(7_000)}` } }));
    await small('big bearer', fetch(`${app.url}/api/v1/invoices`, { headers: { authorization: `Bearer ${'t'.repeat(15_000)}` } }));
  });

  it('bodies that are deep, wide, compressed or oddly encoded are answered small on hooks, the page API and the API', async () => {
    const deep = `{"a":${'['.repeat(400_000)}${']'.repeat(400_000)}}`;
    const wide = `{${Array.from({ length: 60_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`;
    const hookPath = `/hubspot/actions/invoices/${ids.openB}/issue?userId=${USER_B}&portalId=${B}&userEmail=rep%40b.example&appId=3141592`;
    for (const [name, body] of [
      ['deep', deep],
      ['wide', wide],
      ['proto', '{"__proto__":{"portalId":"8102","associatedObjectId":"91002"}}'],
      ['empty', ''],
      ['not utf-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]).toString('latin1')],
    ] as const) {
      const signed = await callSigned(app, { method: 'POST', pathAndQuery: hookPath, body, contentType: 'application/json', versions: ['v3'] });
      expect(signed.status, `signed hook ${name}`).toBeGreaterThanOrEqual(400);
      expect(signed.status, `signed hook ${name}: ${JSON.stringify(signed.body).slice(0, 200)}`).toBeLessThan(500);
      expect(JSON.stringify(signed.body).length).toBeLessThan(16 * 1024);
      await small(`page api ${name}`, pageApi('/quote', session('create'), { method: 'POST', body }));
      await small(`page api settings ${name}`, pageApi('/settings', session('settings'), { method: 'PUT', body }));
      await small(`api ${name}`, fetch(`${app.url}/api/v1/invoices`, { method: 'POST', headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json' }, body }));
    }
    // A 1 MB form body of repeated parameters on a signed classic hook.
    const form = `${formHook(B, DEAL_B)}&${'userId=5150&'.repeat(80_000)}`;
    const f = await callSigned(app, { method: 'POST', pathAndQuery: `/hubspot/actions/invoices/${ids.openB}/void`, body: form, contentType: 'application/x-www-form-urlencoded' });
    expect(f.status).toBeLessThan(500);
    expect(JSON.stringify(f.body).length).toBeLessThan(16 * 1024);
    // A gzip bomb: 64 MB of spaces in 64 KB, to every body parser.
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    for (const [what, url, headers] of [
      ['hook', `${app.url}/hubspot/actions/invoices/${ids.openB}/void`, {}],
      ['page api', `${app.url}/hubspot/pages/api/quote`, { 'x-page-token': session('create') }],
      ['api', `${app.url}/api/v1/invoices`, { authorization: `Bearer ${TEST_API_TOKEN}` }],
      ['login', `${app.url}/admin/login`, {}],
    ] as Array<[string, string, Record<string, string>]>) {
      await small(
        `gzip bomb ${what}`,
        fetch(url, { method: 'POST', headers: { ...headers, 'content-type': what === 'login' ? 'application/x-www-form-urlencoded' : 'application/json', 'content-encoding': 'gzip' }, body: bomb }),
      );
    }
    // Other charsets: the API speaks UTF-8 only.
    // Other charsets: JSON is read as UTF-8 only. body-parser would decode utf-16 and utf-7 (in
    // which `a+AGE-` means `aa`), storing text no UTF-8 check saw.
    for (const charset of ['utf-16le', 'utf-7', 'UTF-7', 'utf-32', 'latin1']) {
      const body = charset === 'utf-16le' ? Buffer.from('{"email":"a@x.example"}', 'utf16le') : Buffer.from('{"email":"a+AGE-@x.example"}');
      const id = `probe-charset-${charset}`;
      const r = await small(
        `charset ${charset}`,
        fetch(`${app.url}/api/v1/contacts/${id}`, { method: 'PUT', headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': `application/json; charset=${charset}` }, body }),
      );
      expect(r.status, `${charset}: ${r.text}`).toBe(415);
      expect(r.text).toContain('UTF-8');
      expect((await app.api('GET', `/contacts/${id}`)).status).toBe(404);
      const p = await small(
        `page charset ${charset}`,
        pageApi('/quote', session('create'), {
          method: 'POST',
          body: Buffer.from('{"currency":"EUR","lines":[]}', charset === 'utf-16le' ? 'utf16le' : 'utf8') as never,
          headers: { 'content-type': `application/json; charset=${charset}` },
        }),
      );
      expect(p.status, `page ${charset}: ${p.text}`).toBe(415);
    }
    // UTF-8 said out loud is fine.
    const ok = await small(
      'charset utf-8',
      fetch(`${app.url}/api/v1/contacts/probe-charset-utf8`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json; charset=UTF-8' },
        body: '{"email":"a@x.example"}',
      }),
    );
    expect(ok.status).toBe(201);
  });
});

describe('odd input', () => {
  it('ids past 2^63, odd dates, prototype names, empty and non-UTF-8 bodies get no 5xx on any route', { timeout: 120_000 }, async () => {
    const odd = [TOO_BIG, '18446744073709551616', '0', '-1', '1e3', '__proto__', 'constructor', '%00', '%ff', '..', 'x'.repeat(300)];
    const seen: Array<{ what: string; status: number }> = [];
    const hit = async (what: string, url: string, init: RequestInit = {}) => {
      const r = await keep(what, await fetch(url, { redirect: 'manual', ...init }));
      seen.push({ what, status: r.status });
    };
    const bearer = { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json' };
    const cookie = adminCookie;
    for (const id of odd) {
      for (const [method, path, body] of [
        ['GET', `/api/v1/invoices/${id}`],
        ['PATCH', `/api/v1/invoices/${id}`, '{"memo":"x"}'],
        ['DELETE', `/api/v1/invoices/${id}`],
        ['POST', `/api/v1/invoices/${id}/payments`, '{"amount":"1.00"}'],
        ['GET', `/api/v1/invoices?before=${id}`],
        ['GET', `/api/v1/invoices?portalId=${id}`],
        ['GET', `/api/v1/invoices?dealId=${id}`],
        ['GET', `/api/v1/invoices?limit=${id}`],
        ['GET', `/api/v1/sync/runs/${id}`],
        ['GET', `/api/v1/sync/runs?portalId=${id}`],
        ['GET', `/api/v1/sync/failures?portalId=${id}`],
        ['POST', `/api/v1/sync/failures/${id}/replay`, '{}'],
        ['POST', '/api/v1/sync/runs', JSON.stringify({ portalId: id })],
        ['PATCH', `/api/v1/portals/${id}`, '{"pushEnabled":true}'],
        ['DELETE', `/api/v1/portals/${id}`],
        ['GET', `/api/v1/portals/${id}/settings`],
        ['PUT', `/api/v1/portals/${id}/settings`, '{"sellerName":"x"}'],
        ['PATCH', `/api/v1/portals/${id}/settings`, '{"sellerName":"x"}'],
        ['GET', `/api/v1/contacts/${id}`],
        ['PUT', `/api/v1/contacts/${id}`, '{"email":"x@y.example"}'],
        ['DELETE', `/api/v1/products/${id}`],
        ['POST', '/api/v1/invoices', JSON.stringify({ portalId: id, dealId: id, currency: 'EUR', lines: [{ description: 'x', quantity: '1', unitPrice: '1.00' }] })],
      ] as Array<[string, string, string?]>) {
        await hit(`${method} ${path}`, app.url + path, { method, headers: bearer, body });
      }
      await hit('admin replay', `${app.url}/admin/api/failures/${id}/replay`, { method: 'POST', headers: { cookie, 'x-admin-request': '1' } });
      await hit('font', `${app.url}/assets/fallback-fonts/${id}`);
      await hit('asset', `${app.url}/assets/${id}`);
      // Pages and hooks naming the id (a valid link of B, another path).
      await hit('view page', `${app.url}/hubspot/pages/invoices/${id}?token=${tokenOf(b.links.get(`view:${ids.openB}`)!)}`);
      await hit('pdf', `${app.url}/hubspot/pdf/invoices/${id}?token=${tokenOf(b.links.get(`pdf:${ids.openB}`)!)}`);
      await hit('page api pay', `${app.url}/hubspot/pages/api/invoices/${id}/payments`, {
        method: 'POST',
        headers: { 'x-page-token': session(`payment:${ids.openB}`), 'content-type': 'application/json' },
        body: '{"amount":"1.00"}',
      });
      for (const [method, p] of [
        ['POST', `/hubspot/actions/invoices/${id}/void`],
        ['POST', `/hubspot/actions/invoices/${id}/issue`],
        ['DELETE', `/hubspot/actions/invoices/${id}?${formHook(B, DEAL_B)}`],
      ] as const) {
        const r = await callSigned(app, {
          method,
          pathAndQuery: p,
          body: method === 'POST' ? formHook(B, DEAL_B) : undefined,
          contentType: method === 'POST' ? 'application/x-www-form-urlencoded' : undefined,
        });
        seen.push({ what: `signed ${method} ${p}`, status: r.status });
      }
      const f = await fetchCard(app, { portalId: B, dealId: id, userId: id });
      seen.push({ what: `card deal ${id}`, status: f.status });
    }
    // Odd dates on every date field, API and pages.
    for (const date of ['9999-12-31', '0000-01-01', '2026-02-30', '2026-13-01', '+002026-01-01', '2026-1-1', '1970-01-01T00:00:00Z', '']) {
      await hit(`api issueDate ${date}`, `${app.url}/api/v1/invoices`, {
        method: 'POST',
        headers: bearer,
        body: JSON.stringify({ portalId: B, dealId: DEAL_B, currency: 'EUR', issueDate: date, dueDate: date, lines: [{ description: 'x', quantity: '1', unitPrice: '1.00' }] }),
      });
      await hit(`api payment ${date}`, `${app.url}/api/v1/invoices/${ids.openB}/payments`, { method: 'POST', headers: bearer, body: JSON.stringify({ amount: '0.01', date }) });
      await hit(`api patch ${date}`, `${app.url}/api/v1/invoices/${ids.draftB}`, { method: 'PATCH', headers: bearer, body: JSON.stringify({ dueDate: date }) });
      await hit(`page pay ${date}`, `${app.url}/hubspot/pages/api/invoices/${ids.openB}/payments`, {
        method: 'POST',
        headers: { 'x-page-token': session(`payment:${ids.openB}`), 'content-type': 'application/json' },
        body: JSON.stringify({ amount: '0.01', date }),
      });
      await hit(`page create ${date}`, `${app.url}/hubspot/pages/api/invoices`, {
        method: 'POST',
        headers: { 'x-page-token': session('create'), 'content-type': 'application/json' },
        body: JSON.stringify({ currency: 'EUR', issueDate: date, dueDate: date, status: 'draft', lines: [{ description: 'x', quantity: '1', unitPrice: '1.00' }] }),
      });
      await hit(`page edit ${date}`, `${app.url}/hubspot/pages/api/invoices/${ids.draftB}`, {
        method: 'PATCH',
        headers: { 'x-page-token': session(`edit:${ids.draftB}`), 'content-type': 'application/json' },
        body: JSON.stringify({ issueDate: date }),
      });
      await hit(`api list ${date}`, `${app.url}/api/v1/invoices?before=${encodeURIComponent(date)}`, { headers: bearer });
    }
    // Empty, prototype-keyed and non-UTF-8 bodies on every JSON write, API and page API.
    const bodies: Array<[string, string | Buffer]> = [
      ['empty', ''],
      ['proto', '{"__proto__":{"x":1},"constructor":{"prototype":{"x":1}}}'],
      ['not utf-8', Buffer.from([0x7b, 0x22, 0x65, 0x6d, 0x61, 0x69, 0x6c, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])],
      ['null', 'null'],
      ['array', '[]'],
      ['string', '"x"'],
    ];
    for (const [name, body] of bodies) {
      for (const [method, path] of [
        ['PUT', '/api/v1/contacts/odd-1'],
        ['PUT', '/api/v1/products/odd-1'],
        ['POST', '/api/v1/contacts/batch'],
        ['POST', '/api/v1/invoices'],
        ['PATCH', `/api/v1/invoices/${ids.draftB}`],
        ['POST', `/api/v1/invoices/${ids.openB}/payments`],
        ['POST', '/api/v1/sync/runs'],
        ['PATCH', `/api/v1/portals/${B}`],
        ['PUT', `/api/v1/portals/${B}/settings`],
        ['PATCH', `/api/v1/portals/${B}/settings`],
        ['POST', '/api/v1/sync/failures/1/replay'],
      ] as const) {
        await hit(`${name} ${method} ${path}`, app.url + path, { method, headers: bearer, body });
      }
      for (const [method, path, key] of [
        ['POST', '/quote', 'create'],
        ['POST', '/invoices', 'create'],
        ['PATCH', `/invoices/${ids.draftB}`, `edit:${ids.draftB}`],
        ['POST', `/invoices/${ids.openB}/payments`, `payment:${ids.openB}`],
        ['POST', `/invoices/${ids.openB}/void`, 'void'],
        ['PUT', '/settings', 'settings'],
      ] as const) {
        // The card links the void page only once an invoice has payments: that token is minted here.
        const token = key === 'void' ? minted(B, 'void', ids.openB, 'session') : session(key);
        await hit(`${name} page ${method} ${path}`, `${app.url}/hubspot/pages/api${path}`, { method, headers: { 'x-page-token': token, 'content-type': 'application/json' }, body });
      }
      const hook = await callSigned(app, {
        method: 'POST',
        pathAndQuery: `/hubspot/actions/invoices/${ids.openB}/void`,
        body: typeof body === 'string' ? body : body.toString('latin1'),
        contentType: 'application/json',
      });
      seen.push({ what: `${name} hook`, status: hook.status });
    }
    await hit('admin login empty', `${app.url}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    await hit('admin login json', `${app.url}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"token":{"__proto__":1}}' });
    expect(seen.length).toBeGreaterThan(500);
    const fives = seen.filter((s) => s.status >= 500);
    expect(fives).toEqual([]);
    // The open invoice got no payment from any of it, and B's draft is unchanged but for valid edits.
    expect((await app.api('GET', `/invoices/${ids.openB}`)).body.payments.every((p: { date: string }) => p.date >= '2000-01-01' && p.date <= '2099-12-31')).toBe(true);
  });
});

describe('logs and error bodies', () => {
  it('carry no token, signature, cookie, code or secret, after everything above', () => {
    const logged = JSON.stringify(app.logs.records) + JSON.stringify(oauthApp.logs.records);
    expect(app.logs.records.length).toBeGreaterThan(100);
    const inLogs = [...secrets].filter((s) => s.length >= 8 && logged.includes(s));
    expect(inLogs).toEqual([]);
    expect(errorBodies.length).toBeGreaterThan(100);
    const inErrors = errorBodies.filter((e) => [...secrets].some((s) => s.length >= 8 && e.text.includes(s)));
    expect(inErrors.map((e) => `${e.what} ${e.status}: ${e.text.slice(0, 200)}`)).toEqual([]);
  });
});

describe('failure paths', () => {
  it('a database that cannot be reached shows no password, token or stack in any answer or log line', { timeout: 60_000 }, async () => {
    const { createDb } = await import('../src/db/db.js');
    const password = 'db-password-never-shown-7731';
    const db = createDb({ databaseUrl: `postgres://probe:${password}@127.0.0.1:1/probe`, poolMax: 2 });
    const down = await startTestApp({ db, publicBaseUrl: PUBLIC, env: { HUBSPOT_ALLOWED_PORTAL_IDS: B, DATABASE_URL: `postgres://probe:${password}@127.0.0.1:1/probe` } });
    try {
      const shown: Array<{ what: string; status: number; text: string }> = [];
      const see = async (what: string, res: Response | Promise<Response>) => {
        const r = await res;
        shown.push({ what, status: r.status, text: await r.text() });
      };
      const card = await fetchCard(down, { portalId: B, dealId: DEAL_B, userId: USER_B });
      shown.push({ what: 'card', status: card.status, text: JSON.stringify(card.body) });
      const hook = await callSigned(down, { method: 'POST', pathAndQuery: `/hubspot/actions/invoices/${ids.openB}/void`, body: formHook(B, DEAL_B), contentType: 'application/x-www-form-urlencoded' });
      shown.push({ what: 'hook', status: hook.status, text: JSON.stringify(hook.body) });
      const tok = mintPageToken(down.deps.pageTokenKey!, {
        kind: 'link',
        purpose: 'view',
        portalId: B,
        dealId: DEAL_B,
        invoiceId: ids.openB,
        userId: USER_B,
        userEmail: 'rep@b.example',
        origin: Math.floor(down.clock.now().getTime() / 1000),
        exp: Math.floor(down.clock.now().getTime() / 1000) + 600,
      });
      await see('page', fetch(`${down.url}/hubspot/pages/invoices/${ids.openB}?token=${tok}`));
      await see('api', fetch(`${down.url}/api/v1/invoices`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } }));
      await see('login', fetch(`${down.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: TEST_API_TOKEN }), redirect: 'manual' }));
      await see('readyz', fetch(`${down.url}/readyz`));
      for (const s of shown) {
        expect(s.status, `${s.what}: ${s.text.slice(0, 200)}`).toBeGreaterThanOrEqual(500);
        expect(s.text, s.what).not.toContain(password);
        expect(s.text, s.what).not.toContain(tok);
        expect(s.text, s.what).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\.ts:\d+/);
      }
      const logged = JSON.stringify(down.logs.records);
      expect(logged).toContain('request failed');
      for (const s of [password, tok, TEST_API_TOKEN, TEST_CLIENT_SECRET]) expect(logged).not.toContain(s);
    } finally {
      await down.close();
      await db.destroy();
    }
  });
});
