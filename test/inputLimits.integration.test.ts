import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectValidCard } from './cardAssertions.js';
import { createContact, createInvoice, invoiceBody } from './factories.js';
import { fetchCard } from './hubspotCaller.js';
import { TEST_API_TOKEN } from './testApp.js';
import { useTestApp } from './setup.js';
import type { CardResponse } from '../src/card/cardResponse.js';
import * as portalRepo from '../src/portals/portalRepo.js';

/**
 * Input at the edges of what the columns, the calendar and the encodings hold: 400 or 404 naming
 * what is wrong, never a 500, and nothing stored. Ids past 2^63 − 1, dates PostgreSQL or a due
 * date cannot hold, filters that used to be dropped silently, empty and non-UTF-8 bodies, lone
 * surrogates, odd JSON numbers, prototype keys, deep nesting and a Content-Length that lies.
 */

const PORTAL = '987654';
const TOO_BIG = '9223372036854775808'; // 2^63: one past what a bigint column holds
const BIGGEST = '9223372036854775807'; // 2^63 − 1: a valid id that names no row

const { tdb, app } = useTestApp({ env: { HUBSPOT_ALLOWED_PORTAL_IDS: `${PORTAL},555` } });
let contact: string;
let draftId: string;
let openId: string;

beforeAll(async () => {
  await portalRepo.ensurePrivateApp(tdb.db, PORTAL, new Date());
  contact = await createContact(app, { externalId: 'limits-contact' });
  draftId = (await createInvoice(app)).id;
  openId = (await createInvoice(app, { status: 'open', contactExternalId: contact })).id;
});

/** Sends raw bytes to /api/v1 with the bearer token. */
async function raw(method: string, path: string, body?: string | Uint8Array | ReadableStream, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await fetch(`${app.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${TEST_API_TOKEN}`, ...headers }, body, duplex: 'half' } as RequestInit);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const count = async (table: string) => Number(((await tdb.db(table).count({ n: '*' })) as Array<{ n: string }>)[0]!.n);

