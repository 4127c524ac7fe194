import { describe, expect, it } from 'vitest';
import { expectValidCard } from '../../test/cardAssertions.js';
import { createInvoice } from '../../test/factories.js';
import { callSigned, fetchCard } from '../../test/hubspotCaller.js';
import { TEST_API_TOKEN } from '../../test/testApp.js';
import { usePollTimeout, useTestApp } from '../../test/setup.js';
import type { CardResponse } from '../card/cardResponse.js';
import { REFUSAL_LOG_LINES_PER_MINUTE } from '../http/limitedWarn.js';
import { CARD_ERRORS_PER_PORTAL_PER_MINUTE } from './cardErrors.js';

/**
 * What reaches the dashboard's "recent card errors": only failures of requests that proved who
 * they were (a valid signature, a valid page token), bounded per portal per minute, and only the
 * service's own words. Rows are written after the answer is sent, so each test ends with a
 * request that must be recorded and waits for its row: every write issued before it has landed.
 */

const MARK = 'ATTACKER-TEXT-call-0800-SCAM';
const { tdb, app } = useTestApp();
usePollTimeout(15_000);
let dealSeq = 500;

const rows = () => tdb.db('card_errors').orderBy('id') as Promise<Array<Record<string, unknown>>>;
const counter = async (metric: { get(): Promise<{ values: Array<{ labels: Record<string, string | number>; value: number }> }> }) => (await metric.get()).values;

/** A signed data fetch that passes the signature and fails on our side (a contact record). */
const signedFailure = (portalId: string) => callSigned(app, { method: 'GET', pathAndQuery: `/hubspot/card?userId=1&associatedObjectId=5&associatedObjectType=CONTACT&portalId=${portalId}` });

/** Waits until a row for this request id exists. */
const recorded = (requestId: string) => expect.poll(async () => (await tdb.db('card_errors').where({ request_id: requestId })).length).toBe(1);

async function card(portalId: string, dealId: string): Promise<CardResponse> {
  return expectValidCard((await fetchCard(app, { portalId, dealId, userId: '77' })).body, app.publicBaseUrl);
}

/** A page's session token (from the JSON the page embeds). */
async function sessionToken(uri: string): Promise<string> {
  const page = await (await fetch(uri)).text();
  return (JSON.parse(/id="page-data">([^<]*)</.exec(page)![1]!) as { token: string }).token;
}

