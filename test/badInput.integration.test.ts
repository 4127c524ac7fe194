import { beforeAll, describe, expect, it } from 'vitest';
import { createContact, createInvoice } from './factories.js';
import { callSigned } from './hubspotCaller.js';
import { useTestApp } from './setup.js';

/**
 * Bad input gets a clear 4xx naming what was wrong: never a 5xx, never a partial write. Hundreds of
 * hostile or random bodies per route, from a seeded generator so failures reproduce.
 */

const { tdb, app } = useTestApp();
let draftId: string;
let openId: string;

beforeAll(async () => {
  const contact = await createContact(app, { externalId: 'fuzz-contact' });
  draftId = (await createInvoice(app)).id;
  openId = (await createInvoice(app, { status: 'open', contactExternalId: contact })).id;
});

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY_STRINGS = [
  '',
  ' ',
  '0',
  '-0',
  '1e309',
  'NaN',
  '-1',
  '1.0000000001',
  '99999999999999999999999',
  '12,50',
  '１２',
  '𝟙',
  '\u0000',
  '<script>',
  "' or 1=1 --",
  'EUR',
  'eur',
  'XAU',
  '2026-02-30',
  '2026-13-01',
  'x'.repeat(10_000),
];
const KEYS = [
  'portalId',
  'dealId',
  'currency',
  'issueDate',
  'dueDate',
  'paymentTermsDays',
  'contactExternalId',
  'lines',
  'number',
  'status',
  'memo',
  'amount',
  'date',
  'items',
  'externalId',
  'email',
  'price',
  'name',
  'quantity',
  'unitPrice',
  'discount',
  'taxRate',
  'voidReason',
  '__proto__',
  'constructor',
];

function randomValue(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * (depth > 2 ? 6 : 9));
  switch (pick) {
    case 0:
      return NASTY_STRINGS[Math.floor(r() * NASTY_STRINGS.length)];
    case 1:
      return [0, -1, 1.5, 1e308, -1e-308, Number.MAX_SAFE_INTEGER + 2, 2 ** 63][Math.floor(r() * 7)];
    case 2:
      return r() < 0.5;
    case 3:
      return null;
    case 4:
      return String(Math.floor(r() * 1e6));
    case 5:
      return (r() * 1000).toFixed(Math.floor(r() * 8));
    case 6:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default:
      return randomObject(r, depth + 1);
  }
}

function randomObject(r: () => number, depth = 0): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(r() * 6); i > 0; i--) o[KEYS[Math.floor(r() * KEYS.length)]!] = randomValue(r, depth);
  return o;
}

const counts = async () => {
  const tables = ['invoices', 'invoice_lines', 'payments', 'contacts', 'products', 'audit_log', 'idempotency_keys'];
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = Number(((await tdb.db(t).count({ n: '*' })) as Array<{ n: string }>)[0]!.n);
  return out;
};

