import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Browser, chromium, type Frame, type FrameLocator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectValidCard, prop } from '../../test/cardAssertions.js';
import { createContact, createInvoice, createProduct } from '../../test/factories.js';
import { fetchCard } from '../../test/hubspotCaller.js';
import { pdfText } from '../../test/pdfText.js';
import { usePollTimeout, useTestApp } from '../../test/setup.js';
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
});
afterAll(() => {
  host?.close();
  strangerHost?.close();
});
// HubSpot's domains, plus the test host standing in for HubSpot (the stranger is not listed).
const { app } = useTestApp(() => ({ env: { HUBSPOT_FRAME_ANCESTORS: `https://app.hubspot.com https://*.hubspot.com ${hostUrl}` } }));
usePollTimeout(15_000);

beforeAll(async () => {
  if (!hasChromium) return;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  await createContact(app, { externalId: 'br-acme', company: 'Acme Widgets Ltd', firstName: 'Grace', lastName: 'Hopper', email: 'grace@acme.example' });
  await createProduct(app, { externalId: 'br-widget', sku: 'WID-1', name: 'Blue widget', price: '12.50', currency: 'GBP' });
}, 120_000);

afterAll(async () => {
  if (!hasChromium) return;
  await browser?.close();
});

async function card(dealId: string): Promise<CardResponse> {
  const res = await fetchCard(app, {
    portalId: PORTAL,
    dealId,
    userId: '31',
    userEmail: 'sam@seller.example',
    properties: [
      ['dealname', 'Website relaunch'],
      ['amount', '4800'],
      ['deal_currency_code', 'GBP'],
      ['hs_object_id', dealId],
    ],
  });
  return expectValidCard(res.body, app.publicBaseUrl);
}

const uriOf = (c: CardResponse, title: string, label: string) => c.results.find((r) => r.title === title)!.actions.find((a) => a.label === label)!.uri;

/** Opens an action URL inside the host's 890 × 748 iframe, as HubSpot's modal does. */
async function openModal(uri: string, origin = hostUrl, locale = 'en-US', { fakeClock = false } = {}): Promise<{ page: Page; frame: FrameLocator }> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 }, locale });
  // Playwright's clock in every frame of the page: time flows until the test pauses it.
  if (fakeClock) await page.clock.install();
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

/** The framed page itself (the host page's only child frame). */
const pageFrame = (page: Page): Frame => page.frames().find((f) => f !== page.mainFrame())!;

