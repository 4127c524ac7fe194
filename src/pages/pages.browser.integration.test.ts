import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Browser, chromium, type FrameLocator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidCard, prop } from '../../test/cardAssertions.js';
import { createContact, createInvoice, createProduct } from '../../test/factories.js';
import { fetchCard } from '../../test/hubspotCaller.js';
import { createTestDb, type TestDb } from '../../test/testDb.js';
import { startTestApp, type TestApp } from '../../test/testApp.js';
import type { CardResponse } from '../card/cardResponse.js';
import { PROJECT_ROOT } from '../paths.js';

/**
 * The iframe pages in a real browser (Debian's Chromium driven by playwright-core), framed the way
 * HubSpot frames them: a host page on another origin puts the action URL from a real signed data
 * fetch in an 890 × 748 iframe and records what the page posts to window.parent.
 * Screenshots land in test-artifacts/.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium && process.env.REQUIRE_BROWSER_TESTS) throw new Error(`Chromium not found at ${CHROMIUM}; install it (apt-get install chromium) or set CHROMIUM_PATH`);
const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts');
const PORTAL = '5150';

let tdb: TestDb;
let app: TestApp;
let browser: Browser;
let host: http.Server;
let hostUrl: string;
let strangerHost: http.Server;
let strangerUrl: string;
let dealSeq = 100;

function startHost(): Promise<[http.Server, string]> {
  const server = http.createServer((req, res) => {
    const src = new URL(req.url ?? '/', 'http://host').searchParams.get('src') ?? 'about:blank';
    const attr = src.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><html><body style="margin:0;background:#eaf0f6">
<iframe id="modal" src="${attr}" width="890" height="748" style="border:0;background:#fff"></iframe>
<script>window.__messages = []; addEventListener('message', (e) => window.__messages.push(e.data));</script>
</body></html>`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve([server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`])));
}

beforeAll(async () => {
  if (!hasChromium) return;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  [host, hostUrl] = await startHost();
  [strangerHost, strangerUrl] = await startHost();
  tdb = await createTestDb();
  // HubSpot's domains, plus the test host standing in for HubSpot (the stranger is not listed).
  app = await startTestApp({ db: tdb.db, env: { HUBSPOT_FRAME_ANCESTORS: `https://app.hubspot.com https://*.hubspot.com ${hostUrl}` } });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  await createContact(app, { externalId: 'br-acme', company: 'Acme Widgets Ltd', firstName: 'Grace', lastName: 'Hopper', email: 'grace@acme.example' });
  await createProduct(app, { externalId: 'br-widget', sku: 'WID-1', name: 'Blue widget', price: '12.50', currency: 'GBP' });
}, 120_000);

afterAll(async () => {
  if (!hasChromium) return;
  await browser?.close();
  await app?.close();
  await tdb?.destroy();
  host?.close();
  strangerHost?.close();
});

async function card(dealId: string): Promise<CardResponse> {
  const res = await fetchCard(app, {
    portalId: PORTAL,
    dealId,
    userId: '31',
    userEmail: 'sam@seller.example',
    properties: [['dealname', 'Website relaunch'], ['amount', '4800'], ['deal_currency_code', 'GBP'], ['hs_object_id', dealId]],
  });
  return expectValidCard(res.body, app.publicBaseUrl);
}

const uriOf = (c: CardResponse, title: string, label: string) => c.results.find((r) => r.title === title)!.actions.find((a) => a.label === label)!.uri;

/** Opens an action URL inside the host's 890 × 748 iframe, as HubSpot's modal does. */
async function openModal(uri: string, origin = hostUrl): Promise<{ page: Page; frame: FrameLocator }> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  (page as Page & { jsErrors?: string[] }).jsErrors = errors;
  await page.goto(`${origin}/?src=${encodeURIComponent(uri)}`);
  return { page, frame: page.frameLocator('#modal') };
}

// These run in the browser; the host page collects what the framed page posts to it.
const messages = (page: Page) => page.evaluate(() => (globalThis as unknown as { __messages: unknown[] }).__messages);
const waitForMessage = (page: Page, action: string) =>
  page.waitForFunction((a) => (globalThis as unknown as { __messages: string[] }).__messages.includes(JSON.stringify({ action: a })), action, { timeout: 15_000 });

