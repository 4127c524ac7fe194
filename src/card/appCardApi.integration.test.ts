import crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createContact, createInvoice } from '../../test/factories.js';
import { callSigned, type SignedCall, TEST_APP_ID } from '../../test/hubspotCaller.js';
import { hubspotFetch, type HubspotIdentity, proxiedPath } from '../../test/hubspotFetch.js';
import { useTestApp } from '../../test/setup.js';
import { type JsonBody, startTestApp, TEST_CLIENT_SECRET, type TestApp } from '../../test/testApp.js';
import * as auditRepo from '../audit/auditRepo.js';
import { readPageToken } from '../shared/pageToken.js';

// The public URL differs from where the server listens, as behind a proxy: signatures are over it.
const PUBLIC = 'https://invoices.example.com';
const PORTAL = '987654';
/** Another served portal (test/testApp.ts TEST_PORTALS). */
const OTHER = '123123';
/** A portal this service does not serve. */
const STRANGER = '555999';
const BASE = '/hubspot/app-card/invoices';

const { tdb, app } = useTestApp({ publicBaseUrl: PUBLIC, now: '2026-11-25T12:00:00Z' });
let contact: string;

beforeAll(async () => {
  contact = await createContact(app);
});

const rep: HubspotIdentity = { portalId: PORTAL, userId: '4242', userEmail: 'rep@seller.example' };

/** A hubspot.fetch call of the card, answered as status and parsed JSON. */
async function card(path: string, opts: { method?: string; body?: unknown; identity?: HubspotIdentity; on?: TestApp } = {}): Promise<{ status: number; body: JsonBody; bytes: number }> {
  const res = await hubspotFetch(opts.on ?? app, { path, method: opts.method ?? 'GET', body: opts.body, identity: opts.identity ?? rep });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), bytes: Buffer.byteLength(text) };
}
const list = (deal: string, page?: number, identity?: HubspotIdentity) => card(`${PUBLIC}${BASE}?dealId=${deal}${page === undefined ? '' : `&page=${page}`}`, { identity });
const act = (id: string, action: 'issue' | 'void' | 'delete' | 'payments', deal: string, body: unknown = {}, identity?: HubspotIdentity) =>
  card(`${PUBLIC}${BASE}/${id}/${action}?dealId=${deal}`, { method: 'POST', body, identity });
const payment = (amount: string, over: Record<string, unknown> = {}) => ({ amount, requestId: crypto.randomUUID(), ...over });
const invoiceOf = async (id: string) => (await app.api('GET', `/invoices/${id}`)).body;

const open = (deal: string, over: Record<string, unknown> = {}) => createInvoice(app, { dealId: deal, status: 'open', contactExternalId: contact, ...over });
const draft = (deal: string, over: Record<string, unknown> = {}) => createInvoice(app, { dealId: deal, contactExternalId: contact, ...over });
const pay = async (id: string, amount: string) => expect((await app.api('POST', `/invoices/${id}/payments`, { amount })).status).toBe(201);

