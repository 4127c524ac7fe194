import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { callSigned, fetchCard } from '../../test/hubspotCaller.js';
import { TEST_API_TOKEN } from '../../test/testApp.js';
import { useFakeHubspot, usePollTimeout, useTestApp } from '../../test/setup.js';
import { PROJECT_ROOT } from '../paths.js';
import * as portalRepo from '../portals/portalRepo.js';
import { SyncWorker } from '../sync/syncWorker.js';

/**
 * The admins' dashboard in Chromium, on real data: pushes against the fake HubSpot (one product
 * refused by the portal's rule), a card error (and a stranger's failures, not shown), then sign-in,
 * the tables and chart, and Replay.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium && process.env.REQUIRE_BROWSER_TESTS) throw new Error(`Chromium not found at ${CHROMIUM}; install it (apt-get install chromium) or set CHROMIUM_PATH`);
const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts');
const PORTAL = '9191';
const STRANGER = 'Your-account-is-locked-call-0800-000';

let browser: Browser;
let worker: SyncWorker;

/**
 * Runs in the page (a string: this file has no DOM types). Every word in a table cell must sit on
 * one line, or break only after a hyphen or slash (where text wraps by itself, as in "dup-1"): each
 * character's Range says which line it is on. Sections must not need to scroll sideways.
 */
const MEASURE_TABLES = `(() => {
  const cut = [];
  for (const cell of document.querySelectorAll('td, th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size < 2) continue;
        const lineOf = (i) => {
          const r = document.createRange();
          r.setStart(node, m.index + i);
          r.setEnd(node, m.index + i + 1);
          return Math.round(r.getBoundingClientRect().top);
        };
        for (let i = 1; i < m[0].length; i++) {
          if (lineOf(i) !== lineOf(i - 1) && !'-/'.includes(m[0][i - 1])) cut.push(m[0].slice(0, i) + '/' + m[0].slice(i) + ' in ' + cell.closest('section').querySelector('h2').textContent);
        }
      }
    }
  }
  const wide = [...document.querySelectorAll('section')].filter((s) => s.scrollWidth > s.clientWidth + 1).map((s) => s.querySelector('h2').textContent + ': ' + s.scrollWidth + ' > ' + s.clientWidth);
  return { cut, wide, pageWidth: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth };
})()`;