describe('ids past 2^63 − 1', () => {
  it('are a 404 on every path that takes an id (they named no row; PostgreSQL refused them: a 500)', async () => {
    for (const id of [TOO_BIG, '9999999999999999999', BIGGEST]) {
      for (const [method, path, body] of [
        ['GET', `/invoices/${id}`],
        ['PATCH', `/invoices/${id}`, { memo: 'x' }],
        ['DELETE', `/invoices/${id}`],
        ['POST', `/invoices/${id}/payments`, { amount: '1.00' }],
        ['GET', `/sync/runs/${id}`],
        ['POST', `/sync/failures/${id}/replay`],
      ] as Array<[string, string, unknown?]>) {
        const res = await app.api(method, path, body);
        expect(res.status, `${method} ${path} → ${JSON.stringify(res.body)}`).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
    }
  });

  it('are a 400 naming the cursor or filter in ?before= and ?portalId=', async () => {
    for (const [path, field] of [
      [`/invoices?before=${TOO_BIG}`, 'before'],
      [`/sync/failures?before=${TOO_BIG}`, 'before'],
      [`/invoices?portalId=${TOO_BIG}`, 'portalId'],
      [`/invoices?dealId=${TOO_BIG}`, 'dealId'],
      [`/sync/runs?portalId=${TOO_BIG}`, 'portalId'],
      [`/sync/failures?portalId=${TOO_BIG}`, 'portalId'],
    ]) {
      const res = await app.api('GET', path!);
      expect(res.status, `${path} → ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.details[0].field).toBe(field);
    }
    expect((await app.api('GET', `/invoices?before=${BIGGEST}`)).status).toBe(200);
  });

  it('are a 400 as portal and deal ids in a body, as strings or as JSON numbers', async () => {
    const before = await count('invoices');
    for (const body of [
      `{"portalId":"${TOO_BIG}","dealId":"1","currency":"EUR","lines":[{"description":"a","quantity":"1","unitPrice":"1"}]}`,
      `{"portalId":${TOO_BIG},"dealId":1,"currency":"EUR","lines":[{"description":"a","quantity":"1","unitPrice":"1"}]}`,
      `{"portalId":1,"dealId":1e21,"currency":"EUR","lines":[{"description":"a","quantity":"1","unitPrice":"1"}]}`,
      `{"portalId":1,"dealId":1e400,"currency":"EUR","lines":[{"description":"a","quantity":"1","unitPrice":"1"}]}`,
    ]) {
      const res = await raw('POST', '/invoices', body);
      expect(res.status, `${body} → ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining([expect.stringMatching(/^(portalId|dealId)$/)]));
    }
    expect((await raw('POST', '/sync/runs', `{"portalId":${TOO_BIG}}`)).status).toBe(400);
    expect(await count('invoices')).toBe(before);
  });

  it("is a 404 on the dashboard's replay too", async () => {
    const login = await fetch(`${app.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: TEST_API_TOKEN }), redirect: 'manual' });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const res = await fetch(`${app.url}/admin/api/failures/${TOO_BIG}/replay`, { method: 'POST', headers: { cookie, 'x-admin-request': '1' } });
    expect(res.status).toBe(404);
  });
});

describe('invoice and payment dates', () => {
  const RANGE = 'must be a date from 2000-01-01 to 2099-12-31, written YYYY-MM-DD';

  it('outside 2000-01-01 … 2099-12-31 are a 400 that says the range, in the API (they were 500s)', async () => {
    const before = { invoices: await count('invoices'), payments: await count('payments') };
    for (const [field, value] of [
      ['issueDate', '9999-12-31'],
      ['issueDate', '0000-01-01'],
      ['dueDate', '9999-12-31'],
      ['issueDate', '1999-12-31'],
      ['issueDate', '2100-01-01'],
      ['issueDate', '2026-02-29'],
      ['dueDate', '+02026-01-01'],
    ]) {
      const res = await app.api('POST', '/invoices', invoiceBody({ [field!]: value }));
      expect(res.status, `${field}=${value} → ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.details).toContainEqual({ field, message: RANGE });
      const patch = await app.api('PATCH', `/invoices/${draftId}`, { [field!]: value });
      expect(patch.status, `PATCH ${field}=${value}`).toBe(400);
      expect(patch.body.error.details).toContainEqual({ field, message: RANGE });
    }
    for (const date of ['9999-12-31', '0000-01-01']) {
      const res = await app.api('POST', `/invoices/${openId}/payments`, { amount: '1.00', date });
      expect(res.status, `payment ${date}`).toBe(400);
      expect(res.body.error.details).toEqual([{ field: 'date', message: RANGE }]);
    }
    expect({ invoices: await count('invoices'), payments: await count('payments') }).toEqual(before);
  });

  it('at the edges are accepted, and a due date computed past 2099 is stored', async () => {
    const late = await app.api('POST', '/invoices', invoiceBody({ issueDate: '2099-12-31', paymentTermsDays: 3650 }));
    expect(late.status, JSON.stringify(late.body)).toBe(201);
    expect(late.body).toMatchObject({ issueDate: '2099-12-31', dueDate: '2109-12-29' });
    expect((await app.api('POST', '/invoices', invoiceBody({ issueDate: '2000-01-01', dueDate: '2000-01-01' }))).status).toBe(201);
  });

  it("outside the range are a 400 from the pages' API too", async () => {
    const deal = '61001';
    const res = await fetchCard(app, { portalId: PORTAL, dealId: deal });
    const card: CardResponse = expectValidCard(res.body, app.publicBaseUrl);
    const page = await (await fetch(card.primaryAction!.uri)).text();
    const token = (JSON.parse(/<script type="application\/json" id="page-data">([^<]*)<\/script>/.exec(page)![1]!) as { token: string }).token;
    const before = await count('invoices');
    for (const issueDate of ['9999-12-31', '0000-01-01']) {
      const r = await fetch(`${app.url}/hubspot/pages/api/invoices`, {
        method: 'POST',
        headers: { 'x-page-token': token, 'content-type': 'application/json' },
        body: JSON.stringify({ currency: 'EUR', issueDate, lines: [{ description: 'a', quantity: '1', unitPrice: '1' }] }),
      });
      expect(r.status, issueDate).toBe(400);
      expect(((await r.json()) as { error: { details: unknown[] } }).error.details).toEqual([{ field: 'issueDate', message: RANGE }]);
    }
    expect(await count('invoices')).toBe(before);
  });
});

