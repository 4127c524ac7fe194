import { beforeAll, describe, expect, it } from 'vitest';
import { createContact, createInvoice, createProduct } from '../../test/factories.js';
import { fetchCard } from '../../test/hubspotCaller.js';
import { useTestApp } from '../../test/setup.js';
import { fieldLabel, sayFieldProblem, sayRefusal, sayUnreadableNumber } from '../../public/repWording.js';
import { readDecimal } from '../../public/locale.js';
import { currencyExponent } from '../money/currencies.js';
import * as portalRepo from '../portals/portalRepo.js';

/**
 * The pages' wording table against what the page API really answers: every problem the server
 * gives a page for the worst a rep can type is put through it, and none may read like a developer
 * message (or fall through to the table's catch-all). The API's own messages stay as they are.
 */

const PORTAL = '616161';
const { tdb, app } = useTestApp();

beforeAll(async () => {
  await createContact(app, { externalId: 'w-acme', company: 'Acme' });
  await createContact(app, { externalId: 'w-gone', company: 'Gone Ltd' });
  await app.api('DELETE', '/contacts/w-gone');
  await createProduct(app, { externalId: 'w-eur', name: 'Euro thing', price: '10.00', currency: 'EUR' });
  await createProduct(app, { externalId: 'w-old', name: 'Old thing', price: '10.00', currency: 'GBP' });
  await app.api('DELETE', '/products/w-old');
  await portalRepo.ensurePrivateApp(tdb.db, PORTAL, new Date());
  await app.api('PATCH', `/portals/${PORTAL}/settings`, { addCardEditors: ['71'] });
});

let dealSeq = 700;
async function tokens(dealId = String(++dealSeq)) {
  const res = await fetchCard(app, { portalId: PORTAL, dealId, userId: '71', userEmail: 'rep@seller.example', properties: [['hs_object_id', dealId]] });
  const page = async (uri: string) => {
    const html = await (await fetch(uri)).text();
    return JSON.parse(/id="page-data">([^<]*)</.exec(html)![1]!) as { token: string; version?: number };
  };
  return { card: res.body, page };
}