describe.skipIf(!hasChromium)('the ops dashboard in Chromium', () => {
  const fake = useFakeHubspot({ maxPerWindow: 1000, windowMs: 1000, tokens: { 'pat-admin': PORTAL }, rules: { products: { hs_sku: /^[A-Z0-9-]+$/ } } });
  const { tdb, app } = useTestApp(() => ({ env: { HUBSPOT_ACCESS_TOKEN: 'pat-admin', HUBSPOT_PORTAL_ID: PORTAL, HUBSPOT_API_BASE_URL: fake.url } }));
  usePollTimeout(15_000);

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await portalRepo.ensurePrivateApp(tdb.db, PORTAL, new Date());
    worker = new SyncWorker(app.deps);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });

    // Real history: three pushes, the last with a product HubSpot refuses; and a card error.
    for (const [n, size] of [
      [1, 120],
      [2, 60],
      [3, 40],
    ] as const) {
      await app.api('POST', '/contacts/batch', { items: Array.from({ length: size }, (_, i) => ({ externalId: `d${n}-${i}`, email: `d${n}.${i}@dash.example` })) });
      const products = Array.from({ length: size / 2 }, (_, i) => ({ externalId: `dp${n}-${i}`, sku: `DP${n}-${i}`, name: `Product ${i}`, price: '12.00', currency: 'EUR' }));
      if (n === 3) products[3]!.sku = 'bad sku!';
      await app.api('POST', '/products/batch', { items: products });
      await app.api('POST', '/sync/runs', { portalId: PORTAL });
      await worker.drain();
    }
    // A forged fetch is anyone's and is not recorded; HubSpot's own request failing on our side is.
    expect((await fetch(`${app.url}/hubspot/card-or-not?say=${STRANGER}`)).status).toBe(404);
    expect((await fetchCard(app, { portalId: PORTAL, dealId: '1' }, { secret: 'not-the-secret' })).status).toBe(401);
    const failed = await callSigned(app, { method: 'GET', pathAndQuery: `/hubspot/card?userId=1&associatedObjectId=5&associatedObjectType=CONTACT&portalId=${PORTAL}` });
    expect(failed.status).toBe(400);
    // The row is written after the answer: wait for it (the dashboard reads it below).
    await vi.waitFor(
      async () => {
        if ((await tdb.db('card_errors').where({ request_id: failed.headers.get('x-request-id')! })).length === 0) throw new Error('the card error was never recorded');
      },
      { timeout: 15_000, interval: 10 },
    );
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('refuses a wrong token, then shows portals, pushes, the chart, failures and card errors; Replay pushes the record again', async () => {
    // The deal side stopped for a missing scope (as the push notes it).
    await portalRepo.setDealPushProblem(tdb.db, PORTAL, 'HubSpot refused the deal properties for a missing scope (it needs crm.schemas.deals.read): reinstall the app', new Date());
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));

    await page.goto(`${app.url}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.fill('#token', 'not-the-token-at-all');
    await page.press('#token', 'Enter');
    await expect.poll(() => page.textContent('.error')).toContain('not the API token');

    await page.fill('#token', TEST_API_TOKEN);
    await page.click('button[type=submit]');
    await page.waitForSelector('#dashboard[aria-busy=false]');
    expect(new URL(page.url()).pathname).toBe('/admin/');

    const portals = await page.textContent('#portals');
    expect(portals).toContain(PORTAL);
    expect(portals).toContain('private app');
    // The HubSpot API version the portal is on, and how long HubSpot supports it.
    expect(portals).toContain('Data (CRM API): 2026-09');
    expect(portals).toContain('supported until at least March 2028');
    expect(portals).toContain('Deal billing properties on, timeline on');
    expect(await page.locator('#portals [role=alert]', { hasText: 'Deal billing stopped' }).textContent()).toContain('it needs crm.schemas.deals.read');
    expect(await page.locator('#runs tbody tr').count()).toBe(3);
    expect(await page.locator('#chart svg rect.bar-ok').count()).toBe(3);
    expect(await page.locator('#chart svg rect.bar-bad').count()).toBe(3);
    const failure = page.locator('#failures tbody tr');
    expect(await failure.count()).toBe(1);
    expect(await failure.textContent()).toContain('dp3-3');
    expect(await failure.textContent()).toContain("does not match the portal's validation rule");
    // HubSpot's embedded JSON list is shown as its messages, not as raw JSON.
    expect(await failure.locator('ul.reasons li').count()).toBe(1);
    expect(await failure.textContent()).not.toContain('"isValid"');
    const cardErrors = await page.textContent('#card-errors');
    expect(cardErrors).toContain('unsupported_object_type');
    expect(cardErrors).toContain('GET /hubspot/card');
    expect(cardErrors).toContain('HubSpot (signed)');
    expect(cardErrors).not.toContain('invalid_signature');
    expect(cardErrors).not.toContain(STRANGER);
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-dashboard.png'), fullPage: true });

    // The admin fixes the rule in HubSpot and replays the record from the dashboard.
    fake.options.rules = {};
    await page.click('#failures button.replay');
    await expect.poll(() => page.locator('#failures button.replay').first().textContent()).toBe('Queued…');
    await worker.drain();
    await expect.poll(async () => page.textContent('#failures'), { timeout: 10_000 }).toContain('No failures');
    expect(fake.records(PORTAL, 'products').filter((r) => r.properties.accounting_external_id === 'dp3-3')).toHaveLength(1);
    expect(await page.locator('#runs tbody tr').count()).toBe(4);
    // The refused sign-in answered 401, which Chromium reports; nothing else may fail.
    expect(consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);

    // Signing out ends the session on the server: a copy of the cookie is refused afterwards.
    const [session] = (await page.context().cookies()).filter((c) => c.name === 'admin_session');
    expect(session).toBeDefined();
    await page.click('button:text-is("Sign out")');
    await page.waitForURL(/\/admin\/login$/);
    expect((await fetch(`${app.url}/admin/api/overview`, { headers: { cookie: `admin_session=${session!.value}` } })).status).toBe(401);
    await page.close();
  });

  it('keeps its API to signed-in admins, and its writes to the dashboard itself', async () => {
    expect((await fetch(`${app.url}/admin/api/overview`)).status).toBe(401);
    const login = await fetch(`${app.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: TEST_API_TOKEN }), redirect: 'manual' });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await fetch(`${app.url}/admin/api/overview`, { headers: { cookie } })).status).toBe(200);
    // A cross-site form cannot add the header: refused.
    expect((await fetch(`${app.url}/admin/api/failures/1/replay`, { method: 'POST', headers: { cookie } })).status).toBe(403);
    // A forged session is not one.
    expect((await fetch(`${app.url}/admin/api/overview`, { headers: { cookie: `admin_session=${Date.now() + 3600_000}.forged` } })).status).toBe(401);
    const page = await fetch(`${app.url}/admin/`, { headers: { cookie } });
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
  it("lays its tables out at 1280 and 890 px without cutting a word, and shows times in the admin's locale", async () => {
    // Rows of every kind: a refused product, a conflict (two contacts, one email), a skipped contact.
    await app.api('POST', '/contacts/batch', {
      items: [
        { externalId: 'dup-1', email: 'same@dash.example' },
        { externalId: 'dup-2', email: 'same@dash.example' },
        { externalId: 'no-mail', firstName: 'Nomail' },
      ],
    });
    fake.options.rules = { products: { hs_sku: /^[A-Z0-9-]+$/ } };
    await app.api('PUT', '/products/dp-bad', { sku: 'bad sku?', name: 'Replay me', price: '1.00', currency: 'EUR' });
    await app.api('POST', '/sync/runs', { portalId: PORTAL });
    await worker.drain();
    const seen: Array<{ width: number; locale: string; cut: string[]; wide: string[]; pageWidth: number; viewport: number; started: string | null; states: string }> = [];
    for (const [width, locale] of [
      [1280, 'en-US'],
      [890, 'de-DE'],
    ] as const) {
      const page = await browser.newPage({ viewport: { width, height: 900 }, locale });
      await page.goto(`${app.url}/admin/login`);
      await page.fill('#token', TEST_API_TOKEN);
      await page.click('button[type=submit]');
      await page.waitForSelector('#dashboard[aria-busy=false]');
      await page.screenshot({ path: path.join(ARTIFACTS, `admin-dashboard-${width}.png`), fullPage: true });
      const layout = (await page.evaluate(MEASURE_TABLES)) as { cut: string[]; wide: string[]; pageWidth: number; viewport: number };
      const started = await page.locator('#runs tbody tr td:nth-child(5)').first().textContent();
      seen.push({ width, locale, ...layout, started, states: (await page.locator('#failures').textContent()) ?? '' });
      await page.close();
    }
    for (const v of seen) {
      expect(v.states, `${v.width} px`).toMatch(/conflict[\s\S]*skipped|skipped[\s\S]*conflict/);
      expect(v.cut, `${v.width} px`).toEqual([]);
      expect(v.wide, `${v.width} px`).toEqual([]);
      expect(v.pageWidth, `${v.width} px`).toBeLessThanOrEqual(v.viewport);
      // The pushes' start times read the admin's way: the medium date of the pages and PDFs, then the time.
      expect(v.started, v.locale).toMatch(v.locale === 'de-DE' ? /^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}:\d{2}$/ : /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2}\s[AP]M$/);
    }
  });
});