describe('hostile input', () => {
  const routes = () =>
    [
      ['POST', '/invoices'],
      ['PATCH', `/invoices/${draftId}`],
      ['PATCH', `/invoices/${openId}`],
      ['POST', `/invoices/${openId}/payments`],
      ['PUT', '/contacts/fuzz-1'],
      ['PUT', '/products/fuzz-1'],
      ['POST', '/contacts/batch'],
      ['POST', '/products/batch'],
    ] as const;

  it('answers random bodies on every write route with a 4xx (or a success), never a 5xx', async () => {
    const r = rng(20261125);
    for (const [method, path] of routes()) {
      for (let i = 0; i < 120; i++) {
        const body = i % 10 === 0 ? randomValue(r) : randomObject(r);
        const res = await app.api(method, path, body);
        expect(res.status, `${method} ${path} ${JSON.stringify(body).slice(0, 300)}`).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.body.error.code, JSON.stringify(res.body)).toMatch(/^[a-z_]+$/);
          expect(res.body.error.message.length).toBeGreaterThan(0);
        }
      }
    }
  });

  it('writes nothing for rejected invoice bodies', async () => {
    const before = await counts();
    const r = rng(42);
    for (let i = 0; i < 150; i++) {
      const res = await app.api('POST', '/invoices', randomObject(r));
      expect(res.status).toBeGreaterThanOrEqual(400);
    }
    expect(await counts()).toEqual(before);
  });

  it('answers malformed paths, ids, encodings and headers with 4xx', async () => {
    const cases: Array<[string, string, Record<string, string>?, string?]> = [
      ['GET', '/api/v1/invoices/%E0%A4%A'],
      ['GET', '/api/v1/invoices/99999999999999999999999'],
      ['GET', '/api/v1/invoices/-1'],
      ['GET', '/api/v1/contacts/%00'],
      ['GET', '/api/v1/invoices?limit=abc&limit=2'],
      ['POST', '/api/v1/invoices', { 'content-type': 'application/json; charset=latin1' }, '{}'],
      ['POST', '/api/v1/invoices', { 'content-type': 'application/json', 'content-encoding': 'br' }, '{}'],
      ['POST', '/api/v1/invoices', { 'content-type': 'application/json' }, 'null'],
      ['POST', '/api/v1/invoices', { 'content-type': 'application/json' }, '[]'],
      ['POST', '/api/v1/invoices', { 'content-type': 'application/json' }, '{"a":'.repeat(5000)],
      ['POST', '/api/v1/invoices', { 'content-type': 'application/json', 'idempotency-key': 'has space' }, '{}'],
      ['DELETE', '/api/v1/invoices/abc'],
      ['PUT', '/api/v1/nothing-here', { 'content-type': 'application/json' }, '{}'],
    ];
    for (const [method, path, headers = {}, body] of cases) {
      const res = await fetch(app.url + path, { method, headers: { authorization: 'Bearer test-api-token-0123456789abcdef', ...headers }, body });
      expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
      const json = (await res.json()) as { error: { code: string } };
      expect(json.error.code).toBeTruthy();
    }
  });

  it('refuses the NUL character in any stored text with a 400 naming the field, and writes nothing', async () => {
    const before = await counts();
    const cases: Array<[string, string, unknown, string]> = [
      ['PUT', '/contacts/nul-1', { email: 'nul@example.com', firstName: 'A\u0000B' }, 'firstName'],
      ['PUT', '/products/nul-1', { name: 'Widget', description: 'x\u0000' }, 'description'],
      [
        'POST',
        '/contacts/batch',
        {
          items: [
            { externalId: 'nul-2', company: 'ok' },
            { externalId: 'nul-3', address: { city: '\u0000' } },
          ],
        },
        'items[1].address.city',
      ],
      ['POST', '/invoices', { portalId: '1', dealId: '2', currency: 'EUR', memo: 'm\u0000', lines: [{ description: 'a', quantity: '1', unitPrice: '1' }] }, 'memo'],
      ['PUT', '/portals/1/settings', { sellerName: '\u0000' }, 'sellerName'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await app.api(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body.error.details[0].field, `${method} ${path}`).toBe(field);
    }
    expect(await counts()).toEqual(before);
  });

  it('answers signed but malformed card fetches with 4xx', async () => {
    const queries = [
      '/hubspot/card',
      '/hubspot/card?portalId=%ZZ&associatedObjectId=1&associatedObjectType=DEAL',
      '/hubspot/card?portalId=1&associatedObjectId=1e5&associatedObjectType=DEAL',
      '/hubspot/card?portalId=1&associatedObjectId=99999999999999999999&associatedObjectType=DEAL',
      `/hubspot/card?portalId=1&associatedObjectId=1&associatedObjectType=${'X'.repeat(500)}`,
      '/hubspot/card?portalId=1&associatedObjectId=1&associatedObjectType=DEAL&userId=abc',
    ];
    for (const q of queries) {
      const res = await callSigned(app, { method: 'GET', pathAndQuery: q });
      expect(res.status, q).toBeGreaterThanOrEqual(400);
      expect(res.status, q).toBeLessThan(500);
    }
  });
});