describe('app card endpoints: signature', () => {
  it('rejects a missing or invalid signature, and changes nothing', async () => {
    const inv = await open('61001');
    const now = app.clock.now().getTime();
    const get = proxiedPath(app, `${BASE}?dealId=61001`, rep);
    const post = proxiedPath(app, `${BASE}/${inv.id}/void?dealId=61001`, rep);
    const json: SignedCall = { method: 'POST', pathAndQuery: post, body: '{}', contentType: 'application/json', versions: ['v3'] };
    const attempts: Array<[string, SignedCall]> = [
      ['unsigned GET', { method: 'GET', pathAndQuery: get, versions: [] }],
      ['v2 only GET', { method: 'GET', pathAndQuery: get, versions: ['v2'] }],
      ['wrong secret GET', { method: 'GET', pathAndQuery: get, versions: ['v3'], secret: 'not-the-secret' }],
      ['stale GET', { method: 'GET', pathAndQuery: get, versions: ['v3'], timestamp: now - 5 * 60_000 - 1 }],
      [
        'portal swapped after signing',
        { method: 'GET', pathAndQuery: get, versions: ['v3'], tamper: (r) => void (r.pathAndQuery = r.pathAndQuery.replace(`portalId=${PORTAL}`, `portalId=${OTHER}`)) },
      ],
      ['deal swapped after signing', { method: 'GET', pathAndQuery: get, versions: ['v3'], tamper: (r) => void (r.pathAndQuery = r.pathAndQuery.replace('dealId=61001', 'dealId=61002')) }],
      ['unsigned POST', { ...json, versions: [] }],
      ['body changed after signing', { ...json, tamper: (r) => void (r.body = '{"reason":"x"}') }],
      ['future POST', { ...json, timestamp: now + 5 * 60_000 + 1 }],
    ];
    for (const [what, call] of attempts) {
      const res = await callSigned(app, call);
      expect(res.status, what).toBe(401);
      expect(res.body.error.code, what).toBe('invalid_signature');
    }
    const unsigned = await hubspotFetch(app, { path: `${BASE}?dealId=61001`, identity: rep, unsigned: true });
    expect(unsigned.status).toBe(401);
    expect((await invoiceOf(inv.id)).status).toBe('open');
    expect(JSON.stringify(app.logs.records)).not.toContain(TEST_CLIENT_SECRET);
  });

  it('answers a request signed with v3 over the public URL, the way HubSpot sends hubspot.fetch', async () => {
    const res = await list('61002');
    expect(res.status).toBe(200);
  });
});

