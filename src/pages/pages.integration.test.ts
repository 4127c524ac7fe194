import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { allActions, expectValidCard } from '../../test/cardAssertions.js';
import { createContact, createInvoice, createProduct } from '../../test/factories.js';
import { fetchCard } from '../../test/hubspotCaller.js';
import { pdfText } from '../../test/pdfText.js';
import { TEST_API_TOKEN } from '../../test/testApp.js';
import { useTestApp } from '../../test/setup.js';
import * as auditRepo from '../audit/auditRepo.js';
import { PUBLIC_DIR } from '../paths.js';
import type { CardResponse } from '../card/cardResponse.js';
import * as portalRepo from '../portals/portalRepo.js';
import { PAGE_CHAIN_MAX_SECONDS, readPageToken } from '../shared/pageToken.js';

const PORTAL = '987654';
const { tdb, app } = useTestApp();
let contact: string;
let dealSeq = 9000;

beforeAll(async () => {
  contact = await createContact(app, { externalId: 'pages-acme', company: 'Acme Widgets Ltd', firstName: 'Grace', lastName: 'Hopper', email: 'grace@acme.example' });
  await app.api('PUT', `/portals/${PORTAL}/settings`, { sellerName: 'Nordlicht Software GmbH', defaultPaymentTermsDays: 14 });
});

async function card(dealId: string, userId = '77'): Promise<CardResponse> {
  const res = await fetchCard(app, {
    portalId: PORTAL,
    dealId,
    userId,
    userEmail: 'rep@seller.example',
    properties: [
      ['dealname', 'Big & Co'],
      ['amount', '1500'],
      ['deal_currency_code', 'GBP'],
      ['hs_object_id', dealId],
    ],
  });
  return expectValidCard(res.body, app.publicBaseUrl);
}

const action = (c: CardResponse, title: string, label: string) => {
  const a = c.results.find((r) => r.title === title)?.actions.find((x) => x.label === label);
  if (!a) throw new Error(`no "${label}" on ${title}`);
  return a.uri;
};