describe('the fallback fonts', () => {
  it("answer a 404 for names that are Object.prototype's, not a 500", async () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const res = await fetch(`${app.url}/assets/fallback-fonts/${name}`);
      expect(res.status, name).toBe(404);
    }
    const font = await fetch(`${app.url}/assets/fallback-fonts/noto-sans-hebrew.ttf`);
    expect(font.status).toBe(200);
    expect(font.headers.get('content-type')).toBe('font/ttf');
  });
});

describe('list filters', () => {
  it('refuse a portalId that is not an id on GET /api/v1/sync/runs instead of listing every portal', async () => {
    await portalRepo.ensurePrivateApp(tdb.db, '555', new Date());
    expect((await app.api('POST', '/sync/runs', { portalId: PORTAL })).status).toBeLessThan(300);
    expect((await app.api('POST', '/sync/runs', { portalId: '555' })).status).toBeLessThan(300);
    for (const q of ['portalId=junk', 'portalId=', 'portalId=1&portalId=2', 'portalID=987654', 'portal=987654']) {
      const res = await app.api('GET', `/sync/runs?${q}`);
      expect(res.status, `${q} → ${JSON.stringify(res.body).slice(0, 200)}`).toBe(400);
      expect(res.body.error.message).toMatch(/portal/i);
    }
    expect((await app.api('GET', '/sync/runs?portalId=1&portalId=2')).body.error.details).toEqual([{ field: 'portalId', message: 'must be string, given once (it was given as a list)' }]);
    const mine = await app.api('GET', `/sync/runs?portalId=${PORTAL}`);
    expect(mine.status).toBe(200);
    expect(mine.body.runs.length).toBeGreaterThan(0);
    expect(mine.body.runs.every((r: { portalId: string }) => r.portalId === PORTAL)).toBe(true);
  });

  it('refuse unknown or repeated filters on every list endpoint', async () => {
    for (const path of ['/portals?portalId=1', '/invoices?portalID=1', '/invoices?portalId=1&portalId=2', '/sync/failures?portal=1', '/sync/failures?limit=1&limit=2']) {
      const res = await app.api('GET', path);
      expect(res.status, path).toBe(400);
    }
  });
});