describe('GET /hubspot/app-card/invoices', () => {
  it('shows an empty deal: no totals, no invoices, the create and settings links', async () => {
    const res = await list('61003');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      dealId: '61003',
      locale: null,
      totals: [],
      invoices: [],
      page: 1,
      pageSize: 10,
      totalCount: 0,
      createUrl: expect.stringMatching(/^https:\/\/invoices\.example\.com\/hubspot\/pages\/invoices\/new\?token=/),
    });
  });

  it('shows a deal with invoices in every state in JPY, EUR and KWD, with totals per currency in exact minor units', async () => {
    const deal = '61010';
    // EUR: 2 × 100.00 + 20 % tax = 240.00 each.
    const eurDraft = await draft(deal);
    const eurOpen = await open(deal, { issueDate: '2026-11-20', paymentTermsDays: 30 }); // due 12-20
    const eurPartial = await open(deal, { issueDate: '2026-11-10', paymentTermsDays: 30 }); // due 12-10
    await pay(eurPartial.id, '40.00');
    const eurOverdue = await open(deal, { issueDate: '2026-09-15', paymentTermsDays: 30 }); // due 10-15
    const eurPaid = await open(deal, { issueDate: '2026-08-01', paymentTermsDays: 30 });
    await pay(eurPaid.id, '240.00');
    const eurVoid = await open(deal, { issueDate: '2026-08-05', paymentTermsDays: 30 });
    await pay(eurVoid.id, '10.00');
    expect((await app.api('PATCH', `/invoices/${eurVoid.id}`, { status: 'void', voidReason: 'Billed the wrong customer' })).status).toBe(200);
    const deleted = await draft(deal);
    expect((await app.api('DELETE', `/invoices/${deleted.id}`)).status).toBeLessThan(300);
    const jpy = await open(deal, { currency: 'JPY', issueDate: '2026-11-01', paymentTermsDays: 60, lines: [{ description: 'Licence', quantity: '1', unitPrice: '12345', taxRate: '0' }] });
    await pay(jpy.id, '345');
    const kwd = await open(deal, { currency: 'KWD', issueDate: '2026-10-01', paymentTermsDays: 10, lines: [{ description: 'Support', quantity: '1', unitPrice: '1.234', taxRate: '0' }] });
    expect((await app.api('PUT', `/portals/${PORTAL}/settings`, { locale: 'de-DE' })).status).toBe(200);

    const res = await list(deal);
    expect(res.status).toBe(200);
    expect(res.bytes).toBeLessThan(64 * 1024);
    expect(res.body.locale).toBe('de-DE');
    expect(res.body.totals).toEqual([
      // open: 240.00 + 200.00 + 240.00; overdue: 240.00; paid: 40.00 + 240.00 (the 10.00 on the voided one counts for nothing, as in the deal properties).
      { currency: 'EUR', exponent: 2, open: '680.00', overdue: '240.00', paid: '280.00' },
      { currency: 'JPY', exponent: 0, open: '12000', overdue: '0', paid: '345' },
      { currency: 'KWD', exponent: 3, open: '1.234', overdue: '1.234', paid: '0.000' },
    ]);
    expect(res.body.totalCount).toBe(8);
    const rows = res.body.invoices as JsonBody[];
    // Most relevant first: overdue (most overdue first), open by due date, draft, paid, void.
    expect(rows.map((r) => r.id)).toEqual([kwd.id, eurOverdue.id, eurPartial.id, eurOpen.id, jpy.id, eurDraft.id, eurPaid.id, eurVoid.id]);
    const byId = new Map(rows.map((r) => [r.id as string, r]));
    const row = (id: string) => byId.get(id)!;
    expect(row(kwd.id)).toMatchObject({
      number: kwd.number,
      status: 'open',
      displayStatus: 'overdue',
      statusLabel: 'Overdue',
      issueDate: '2026-10-01',
      dueDate: '2026-10-11',
      currency: 'KWD',
      exponent: 3,
      total: '1.234',
      balance: '1.234',
      paid: '0.000',
      actions: ['pdf', 'payment', 'void'],
      voidNeedsReason: false,
    });
    expect(row(eurPartial.id)).toMatchObject({ displayStatus: 'partially_paid', statusLabel: 'Partially paid', total: '240.00', balance: '200.00', paid: '40.00', voidNeedsReason: true });
    expect(row(eurOpen.id)).toMatchObject({ displayStatus: 'open', statusLabel: 'Open', actions: ['pdf', 'payment', 'void'], voidNeedsReason: false });
    expect(row(jpy.id)).toMatchObject({ currency: 'JPY', exponent: 0, total: '12345', balance: '12000', paid: '345' });
    expect(row(eurDraft.id)).toMatchObject({ status: 'draft', displayStatus: 'draft', statusLabel: 'Draft', actions: ['pdf', 'edit', 'issue', 'delete'], voidNeedsReason: false });
    expect(row(eurPaid.id)).toMatchObject({ status: 'paid', displayStatus: 'paid', statusLabel: 'Paid', balance: '0.00', paid: '240.00', actions: ['pdf', 'void'], voidNeedsReason: true });
    expect(row(eurVoid.id)).toMatchObject({ status: 'void', displayStatus: 'void', statusLabel: 'Void', balance: '0.00', paid: '10.00', actions: ['pdf'], voidNeedsReason: false });

    // Links: the pages each row's actions open, every URL with its own freshly minted token.
    expect(Object.keys(row(eurDraft.id).links).sort()).toEqual(['edit', 'pdf']);
    expect(Object.keys(row(eurOpen.id).links).sort()).toEqual(['pdf']);
    expect(Object.keys(row(eurVoid.id).links).sort()).toEqual(['pdf']);
    const claims = (u: string) => {
      const r = readPageToken(app.deps.pageTokenKey!, new URL(u).searchParams.get('token')!, app.clock.now().getTime());
      if (!r.ok) throw new Error(`bad token in ${u}: ${r.reason}`);
      return r.claims;
    };
    expect(claims(row(eurOpen.id).links.pdf)).toMatchObject({
      kind: 'link',
      purpose: 'pdf',
      portalId: PORTAL,
      dealId: deal,
      invoiceId: eurOpen.id,
      userId: '4242',
      userEmail: 'rep@seller.example',
    });
    expect(claims(res.body.createUrl)).toMatchObject({ purpose: 'create', invoiceId: null, dealId: deal });
    expect(claims(row(eurDraft.id).links.edit)).toMatchObject({ kind: 'link', purpose: 'edit', invoiceId: eurDraft.id, dealId: deal });
    const pdf = await fetch(row(eurOpen.id).links.pdf.replace(PUBLIC, app.url));
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    expect((await app.api('PUT', `/portals/${PORTAL}/settings`, { locale: null })).status).toBe(200);
  });

  it('pages on the server, ten invoices a page, each invoice on exactly one page', async () => {
    const deal = '61020';
    const made: string[] = [];
    for (let i = 0; i < 23; i++) made.push((await draft(deal, { lines: [{ description: `Line ${i}`, quantity: '1', unitPrice: `${i + 1}.00`, taxRate: '0' }] })).id);
    const pages = [await list(deal, 1), await list(deal, 2), await list(deal, 3), await list(deal, 4)];
    expect(pages.map((p) => p.status)).toEqual([200, 200, 200, 200]);
    expect(pages.map((p) => p.body.invoices.length)).toEqual([10, 10, 3, 0]);
    expect(pages.map((p) => [p.body.page, p.body.pageSize, p.body.totalCount])).toEqual([
      [1, 10, 23],
      [2, 10, 23],
      [3, 10, 23],
      [4, 10, 23],
    ]);
    const seen = pages.flatMap((p) => p.body.invoices.map((r: JsonBody) => r.id as string));
    expect([...seen].sort()).toEqual([...made].sort());
    // Totals are the whole deal's, on every page.
    expect(pages[2]!.body.totals).toEqual([{ currency: 'EUR', exponent: 2, open: '0.00', overdue: '0.00', paid: '0.00' }]);
    expect((await list(deal)).body.page).toBe(1);
  });

  it('names what is wrong with a bad query, after checking the signature', async () => {
    const bad = [
      await card(`${BASE}`),
      await card(`${BASE}?dealId=abc`),
      await card(`${BASE}?dealId=61020&page=0`),
      await card(`${BASE}?dealId=61020&page=two`),
      await card(`${BASE}?dealId=61020&dealId=61021`),
      await card(`${BASE}?dealId=61020&extra=1`),
    ];
    expect(bad.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 400]);
    expect(bad.map((r) => r.body.error.code)).toEqual(Array(6).fill('validation_failed'));
    expect(bad[0]!.body.error.details).toEqual([{ field: 'dealId', message: 'is required' }]);
    expect(bad[2]!.body.error.details).toEqual([{ field: 'page', message: 'must be a page number from 1 to 999999' }]);
  });
});