describe('card errors', () => {
  it('writes nothing for unauthenticated failures, counts them by route template and code, and records a signed request that failed on our side', async () => {
    const before = (await rows()).length;
    const forgedToken = `3.lc.987654.1..1.1795608000.1795609800..${'A'.repeat(22)}`;
    const attempts: Array<() => Promise<Response>> = [
      () => fetch(`${app.url}/hubspot/${MARK}`),
      () => fetch(`${app.url}/hubspot/card?portalId=987654&associatedObjectId=1&associatedObjectType=DEAL&note=${MARK}`),
      () =>
        fetch(`${app.url}/hubspot/actions/invoices/1/void`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-hubspot-signature-v3': 'forged', 'x-hubspot-request-timestamp': String(app.clock.now().getTime()) },
          body: `portalId=987654&x=${MARK}`,
        }),
      () => fetch(`${app.url}/hubspot/pages/invoices/new?token=${forgedToken}`),
      () => fetch(`${app.url}/hubspot/pages/invoices/new?token=${MARK}`),
      () => fetch(`${app.url}/hubspot/pages/api/invoices`, { method: 'POST', headers: { 'x-page-token': forgedToken, 'content-type': 'application/json' }, body: JSON.stringify({ [MARK]: 1 }) }),
      () => fetch(`${app.url}/hubspot/pages/api/invoices`, { method: 'POST', headers: { 'x-page-token': forgedToken, 'content-type': 'application/json' }, body: '{not json' }),
      () => fetch(`${app.url}/hubspot/pages/api/quote`, { method: 'POST', headers: { 'x-page-token': forgedToken, 'content-type': 'text/plain' }, body: MARK }),
    ];
    const N = 10;
    for (let i = 0; i < N; i++) {
      for (const attempt of attempts) expect((await attempt()).status).toBeGreaterThanOrEqual(400);
    }
    // An expired link (genuine, but anyone may hold an old URL) proves nothing now either.
    const stale = (await card('987654', String(++dealSeq))).primaryAction!.uri;
    app.clock.advance(31 * 60_000);
    try {
      expect((await fetch(stale)).status).toBe(401);
    } finally {
      app.clock.advance(-31 * 60_000);
    }

    // HubSpot's own request, signed, failing on our side: one row, with the verified portal.
    const signed = await signedFailure('987654');
    expect(signed.status).toBe(400);
    const requestId = signed.headers.get('x-request-id')!;
    await recorded(requestId);
    const after = await rows();
    expect(after.length - before).toBe(1);
    expect(after.at(-1)).toMatchObject({
      via: 'hubspot_signature',
      portal_id: '987654',
      method: 'GET',
      route: '/hubspot/card',
      status: 400,
      code: 'unsupported_object_type',
      request_id: requestId,
      message: null,
    });
    expect(JSON.stringify(after)).not.toContain(MARK);

    const counted = await counter(app.deps.metrics.cardUnauthenticatedFailures);
    const count = (route: string, code: string) => counted.find((v) => v.labels.route === route && v.labels.code === code)?.value;
    expect(count('unmatched', 'not_found')).toBe(N);
    expect(count('/hubspot/card', 'invalid_signature')).toBe(N);
    expect(count('/hubspot/actions/invoices/:invoiceId/void', 'invalid_signature')).toBe(N);
    expect(count('/hubspot/pages/invoices/new', 'token_tampered')).toBe(N);
    expect(count('/hubspot/pages/invoices/new', 'token_malformed')).toBe(N);
    expect(count('/hubspot/pages/invoices/new', 'token_expired')).toBe(1);
    // The pages' API checks the token before it reads a body: a forged token never gets as far as
    // a JSON or media-type error, whatever the body.
    expect(count('/hubspot/pages/api/*', 'token_tampered')).toBe(3 * N);
    expect(count('/hubspot/pages/api/*', 'invalid_json')).toBeUndefined();
    expect(count('/hubspot/pages/api/*', 'unsupported_media_type')).toBeUndefined();
    for (const v of counted) expect(JSON.stringify(v.labels)).not.toContain(MARK);
  });

  it("records a signed hook's failure under the portal in its signed body", async () => {
    const body = new URLSearchParams({ userId: '1', userEmail: 'rep@seller.example', associatedObjectId: '5', associatedObjectType: 'DEAL', portalId: '987654' }).toString();
    const res = await callSigned(app, { method: 'POST', pathAndQuery: '/hubspot/actions/invoices/999999/void', body, contentType: 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(404);
    await recorded(res.headers.get('x-request-id')!);
    expect((await tdb.db('card_errors').where({ request_id: res.headers.get('x-request-id')! }))[0]).toMatchObject({
      via: 'hubspot_signature',
      portal_id: '987654',
      route: '/hubspot/actions/invoices/:invoiceId/void',
      code: 'not_found',
    });
  });

  it("records a page and a page-API call with a valid token that failed, under the token's portal", async () => {
    const deal = String(++dealSeq);
    const draft = await createInvoice(app, { portalId: '987654', dealId: deal, contactExternalId: null });
    const c = await card('987654', deal);
    const edit = c.results.find((r) => r.title === draft.number)!.actions.find((a) => a.label === 'Edit draft')!.uri;
    const token = await sessionToken(edit);
    await app.api('DELETE', `/invoices/${draft.id}`); // the draft is gone: both the page and its save fail
    const page = await fetch(edit);
    expect(page.status).toBe(409);
    const save = await fetch(`${app.url}/hubspot/pages/api/invoices/${draft.id}`, {
      method: 'PATCH',
      headers: { 'x-page-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ memo: MARK }),
    });
    expect(save.status).toBe(409);
    await recorded(page.headers.get('x-request-id')!);
    await recorded(save.headers.get('x-request-id')!);
    const [p] = await tdb.db('card_errors').where({ request_id: page.headers.get('x-request-id')! });
    const [s] = await tdb.db('card_errors').where({ request_id: save.headers.get('x-request-id')! });
    expect(p).toMatchObject({ via: 'page_token', portal_id: '987654', method: 'GET', route: '/hubspot/pages/invoices/:invoiceId/edit', status: 409, code: 'invoice_not_editable' });
    expect(s).toMatchObject({ via: 'page_token', portal_id: '987654', method: 'PATCH', route: '/hubspot/pages/api/invoices/:invoiceId', status: 409 });
    expect(JSON.stringify([p, s])).not.toContain(MARK);
  });

  it('keeps at most a bounded number of rows per portal per minute, even from valid tokens and signatures', async () => {
    const FLOOD = '424242';
    const c = await card(FLOOD, String(++dealSeq));
    const token = await sessionToken(c.primaryAction!.uri);
    const flood = () => fetch(`${app.url}/hubspot/pages/api/invoices`, { method: 'POST', headers: { 'x-page-token': token, 'content-type': 'application/json' }, body: '{}' });
    const droppedBefore = (await counter(app.deps.metrics.cardErrorsDropped)).find((v) => v.labels.reason === 'portal_limit')?.value ?? 0;
    for (let i = 0; i < 30; i++) expect((await flood()).status).toBe(400);
    for (let i = 0; i < 10; i++) expect((await signedFailure(FLOOD)).status).toBe(400);
    // Another portal is not crowded out; once its row is in, every write issued before it is too.
    const other = await signedFailure('515151');
    await recorded(other.headers.get('x-request-id')!);
    expect((await tdb.db('card_errors').where({ portal_id: FLOOD }).count({ n: '*' }).first())!.n).toBe(String(CARD_ERRORS_PER_PORTAL_PER_MINUTE));
    const droppedNow = (await counter(app.deps.metrics.cardErrorsDropped)).find((v) => v.labels.reason === 'portal_limit')!.value;
    expect(droppedNow - droppedBefore).toBe(40 - CARD_ERRORS_PER_PORTAL_PER_MINUTE);

    // A minute later the portal's next failure is recorded again.
    app.clock.advance(61_000);
    const later = await flood();
    await recorded(later.headers.get('x-request-id')!);
    expect((await tdb.db('card_errors').where({ portal_id: FLOOD }).count({ n: '*' }).first())!.n).toBe(String(CARD_ERRORS_PER_PORTAL_PER_MINUTE + 1));
  });

  it("shows the dashboard only the service's own words: our code, the route template, the verified portal", async () => {
    const login = await fetch(`${app.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: TEST_API_TOKEN }), redirect: 'manual' });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    // A row an older instance wrote (no `via`, a stranger's text) during a rolling deploy is not shown.
    await tdb.db('card_errors').insert({ portal_id: null, method: 'GET', route: `/hubspot/${MARK}`, status: 404, code: 'not_found', message: `No route for GET /hubspot/${MARK}` });
    const overview = (await (await fetch(`${app.url}/admin/api/overview`, { headers: { cookie } })).json()) as { cardErrors: Array<Record<string, unknown>> };
    expect(overview.cardErrors.length).toBeGreaterThan(0);
    expect(JSON.stringify(overview.cardErrors)).not.toContain(MARK);
    for (const e of overview.cardErrors) {
      expect(Object.keys(e).sort()).toEqual(['code', 'createdAt', 'id', 'method', 'portalId', 'requestId', 'route', 'status', 'via']);
      expect(['hubspot_signature', 'page_token']).toContain(e.via);
      expect(String(e.route)).toMatch(/^\/hubspot(\/(:?[A-Za-z]+|\*))+$/); // a template: no ids, no caller text
    }
  });
});

describe('unauthenticated floods', () => {
  it('log a bounded number of refusals a minute, then say how many were left out', async () => {
    const lines = (message: string) => app.logs.records.filter((r) => String(r.message).startsWith(message));
    const pagesBefore = lines('page token rejected').length;
    const sigBefore = lines('hubspot signature rejected').length;
    for (let i = 0; i < 100; i++) {
      expect((await fetch(`${app.url}/hubspot/pages/invoices/new?token=${MARK}-${i}`)).status).toBe(401);
      expect((await fetch(`${app.url}/hubspot/card?portalId=987654&associatedObjectId=1&associatedObjectType=DEAL`)).status).toBe(401);
    }
    expect(lines('page token rejected').length - pagesBefore).toBeLessThanOrEqual(REFUSAL_LOG_LINES_PER_MINUTE);
    expect(lines('hubspot signature rejected').length - sigBefore).toBeLessThanOrEqual(REFUSAL_LOG_LINES_PER_MINUTE);
    // Every one is still counted in the metrics.
    const sig = (await counter(app.deps.metrics.signatureFailures)).find((v) => v.labels.check === 'missing_signature')!.value;
    expect(sig).toBeGreaterThanOrEqual(100);
    // The next minute's first refusal logs, with the count of those left out.
    app.clock.advance(61_000);
    expect((await fetch(`${app.url}/hubspot/pages/invoices/new?token=x`)).status).toBe(401);
    const summary = lines('page token rejected').at(-2)!;
    expect(summary.message).toMatch(/^page token rejected: \d+ more like it in the minute before were not logged$/);
    expect(Number(summary.suppressed)).toBeGreaterThanOrEqual(100 - REFUSAL_LOG_LINES_PER_MINUTE);
  });
});