describe.skipIf(!hasChromium)('iframe pages in Chromium', () => {
  it('creates an invoice from the deal: search the customer and a product, live totals, issue, DONE, and the card shows it', async () => {
    const deal = String(++dealSeq);
    const { page, frame } = await openModal((await card(deal)).primaryAction!.uri);
    await expect.poll(() => frame.getByLabel('Line 1 description').inputValue()).toBe('Website relaunch');
    expect(await frame.getByLabel('Line 1 unit price').inputValue()).toBe('4800');
    expect(await frame.getByLabel('Currency').inputValue()).toBe('GBP');

    await frame.getByRole('combobox', { name: 'Customer' }).fill('acme');
    await frame.getByRole('option', { name: /Acme Widgets Ltd/ }).waitFor();
    await frame.getByRole('combobox', { name: 'Customer' }).press('Enter');
    expect(await frame.getByRole('combobox', { name: 'Customer' }).inputValue()).toContain('Acme Widgets Ltd');

    await frame.getByLabel('Line 1 tax rate (percent)').fill('20');
    await frame.getByRole('button', { name: '+ Add line' }).click();
    await frame.getByLabel('Line 2 product').fill('wid-1');
    await frame.getByRole('option', { name: /Blue widget/ }).waitFor();
    await frame.getByLabel('Line 2 product').press('ArrowDown');
    await frame.getByLabel('Line 2 product').press('Enter');
    await expect.poll(() => frame.getByLabel('Line 2 description').inputValue()).toBe('Blue widget');
    expect(await frame.getByLabel('Line 2 unit price').inputValue()).toBe('12.50');
    await frame.getByLabel('Line 2 quantity').fill('3');

    // 4,800 + 20 % = 5,760.00; 3 × 12.50 = 37.50: the server's money rules, shown live.
    await expect.poll(() => frame.locator('#t-total').textContent(), { timeout: 10_000 }).toBe('£5,797.50');
    await page.locator('#modal').screenshot({ path: path.join(ARTIFACTS, 'create-invoice-890x748.png') });

    await frame.getByRole('button', { name: 'Issue invoice' }).click();
    await waitForMessage(page, 'DONE');
    expect((page as Page & { jsErrors?: string[] }).jsErrors).toEqual([]);
    await page.close();

    const after = await card(deal);
    expect(after.results).toHaveLength(1);
    const inv = after.results[0]!;
    expect(inv.invoice_status).toBe('OPEN');
    expect(prop(inv, 'Total')).toEqual({ label: 'Total', dataType: 'CURRENCY', value: '5797.50', currencyCode: 'GBP' });
    expect(prop(inv, 'Bill to')?.value).toBe('Acme Widgets Ltd');
  });

  it('shows validation errors beside their fields and does not close', async () => {
    const deal = String(++dealSeq);
    const { page, frame } = await openModal((await card(deal)).primaryAction!.uri);
    await frame.getByLabel('Line 1 quantity').fill('lots');
    await frame.getByRole('button', { name: 'Issue invoice' }).click();
    const qtyError = frame.locator('.field-error[data-for="lines[0].quantity"]');
    await expect.poll(() => qtyError.textContent()).toMatch(/decimal number/);
    expect(await frame.getByLabel('Line 1 quantity').getAttribute('aria-invalid')).toBe('true');
    await page.locator('#modal').screenshot({ path: path.join(ARTIFACTS, 'create-invoice-errors.png') });
    // Fixed, the next problem shows where it belongs: issuing needs a customer.
    await frame.getByLabel('Line 1 quantity').fill('1');
    await frame.getByRole('button', { name: 'Issue invoice' }).click();
    await expect.poll(() => frame.locator('.field-error[data-for="contactExternalId"]').textContent()).toMatch(/required to issue/);
    expect(await qtyError.textContent()).toBe('');
    expect(await messages(page)).toEqual([]);
    await page.close();
    expect((await app.api('GET', `/invoices?dealId=${deal}`)).body.invoices).toHaveLength(0);
  });

  it('edits a draft and the next data fetch shows the new total', async () => {
    const deal = String(++dealSeq);
    const draft = await createInvoice(app, { portalId: PORTAL, dealId: deal, currency: 'GBP', contactExternalId: 'br-acme', lines: [{ description: 'Setup', quantity: '1', unitPrice: '100.00' }] });
    const { page, frame } = await openModal(uriOf(await card(deal), draft.number, 'Edit draft'));
    await expect.poll(() => frame.getByLabel('Line 1 description').inputValue()).toBe('Setup');
    expect(await frame.getByRole('combobox', { name: 'Customer' }).inputValue()).toContain('Acme Widgets Ltd');
    await frame.getByLabel('Line 1 quantity').fill('2.5');
    await expect.poll(() => frame.locator('#t-total').textContent()).toBe('£250.00');
    await frame.getByRole('button', { name: 'Save draft' }).click();
    await waitForMessage(page, 'DONE');
    await page.close();
    const inv = (await card(deal)).results[0]!;
    expect(inv.invoice_status).toBe('DRAFT');
    expect(prop(inv, 'Total')?.value).toBe('250.00');
  });

  it('records a partial payment with the keyboard alone', async () => {
    const deal = String(++dealSeq);
    const inv = await createInvoice(app, { portalId: PORTAL, dealId: deal, currency: 'GBP', status: 'open', contactExternalId: 'br-acme', lines: [{ description: 'Retainer', quantity: '1', unitPrice: '300.00' }] });
    const { page, frame } = await openModal(uriOf(await card(deal), inv.number, 'Record payment'));
    const amount = frame.getByLabel('Amount received (GBP)');
    await expect.poll(() => amount.inputValue()).toBe('300.00');
    await page.locator('#modal').screenshot({ path: path.join(ARTIFACTS, 'record-payment.png') });
    // The amount is focused and selected on load: typing replaces it, Enter submits.
    await page.keyboard.type('120');
    await page.keyboard.press('Tab'); // to "Pay in full"
    await page.keyboard.press('Tab'); // to the date
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await waitForMessage(page, 'DONE');
    await page.close();
    const after = (await card(deal)).results[0]!;
    expect(after.invoice_status).toBe('PARTIALLY_PAID');
    expect(prop(after, 'Balance due')?.value).toBe('180.00');
    expect(prop(after, 'Paid so far')?.value).toBe('120.00');
  });

  it('cancels with the Cancel button and with Escape', async () => {
    const deal = String(++dealSeq);
    const inv = await createInvoice(app, { portalId: PORTAL, dealId: deal, status: 'open', contactExternalId: 'br-acme' });
    const c = await card(deal);
    const first = await openModal(uriOf(c, inv.number, 'Record payment'));
    await first.frame.getByRole('button', { name: 'Cancel' }).click();
    await waitForMessage(first.page, 'CANCEL');
    await first.page.close();
    const second = await openModal(uriOf(c, inv.number, 'Record payment'));
    await second.frame.getByRole('button', { name: 'Record payment' }).waitFor();
    await second.page.keyboard.press('Escape');
    await waitForMessage(second.page, 'CANCEL');
    await second.page.close();
    const view = await openModal(uriOf(c, inv.number, 'View PDF'));
    await view.frame.getByRole('link', { name: 'Download PDF' }).waitFor();
    await view.page.waitForTimeout(800);
    await view.page.locator('#modal').screenshot({ path: path.join(ARTIFACTS, 'view-pdf.png') });
    await view.frame.getByRole('button', { name: 'Close' }).click();
    await waitForMessage(view.page, 'CANCEL');
    await view.page.close();
  });

  it('will not be framed by an origin HubSpot does not own', async () => {
    const deal = String(++dealSeq);
    const { page } = await openModal((await card(deal)).primaryAction!.uri, strangerUrl);
    await page.waitForTimeout(500);
    const child = page.frames().find((f) => f !== page.mainFrame());
    expect(child?.url() ?? '').not.toContain('/hubspot/pages/');
    await page.close();
  });

  it('edits the account\'s invoice settings from the card\'s settings action, with errors beside their fields', async () => {
    await app.api('PUT', `/portals/${PORTAL}/settings`, { cardEditors: ['31'] }); // this rep may change them
    const deal = String(++dealSeq);
    const { page, frame } = await openModal((await card(deal)).settingsAction!.uri);
    await frame.getByLabel('Company name').fill('Nordlicht GmbH');
    await frame.getByLabel('Email').fill('not an email');
    await frame.getByLabel('Default currency').fill('zzz');
    await frame.getByLabel('Payment terms (days)').fill('45');
    await frame.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => frame.locator('.field-error[data-for="sellerEmail"]').textContent()).not.toBe('');
    expect(await frame.locator('.field-error[data-for="defaultCurrency"]').textContent()).not.toBe('');
    await page.locator('#modal').screenshot({ path: path.join(ARTIFACTS, 'settings-890x748.png') });
    // Nothing was saved while anything was wrong.
    expect((await app.api('GET', `/portals/${PORTAL}/settings`)).body.sellerName).toBeNull();

    await frame.getByLabel('Email').fill('billing@nordlicht.example');
    await frame.getByLabel('Default currency').fill('chf');
    await frame.getByRole('button', { name: 'Save settings' }).click();
    await waitForMessage(page, 'DONE');
    expect((page as Page & { jsErrors?: string[] }).jsErrors).toEqual([]);
    await page.close();
    expect((await app.api('GET', `/portals/${PORTAL}/settings`)).body).toMatchObject({ sellerName: 'Nordlicht GmbH', sellerEmail: 'billing@nordlicht.example', defaultCurrency: 'CHF', defaultPaymentTermsDays: 45 });
    // Reset for the other tests (the create page prefers the deal's currency anyway).
    await app.api('PUT', `/portals/${PORTAL}/settings`, { cardEditors: [] });
  });
});