describe('app card actions', () => {
  const deal = '61030';

  it('issues a draft, once however often the request is delivered, and the list shows it open', async () => {
    const inv = await draft(deal);
    const first = await act(inv.id, 'issue', deal);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ message: `Invoice ${inv.number} issued.`, changed: true, invoice: { id: inv.id, status: 'open', displayStatus: 'open', actions: ['pdf', 'payment', 'void'] } });
    expect(first.body.invoice.links).toBeUndefined();
    const again = await act(inv.id, 'issue', deal);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ message: first.body.message, changed: false, invoice: { status: 'open' } });
    const audit = await auditRepo.listForInvoice(tdb.db, inv.id);
    expect(audit.filter((a) => a.action === 'invoice.issue' && a.outcome === 'ok')).toHaveLength(1);
    expect(audit.find((a) => a.action === 'invoice.issue')).toMatchObject({ hubspot_user_id: '4242', hubspot_user_email: 'rep@seller.example' });
    const row = (await list(deal)).body.invoices.find((r: JsonBody) => r.id === inv.id);
    expect(row).toMatchObject({ status: 'open', actions: ['pdf', 'payment', 'void'] });
    expect(row.links.pdf).toContain('/hubspot/pdf/invoices/');
    expect(row.links.edit).toBeUndefined();
  });

  it('records a payment once per requestId: the repeat gets the same answer and no second payment', async () => {
    const inv = await open(deal);
    const body = payment('12.50', { method: 'Bank transfer', reference: 'TX-1' });
    const first = await act(inv.id, 'payments', deal, body);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      message: `Payment of €12.50 recorded on ${inv.number}.`,
      paymentId: expect.any(String),
      invoice: expect.objectContaining({ id: inv.id, status: 'open', displayStatus: 'partially_paid', balance: '227.50', paid: '12.50', voidNeedsReason: true }),
    });
    const again = await act(inv.id, 'payments', deal, body);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const stored = await invoiceOf(inv.id);
    expect(stored.payments).toHaveLength(1);
    expect(stored.payments[0]).toMatchObject({ amount: '12.50', method: 'Bank transfer', reference: 'TX-1' });
    // The same requestId with another amount is a mistake, not a repeat.
    const reused = await act(inv.id, 'payments', deal, { ...body, amount: '13.00' });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    // A new submit (a new requestId) is a new payment; settling it says so.
    const rest = await act(inv.id, 'payments', deal, payment('227.50'));
    expect(rest.status).toBe(201);
    expect(rest.body.message).toBe(`Payment of €227.50 recorded on ${inv.number}; it is now paid in full.`);
    expect(rest.body.invoice).toMatchObject({ status: 'paid', balance: '0.00', actions: ['pdf', 'void'] });
    expect((await invoiceOf(inv.id)).payments).toHaveLength(2);
    const row = (await list(deal)).body.invoices.find((r: JsonBody) => r.id === inv.id);
    expect(row).toMatchObject({ status: 'paid', paid: '240.00' });
  });

  it("formats a payment's amount in the portal's locale and the currency's exponent", async () => {
    const kwd = await open(deal, { currency: 'KWD', lines: [{ description: 'x', quantity: '1', unitPrice: '10.000', taxRate: '0' }] });
    expect((await app.api('PUT', `/portals/${PORTAL}/settings`, { locale: 'de-DE' })).status).toBe(200);
    try {
      const res = await act(kwd.id, 'payments', deal, payment('1.5'));
      expect(res.status).toBe(201);
      expect(res.body.message).toMatch(new RegExp(`^Payment of 1,500\\s?KWD recorded on ${kwd.number}\\.$`));
      expect(res.body.invoice).toMatchObject({ exponent: 3, paid: '1.500', balance: '8.500' });
    } finally {
      expect((await app.api('PUT', `/portals/${PORTAL}/settings`, { locale: null })).status).toBe(200);
    }
  });

  it('refuses a payment above the balance, naming both amounts, and records nothing', async () => {
    const inv = await open(deal);
    await pay(inv.id, '200.00');
    const res = await act(inv.id, 'payments', deal, payment('50.00'));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('payment_exceeds_balance');
    expect(res.body.error.message).toBe(`A payment of 50.00 EUR is more than the balance of 40.00 EUR on ${inv.number}`);
    expect((await invoiceOf(inv.id)).payments).toHaveLength(1);
    const audit = await auditRepo.listForInvoice(tdb.db, inv.id);
    expect(audit.find((a) => a.action === 'invoice.payment' && a.outcome === 'rejected')).toMatchObject({ error_code: 'payment_exceeds_balance' });
    const bad = await act(inv.id, 'payments', deal, { amount: '1.00' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ field: 'requestId', message: 'is required' }]);
  });

  it('voids an invoice without payments at once, and the repeat answers the same', async () => {
    const inv = await open(deal);
    const first = await act(inv.id, 'void', deal);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ message: `Invoice ${inv.number} voided.`, changed: true, invoice: { status: 'void', actions: ['pdf'] } });
    const again = await act(inv.id, 'void', deal, {});
    expect(again.body).toMatchObject({ message: first.body.message, changed: false });
    expect((await list(deal)).body.invoices.find((r: JsonBody) => r.id === inv.id)).toMatchObject({ status: 'void', displayStatus: 'void' });
  });

  it('asks for a reason to void an invoice money was received on, then voids it with one', async () => {
    const inv = await open(deal);
    await pay(inv.id, '20.00');
    for (const body of [{}, { reason: '   ' }]) {
      const refused = await act(inv.id, 'void', deal, body);
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'void_reason_required', message: `Give a reason: money was received on ${inv.number}, so say why it is voided.` });
    }
    expect((await invoiceOf(inv.id)).status).toBe('open');
    const voided = await act(inv.id, 'void', deal, { reason: 'Customer cancelled; refund issued' });
    expect(voided.status).toBe(200);
    expect(voided.body.invoice).toMatchObject({ status: 'void', paid: '20.00', balance: '0.00' });
    expect((await invoiceOf(inv.id)).voidReason).toBe('Customer cancelled; refund issued');
    // Repeating the void (with or without the reason) finds it done.
    expect((await act(inv.id, 'void', deal)).body).toMatchObject({ changed: false, message: `Invoice ${inv.number} voided.` });
  });

  it('deletes a draft once; it leaves the list', async () => {
    const inv = await draft(deal);
    const first = await act(inv.id, 'delete', deal);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ message: `Draft ${inv.number} deleted.`, changed: true, invoice: { id: inv.id, actions: [] } });
    const again = await act(inv.id, 'delete', deal);
    expect(again.body).toMatchObject({ message: first.body.message, changed: false });
    expect((await list(deal)).body.invoices.map((r: JsonBody) => r.id)).not.toContain(inv.id);
  });

  it("refuses what the invoice's state does not allow, in the rep's words", async () => {
    const issued = await open(deal);
    const noContact = await createInvoice(app, { dealId: deal });
    const cases = [
      [await act(issued.id, 'delete', deal), 409, 'invoice_not_draft'],
      [await act(noContact.id, 'issue', deal), 409, 'bill_to_required'],
      [await act(noContact.id, 'payments', deal, payment('1.00')), 409, 'invoice_not_payable'],
      [await act(noContact.id, 'void', deal), 409, 'invoice_is_draft'],
    ] as const;
    for (const [res, status, code] of cases) {
      expect(res.status, code).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.message).toContain(code === 'invoice_not_draft' ? issued.number : noContact.number);
    }
  });

  it("answers 404 for an invoice outside the signed portal or the card's deal, or one that cannot exist", async () => {
    const inv = await open(deal);
    const elsewhere = await open('61031', { portalId: OTHER });
    const results = [
      await act(inv.id, 'void', '61099'),
      await act(elsewhere.id, 'void', '61031'),
      await act(elsewhere.id, 'payments', '61031', payment('1.00')),
      await act('99999999999', 'issue', deal),
      await act('9223372036854775808', 'issue', deal),
      await act('abc', 'delete', deal),
    ];
    expect(results.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404]);
    expect(results.map((r) => r.body.error.code)).toEqual(Array(6).fill('not_found'));
    expect((await invoiceOf(inv.id)).status).toBe('open');
    expect((await invoiceOf(elsewhere.id)).status).toBe('open');
  });

  it('takes only JSON, and only the fields it knows', async () => {
    const inv = await open(deal);
    const path = `${BASE}/${inv.id}/void?dealId=${deal}`;
    const form = await callSigned(app, { method: 'POST', pathAndQuery: proxiedPath(app, path, rep), body: 'reason=x', contentType: 'application/x-www-form-urlencoded', versions: ['v3'] });
    expect(form.status).toBe(415);
    expect((await card(path, { method: 'POST', body: '{"reason":' })).body.error.code).toBe('invalid_json');
    expect((await card(path, { method: 'POST', body: '[]' })).body.error.code).toBe('invalid_body');
    const unknown = await card(path, { method: 'POST', body: { reason: 'x', status: 'open' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([{ field: 'status', message: 'is not a known field' }]);
    const big = await card(path, { method: 'POST', body: { reason: 'x'.repeat(20_000) } });
    expect(big.status).toBe(413);
    expect((await invoiceOf(inv.id)).status).toBe('open');
  });
});

describe('app card endpoints: who is asking', () => {
  it('refuses a portal this service does not serve (403), before reading or changing anything', async () => {
    const inv = await open('61040');
    const stranger = { ...rep, portalId: STRANGER };
    const get = await list('61040', 1, stranger);
    expect(get.status).toBe(403);
    expect(get.body.error.code).toBe('portal_not_allowed');
    expect(JSON.stringify(get.body)).not.toContain('token=');
    const post = await act(inv.id, 'void', '61040', {}, stranger);
    expect(post.status).toBe(403);
    expect((await invoiceOf(inv.id)).status).toBe('open');
  });

  it("refuses a portalId typed into the card's URL that differs from the one HubSpot appends (400); an identical copy is fine", async () => {
    const inv = await open('61041');
    const conflicting = await card(`${BASE}?dealId=61041&portalId=${OTHER}`);
    expect(conflicting.status).toBe(400);
    expect(conflicting.body.error.code).toBe('conflicting_parameters');
    expect(conflicting.body.error.details).toEqual([{ field: 'portalId', message: `is given 2 times with different values ("${OTHER}", "${PORTAL}")` }]);
    const post = await card(`${BASE}/${inv.id}/void?dealId=61041&portalId=${OTHER}`, { method: 'POST', body: {} });
    expect(post.status).toBe(400);
    expect(post.body.error.code).toBe('conflicting_parameters');
    expect((await invoiceOf(inv.id)).status).toBe('open');
    const user = await card(`${BASE}?dealId=61041&userId=1`);
    expect(user.body.error.code).toBe('conflicting_parameters');
    const same = await card(`${BASE}?dealId=61041&portalId=${PORTAL}`);
    expect(same.status).toBe(200);
    expect(same.body.invoices.map((r: JsonBody) => r.id)).toEqual([inv.id]);
  });

  it('with HUBSPOT_APP_ID set, refuses another app (403) and a request naming none', async () => {
    const strict = await startTestApp({ db: tdb.db, publicBaseUrl: PUBLIC, env: { HUBSPOT_APP_ID: TEST_APP_ID } });
    try {
      const inv = await open('61042');
      const url = `${BASE}?dealId=61042`;
      expect((await card(url, { on: strict })).status).toBe(200);
      const other = await card(url, { on: strict, identity: { ...rep, appId: '999' } });
      expect(other.status).toBe(403);
      expect(other.body.error.code).toBe('wrong_app');
      const none = await card(url, { on: strict, identity: { ...rep, appId: null } });
      expect(none.status).toBe(403);
      expect(none.body.error.code).toBe('wrong_app');
      const post = await card(`${BASE}/${inv.id}/void?dealId=61042`, { on: strict, method: 'POST', body: {}, identity: { ...rep, appId: '999' } });
      expect(post.status).toBe(403);
      expect((await invoiceOf(inv.id)).status).toBe('open');
    } finally {
      await strict.close();
    }
  });

  it('never reads who is asking from the body: a body portalId cannot change the account', async () => {
    const mine = await open('61043');
    const theirs = await open('61043', { portalId: OTHER });
    // Signed for PORTAL, the body naming OTHER: acts on PORTAL's invoice, as the signed query says.
    const spoofed = { reason: 'x', portalId: OTHER, userId: '1', userEmail: 'boss@other.example', appId: '1' };
    const onMine = await act(mine.id, 'void', '61043', spoofed);
    expect(onMine.status).toBe(200);
    expect(onMine.body.invoice).toMatchObject({ id: mine.id, status: 'void' });
    const audit = await auditRepo.listForInvoice(tdb.db, mine.id);
    expect(audit.find((a) => a.action === 'invoice.void')).toMatchObject({ portal_id: PORTAL, hubspot_user_id: '4242', hubspot_user_email: 'rep@seller.example' });
    // OTHER's invoice stays out of reach however the body names OTHER.
    for (const body of [{ portalId: OTHER }, { portalId: Number(OTHER) }]) {
      const res = await act(theirs.id, 'void', '61043', body);
      expect(res.status).toBe(404);
    }
    const pay = await act(theirs.id, 'payments', '61043', payment('1.00', { portalId: OTHER }));
    expect(pay.status).toBe(404);
    expect((await invoiceOf(theirs.id)).status).toBe('open');
    expect((await invoiceOf(theirs.id)).payments).toHaveLength(0);
    // The list, too, is the signed portal's only.
    const listed = await list('61043');
    expect(listed.body.invoices.map((r: JsonBody) => r.id)).toEqual([mine.id]);
  });
});
