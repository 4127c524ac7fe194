import { describe, expect, it } from 'vitest';
import { allActions, expectValidCard, prop } from '../../test/cardAssertions.js';
import { createContact, createInvoice } from '../../test/factories.js';
import { appendProxyParams, callSigned, cardFetchPath, fetchCard } from '../../test/hubspotCaller.js';
import { startTestApp, TEST_CLIENT_SECRET } from '../../test/testApp.js';
import { useTestApp } from '../../test/setup.js';
import { readPageToken } from '../shared/pageToken.js';

// The public URL differs from where the server listens, as behind a proxy: signatures must be
// checked against PUBLIC_BASE_URL, not the Host header.
const PUBLIC = 'https://invoices.example.com';
const PORTAL = '987654';

const { tdb, app } = useTestApp({ publicBaseUrl: PUBLIC, now: '2026-11-25T12:00:00Z' });

/** Follows a card URL on the real server (the public base swapped for the local address). */
const open = (uri: string) => fetch(uri.replace(PUBLIC, app.url));

describe('GET /hubspot/card: signature', () => {
  it('rejects a missing or invalid signature', async () => {
    const path = cardFetchPath({ portalId: PORTAL, dealId: '1' });
    const now = app.clock.now().getTime();
    const attempts: Array<[string, Parameters<typeof callSigned>[1]]> = [
      ['unsigned', { method: 'GET', pathAndQuery: path, versions: [] }],
      ['v2 only', { method: 'GET', pathAndQuery: path, versions: ['v2'] }],
      ['stale timestamp', { method: 'GET', pathAndQuery: path, timestamp: now - 5 * 60_000 - 1 }],
      ['future timestamp', { method: 'GET', pathAndQuery: path, timestamp: now + 5 * 60_000 + 1 }],
      ['wrong secret', { method: 'GET', pathAndQuery: path, secret: 'not-the-secret' }],
      ['query tampered after signing', { method: 'GET', pathAndQuery: path, tamper: (r) => void (r.pathAndQuery = r.pathAndQuery.replace(`portalId=${PORTAL}`, 'portalId=111')) }],
      ['query reordered after signing', { method: 'GET', pathAndQuery: path, tamper: (r) => void (r.pathAndQuery = `/hubspot/card?${r.pathAndQuery.split('?')[1]!.split('&').reverse().join('&')}`) }],
      ['invalid v3 next to a valid v2', { method: 'GET', pathAndQuery: path, tamper: (r) => void (r.headers['X-HubSpot-Signature-v3'] = Buffer.alloc(32).toString('base64')) }],
      ['timestamp swapped after signing', { method: 'GET', pathAndQuery: path, tamper: (r) => void (r.headers['X-HubSpot-Request-Timestamp'] = String(now - 1000)) }],
    ];
    for (const [what, call] of attempts) {
      const res = await callSigned(app, call);
      expect(res.status, what).toBe(401);
      expect(res.body.error.code, what).toBe('invalid_signature');
    }
    const warnings = app.logs.records.filter((r) => r.message === 'hubspot signature rejected');
    expect(warnings.map((w) => w.check)).toEqual(expect.arrayContaining(['missing_signature', 'v2_only_refused', 'stale_timestamp', 'future_timestamp', 'v3_mismatch']));
    const logged = JSON.stringify(app.logs.records);
    expect(logged).not.toContain(TEST_CLIENT_SECRET);
  });

  it('answers a request signed over the public URL with v3 (and v2), as HubSpot sends it', async () => {
    const res = await fetchCard(app, { portalId: PORTAL, dealId: '1' });
    expect(res.status).toBe(200);
  });

  it('accepts v2 alone only when HUBSPOT_ALLOW_V2_ONLY=true', async () => {
    const lenient = await startTestApp({ db: tdb.db, publicBaseUrl: PUBLIC, env: { HUBSPOT_ALLOW_V2_ONLY: 'true' } });
    try {
      const path = cardFetchPath({ portalId: PORTAL, dealId: '1' });
      expect((await callSigned(lenient, { method: 'GET', pathAndQuery: path, versions: ['v2'] })).status).toBe(200);
      // Still strict about a present but bad v3.
      const badV3 = await callSigned(lenient, { method: 'GET', pathAndQuery: path, timestamp: lenient.clock.now().getTime() - 10 * 60_000 });
      expect(badV3.status).toBe(401);
    } finally {
      await lenient.close();
    }
  });

  it('answers 503 naming HUBSPOT_CLIENT_SECRET when no secret is configured', async () => {
    const unconfigured = await startTestApp({ db: tdb.db, env: { HUBSPOT_CLIENT_SECRET: '' } });
    try {
      const res = await fetch(`${unconfigured.url}${cardFetchPath({ portalId: PORTAL, dealId: '1' })}`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain('HUBSPOT_CLIENT_SECRET');
    } finally {
      await unconfigured.close();
    }
  });
});

describe('GET /hubspot/card: the card', () => {
  it('shows an empty deal with no results and the create action', async () => {
    const res = await fetchCard(app, { portalId: PORTAL, dealId: '404404' });
    const card = expectValidCard(res.body, PUBLIC);
    expect(card.results).toEqual([]);
    expect(card.primaryAction).toMatchObject({ type: 'IFRAME', label: 'Create invoice', width: 890, height: 748 });
    expect(card.secondaryActions).toBeUndefined();
  });

  it('orders overdue, open, draft, then paid and void, shows at most five and links to the rest', async () => {
    const deal = '7001';
    const contact = await createContact(app);
    const make = async (issueDate: string, terms: number, status: 'draft' | 'open' = 'open') =>
      (await createInvoice(app, { dealId: deal, issueDate, paymentTermsDays: terms, status, contactExternalId: contact })) as { id: string; number: string };
    const paid = await make('2026-08-01', 30);
    await app.api('POST', `/invoices/${paid.id}/payments`, { amount: '240.00', date: '2026-08-15' });
    const voided = await make('2026-09-01', 30);
    await app.api('PATCH', `/invoices/${voided.id}`, { status: 'void' });
    const draft = await make('2026-11-20', 30, 'draft');
    const openLater = await make('2026-11-20', 30); // due 12-20
    const openSooner = await make('2026-11-10', 30); // due 12-10
    await app.api('POST', `/invoices/${openSooner.id}/payments`, { amount: '40.00' }); // partially paid
    const overdueRecent = await make('2026-10-20', 30); // due 11-19
    const overdueOld = await make('2026-09-15', 30); // due 10-15
    const deleted = await make('2026-11-21', 30, 'draft');
    await app.api('DELETE', `/invoices/${deleted.id}`);

    const card = expectValidCard((await fetchCard(app, { portalId: PORTAL, dealId: deal })).body, PUBLIC);
    expect(card.results.map((r) => r.title)).toEqual([overdueOld.number, overdueRecent.number, openSooner.number, openLater.number, draft.number]);
    expect(card.results.map((r) => r.invoice_status)).toEqual(['OVERDUE', 'OVERDUE', 'PARTIALLY_PAID', 'OPEN', 'DRAFT']);
    expect(prop(card.results[0]!, 'Days overdue')?.value).toBe('41');
    expect(card.secondaryActions).toEqual([expect.objectContaining({ type: 'IFRAME', label: 'View all 7 invoices' })]);

    // Past the first five, paid comes before void.
    const full = await app.api('GET', `/invoices?portalId=${PORTAL}&dealId=${deal}`);
    expect(full.body.invoices).toHaveLength(7);
    const { listForDeal } = await import('../invoices/dealInvoiceRepo.js');
    const all = await listForDeal(tdb.db, PORTAL, deal, '2026-11-25', { limit: 10 });
    expect(all.invoices.slice(5).map((i) => i.number)).toEqual([paid.number, voided.number]);
    expect(all.totalCount).toBe(7);
  });

  it('gets money exact in JPY, EUR and KWD, with currency codes', async () => {
    const deal = '7002';
    const jpy = await createInvoice(app, { dealId: deal, currency: 'JPY', lines: [{ description: 'x', quantity: '3', unitPrice: '333.5', taxRate: '10' }] });
    const eur = await createInvoice(app, {
      dealId: deal,
      currency: 'EUR',
      lines: [
        { description: 'x', quantity: '1', unitPrice: '1200', taxRate: '19', discount: { type: 'percent', value: '10' } },
        { description: 'y', quantity: '3', unitPrice: '0.335' },
      ],
    });
    const kwd = await createInvoice(app, { dealId: deal, currency: 'KWD', lines: [{ description: 'x', quantity: '3', unitPrice: '125.125', taxRate: '5' }] });
    expect([jpy.total, eur.total, kwd.total]).toEqual(['1100', '1286.20', '394.144']);
    const card = expectValidCard((await fetchCard(app, { portalId: PORTAL, dealId: deal })).body, PUBLIC);
    const byTitle = Object.fromEntries(card.results.map((r) => [r.title, prop(r, 'Total')]));
    expect(byTitle[jpy.number]).toEqual({ label: 'Total', dataType: 'CURRENCY', value: '1100', currencyCode: 'JPY' });
    expect(byTitle[eur.number]).toEqual({ label: 'Total', dataType: 'CURRENCY', value: '1286.20', currencyCode: 'EUR' });
    expect(byTitle[kwd.number]).toEqual({ label: 'Total', dataType: 'CURRENCY', value: '394.144', currencyCode: 'KWD' });
  });

  it("keeps portals apart: the same deal id in another portal shows only that portal's invoices", async () => {
    const deal = '7003';
    const mine = await createInvoice(app, { portalId: PORTAL, dealId: deal });
    const theirs = await createInvoice(app, { portalId: '123123', dealId: deal });
    const a = expectValidCard((await fetchCard(app, { portalId: PORTAL, dealId: deal })).body, PUBLIC);
    const b = expectValidCard((await fetchCard(app, { portalId: '123123', dealId: deal })).body, PUBLIC);
    expect(a.results.map((r) => r.objectId)).toEqual([Number(mine.id)]);
    expect(b.results.map((r) => r.objectId)).toEqual([Number(theirs.id)]);
    // Tokens minted for portal A's card carry portal A.
    for (const action of allActions(a)) {
      const token = new URL(action.uri).searchParams.get('token');
      if (token) expect(readPageToken(app.deps.pageTokenKey!, token, app.clock.now().getTime())).toMatchObject({ ok: true, claims: { portalId: PORTAL } });
    }
  });

  it('serves the converter app card too: URLSearchParams encoding, appId and only v3', async () => {
    await createInvoice(app, { dealId: '7004' });
    const res = await fetchCard(app, {
      portalId: PORTAL,
      dealId: '7004',
      userEmail: 'first.last+x@seller.example',
      caller: 'appCard',
      properties: [
        ['dealname', 'Big deal (EU) & co'],
        ['amount', '1200.50'],
        ['hs_object_id', '7004'],
      ],
    });
    expect(res.status).toBe(200);
    expect(expectValidCard(res.body, PUBLIC).results).toHaveLength(1);
  });

  it('tolerates extra deal properties in the classic query, spaces as + and a raw @', async () => {
    const res = await fetchCard(app, {
      portalId: PORTAL,
      dealId: '7004',
      properties: [
        ['dealname', 'Big deal'],
        ['amount', ''],
        ['deal_currency_code', 'EUR'],
        ['hs_object_id', '7004'],
      ],
    });
    expect(res.status).toBe(200);
  });

  it('names what is wrong with a bad query, after checking the signature', async () => {
    const missing = await callSigned(app, { method: 'GET', pathAndQuery: '/hubspot/card?userId=1&associatedObjectId=5&associatedObjectType=DEAL' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([{ field: 'portalId', message: 'is required' }]);
    const contact = await callSigned(app, { method: 'GET', pathAndQuery: `/hubspot/card?userId=1&associatedObjectId=5&associatedObjectType=CONTACT&portalId=${PORTAL}` });
    expect(contact.status).toBe(400);
    expect(contact.body.error.code).toBe('unsupported_object_type');
    const twice = await callSigned(app, { method: 'GET', pathAndQuery: `/hubspot/card?associatedObjectId=5&associatedObjectType=DEAL&portalId=1&portalId=2` });
    expect(twice.status).toBe(400);
  });

  it('offers the actions each status allows', async () => {
    const deal = '7005';
    const contact = await createContact(app);
    await createInvoice(app, { dealId: deal, status: 'draft', contactExternalId: contact });
    const open = await createInvoice(app, { dealId: deal, status: 'open', contactExternalId: contact });
    const partly = await createInvoice(app, { dealId: deal, status: 'open', contactExternalId: contact });
    await app.api('POST', `/invoices/${partly.id}/payments`, { amount: '1.00' });
    const card = expectValidCard((await fetchCard(app, { portalId: PORTAL, dealId: deal })).body, PUBLIC);
    const labels = Object.fromEntries(card.results.map((r) => [r.title, r.actions.map((a) => `${a.type}:${a.label}`)]));
    expect(labels[open.number]).toEqual(['IFRAME:Record payment', 'IFRAME:View PDF', 'CONFIRMATION_ACTION_HOOK:Void invoice']);
    expect(labels[partly.number]).toEqual(['IFRAME:Record payment', 'IFRAME:View PDF', 'IFRAME:Void invoice…']);
    const draft = card.results.find((r) => r.invoice_status === 'DRAFT')!;
    const del = draft.actions.find((a) => a.label === 'Delete draft');
    expect(del).toMatchObject({ type: 'CONFIRMATION_ACTION_HOOK', httpMethod: 'DELETE' });
    expect(del && 'confirmationMessage' in del && del.confirmationMessage).toMatch(/deleted rather than voided/);
    const voidHook = card.results.find((r) => r.title === open.number)!.actions.find((a) => a.label === 'Void invoice');
    expect(voidHook && 'confirmationMessage' in voidHook && voidHook.confirmationMessage).toMatch(/voided rather than deleted/);
  });
});

describe("GET /hubspot/card: HubSpot's parameters", () => {
  it("reads the classic card's one copy and the app card's two (what the converter writes and what HubSpot appends) alike", async () => {
    const inv = await createInvoice(app, { dealId: '7101' });
    const appCardQuery = new URLSearchParams(cardFetchPath({ portalId: PORTAL, dealId: '7101', caller: 'appCard' }).split('?')[1]);
    expect([appCardQuery.getAll('portalId'), appCardQuery.getAll('userId'), appCardQuery.getAll('userEmail'), appCardQuery.getAll('appId')]).toEqual([
      [PORTAL, PORTAL],
      ['4242', '4242'],
      ['rep@seller.example', 'rep@seller.example'],
      ['3141592'],
    ]);
    for (const caller of ['classic', 'appCard'] as const) {
      const res = await fetchCard(app, { portalId: PORTAL, dealId: '7101', caller });
      expect(res.status, `${caller}: ${JSON.stringify(res.body)}`).toBe(200);
      const card = expectValidCard(res.body, PUBLIC);
      expect(card.results.map((r) => r.objectId)).toEqual([Number(inv.id)]);
      const token = new URL(card.primaryAction!.uri).searchParams.get('token')!;
      expect(readPageToken(app.deps.pageTokenKey!, token, app.clock.now().getTime())).toMatchObject({
        ok: true,
        claims: { portalId: PORTAL, dealId: '7101', userId: '4242', userEmail: 'rep@seller.example' },
      });
    }
  });

  it("refuses copies that disagree, naming them: a portalId typed into the card's URL never outvotes the one HubSpot appends", async () => {
    // Both portals are served here, so only the disagreement can refuse the request.
    const other = '123123';
    await createInvoice(app, { portalId: other, dealId: '7102' });
    await createInvoice(app, { portalId: PORTAL, dealId: '7102' });
    const own = (portalId: string, userId = '4242') =>
      new URLSearchParams([
        ['userId', userId],
        ['userEmail', 'rep@seller.example'],
        ['associatedObjectId', '7102'],
        ['associatedObjectType', 'DEAL'],
        ['portalId', portalId],
      ]);
    const attempts: Array<[string, URLSearchParams, string]> = [
      ['portal typed into the card URL', appendProxyParams(own(other), { userId: '4242', portalId: PORTAL, userEmail: 'rep@seller.example' }), 'portalId'],
      ['portal appended last by a caller', appendProxyParams(own(PORTAL), { userId: '4242', portalId: PORTAL, userEmail: 'rep@seller.example' }), 'portalId'],
      ['another user', appendProxyParams(own(PORTAL, '1'), { userId: '4242', portalId: PORTAL, userEmail: 'rep@seller.example' }), 'userId'],
    ];
    attempts[1]![1].append('portalId', other);
    for (const [what, params, field] of attempts) {
      const res = await callSigned(app, { method: 'GET', pathAndQuery: `/hubspot/card?${params.toString()}`, versions: ['v3'] });
      expect(res.status, what).toBe(400);
      expect(res.body.error.code, what).toBe('conflicting_parameters');
      expect(res.body.error.details, what).toEqual([{ field, message: expect.stringMatching(/given \d times with different values/) }]);
      expect(res.body.error.message, what).toContain(field);
      expect(JSON.stringify(res.body), what).not.toContain('token=');
    }
  });
});

describe('page links minted by the card', () => {
  it("open with their token, and refuse no token, an altered one, another invoice's, or an expired one", async () => {
    const deal = '7006';
    const a = await createInvoice(app, { dealId: deal, status: 'open', contactExternalId: await createContact(app) });
    const b = await createInvoice(app, { dealId: deal });
    const card = expectValidCard((await fetchCard(app, { portalId: PORTAL, dealId: deal, userId: '77', userEmail: 'rep@seller.example' })).body, PUBLIC);
    const payA = card.results.find((r) => r.title === a.number)!.actions.find((x) => x.label === 'Record payment')!.uri;
    const token = new URL(payA).searchParams.get('token')!;
    expect(readPageToken(app.deps.pageTokenKey!, token, app.clock.now().getTime())).toEqual({
      ok: true,
      claims: {
        kind: 'link',
        purpose: 'payment',
        portalId: PORTAL,
        dealId: deal,
        invoiceId: a.id,
        userId: '77',
        userEmail: 'rep@seller.example',
        origin: Math.floor(app.clock.now().getTime() / 1000),
        exp: Math.floor(app.clock.now().getTime() / 1000) + 30 * 60,
      },
    });

    // With the token: the page, framable by HubSpot (and itself) only.
    const ok = await open(payA);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toContain("frame-ancestors 'self' https://app.hubspot.com https://*.hubspot.com");
    expect(ok.headers.get('content-type')).toContain('text/html');
    expect(await ok.text()).toContain('Record a payment');

    expect((await open(payA.split('?')[0]!)).status).toBe(401);
    const altered = payA.replace(/token=(.)/, (_m, c: string) => `token=${c === 'A' ? 'B' : 'A'}`);
    expect((await open(altered)).status).toBe(401);
    expect((await open(payA.replace(`/invoices/${a.id}/`, `/invoices/${b.id}/`))).status).toBe(403);
    app.clock.advance(31 * 60_000);
    try {
      const expired = await open(payA);
      expect(expired.status).toBe(401);
      expect(await expired.text()).toContain('expired');
    } finally {
      app.clock.advance(-31 * 60_000);
    }
  });
});