describe('bodies', () => {
  it('a PUT or PATCH without one is a 400 saying so, and nothing is stored (an empty PUT created an empty contact)', async () => {
    const before = { contacts: await count('contacts'), invoices: await count('invoices') };
    const settings = (await app.api('GET', `/portals/${PORTAL}/settings`)).body;
    for (const [method, path, headers] of [
      ['PUT', '/contacts/empty-1', { 'content-type': 'application/json' }],
      ['PUT', '/contacts/empty-2', {}],
      ['PUT', '/contacts/empty-3', { 'content-type': 'application/json', chunked: '' }],
      ['PUT', '/products/empty-1', { 'content-type': 'application/json' }],
      ['PUT', `/portals/${PORTAL}/settings`, { 'content-type': 'application/json' }],
      ['PATCH', `/invoices/${draftId}`, { 'content-type': 'application/json' }],
      ['PATCH', `/portals/${PORTAL}`, { 'content-type': 'application/json' }],
    ] as Array<[string, string, Record<string, string>]>) {
      // `chunked`: a stream body, which fetch sends with Transfer-Encoding: chunked (here, no chunk at all).
      const { chunked, ...sent } = headers;
      const res = await raw(method, path, chunked === undefined ? undefined : new ReadableStream({ start: (c) => c.close() }), sent);
      expect(res.status, `${method} ${path} → ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'empty_body', message: expect.stringMatching(/needs a JSON object in its body/) });
    }
    expect((await app.api('GET', '/contacts/empty-1')).status).toBe(404);
    expect({ contacts: await count('contacts'), invoices: await count('invoices') }).toEqual(before);
    expect((await app.api('GET', `/portals/${PORTAL}/settings`)).body).toEqual(settings);
    // An explicit {} is still the caller's word, and a POST whose fields are all optional may be empty.
    expect((await raw('PUT', '/contacts/explicit-empty', '{}')).status).toBe(201);
  });

  it('that are not UTF-8 are a 400, and nothing is stored with replacement characters', async () => {
    const before = await count('contacts');
    const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
    for (const body of [
      bytes('{"firstName":"Zo', [0xeb], '"}'), // Latin-1 ë
      bytes('{"firstName":"', [0xff, 0xfe], '"}'),
      bytes('{"firstName":"', [0xed, 0xa0, 0x80], '"}'), // a surrogate, UTF-8-encoded
      bytes('{"firstName":"', [0xc0, 0xaf], '"}'), // an overlong "/"
    ]) {
      const res = await raw('PUT', '/contacts/latin1', body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_utf8', message: expect.stringMatching(/not valid UTF-8/) });
    }
    expect((await app.api('GET', '/contacts/latin1')).status).toBe(404);
    expect(await count('contacts')).toBe(before);
    // Real UTF-8 is stored as sent.
    expect((await raw('PUT', '/contacts/utf8', bytes('{"firstName":"Zoë 北京 😀"}'))).status).toBe(201);
    expect((await app.api('GET', '/contacts/utf8')).body.firstName).toBe('Zoë 北京 😀');
  });

  it('with a lone surrogate escape are a 400 naming the field (it was stored as U+FFFD)', async () => {
    for (const [method, path, body, field] of [
      ['PUT', '/contacts/surrogate', '{"firstName":"A\\ud800B"}', 'firstName'],
      ['PUT', '/contacts/surrogate', '{"address":{"city":"\\udfff"}}', 'address.city'],
      ['POST', '/invoices', JSON.stringify(invoiceBody()).replace('"Consulting"', '"Consult\\ud83d"'), 'lines[0].description'],
    ]) {
      const res = await raw(method!, path!, body);
      expect(res.status, `${body} → ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.details).toEqual([{ field, message: expect.stringMatching(/valid Unicode text/) }]);
    }
    expect((await app.api('GET', '/contacts/surrogate')).status).toBe(404);
    // A whole pair is one character, and fine.
    expect((await raw('PUT', '/contacts/pair', '{"firstName":"\\ud83d\\ude00"}')).status).toBe(201);
    expect((await app.api('GET', '/contacts/pair')).body.firstName).toBe('😀');
  });

  it('with odd numbers are refused or read exactly: 1e400, 1e21 and -0', async () => {
    expect((await raw('POST', '/invoices', JSON.stringify(invoiceBody()).replace('"lines"', '"paymentTermsDays":1e400,"lines"'))).status).toBe(400);
    expect((await raw('POST', '/invoices', JSON.stringify(invoiceBody()).replace('"lines"', '"paymentTermsDays":1e21,"lines"'))).status).toBe(400);
    const zero = await raw('POST', '/invoices', JSON.stringify(invoiceBody({ issueDate: '2026-11-25' })).replace('"lines"', '"paymentTermsDays":-0,"lines"'));
    expect(zero.status).toBe(201);
    expect(zero.body).toMatchObject({ dueDate: '2026-11-25', paymentTermsDays: 0 });
  });

  it('with __proto__, constructor and prototype keys are a 400 naming them, and pollute nothing', async () => {
    const before = await count('contacts');
    const res = await raw('PUT', '/contacts/proto', '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"email":"a@b.example"}');
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        { field: '__proto__', message: 'is not a known field' },
        { field: 'constructor', message: 'is not a known field' },
      ]),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await count('contacts')).toBe(before);
  });

  it('nested 500,000 deep are a 400, not a stack overflow', async () => {
    const deep = `{"lines":${'['.repeat(500_000)}${']'.repeat(500_000)},"portalId":"1","dealId":"1","currency":"EUR"}`;
    const res = await raw('POST', '/invoices', deep);
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toMatch(/^lines/);
  });

  it('shorter than their Content-Length are a 400, and the next request on the connection is not confused', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(new URL(app.url).port), '127.0.0.1');
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write(`PUT /api/v1/contacts/short HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_API_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"firstName":"A"}`);
      socket.end(); // half-close: the promised 100 bytes never come
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect((await app.api('GET', '/contacts/short')).status).toBe(404);
    // Longer than it says: the extra bytes are not read as part of the body.
    const long = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(new URL(app.url).port), '127.0.0.1');
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write(
        `PUT /api/v1/contacts/long HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_API_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{"firstName":"A"}`,
      );
    });
    expect(long).toMatch(/^HTTP\/1\.1 400 /);
    expect((await app.api('GET', '/contacts/long')).status).toBe(404);
  });
});