// Measurements run inside the framed page. They are strings (not functions) because this file is
// compiled without the DOM's types.
/** Buttons of the page frame outside the 890 × 748 viewport, and line amounts over their remove button or out of their cell. */
const MEASURE_FORM = `(() => {
  const box = (el) => el.getBoundingClientRect();
  const vw = document.documentElement.clientWidth;
  const vh = document.documentElement.clientHeight;
  const outside = [...document.querySelectorAll('button, a.button')]
    .filter((b) => b.offsetParent !== null && !b.closest('.scroll'))
    .map((b) => ({ text: b.textContent, r: box(b) }))
    .filter(({ r }) => r.left < 0 || r.top < 0 || r.right > vw || r.bottom > vh)
    .map(({ text, r }) => text + ' at ' + [r.left, r.top, r.right, r.bottom].map(Math.round).join(','));
  const overlaps = [...document.querySelectorAll('#lines tr.line')].flatMap((tr, i) => {
    const amount = tr.querySelector('[data-amount]');
    const range = document.createRange();
    range.selectNodeContents(amount);
    const a = range.getBoundingClientRect();
    const r = box(tr.querySelector('.icon-button'));
    const cell = box(amount);
    const problems = [];
    if (a.right > r.left && a.left < r.right && a.bottom > r.top && a.top < r.bottom) problems.push('line ' + (i + 1) + ': amount overlaps its remove button');
    if (a.left < cell.left - 0.5 || a.right > cell.right + 0.5) problems.push('line ' + (i + 1) + ': amount wider than its cell');
    return problems;
  });
  return { outside, overlaps, vw, vh };
})()`;

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
    await expect.poll(() => qtyError.textContent()).toBe('Enter a quantity, like 2 or 1.5');
    expect(await frame.getByLabel('Line 1 quantity').getAttribute('aria-invalid')).toBe('true');
    await page.locator('#modal').screenshot({ path: path.join(ARTIFACTS, 'create-invoice-errors.png') });
    // Fixed, the next problem shows where it belongs: issuing needs a customer.
    await frame.getByLabel('Line 1 quantity').fill('1');
    await frame.getByRole('button', { name: 'Issue invoice' }).click();
    await expect.poll(() => frame.locator('.field-error[data-for="contactExternalId"]').textContent()).toBe('Pick a customer: an invoice needs someone to bill before it is issued');
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
    const inv = await createInvoice(app, {
      portalId: PORTAL,
      dealId: deal,
      currency: 'GBP',
      status: 'open',
      contactExternalId: 'br-acme',
      lines: [{ description: 'Retainer', quantity: '1', unitPrice: '300.00' }],
    });
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

  it("fills a line from the product picked, over the deal's name the form suggested but never over what the rep typed; the invoice and its PDF say the product", async () => {
    await createProduct(app, { externalId: 'br-consulting', sku: 'CONS-H', name: 'Consulting hour', price: '150.00', currency: 'GBP' });
    const deal = String(++dealSeq);
    const { page, frame } = await openModal((await card(deal)).primaryAction!.uri);
    await expect.poll(() => frame.getByLabel('Line 1 description').inputValue()).toBe('Website relaunch');
    const pick = async (n: number, q: string) => {
      await frame.getByLabel(`Line ${n} product`).fill(q);
      await frame.getByRole('option', { name: /Consulting hour/ }).waitFor();
      await frame.getByLabel(`Line ${n} product`).press('Enter');
    };
    // Line 1 still holds what the form suggested from the deal: the product replaces it.
    await pick(1, 'cons');
    await expect.poll(() => frame.getByLabel('Line 1 description').inputValue()).toBe('Consulting hour');
    expect(await frame.getByLabel('Line 1 unit price').inputValue()).toBe('150.00');
    // Line 2: the rep types a description and a price first; the product keeps both.
    await frame.getByRole('button', { name: '+ Add line' }).click();
    await frame.getByLabel('Line 2 description').fill('Workshop, second day');
    await frame.getByLabel('Line 2 unit price').fill('120');
    await pick(2, 'cons-h');
    await expect.poll(() => frame.getByLabel('Line 2 product').inputValue()).toContain('Consulting hour');
    expect(await frame.getByLabel('Line 2 description').inputValue()).toBe('Workshop, second day');
    expect(await frame.getByLabel('Line 2 unit price').inputValue()).toBe('120');
    await frame.getByLabel('Line 2 quantity').fill('2');
    await expect.poll(() => frame.locator('#t-total').textContent()).toBe('£390.00');

    await frame.getByRole('combobox', { name: 'Customer' }).fill('acme');
    await frame.getByRole('option', { name: /Acme Widgets Ltd/ }).waitFor();
    await frame.getByRole('combobox', { name: 'Customer' }).press('Enter');
    await frame.getByRole('button', { name: 'Save as draft' }).click();
    await waitForMessage(page, 'DONE');
    await page.close();

    const saved = (await app.api('GET', `/invoices?portalId=${PORTAL}&dealId=${deal}`)).body.invoices[0];
    const full = (await app.api('GET', `/invoices/${saved.id}`)).body;
    expect(full.lines.map((l: { description: string; productExternalId: string }) => [l.description, l.productExternalId])).toEqual([
      ['Consulting hour', 'br-consulting'],
      ['Workshop, second day', 'br-consulting'],
    ]);
    const pdf = await fetch((await card(deal)).results[0]!.link!);
    const { text } = await pdfText(new Uint8Array(await pdf.arrayBuffer()));
    expect(text).toContain('Consulting hour');
    expect(text).not.toContain('Website relaunch');
  });

  it('picks the product for what the rep typed when an earlier search answers late', async () => {
    // The search the product box starts on focus (an empty query: every product, the widget first)
    // answers only after the rep has typed "des-s", before the search for "des-s" has left; the
    // rep presses Enter on that list. Enter must wait for the results for "des-s".
    await createProduct(app, { externalId: 'br-design', sku: 'DES-S', name: 'Design sprint', price: '900.00', currency: 'GBP' });
    const deal = String(++dealSeq);
    const { page, frame } = await openModal((await card(deal)).primaryAction!.uri, hostUrl, 'en-US', { fakeClock: true });
    await expect.poll(() => frame.getByLabel('Line 1 description').inputValue()).toBe('Website relaunch');
    const held = new Map<string, () => void>();
    await page.route(/\/products\?q=/, async (route) => {
      const q = new URL(route.request().url()).searchParams.get('q') ?? '';
      await new Promise<void>((release) => held.set(q, release));
      await route.continue();
    });
    // From here the page's timers (the search box's wait after a keystroke) run only when told.
    await page.clock.pauseAt(Date.now() + 1000);
    const box = frame.getByLabel('Line 1 product');
    await box.focus();
    await page.clock.runFor(500);
    await expect.poll(() => held.has('')).toBe(true);
    await box.fill('des-s');
    held.get('')!();
    await frame.getByRole('option', { name: /Blue widget/ }).waitFor();
    await box.press('Enter');
    await page.clock.runFor(500);
    await expect.poll(() => held.has('des-s')).toBe(true);
    held.get('des-s')!();
    await expect.poll(() => frame.getByLabel('Line 1 description').inputValue()).toBe('Design sprint');
    expect(await frame.getByLabel('Line 1 product').inputValue()).toContain('Design sprint');
    expect(await frame.getByLabel('Line 1 unit price').inputValue()).toBe('900.00');
    // An Enter pressed before any list has shown waits for the results too.
    const customer = frame.getByRole('combobox', { name: 'Customer' });
    await customer.fill('acme');
    await customer.press('Enter');
    await page.clock.runFor(500);
    await expect.poll(() => customer.inputValue()).toBe('Acme Widgets Ltd · Grace Hopper');
    expect(await messages(page)).toEqual([]);
    await page.close();
  });

  it('says when the search does not answer, Enter tries again, and coming back to a picked customer keeps the pick', async () => {
    const deal = String(++dealSeq);
    const { page, frame } = await openModal((await card(deal)).primaryAction!.uri, hostUrl, 'en-US', { fakeClock: true });
    await expect.poll(() => frame.getByLabel('Line 1 description').inputValue()).toBe('Website relaunch');
    const searched: string[] = [];
    let answer: 'unavailable' | 'tooMany' | 'service' = 'unavailable';
    await page.route(/\/contacts\?q=/, async (route) => {
      const q = new URL(route.request().url()).searchParams.get('q') ?? '';
      searched.push(q);
      if (q === '__probe__') await route.fulfill({ status: 200, contentType: 'application/json', body: '{}' });
      else if (answer === 'unavailable')
        await route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: 'Service Unavailable' } }) });
      else if (answer === 'tooMany')
        await route.fulfill({
          status: 429,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'rate_limited', message: 'Too many searches at once: wait a moment and try again.' } }),
        });
      else await route.continue();
    });
    await page.clock.pauseAt(Date.now() + 1000);
    const customer = frame.getByRole('combobox', { name: 'Customer' });
    const said = frame.locator('#customer-list + [role=status]');
    await customer.fill('acme');
    await customer.press('Enter');
    await page.clock.runFor(500);
    await frame.getByRole('listbox').getByText("The search didn't answer. Press Enter to try again.").waitFor();
    expect(await said.textContent()).toBe("The search didn't answer. Press Enter to try again.");
    expect(await customer.inputValue()).toBe('acme');
    // The arrow keys have nothing to move through; Enter searches again, and a refusal the
    // service explained is shown in its words.
    answer = 'tooMany';
    await customer.press('ArrowDown');
    await customer.press('ArrowUp');
    await customer.press('Enter');
    await page.clock.runFor(500);
    await frame.getByRole('listbox').getByText('Too many searches at once: wait a moment and try again.').waitFor();
    // The service answers again: the next Enter searches again and picks the first result.
    answer = 'service';
    await customer.press('Enter');
    await page.clock.runFor(500);
    await expect.poll(() => customer.inputValue()).toBe('Acme Widgets Ltd · Grace Hopper');
    expect(searched.filter((q) => q === 'acme')).toHaveLength(3);
    expect(await said.textContent()).toBe('');

    // Back to the box after the pick: no list opens over the form, so an Enter there cannot pick
    // the first result for the label's text; ArrowDown opens the list on request. (A search the
    // focus started would reach the route before a request the page sends after the wait.)
    await frame.getByLabel('Line 1 description').focus();
    const before = searched.length;
    await customer.focus();
    await page.clock.runFor(500);
    await pageFrame(page).evaluate(() => fetch('/contacts?q=__probe__').then(() => undefined));
    await expect.poll(() => searched.includes('__probe__')).toBe(true);
    expect(searched.slice(before)).toEqual(['__probe__']);
    expect(await customer.getAttribute('aria-expanded')).toBe('false');
    await customer.press('ArrowDown');
    await page.clock.runFor(500);
    await expect.poll(() => customer.getAttribute('aria-expanded')).toBe('true');
    expect(searched.slice(before)).toEqual(['__probe__', 'Acme Widgets Ltd · Grace Hopper']);
    await customer.press('Escape');
    expect(await customer.getAttribute('aria-expanded')).toBe('false');
    expect(await customer.inputValue()).toBe('Acme Widgets Ltd · Grace Hopper');
    expect(await messages(page)).toEqual([]);
    await page.close();
  });

  it("reads numbers the way a German rep types them and answers every problem in a rep's words", async () => {
    const deal = String(++dealSeq);
    const { page, frame } = await openModal((await card(deal)).primaryAction!.uri, hostUrl, 'de-DE');
    await expect.poll(() => frame.getByLabel('Line 1 unit price').inputValue()).toBe('4800');
    await frame.getByLabel('Line 1 quantity').fill('1,5');
    await frame.getByLabel('Line 1 unit price').fill('1.234,50');
    // 1.5 × 1234.50 = 1851.75, shown the German way.
    await expect.poll(() => frame.locator('#t-total').textContent()).toBe('1.851,75 £');
    expect(await frame.locator('[data-amount="0"]').textContent()).toBe('1.851,75 £');

    // A "." in a German number separates thousands: "1.5" cannot be read, and nothing is guessed.
    await frame.getByLabel('Line 1 quantity').fill('1.5');
    await frame.getByLabel('Line 1 tax rate (percent)').focus();
    const qtyError = frame.locator('.field-error[data-for="lines[0].quantity"]');
    await expect.poll(() => qtyError.textContent()).toBe('Can\'t read "1.5": "." separates thousands here, as in 1.234. For a decimal, write 1,5.');
    expect(await frame.locator('[data-amount="0"]').textContent()).toBe('–');
    expect(await frame.locator('#t-total').textContent()).toBe('–');
    await page.locator('#modal').screenshot({ path: path.join(ARTIFACTS, 'create-invoice-de-DE-unreadable.png') });
    // The server's problems too: a quantity of 0.
    await frame.getByLabel('Line 1 quantity').fill('0');
    await frame.getByLabel('Line 1 tax rate (percent)').focus();
    await expect.poll(() => qtyError.textContent()).toBe('The quantity must be more than 0 and at most 1.000.000.000');
    await frame.getByLabel('Line 1 tax rate (percent)').fill('7,25');
    await frame.getByLabel('Line 1 quantity').fill('2');
    await frame.getByLabel('Line 1 discount', { exact: true }).focus();
    // 2 × 1234.50 = 2469.00; 7.25 % tax = 179.0025 → 179.00.
    await expect.poll(() => frame.locator('#t-total').textContent()).toBe('2.648,00 £');
    expect(await qtyError.textContent()).toBe('');
    await page.locator('#modal').screenshot({ path: path.join(ARTIFACTS, 'create-invoice-de-DE.png') });
    const texts = await frame.locator('.field-error, .form-error').allTextContents();
    for (const t of texts) expect(t).not.toMatch(/string|>=|productExternalId|externalId|decimal number/);
    await frame.getByRole('button', { name: 'Save as draft' }).click();
    await waitForMessage(page, 'DONE');
    await page.close();
    const saved = (await app.api('GET', `/invoices?portalId=${PORTAL}&dealId=${deal}`)).body.invoices[0];
    const full = (await app.api('GET', `/invoices/${saved.id}`)).body;
    expect(full.lines[0]).toMatchObject({ quantity: '2', unitPrice: '1234.50', taxRate: '7.25' });
  });

  it("takes a KWD payment typed the German way, and says in a rep's words what cannot be taken", async () => {
    const deal = String(++dealSeq);
    const inv = await createInvoice(app, {
      portalId: PORTAL,
      dealId: deal,
      currency: 'KWD',
      status: 'open',
      contactExternalId: 'br-acme',
      lines: [{ description: 'Pumps', quantity: '1', unitPrice: '2500.125' }],
    });
    const { page, frame } = await openModal(uriOf(await card(deal), inv.number, 'Record payment'), hostUrl, 'de-DE');
    const amount = frame.getByLabel('Amount received (KWD)');
    await expect.poll(() => amount.inputValue()).toBe('2500,125');
    // The summary's amounts and dates are the rep's locale's too.
    expect((await frame.locator('.summary').textContent())?.replace(/\u00a0/g, ' ')).toContain('Balance due2.500,125 KWD');
    expect(await frame.locator('.summary time').textContent()).toMatch(/^\d{2}\.\d{2}\.\d{4}$/);
    await amount.fill('1.000,2505');
    await frame.getByRole('button', { name: 'Record payment' }).click();
    await expect.poll(() => frame.locator('.field-error[data-for="amount"]').textContent()).toBe('The amount can have at most 3 decimals for KWD');
    await amount.fill('3.000');
    await frame.getByRole('button', { name: 'Record payment' }).click();
    await expect.poll(async () => (await frame.locator('.field-error[data-for="amount"]').textContent())?.replace(/\u00a0/g, ' ')).toBe('That is more than the balance due (2.500,125 KWD)');
    await amount.fill('1.000,25');
    await frame.getByRole('button', { name: 'Record payment' }).click();
    await waitForMessage(page, 'DONE');
    await page.close();
    expect((await app.api('GET', `/invoices/${inv.id}`)).body).toMatchObject({ amountPaid: '1000.250', balance: '1499.875' });
  });

  it("lists the deal's invoices with dates in the rep's locale, and a draft is dated, not issued", async () => {
    const deal = String(++dealSeq);
    await createInvoice(app, { portalId: PORTAL, dealId: deal, currency: 'GBP', issueDate: '2026-11-03', paymentTermsDays: 30, contactExternalId: 'br-acme' });
    const open = await createInvoice(app, { portalId: PORTAL, dealId: deal, currency: 'GBP', status: 'open', issueDate: '2026-11-02', paymentTermsDays: 14, contactExternalId: 'br-acme' });
    // More than the card shows, so that it links to the full list.
    for (let i = 0; i < 4; i++) {
      const old = await createInvoice(app, { portalId: PORTAL, dealId: deal, currency: 'GBP', status: 'open', issueDate: '2026-10-01', contactExternalId: 'br-acme' });
      expect((await app.api('PATCH', `/invoices/${old.id}`, { status: 'void' })).status).toBe(200);
    }
    const c = await card(deal);
    // On the card a draft has no "Issued" date (the definition's label) but a "Dated" one.
    const draft = c.results.find((r) => r.invoice_status === 'DRAFT')!;
    expect(prop(draft, 'Issued')).toBeUndefined();
    expect(prop(draft, 'Dated')).toEqual({ label: 'Dated', dataType: 'DATE', value: '2026-11-03' });
    expect(
      prop(
        c.results.find((r) => r.title === open.number)!,
        'Issued',
      )?.value,
    ).toBe('2026-11-02');
    const listUri = c.secondaryActions![0]!.uri;
    for (const [locale, draftDate, openDue] of [
      ['de-DE', '03.11.2026', '16.11.2026'],
      ['en-US', 'Nov 3, 2026', 'Nov 16, 2026'],
    ] as const) {
      const { page, frame } = await openModal(listUri, hostUrl, locale);
      await frame.locator('.invoice-table').waitFor();
      const headers = await frame.locator('.invoice-table th').allTextContents();
      expect(headers).not.toContain('Issued');
      expect(headers).toContain('Date');
      const rows = await frame.locator('.invoice-table tbody tr').allTextContents();
      expect(rows.find((r) => /Draft/.test(r))).toContain(draftDate);
      expect(rows.find((r) => r.includes(open.number))).toContain(openDue);
      if (locale === 'de-DE') await page.locator('#modal').screenshot({ path: path.join(ARTIFACTS, 'list-de-DE.png') });
      await page.close();
    }
  });

  it('fits seven-figure KWD and CHF amounts at 890 × 748: every button inside the frame, no amount over its remove button', async () => {
    const cases = [
      {
        name: 'KWD',
        currency: 'KWD',
        lines: [
          { description: 'Turbine overhaul', quantity: '1', unitPrice: '1234567.890', taxRate: '5' },
          { description: 'Spare parts', quantity: '3', unitPrice: '1234567.890', discount: { type: 'percent', value: '10' } },
        ],
      },
      {
        name: 'CHF',
        currency: 'CHF',
        lines: [
          { description: 'Turbine overhaul', quantity: '1', unitPrice: '1234567.85', taxRate: '5' },
          { description: 'Spare parts', quantity: '3', unitPrice: '1234567.85', discount: { type: 'percent', value: '10' } },
        ],
      },
      // The largest line an invoice can hold: wraps inside its cell, still clear of the button.
      {
        name: 'KWD-largest',
        currency: 'KWD',
        lines: [
          { description: 'Everything', quantity: '1000', unitPrice: '999999999.999' },
          { description: 'Small', quantity: '1', unitPrice: '0.999' },
        ],
      },
    ];
    for (const { name: currency, ...invoice } of cases) {
      const deal = String(++dealSeq);
      const draft = await createInvoice(app, { portalId: PORTAL, dealId: deal, contactExternalId: 'br-acme', ...invoice });
      const { page, frame } = await openModal(uriOf(await card(deal), draft.number, 'Edit draft'));
      await expect.poll(() => frame.locator('#t-total').textContent(), { timeout: 10_000 }).not.toBe('–');
      await expect.poll(() => frame.locator('[data-amount="1"]').textContent()).not.toBe('–');
      await page.locator('#modal').screenshot({ path: path.join(ARTIFACTS, `edit-${currency}-seven-figures-890x748.png`) });
      const geometry = (await pageFrame(page).evaluate(MEASURE_FORM)) as { outside: string[]; overlaps: string[]; vw: number; vh: number };
      expect(geometry.vw).toBe(890);
      expect(geometry.outside, currency).toEqual([]);
      expect(geometry.overlaps, currency).toEqual([]);
      await page.close();
    }
  });

  it("blanks a line's amount with the totals while its quantity is invalid, and says why beside it", async () => {
    const deal = String(++dealSeq);
    const { page, frame } = await openModal((await card(deal)).primaryAction!.uri);
    const amount = frame.locator('[data-amount="0"]');
    await expect.poll(() => amount.textContent()).toBe('£4,800.00');
    for (const [qty, problem] of [
      ['lots', 'Enter a quantity, like 2 or 1.5'],
      ['0', 'The quantity must be more than 0 and at most 1,000,000,000'],
      ['-2', 'The quantity must be more than 0 and at most 1,000,000,000'],
    ] as const) {
      await frame.getByLabel('Line 1 quantity').fill(qty);
      await frame.getByLabel('Line 1 unit price').focus();
      await expect.poll(() => frame.locator('.field-error[data-for="lines[0].quantity"]').textContent(), { message: qty }).toBe(problem);
      expect(await amount.textContent(), qty).toBe('–');
      expect(await frame.locator('#t-total').textContent(), qty).toBe('–');
    }
    await frame.getByLabel('Line 1 quantity').fill('2');
    await expect.poll(() => amount.textContent()).toBe('£9,600.00');
    expect(await frame.locator('#t-total').textContent()).toBe('£9,600.00');
    expect(await frame.locator('.field-error[data-for="lines[0].quantity"]').textContent()).toBe('');
    await page.close();
  });

  it('will not be framed by an origin HubSpot does not own', async () => {
    const deal = String(++dealSeq);
    const { page } = await openModal((await card(deal)).primaryAction!.uri, strangerUrl);
    await page.waitForTimeout(500);
    const child = page.frames().find((f) => f !== page.mainFrame());
    expect(child?.url() ?? '').not.toContain('/hubspot/pages/');
    await page.close();
  });

  it("edits the account's invoice settings from the card's settings action, with errors beside their fields", async () => {
    // Not an editor yet: the page is read-only and shows the request that makes the rep one.
    const readOnly = await openModal((await card(String(++dealSeq))).settingsAction!.uri);
    const request = readOnly.frame.locator('pre.request');
    expect(await request.textContent()).toBe(`PATCH ${app.publicBaseUrl}/api/v1/portals/${PORTAL}/settings\n{"addCardEditors": ["31"]}`);
    expect(await readOnly.frame.getByRole('button', { name: 'Save settings' }).count()).toBe(0);
    const box = (await request.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(890);
    await readOnly.page.locator('#modal').screenshot({ path: path.join(ARTIFACTS, 'settings-read-only-890x748.png') });
    await readOnly.page.close();

    await app.api('PATCH', `/portals/${PORTAL}/settings`, { addCardEditors: ['31'] }); // this rep may change them
    const deal = String(++dealSeq);
    const { page, frame } = await openModal((await card(deal)).settingsAction!.uri);
    await frame.getByLabel('Company name').fill('Nordlicht GmbH');
    await frame.getByLabel('Email').fill('not an email');
    await frame.getByLabel('Default currency').fill('zzz');
    await frame.getByLabel('Payment terms (days)').fill('45');
    await frame.getByLabel('Date and number format').fill('de-ch');
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
    expect((await app.api('GET', `/portals/${PORTAL}/settings`)).body).toMatchObject({
      sellerName: 'Nordlicht GmbH',
      sellerEmail: 'billing@nordlicht.example',
      defaultCurrency: 'CHF',
      defaultPaymentTermsDays: 45,
      locale: 'de-CH',
      cardEditors: ['31'],
    });
    // Reset for the other tests (the create page prefers the deal's currency anyway).
    await app.api('PATCH', `/portals/${PORTAL}/settings`, { removeCardEditors: ['31'] });
  });
});