/** Calls the page API as the page's script does, with its token. */
async function pageApi(token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}/hubspot/pages/api${path}`, {
    method,
    headers: { 'X-Page-Token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The session token a page embeds for its own calls. */
async function pageToken(uri: string): Promise<string> {
  const page = await (await fetch(uri)).text();
  const data = JSON.parse(/<script type="application\/json" id="page-data">([^<]*)<\/script>/.exec(page)![1]!) as { token: string };
  return data.token;
}

describe('iframe pages', () => {
  it("open with their token and refuse none, an altered one, another invoice's, another purpose's or an expired one", async () => {
    const deal = String(++dealSeq);
    for (let i = 0; i < 4; i++) await createInvoice(app, { portalId: PORTAL, dealId: deal }); // older drafts: pushed past five
    const draft = await createInvoice(app, { portalId: PORTAL, dealId: deal, contactExternalId: contact });
    const open = await createInvoice(app, { portalId: PORTAL, dealId: deal, status: 'open', contactExternalId: contact });
    await app.api('POST', `/invoices/${open.id}/payments`, { amount: '1.00' });
    const c = await card(deal);
    const urls = [
      ...new Set(
        allActions(c)
          .filter((a) => a.type === 'IFRAME')
          .map((a) => a.uri),
      ),
    ];
    expect(urls.map((u) => new URL(u).pathname.replace(/\d+/g, ':id')).sort()).toEqual(
      expect.arrayContaining([
        '/hubspot/pages/invoices',
        '/hubspot/pages/invoices/new',
        '/hubspot/pages/invoices/:id',
        '/hubspot/pages/invoices/:id/edit',
        '/hubspot/pages/invoices/:id/payment',
        '/hubspot/pages/invoices/:id/void',
      ]),
    );
    for (const uri of urls) {
      const ok = await fetch(uri);
      expect(ok.status, uri).toBe(200);
      expect(ok.headers.get('content-type')).toContain('text/html');
      const csp = ok.headers.get('content-security-policy')!;
      expect(csp).toContain("frame-ancestors 'self' https://app.hubspot.com https://*.hubspot.com");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/frame-ancestors[^;]*\*(?!\.)/);
      expect(ok.headers.get('x-frame-options')).toBeNull();
      expect(ok.headers.get('referrer-policy')).toBe('no-referrer');
      const page = await ok.text();
      // Every script, style and font comes from the service itself.
      for (const [, ref = ''] of page.matchAll(/(?:src|href)="([^"]+)"/g)) expect(ref.startsWith('/') || ref.startsWith(app.url) || ref.startsWith('data:'), ref).toBe(true);

      const bare = await fetch(uri.split('?')[0]!);
      expect(bare.status).toBe(401);
      expect(bare.headers.get('content-type')).toContain('text/html');
      const altered = uri.replace(/token=([^&]*)/, (_m, t: string) => `token=${t.slice(0, -3)}${t.at(-3) === 'A' ? 'B' : 'A'}${t.slice(-2)}`);
      expect(altered).not.toBe(uri);
      expect((await fetch(altered)).status, altered).toBe(401);
    }
    const payOpen = action(c, open.number, 'Record payment');
    expect((await fetch(payOpen.replace(`/invoices/${open.id}/`, `/invoices/${draft.id}/`))).status).toBe(403);
    const editDraft = action(c, draft.number, 'Edit draft');
    expect((await fetch(editDraft.replace('/edit?', '/payment?'))).status).toBe(403);
    app.clock.advance(31 * 60_000);
    try {
      const expired = await fetch(payOpen);
      expect(expired.status).toBe(401);
      expect(await expired.text()).toContain('expired');
    } finally {
      app.clock.advance(-31 * 60_000);
    }
  });

  it('leaves framing to HubSpot only on iframe routes; every other route refuses it', async () => {
    for (const path of ['/healthz', '/api/v1/invoices', '/hubspot/card', '/hubspot/pages/api/quote', '/assets/pages.js', '/nowhere']) {
      const res = await fetch(app.url + path);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
    }
    for (const asset of ['/assets/pages.js', '/assets/pages.css', '/assets/fonts/lexend-deca-latin-400-normal.woff2', '/assets/fallback-fonts/noto-sans-arabic.ttf']) {
      expect((await fetch(app.url + asset)).status, asset).toBe(200);
    }
  });

  it('has browsers revalidate the modules page scripts import, whose URLs carry no content hash', async () => {
    for (const module of ['/assets/locale.js', '/assets/repWording.js']) {
      const res = await fetch(app.url + module);
      expect(res.status, module).toBe(200);
      expect(res.headers.get('content-type'), module).toContain('javascript');
      expect(res.headers.get('cache-control'), module).toBe('no-cache');
    }
    expect((await fetch(`${app.url}/assets/pages.js`)).headers.get('cache-control')).toBe('public, max-age=3600');
  });

  it('revalidates every module the page scripts import, however deep', async () => {
    // The import graph of the two entry scripts, read from their files: a new module left out of
    // IMPORTED_MODULES (http/staticAssets.ts) would be cached for an hour beside a newer entry.
    const imported = new Set<string>();
    const visit = (file: string) => {
      for (const [, spec] of fs.readFileSync(path.join(PUBLIC_DIR, file), 'utf8').matchAll(/^import [^;]* from '(\.[^']+)';$/gm)) {
        const target = path.posix.join(path.posix.dirname(file), spec!);
        if (imported.has(target)) continue;
        imported.add(target);
        visit(target);
      }
    };
    visit('pages.js');
    visit('admin.js');
    expect(imported.size).toBeGreaterThan(2);
    for (const module of imported) {
      const res = await fetch(`${app.url}/assets/${module}`);
      expect(res.status, module).toBe(200);
      expect(res.headers.get('cache-control'), module).toBe('no-cache');
    }
  });

  it("prefills the create form from the deal HubSpot sent and the portal's defaults", async () => {
    const c = await card(String(++dealSeq));
    const page = await (await fetch(c.primaryAction!.uri)).text();
    const data = JSON.parse(/id="page-data">([^<]*)</.exec(page)![1]!);
    expect(data.defaults).toEqual({ currency: 'GBP', paymentTermsDays: 14, dealName: 'Big & Co', amount: '1500' });
    expect(data.currencies.length).toBeGreaterThan(150);
  });
});

describe('page API', () => {
  it('needs the page token, for the right purpose and invoice', async () => {
    const deal = String(++dealSeq);
    const inv = await createInvoice(app, { portalId: PORTAL, dealId: deal, status: 'open', contactExternalId: contact });
    const c = await card(deal);
    const payToken = await pageToken(action(c, inv.number, 'Record payment'));
    expect((await pageApi('', 'GET', '/contacts?q=a')).status).toBe(401);
    expect((await pageApi('nonsense', 'GET', '/contacts?q=a')).status).toBe(401);
    expect((await pageApi(payToken, 'GET', '/contacts?q=a')).status).toBe(403); // a payment page does not search contacts
    const other = await createInvoice(app, { portalId: PORTAL, dealId: deal, status: 'open', contactExternalId: contact });
    expect((await pageApi(payToken, 'POST', `/invoices/${other.id}/payments`, { amount: '1' })).status).toBe(403);
  });

  it('searches contacts and products for the create form', async () => {
    await createProduct(app, { externalId: 'sku-widget', sku: 'WID-1', name: 'Blue widget', price: '12.50', currency: 'GBP' });
    const token = await pageToken((await card(String(++dealSeq))).primaryAction!.uri);
    const byCompany = await pageApi(token, 'GET', '/contacts?q=acme%20wid');
    expect(byCompany.body.contacts).toContainEqual({ externalId: 'pages-acme', name: 'Grace Hopper', company: 'Acme Widgets Ltd', email: 'grace@acme.example' });
    expect((await pageApi(token, 'GET', '/contacts?q=GRACE@')).body.contacts[0].externalId).toBe('pages-acme');
    expect((await pageApi(token, 'GET', '/products?q=wid-1')).body.products[0]).toMatchObject({ externalId: 'sku-widget', price: '12.50', currency: 'GBP' });
    expect((await pageApi(token, 'GET', '/products?q=blue')).body.products[0].externalId).toBe('sku-widget');
    // Whatever a rep types, never a 5xx.
    for (const q of ['%00', '%25', '_', '%5C', 'x'.repeat(5000), '%E0%A4%A', "'%20or%201=1"]) {
      for (const kind of ['contacts', 'products']) expect((await pageApi(token, 'GET', `/${kind}?q=${q}`)).status, `${kind} ${q}`).toBeLessThan(500);
    }
  });

  it("quotes totals by the server's money rules", async () => {
    const token = await pageToken((await card(String(++dealSeq))).primaryAction!.uri);
    const q = await pageApi(token, 'POST', '/quote', {
      currency: 'KWD',
      lines: [
        { description: 'a', quantity: '3', unitPrice: '125.125', taxRate: '5' },
        { description: 'b', quantity: '1', unitPrice: '0.0015', discount: { type: 'percent', value: '10' } },
      ],
    });
    // 375.375 + 5% = 18.76875 → 18.769; 0.0015 → 0.002 (half-even), 10% of it → 0.000.
    expect(q.body.totals).toEqual({ subtotal: '375.377', discount: '0.000', tax: '18.769', total: '394.146' });
    const bad = await pageApi(token, 'POST', '/quote', { currency: 'KWD', lines: [{ description: 'a', quantity: '1', unitPrice: '1.0000001' }] });
    expect(bad.body.problems).toEqual([{ field: 'lines[0].unitPrice', message: expect.any(String) }]);
  });

  it("creates on the token's deal only, once per submission, and audits the rep", async () => {
    const deal = String(++dealSeq);
    const token = await pageToken((await card(deal)).primaryAction!.uri);
    const body = { currency: 'GBP', contactExternalId: contact, status: 'open', lines: [{ description: 'Big & Co', quantity: '1', unitPrice: '1500' }] };
    const moved = await pageApi(token, 'POST', '/invoices', { ...body, portalId: '1', dealId: '2' });
    expect(moved.status).toBe(400);
    const [a, b] = await Promise.all([
      pageApi(token, 'POST', '/invoices', body, { 'Idempotency-Key': 'form-1-open' }),
      pageApi(token, 'POST', '/invoices', body, { 'Idempotency-Key': 'form-1-open' }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body.id).toBe(a.body.id);
    expect(a.body).toMatchObject({ portalId: PORTAL, dealId: deal, status: 'open', total: '1500.00', paymentTermsDays: 14 });
    const audit = await auditRepo.listForInvoice(tdb.db, a.body.id);
    expect(audit).toEqual([expect.objectContaining({ action: 'invoice.create', actor_type: 'hubspot_user', hubspot_user_id: '77', hubspot_user_email: 'rep@seller.example' })]);
    const listed = await app.api('GET', `/invoices?dealId=${deal}`);
    expect(listed.body.invoices).toHaveLength(1);
  });

  it('edits the draft, records payments once per submission, and voids with a reason', async () => {
    const deal = String(++dealSeq);
    const draft = await createInvoice(app, { portalId: PORTAL, dealId: deal, contactExternalId: contact });
    let c = await card(deal);
    const editToken = await pageToken(action(c, draft.number, 'Edit draft'));
    expect((await pageApi(editToken, 'PATCH', `/invoices/${draft.id}`, { dealId: '1' })).status).toBe(403);
    const edited = await pageApi(editToken, 'PATCH', `/invoices/${draft.id}`, { lines: [{ description: 'x', quantity: '4', unitPrice: '25.00' }], status: 'open' });
    expect(edited.body).toMatchObject({ status: 'open', total: '100.00' });
    const again = await pageApi(editToken, 'PATCH', `/invoices/${draft.id}`, { lines: [{ description: 'x', quantity: '5', unitPrice: '25.00' }] });
    expect(again.status).toBe(409);
    expect((await auditRepo.listForInvoice(tdb.db, draft.id)).some((e) => e.outcome === 'rejected' && e.action === 'invoice.edit')).toBe(true);

    c = await card(deal);
    const payToken = await pageToken(action(c, draft.number, 'Record payment'));
    const pay = (amount: string, key: string) => pageApi(payToken, 'POST', `/invoices/${draft.id}/payments`, { amount, method: 'card' }, { 'Idempotency-Key': key });
    expect((await pay('30.00', 'p1')).status).toBe(201);
    expect((await pay('30.00', 'p1')).status).toBe(201); // the same submission again
    const after = await app.api('GET', `/invoices/${draft.id}`);
    expect(after.body).toMatchObject({ amountPaid: '30.00', balance: '70.00', displayStatus: 'partially_paid' });

    c = await card(deal);
    const voidToken = await pageToken(action(c, draft.number, 'Void invoice…'));
    const noReason = await pageApi(voidToken, 'POST', `/invoices/${draft.id}/void`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details[0].field).toBe('voidReason');
    const voided = await pageApi(voidToken, 'POST', `/invoices/${draft.id}/void`, { voidReason: 'Refunded by bank transfer' });
    expect(voided.body).toMatchObject({ status: 'void', voidReason: 'Refunded by bank transfer' });
  });
});

describe('page links end', () => {
  const tokenOf = (url: string) => new URL(url, app.url).searchParams.get('token')!;
  const claimsOf = (token: string) => {
    const r = readPageToken(app.deps.pageTokenKey!, token, app.clock.now().getTime());
    if (!r.ok) throw new Error(`token refused: ${r.reason}`);
    return r.claims;
  };
  const hrefs = (page: string, re: RegExp) => [...page.matchAll(re)].map((m) => m[1]!.replace(/&amp;/g, '&'));

  it("never open a page with a page's session token, nor call the page API with a link", async () => {
    const deal = String(++dealSeq);
    const inv = await createInvoice(app, { portalId: PORTAL, dealId: deal, status: 'open', contactExternalId: contact });
    const c = await card(deal);
    const link = action(c, inv.number, 'Record payment');
    const session = await pageToken(link);
    // Same purpose, same invoice, still valid: but a session token, so no page.
    const asLink = await fetch(`${app.url}/hubspot/pages/invoices/${inv.id}/payment?token=${session}`);
    expect(asLink.status).toBe(401);
    expect(await asLink.text()).toContain('Open it again from the Invoices card');
    expect(claimsOf(session)).toMatchObject({ kind: 'session', purpose: 'payment', invoiceId: inv.id });
    const viewSession = await pageToken(action(c, inv.number, 'View PDF'));
    expect((await fetch(`${app.url}/hubspot/pdf/invoices/${inv.id}?token=${viewSession}`)).status).toBe(401);
    const settingsSession = await pageToken(c.settingsAction!.uri);
    expect(claimsOf(settingsSession)).toMatchObject({ kind: 'session', purpose: 'settings' });
    expect((await fetch(`${app.url}/hubspot/pages/settings?token=${settingsSession}`)).status).toBe(401);
    expect((await pageApi(tokenOf(c.settingsAction!.uri), 'PUT', '/settings', { settings: {}, version: 0 })).status).toBe(401);
    // The URL's token is for the page only: its API needs the session token.
    expect((await pageApi(tokenOf(link), 'POST', `/invoices/${inv.id}/payments`, { amount: '1.00' })).status).toBe(401);
    expect((await pageApi(session, 'POST', `/invoices/${inv.id}/payments`, { amount: '1.00' })).status).toBe(201);
  });

  it('end 2.5 hours after the card minted them, however the links are followed: reloads, paging, list → view → PDF', async () => {
    const deal = String(++dealSeq);
    const invoices = [];
    for (let i = 0; i < 27; i++) invoices.push(await createInvoice(app, { portalId: PORTAL, dealId: deal })); // two list pages
    const startedAt = app.clock.now().getTime();
    try {
      const cardAt = Math.floor(app.clock.now().getTime() / 1000);
      const c = await card(deal);
      const listLink = c.secondaryActions!.find((a) => a.label.startsWith('View all'))!.uri;
      const bound = (cardAt + PAGE_CHAIN_MAX_SECONDS) * 1000;
      let latestExp = 0;
      const origins = new Set<number>();
      const note = (token: string) => {
        const cl = claimsOf(token);
        origins.add(cl.origin);
        latestExp = Math.max(latestExp, cl.exp * 1000);
      };
      // A rep (or whoever holds the URL) keeps paging, every 20 minutes, and reloads each page.
      let current = listLink;
      let pageNo = 1;
      let opened = 0;
      for (;;) {
        const res = await fetch(new URL(current, app.url));
        if (res.status !== 200) {
          expect(res.status).toBe(401);
          // A card's link (not a timeline note's record link): the card gives a fresh one.
          expect(await res.text()).toContain('This link has expired. Close this window and reopen the deal record to get a fresh one.');
          break;
        }
        opened += 1;
        expect(app.clock.now().getTime()).toBeLessThan(bound);
        const page = await res.text();
        expect(page).toContain(`Page ${pageNo} of 2`);
        note(JSON.parse(/id="page-data">([^<]*)</.exec(page)![1]!).token);
        const view = hrefs(page, /<td><a href="([^"]+)">/g);
        expect(view).toHaveLength(pageNo === 1 ? 25 : 2);
        for (const v of view) note(tokenOf(v));
        // list → view → the PDF link inside it
        const viewPage = await (await fetch(new URL(view[0]!, app.url))).text();
        const pdf = /<iframe class="pdf-frame" src="([^"]+)"/.exec(viewPage)![1]!.replace(/&amp;/g, '&');
        note(tokenOf(pdf));
        note(JSON.parse(/id="page-data">([^<]*)</.exec(viewPage)![1]!).token);
        const [next] = hrefs(page, /<a class="button secondary" href="([^"]+)">(?:Next|Previous)<\/a>/g);
        current = next!;
        pageNo = pageNo === 1 ? 2 : 1;
        note(tokenOf(current));
        app.clock.advance(20 * 60_000);
        if (opened > 20) throw new Error('the chain never ended');
      }
      // It ran its course (20-minute steps up to 2.5 h: 8 pages) and nothing handed out outlived the bound.
      expect(opened).toBe(8);
      expect([...origins]).toEqual([cardAt]); // every token carries the card's mint time
      expect(latestExp).toBeLessThanOrEqual(bound);
      expect(latestExp).toBe(bound);
      // At the bound, every token the chain produced is refused, the PDF's too.
      app.clock.set(new Date(bound).toISOString());
      const res = await fetch(`${app.url}/hubspot/pages/invoices?token=${tokenOf(current)}&page=1`);
      expect(res.status).toBe(401);
      // A fresh card view starts a fresh chain.
      const again = await fetch((await card(deal)).secondaryActions!.find((a) => a.label.startsWith('View all'))!.uri);
      expect(again.status).toBe(200);
    } finally {
      app.clock.set(new Date(startedAt).toISOString());
    }
  });

  it("give the form its full two-hour session when the card's link is opened in its last minute, and end it then", async () => {
    const deal = String(++dealSeq);
    const startedAt = app.clock.now().getTime();
    try {
      const c = await card(deal);
      const link = c.primaryAction!.uri;
      const origin = claimsOf(tokenOf(link)).origin;
      app.clock.advance(29 * 60_000); // the link's last minute
      const session = await pageToken(link);
      const { exp } = claimsOf(session);
      expect(exp).toBe(Math.floor(app.clock.now().getTime() / 1000) + 2 * 3600);
      expect(exp).toBeLessThanOrEqual(origin + PAGE_CHAIN_MAX_SECONDS);
      app.clock.set(new Date(exp * 1000 - 1000).toISOString()); // a second before the end: the form saves
      const body = { currency: 'GBP', status: 'draft', lines: [{ description: 'Late save', quantity: '1', unitPrice: '10' }] };
      expect((await pageApi(session, 'POST', '/invoices', body, { 'Idempotency-Key': `late-${deal}` })).status).toBe(201);
      app.clock.advance(1000);
      const refused = await pageApi(session, 'POST', '/invoices', body, { 'Idempotency-Key': `late-${deal}-2` });
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('token_expired');
      // Reloading the page to renew it fails too: its link has long expired.
      expect((await fetch(link)).status).toBe(401);
    } finally {
      app.clock.set(new Date(startedAt).toISOString());
    }
  });
});

describe('settings from the card', () => {
  const SETTINGS_PORTAL = '555001';
  beforeAll(() => portalRepo.ensurePrivateApp(tdb.db, SETTINGS_PORTAL, new Date()));
  const settingsCard = async (userId: string, userEmail: string) => {
    const deal = String(++dealSeq);
    const res = await fetchCard(app, { portalId: SETTINGS_PORTAL, dealId: deal, userId, userEmail, properties: [['hs_object_id', deal]] });
    return expectValidCard(res.body, app.publicBaseUrl);
  };
  const pageData = async (uri: string) => {
    const page = await (await fetch(uri)).text();
    return { page, data: JSON.parse(/<script type="application\/json" id="page-data">([^<]*)<\/script>/.exec(page)![1]!) as { token: string; canEdit: boolean; version: number; push: unknown } };
  };

  it("shows them read-only to a rep who is not a settings editor, and refuses the rep's save", async () => {
    const c = await settingsCard('4001', 'rep@seller.example');
    expect(c.settingsAction).toMatchObject({ type: 'IFRAME', label: 'Invoice settings' });
    const { page, data } = await pageData(c.settingsAction!.uri);
    expect(data.canEdit).toBe(false);
    expect(page).toContain("Only this account's settings editors");
    // The advice is the exact request an admin sends: PATCH, adding this rep, keeping the others.
    expect(page).toContain(`PATCH ${app.publicBaseUrl}/api/v1/portals/${SETTINGS_PORTAL}/settings\n{&quot;addCardEditors&quot;: [&quot;4001&quot;]}`);
    expect(page).not.toContain('cardEditors</code>');
    expect(page).not.toContain('Save settings');
    const refused = await pageApi(data.token, 'PUT', '/settings', { settings: { sellerName: 'Mallory Ltd', paymentInstructions: 'IBAN XX00 0000' }, version: data.version });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('not_settings_editor');
    expect((await app.api('GET', `/portals/${SETTINGS_PORTAL}/settings`)).body.sellerName).toBeNull();
    // Sent as the page shows it, the request makes the rep an editor, and the page opens editable.
    const [, method, url, body] = /<pre class="request"><code>(PATCH) (\S+)\n([^<]+)<\/code><\/pre>/.exec(page)!;
    const sent = await fetch(url!, { method, headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json' }, body: body!.replace(/&quot;/g, '"') });
    expect(sent.status).toBe(200);
    expect((await pageData((await settingsCard('4001', 'rep@seller.example')).settingsAction!.uri)).data.canEdit).toBe(true);
    await app.api('PATCH', `/portals/${SETTINGS_PORTAL}/settings`, { removeCardEditors: ['4001'] });
  });

  it('lets an editor save settings and push settings together: all or nothing, only what changed, never over a newer save, audited', async () => {
    const put = await app.api('PUT', `/portals/${SETTINGS_PORTAL}/settings`, { cardEditors: ['91', 'Second.Admin@Seller.example'] });
    expect(put.body.cardEditors).toEqual(['91', 'second.admin@seller.example']);
    const c = await settingsCard('91', 'admin@seller.example');
    const { page, data } = await pageData(c.settingsAction!.uri);
    expect(data.canEdit).toBe(true);
    expect(page).toContain('Push to HubSpot'); // the portal is connected, so its push settings are offered
    expect(data.push).toEqual({ pushEnabled: true, productIdProperty: 'accounting_external_id', dealProperties: true, dealTimeline: true });
    // Another page's token (create) cannot save settings; an altered settings token is refused.
    expect((await pageApi(await pageToken(c.primaryAction!.uri), 'PUT', '/settings', { settings: {}, version: data.version })).status).toBe(403);
    const altered = data.token.replace(/\.555001\./, '.987654.');
    expect(altered).not.toBe(data.token);
    expect((await pageApi(altered, 'PUT', '/settings', { settings: { sellerName: 'X' }, version: data.version })).status).toBe(401);

    // Every problem in both parts named at once; nothing written.
    const bad = await pageApi(data.token, 'PUT', '/settings', {
      settings: { sellerName: 'Nordlicht', sellerEmail: 'nope', defaultCurrency: 'ZZZ', cardEditors: ['1'] },
      push: { productIdProperty: 'Bad Name' },
      version: data.version,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['cardEditors', 'defaultCurrency', 'productIdProperty', 'sellerEmail']);
    expect((await app.api('GET', `/portals/${SETTINGS_PORTAL}/settings`)).body.sellerName).toBeNull();

    // The push part fails after the settings part was written (a push is queued, so the
    // property cannot be renamed): the whole save is rolled back.
    const run = await app.api('POST', '/sync/runs', { portalId: SETTINGS_PORTAL });
    expect([200, 202]).toContain(run.status);
    const busy = await pageApi(data.token, 'PUT', '/settings', { settings: { sellerName: 'Nordlicht' }, push: { productIdProperty: 'erp_id' }, version: data.version });
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('push_running');
    expect((await app.api('GET', `/portals/${SETTINGS_PORTAL}/settings`)).body.sellerName).toBeNull();
    await tdb.db('sync_runs').where({ id: run.body.id }).update({ status: 'done', finished_at: new Date() });

    const ok = await pageApi(data.token, 'PUT', '/settings', {
      settings: { sellerName: 'Nordlicht', defaultCurrency: 'CHF' },
      push: { pushEnabled: false, productIdProperty: 'erp_id' },
      version: data.version,
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const saved = (await app.api('GET', `/portals/${SETTINGS_PORTAL}/settings`)).body;
    expect(saved).toMatchObject({ sellerName: 'Nordlicht', defaultCurrency: 'CHF', cardEditors: ['91', 'second.admin@seller.example'] }); // the editors are kept
    expect(await portalRepo.get(tdb.db, SETTINGS_PORTAL)).toMatchObject({ pushEnabled: false, productIdProperty: 'erp_id', productIdPropertyReady: false });
    // The API's saves (the editors above) are audited as the accounting system's; this one as the rep's.
    const audit = await tdb.db('audit_log').where({ portal_id: SETTINGS_PORTAL, action: 'settings.update', actor_type: 'hubspot_user' });
    expect(audit).toEqual([expect.objectContaining({ actor_type: 'hubspot_user', hubspot_user_id: '91', hubspot_user_email: 'admin@seller.example', outcome: 'ok' })]);
    const after = typeof audit[0].after === 'string' ? JSON.parse(audit[0].after) : audit[0].after;
    expect(after).toMatchObject({ sellerName: 'Nordlicht', pushEnabled: false, productIdProperty: 'erp_id' });

    // The same page saved again is stale now: refused, nothing overwritten.
    const stale = await pageApi(data.token, 'PUT', '/settings', { settings: { sellerName: 'Old page' }, version: data.version });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('settings_changed');
    expect((await app.api('GET', `/portals/${SETTINGS_PORTAL}/settings`)).body.sellerName).toBe('Nordlicht');

    // A second editor (listed by email) opens the page fresh and saves only the seller part: the
    // push settings stay as the first editor left them.
    const second = await pageData((await settingsCard('92', 'second.admin@seller.example')).settingsAction!.uri);
    expect(second.data.canEdit).toBe(true);
    expect((await pageApi(second.data.token, 'PUT', '/settings', { settings: { sellerName: 'Nordlicht AG', defaultCurrency: 'CHF' }, version: second.data.version })).status).toBe(200);
    expect(await portalRepo.get(tdb.db, SETTINGS_PORTAL)).toMatchObject({ pushEnabled: false, productIdProperty: 'erp_id' });
  });
});

describe('the PDF', () => {
  it('is a real PDF behind a token, inline or as a download, with an ETag', async () => {
    const deal = String(++dealSeq);
    const inv = await createInvoice(app, {
      portalId: PORTAL,
      dealId: deal,
      currency: 'JPY',
      status: 'open',
      contactExternalId: contact,
      lines: [{ description: '導入支援', quantity: '3', unitPrice: '1500', taxRate: '10' }],
    });
    const c = await card(deal);
    const view = await (await fetch(action(c, inv.number, 'View PDF'))).text();
    const pdfPath = /<iframe class="pdf-frame" src="([^"]+)"/.exec(view)![1]!.replace(/&amp;/g, '&');
    const res = await fetch(app.url + pdfPath);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`inline; filename="${inv.number}.pdf"`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const { text } = await pdfText(bytes);
    for (const s of [inv.number, '¥4,950', 'Nordlicht Software GmbH', 'Acme Widgets Ltd', '導入支援']) expect(text, s).toContain(s);

    const etag = res.headers.get('etag')!;
    expect((await fetch(app.url + pdfPath, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    const again = new Uint8Array(await (await fetch(app.url + pdfPath)).arrayBuffer());
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    const download = await fetch(`${app.url}${pdfPath}&download=1`);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${inv.number}.pdf"`);

    await app.api('POST', `/invoices/${inv.id}/payments`, { amount: '4950' });
    const changed = await fetch(app.url + pdfPath, { headers: { 'If-None-Match': etag } });
    expect(changed.status).toBe(200); // paid now: a new rendering with a PAID mark
    expect((await pdfText(new Uint8Array(await changed.arrayBuffer()))).text).toContain('PAID');
    expect((await fetch(app.url + pdfPath.split('?')[0]!)).status).toBe(401);
  });
});

describe("the card's title link", () => {
  it("opens the PDF itself, with the invoice's number and total in its text", async () => {
    const deal = String(++dealSeq);
    const inv = await createInvoice(app, {
      portalId: PORTAL,
      dealId: deal,
      currency: 'EUR',
      status: 'open',
      contactExternalId: contact,
      lines: [{ description: 'Audit', quantity: '1', unitPrice: '1234.56' }],
    });
    const link = (await card(deal)).results[0]!.link!;
    const res = await fetch(link);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const { text } = await pdfText(new Uint8Array(await res.arrayBuffer()));
    expect(text).toContain(inv.number);
    expect(text).toContain('€1,234.56');
  });
});