async function pageApi(token: string, method: string, path: string, body: unknown) {
  const res = await fetch(`${app.url}/hubspot/pages/api${path}`, { method, headers: { 'X-Page-Token': token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { problems?: Problem[]; error?: { code: string; message: string; details?: unknown } } };
}

interface Problem {
  field: string;
  message: string;
}

/** What developers read and reps must not: schema words, API field names, formats, symbols. */
const DEVELOPER = /string|>=|<=|externalId|productExternalId|contactExternalId|ISO 4217|YYYY|must NOT|is required|decimal places|unitPrice|taxRate|paymentTermsDays|\/api\/v1|status "open"|\(body\)/;
const CATCH_ALL = /can't be saved as it is/;

describe('the rep wording table', () => {
  it("turns every problem the page API gives for bad input into a rep's words", async () => {
    const { card, page } = await tokens();
    const create = await page(card.primaryAction.uri);
    const seen: Array<{ problem: Problem; currency: string }> = [];
    const collect = (currency: string, list: unknown) => {
      expect(Array.isArray(list), JSON.stringify(list)).toBe(true);
      for (const problem of list as Problem[]) seen.push({ problem, currency });
    };
    const line = (over: Record<string, unknown>) => ({ description: 'x', quantity: '1', unitPrice: '1.00', ...over });
    const badLines: Array<Record<string, unknown>> = [
      { quantity: 'lots' },
      { quantity: '' },
      { quantity: '1.1234567' },
      { quantity: '0' },
      { quantity: '-1' },
      { quantity: '1'.repeat(41) },
      { quantity: '1234567890123456' },
      { quantity: 5 },
      { unitPrice: 'x' },
      { unitPrice: '-5' },
      { unitPrice: '1.1234567' },
      { discount: { type: 'percent', value: '101' } },
      { discount: { type: 'amount', value: '0.001' } },
      { discount: { type: 'amount', value: '99' } },
      { discount: { type: 'amount', value: '-1' } },
      { discount: { type: 'percent', value: 'x' } },
      { taxRate: '1.23456' },
      { taxRate: '150' },
      { description: undefined, unitPrice: undefined },
      { description: '' },
      { description: 'd'.repeat(2001) },
      { productExternalId: 'nope' },
      { productExternalId: 'w-old' },
      { productExternalId: 'w-eur', unitPrice: undefined, description: undefined },
      { productExternalId: 'bad id!' },
      { quantity: '1000000000', unitPrice: '999999' },
    ];
    for (const over of badLines) {
      const q = await pageApi(create.token, 'POST', '/quote', { currency: 'GBP', lines: [line(over)] });
      if (q.status === 200) collect('GBP', q.body.problems);
      else collect('GBP', q.body.error!.details);
    }
    for (const currency of ['gbp', 'ZZZ']) {
      const q = await pageApi(create.token, 'POST', '/quote', { currency, lines: [line({})] });
      collect('GBP', q.status === 200 ? q.body.problems : q.body.error!.details);
    }
    const badInvoices: Array<Record<string, unknown>> = [
      { lines: [] },
      { lines: Array.from({ length: 501 }, () => line({})) },
      { issueDate: 'bad' },
      { issueDate: '2026-02-30' },
      { paymentTermsDays: -1 },
      { paymentTermsDays: 4000 },
      { issueDate: '2026-11-20', dueDate: '2026-11-01', paymentTermsDays: undefined },
      { contactExternalId: 'nope' },
      { contactExternalId: 'w-gone' },
      { contactExternalId: null, status: 'open' },
      { memo: 'm'.repeat(5001) },
      { lines: [line({ quantity: '1000000', unitPrice: '999999' }), line({ quantity: '1000000', unitPrice: '999999' })] },
    ];
    for (const over of badInvoices) {
      const r = await pageApi(create.token, 'POST', '/invoices', { currency: 'GBP', contactExternalId: 'w-acme', paymentTermsDays: 30, lines: [line({})], ...over });
      expect(r.status, JSON.stringify(over)).toBe(400);
      collect('GBP', r.body.error!.details);
    }

    // Payments and voiding on a KWD invoice.
    const dealId = String(++dealSeq);
    const inv = await createInvoice(app, { portalId: PORTAL, dealId, currency: 'KWD', status: 'open', contactExternalId: 'w-acme', lines: [{ description: 'a', quantity: '1', unitPrice: '10.000' }] });
    await app.api('POST', `/invoices/${inv.id}/payments`, { amount: '1.000' });
    const t = await tokens(dealId);
    const result = t.card.results[0];
    const pay = await t.page(result.actions.find((a: { label: string }) => a.label === 'Record payment').uri);
    for (const body of [{ amount: '1.2345' }, { amount: '0' }, { amount: 'x' }, { amount: '1', date: '2999-01-01' }, { amount: '1', date: 'bad' }]) {
      const r = await pageApi(pay.token, 'POST', `/invoices/${inv.id}/payments`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      collect('KWD', r.body.error!.details);
    }
    const over = await pageApi(pay.token, 'POST', `/invoices/${inv.id}/payments`, { amount: '100' });
    expect(over.status).toBe(409);
    expect(sayRefusal({ code: over.body.error!.code, details: over.body.error!.details }, { locale: 'de-DE', currency: 'KWD', exponent: 3 })).toEqual({
      field: 'amount',
      message: 'That is more than the balance due (9,000\u00a0KWD)',
    });
    const voidPage = await t.page(result.actions.find((a: { label: string }) => a.label === 'Void invoice…').uri);
    const noReason = await pageApi(voidPage.token, 'POST', `/invoices/${inv.id}/void`, {});
    collect('KWD', noReason.body.error!.details);

    // Settings.
    const settings = await page(card.settingsAction.uri);
    for (const s of [
      { sellerEmail: 'nope' },
      { defaultCurrency: 'ZZZ' },
      { defaultCurrency: 'eu' },
      { defaultPaymentTermsDays: -1 },
      { defaultPaymentTermsDays: 1.5 },
      { locale: 'not a locale' },
      { locale: 'zz-ZZ' },
      { sellerName: 'n'.repeat(201) },
    ]) {
      const r = await pageApi(settings.token, 'PUT', '/settings', { settings: s, version: settings.version });
      expect(r.status, JSON.stringify(s)).toBe(400);
      collect('GBP', r.body.error!.details);
    }
    const push = await pageApi(settings.token, 'PUT', '/settings', { settings: {}, push: { productIdProperty: 'Bad Name' }, version: settings.version });
    collect('GBP', push.body.error!.details);

    // Every one of them, in a rep's words.
    expect(seen.length).toBeGreaterThan(45);
    const fields = new Set<string>();
    for (const { problem, currency } of seen) {
      const text = sayFieldProblem(problem, { locale: 'en-US', currency, exponent: currencyExponent(currency) });
      expect(text, `${problem.field}: ${problem.message}`).not.toMatch(DEVELOPER);
      expect(text, `${problem.field}: ${problem.message}`).not.toMatch(CATCH_ALL);
      expect(fieldLabel(problem.field), problem.field).not.toBeNull();
      fields.add(problem.field.replace(/\[\d+\]/, '[]'));
    }
    expect([...fields]).toEqual(
      expect.arrayContaining([
        'lines[].quantity',
        'lines[].unitPrice',
        'lines[].discount.value',
        'lines[].taxRate',
        'lines[].description',
        'lines[].productExternalId',
        'currency',
        'lines',
        'issueDate',
        'dueDate',
        'paymentTermsDays',
        'contactExternalId',
        'memo',
        'amount',
        'date',
        'voidReason',
        'sellerEmail',
        'defaultCurrency',
        'defaultPaymentTermsDays',
        'locale',
        'sellerName',
        'productIdProperty',
      ]),
    );
  });

  it('says what the issue quotes in words for reps, while /api/v1 keeps its developer messages', async () => {
    const ctx = { locale: 'en-US', currency: 'KWD', exponent: 3 };
    expect(sayFieldProblem({ field: 'lines[0].quantity', message: 'must be a decimal number written as a string, like "12.50"' }, ctx)).toBe('Enter a quantity, like 2 or 1.5');
    expect(sayFieldProblem({ field: 'paymentTermsDays', message: 'must be >= 0' }, ctx)).toBe('Enter a whole number of days from 0 to 3650');
    expect(sayFieldProblem({ field: 'lines[2].description', message: 'is required (or give a productExternalId)' }, ctx)).toBe('Enter a description, or pick a product');
    expect(sayFieldProblem({ field: 'lines[0].unitPrice', message: 'must have at most 3 decimal places for KWD' }, ctx)).toBe('The price can have at most 3 decimals for KWD');
    expect(sayFieldProblem({ field: 'amount', message: 'must have at most 3 decimal places for KWD' }, ctx)).toBe('The amount can have at most 3 decimals for KWD');
    expect(fieldLabel('lines[2].taxRate')).toBe('Line 3 tax rate');
    // Something the table does not know is still not shown as the developer wrote it.
    expect(sayFieldProblem({ field: 'lines[0].quantity', message: 'a new developer message' }, ctx)).toBe("Check the quantity: it can't be saved as it is");
    expect(sayFieldProblem({ field: 'portalId', message: 'is not a known field' }, ctx)).not.toMatch(/portalId|known field/);

    // The API answers developers as before.
    const r = await app.api('POST', '/invoices', { portalId: PORTAL, dealId: '1', currency: 'GBP', lines: [{ description: 'a', quantity: 'lots', unitPrice: '1' }], paymentTermsDays: -1 });
    expect(r.body.error.details).toEqual(
      expect.arrayContaining([
        { field: 'lines[0].quantity', message: 'must be a decimal number written as a string, like "12.50"' },
        { field: 'paymentTermsDays', message: 'must be >= 0' },
      ]),
    );
  });

  it("explains a number it cannot read, with the rep's own separators", () => {
    const de = { locale: 'de-DE', currency: 'EUR', exponent: 2 };
    const unread = (text: string, ctx: typeof de, field = 'lines[0].quantity') => {
      const r = readDecimal(text, ctx.locale);
      if (r.ok) throw new Error(`${text} was read as ${r.value}`);
      return sayUnreadableNumber(field, r, ctx);
    };
    expect(unread('1.5', de)).toBe('Can\'t read "1.5": "." separates thousands here, as in 1.234. For a decimal, write 1,5.');
    expect(unread('lots', de, 'lines[0].unitPrice')).toBe('Enter a price, like 1.234,50');
    expect(unread('1,5', { locale: 'en-US', currency: 'USD', exponent: 2 })).toBe('Can\'t read "1,5": "," separates thousands here, as in 1,234. For a decimal, write 1.5.');
    expect(unread('1.234', { locale: 'fr-FR', currency: 'EUR', exponent: 2 })).toMatch(/^Can't tell whether "1\.234" has a thousands separator or a decimal point/);
  });
});
