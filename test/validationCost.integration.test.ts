import fs from 'node:fs';
import path from 'node:path';
import { isSafe } from 'redos-detector';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectValidCard } from './cardAssertions.js';
import { createContact, createInvoice } from './factories.js';
import { callSigned, fetchCard } from './hubspotCaller.js';
import { TEST_API_TOKEN } from './testApp.js';
import { useTestApp } from './setup.js';
import type { CardResponse } from '../src/card/cardResponse.js';
import { MAX_DETAILS } from '../src/errors.js';
import { compiledSchemas, validationCost, type Validator } from '../src/http/validate.js';
import * as portalRepo from '../src/portals/portalRepo.js';

/**
 * Validation cannot be made slow or huge. Every schema the service compiles gets the worst inputs
 * this file can build from the schema itself (60,000 unknown fields, 240,000-character strings
 * made to make a backtracking pattern work hardest, arrays thousands of items past maxItems, the
 * most errors a body under the size limits can hold, deep nesting, odd numbers), sent over HTTP
 * to every route that uses it, each near that route's body limit. Each answer must be a 4xx, come
 * back under 16 KB with at most MAX_DETAILS details, and cost a bounded amount of work.
 *
 * Work is measured in units a busy CI machine cannot change: the characters validation hands to
 * patterns and the number of ajv errors it builds (src/http/validate.ts meters both), with every
 * pattern proven linear by redos-detector below. Process CPU time (not wall-clock time) is a
 * generous backstop only. `npm run bench:validation` prints the times.
 */

const PORTAL = '777001';
const DEAL = '880001';
const USER = '4242';
const API_LIMIT = 5 * 1024 * 1024;
const PAGE_LIMIT = 1024 * 1024;
const HOOK_LIMIT = 1024 * 1024;
const APP_CARD_LIMIT = 16 * 1024;
/** Bodies are built to this share of a route's limit: as big as a caller can send… */
const FILL = 0.9;
/**
 * …up to 2 MB. The API takes 5 MB, but past the size check nothing of ours reads more of a bigger
 * body, and JSON.parse's own (linear) cost is the body limit's business; 2 MB keeps this file's
 * run time reasonable on a 2-CPU CI machine.
 */
const MAX_PROBE_BYTES = 2 * 1024 * 1024;
const MAX_ANSWER_BYTES = 16 * 1024;
/** ajv errors one request may produce: 1,000 batch items with everything wrong stay well under it; the old 1 MB page body made ~500,000. */
const MAX_AJV_ERRORS = 50_000;
/** Process CPU time per request; a sane answer takes well under 0.1 s, the quadratic pattern took 15 s. */
const MAX_CPU_MS = 3_000;

const { tdb, app } = useTestApp({ env: { HUBSPOT_ALLOWED_PORTAL_IDS: PORTAL } });
const tokens: Record<'create' | 'edit' | 'payment' | 'void' | 'settings', string> = {} as never;
let draftId: string;
let openId: string;

beforeAll(async () => {
  await portalRepo.ensurePrivateApp(tdb.db, PORTAL, new Date());
  expect((await app.api('PUT', `/portals/${PORTAL}/settings`, { sellerName: 'Seller', cardEditors: [USER] })).status).toBe(200);
  const contact = await createContact(app);
  draftId = (await createInvoice(app, { portalId: PORTAL, dealId: DEAL })).id;
  const open = await createInvoice(app, { portalId: PORTAL, dealId: DEAL, status: 'open', contactExternalId: contact });
  openId = open.id;
  expect((await app.api('POST', `/invoices/${openId}/payments`, { amount: '1.00' })).status).toBe(201);

  // The pages' tokens, the way a rep gets them: from the card, then from the page itself.
  const res = await fetchCard(app, { portalId: PORTAL, dealId: DEAL, userId: USER });
  const card: CardResponse = expectValidCard(res.body, app.publicBaseUrl);
  const link = (title: string | null, label: string) => {
    const actions = title === null ? [card.primaryAction, card.settingsAction] : (card.results.find((r) => r.title === title)?.actions ?? []);
    const a = actions.find((x) => x?.label === label);
    if (!a) throw new Error(`no "${label}" on the card`);
    return a.uri;
  };
  const pageToken = async (uri: string) => {
    const page = await (await fetch(uri)).text();
    return (JSON.parse(/<script type="application\/json" id="page-data">([^<]*)<\/script>/.exec(page)![1]!) as { token: string }).token;
  };
  const draftNumber = (await app.api('GET', `/invoices/${draftId}`)).body.number as string;
  tokens.create = await pageToken(card.primaryAction!.uri);
  tokens.settings = await pageToken(link(null, card.settingsAction!.label));
  tokens.edit = await pageToken(link(draftNumber, 'Edit draft'));
  tokens.payment = await pageToken(link(open.number, 'Record payment'));
  tokens.void = await pageToken(link(open.number, 'Void invoice…'));
}, 120_000);

// ---------------------------------------------------------------------------------------------
// Worst inputs, built from a schema.

/** A JSON Schema node: the keywords these probes read, and any other. */
interface Node {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  items?: Node;
  maxItems?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  properties?: Record<string, Node>;
  additionalProperties?: unknown;
  [keyword: string]: unknown;
}
const typesOf = (s: Node): string[] => (s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type]);
const propsOf = (s: Node): Record<string, Node> => (s.properties ?? {}) as Record<string, Node>;

/** Makes the old `[^@\s]+\.[^@\s]+` and any pattern like it backtrack the most. */
const bait = (n: number) => `a@${'.'.repeat(Math.max(0, n - 3))}@`;

/** A value that fits within the size limits of `s` but breaks its other rules (one error or more). */
function wrongValue(s: Node): unknown {
  const t = typesOf(s);
  if (s.enum || s.const !== undefined) return 'not-one-of-them';
  if (t.includes('array')) return Array.from({ length: Math.min(s.maxItems ?? 50, 1000) }, () => (s.items ? wrongValue(s.items) : {}));
  if (t.includes('object')) return mostErrors(s);
  if (t.includes('string') && (s.pattern || s.format)) return bait(Math.min(s.maxLength ?? 300, 300)).replace(/^a/, '!');
  if (t.includes('string')) return 12345;
  if (t.includes('integer') || t.includes('number')) return -1.5;
  if (t.includes('boolean')) return 'yes';
  return undefined;
}

/** An object with every field wrong and as many unknown fields as the size check lets through. */
function mostErrors(s: Node): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(propsOf(s))) {
    const v = wrongValue(p);
    if (v !== undefined) out[k] = v;
  }
  if (s.additionalProperties === false) for (let i = 0; Object.keys(out).length < Object.keys(propsOf(s)).length + 10; i++) out[`unknown${i}`] = 0;
  return out;
}

interface Worst {
  name: string;
  /** The JSON text (query inputs are objects of strings, string arrays or nothing). */
  json?: string;
  query?: Record<string, string | string[]>;
  /** Every string in it is far past its limit: no pattern may read any of it. */
  allOversize?: boolean;
  /** A query that may well be valid (a search for digits): it must be cheap and small, not refused. */
  mayBeValid?: boolean;
}

/** The worst JSON bodies for a body schema, each about `bytes` long. */
function worstBodies(s: Node, bytes: number): Worst[] {
  const props = Object.entries(propsOf(s));
  const strings = props.filter(([, p]) => typesOf(p).includes('string'));
  const arrays = props.filter(([, p]) => typesOf(p).includes('array'));
  const out: Worst[] = [];
  const keys = Math.floor(bytes / 14);
  out.push({ name: `${keys} unknown fields`, json: `{${Array.from({ length: keys }, (_, i) => `"f${i}":0`).join(',')}}` });
  if (strings.length > 0) {
    const each = Math.min(240_000, Math.floor(bytes / strings.length) - 20);
    out.push({ name: `${strings.length} strings of ${each} characters`, json: JSON.stringify(Object.fromEntries(strings.map(([k]) => [k, bait(each)]))), allOversize: true });
  }
  for (const [k, p] of arrays) {
    const item = JSON.stringify(p.items ? wrongValue(p.items) : 0);
    const n = Math.floor(bytes / (item.length + 1));
    out.push({ name: `${k}: ${n} items, every one wrong`, json: `{"${k}":[${Array.from({ length: n }, () => item).join(',')}]}` });
    if (typesOf(p.items ?? {}).includes('string')) {
      const each = Math.min(240_000, Math.floor(bytes / 2));
      out.push({ name: `${k}: one item of ${each} characters`, json: JSON.stringify({ [k]: [bait(each)] }), allOversize: true });
    }
  }
  out.push({ name: 'every field wrong, within the limits', json: JSON.stringify(mostErrors(s)) });
  const depth = Math.floor(bytes / 2 / 2);
  const first = props[0]?.[0] ?? 'x';
  out.push({ name: `nested ${depth} deep`, json: `{"${first}":${'['.repeat(depth)}${']'.repeat(depth)}}` });
  out.push({ name: 'odd numbers', json: `{${props.map(([k]) => `"${k}":1e400`).join(',') || '"x":-0'},"n1":1e21,"n2":-0}` });
  out.push({ name: 'prototype keys', json: '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"prototype":1}' });
  return out;
}

/** The worst query strings for a query schema, within Node's 16 KB limit on a request's head. */
function worstQueries(s: Node): Worst[] {
  const props = Object.keys(propsOf(s));
  const names = props.length > 0 ? props : ['q'];
  return [
    { name: '1,000 unknown parameters', query: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`p${i}`, '1'])) },
    { name: 'every parameter repeated', query: Object.fromEntries(names.map((k) => [k, Array.from({ length: Math.floor(900 / names.length) }, () => '1')])) },
    { name: 'long values', query: Object.fromEntries(names.map((k) => [k, bait(Math.floor(9000 / names.length))])), allOversize: false },
    { name: 'odd numbers', query: Object.fromEntries(names.map((k) => [k, '9223372036854775808'])), mayBeValid: true },
  ];
}

const queryString = (q: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) for (const x of [].concat(v as never) as string[]) params.append(k, x);
  return params.toString();
};

// ---------------------------------------------------------------------------------------------
// Every route that validates, by the schema it validates with.

type Send = (w: Worst) => Promise<Response>;

/** Paths name the draft and the open invoice as {draft} and {open}: they exist only once beforeAll ran. */
const ids = (p: string) => p.replace('{draft}', draftId).replace('{open}', openId);

const api =
  (method: string, p: string, wrap = (json: string) => json): Send =>
  (w) =>
    fetch(`${app.url}/api/v1${ids(p)}${w.query ? `?${queryString(w.query)}` : ''}`, {
      method,
      headers: { authorization: `Bearer ${TEST_API_TOKEN}`, ...(w.json !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: w.json === undefined ? undefined : wrap(w.json),
    });
const page =
  (purpose: keyof typeof tokens, method: string, p: string, wrap = (json: string) => json): Send =>
  (w) =>
    fetch(`${app.url}/hubspot/pages/api${ids(p)}${w.query ? `?${queryString(w.query)}` : ''}`, {
      method,
      headers: { 'x-page-token': tokens[purpose], ...(w.json !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: w.json === undefined ? undefined : wrap(w.json),
    });
const signedGet: Send = async (w) => {
  const r = await callSigned(app, { method: 'GET', pathAndQuery: `/hubspot/card?${queryString(w.query ?? {})}` });
  return new Response(typeof r.body === 'string' ? r.body : JSON.stringify(r.body), { status: r.status });
};
const signedHook: Send = async (w) => {
  const r = await callSigned(app, { method: 'POST', pathAndQuery: `/hubspot/actions/invoices/${openId}/void`, body: w.json ?? '{}', contentType: 'application/json', versions: ['v3'] });
  return new Response(typeof r.body === 'string' ? r.body : JSON.stringify(r.body), { status: r.status });
};
const version = () => 0;
/** What HubSpot's proxy appends to every hubspot.fetch query of our app card. */
const PROXY_IDENTITY: Array<[string, string]> = [
  ['userId', USER],
  ['portalId', PORTAL],
  ['userEmail', 'rep@seller.example'],
  ['appId', '3141592'],
];
/**
 * Our app card's endpoints, signed with v3 as HubSpot sends them: the probe's query (or the card's
 * `dealId`) first, then, unless `proxied` is false, the identity HubSpot appends, so the probe gets
 * past the caller guard to the route's own schemas.
 */
const appCard =
  (method: 'GET' | 'POST', p: string, proxied = true): Send =>
  async (w) => {
    const q = new URLSearchParams(w.query ? queryString(w.query) : `dealId=${DEAL}`);
    if (proxied) for (const [k, v] of PROXY_IDENTITY) q.append(k, v);
    const r = await callSigned(app, { method, pathAndQuery: `${ids(p)}?${q.toString()}`, body: method === 'GET' ? undefined : (w.json ?? '{}'), contentType: 'application/json', versions: ['v3'] });
    return new Response(typeof r.body === 'string' ? r.body : JSON.stringify(r.body), { status: r.status });
  };

interface RouteProbe {
  route: string;
  send: Send;
  /** Body limit of the route; queries have none. */
  limit?: number;
  /** The worst item is sent this many times as the route's array (the batch). */
  asItems?: boolean;
}

/**
 * Schemas by the names of their fields, each with every route that validates with it. A schema
 * missing here fails the coverage check below: add the routes that use it.
 */
const ROUTES: Record<string, RouteProbe[]> = {
  'contactExternalId,currency,dealId,dueDate,issueDate,lines,memo,number,paymentTermsDays,portalId,status': [{ route: 'POST /api/v1/invoices', send: api('POST', '/invoices'), limit: API_LIMIT }],
  'contactExternalId,currency,dealId,dueDate,issueDate,lines,memo,number,paymentTermsDays,status,voidReason': [
    { route: 'PATCH /api/v1/invoices/{id}', send: api('PATCH', `/invoices/{draft}`), limit: API_LIMIT },
    { route: 'PATCH /hubspot/pages/api/invoices/{id}', send: page('edit', 'PATCH', `/invoices/{draft}`), limit: PAGE_LIMIT },
  ],
  'amount,date,method,reference': [
    { route: 'POST /api/v1/invoices/{id}/payments', send: api('POST', `/invoices/{open}/payments`), limit: API_LIMIT },
    { route: 'POST /hubspot/pages/api/invoices/{id}/payments', send: page('payment', 'POST', `/invoices/{open}/payments`), limit: PAGE_LIMIT },
  ],
  'before,dealId,includeDeleted,limit,portalId,status': [{ route: 'GET /api/v1/invoices', send: api('GET', '/invoices') }],
  'address,company,email,firstName,lastName,phone': [{ route: 'PUT /api/v1/contacts/{id}', send: api('PUT', '/contacts/worst-1'), limit: API_LIMIT }],
  'address,company,email,externalId,firstName,lastName,phone': [{ route: 'POST /api/v1/contacts/batch (items)', send: api('POST', '/contacts/batch'), limit: API_LIMIT, asItems: true }],
  'currency,description,name,price,sku,type': [{ route: 'PUT /api/v1/products/{id}', send: api('PUT', '/products/worst-1'), limit: API_LIMIT }],
  'currency,description,externalId,name,price,sku,type': [{ route: 'POST /api/v1/products/batch (items)', send: api('POST', '/products/batch'), limit: API_LIMIT, asItems: true }],
  items: [
    { route: 'POST /api/v1/contacts/batch', send: api('POST', '/contacts/batch'), limit: API_LIMIT },
    { route: 'POST /api/v1/products/batch', send: api('POST', '/products/batch'), limit: API_LIMIT },
  ],
  'addCardEditors,cardEditors,defaultCurrency,defaultPaymentTermsDays,invoiceFooter,locale,paymentInstructions,removeCardEditors,sellerAddress,sellerEmail,sellerName,sellerPhone,sellerTaxId': [
    { route: 'PATCH /api/v1/portals/{id}/settings', send: api('PATCH', `/portals/${PORTAL}/settings`), limit: API_LIMIT },
  ],
  'cardEditors,defaultCurrency,defaultPaymentTermsDays,invoiceFooter,locale,paymentInstructions,sellerAddress,sellerEmail,sellerName,sellerPhone,sellerTaxId': [
    { route: 'PUT /api/v1/portals/{id}/settings', send: api('PUT', `/portals/${PORTAL}/settings`), limit: API_LIMIT },
    { route: 'PUT /hubspot/pages/api/settings (settings)', send: page('settings', 'PUT', '/settings', (j) => `{"version":${version()},"settings":${j}}`), limit: PAGE_LIMIT },
  ],
  'dealProperties,dealTimeline,productIdProperty,pushEnabled': [
    { route: 'PATCH /api/v1/portals/{id}', send: api('PATCH', `/portals/${PORTAL}`), limit: API_LIMIT },
    { route: 'PUT /hubspot/pages/api/settings (push)', send: page('settings', 'PUT', '/settings', (j) => `{"version":${version()},"push":${j}}`), limit: PAGE_LIMIT },
  ],
  'push,settings,version': [{ route: 'PUT /hubspot/pages/api/settings', send: page('settings', 'PUT', '/settings'), limit: PAGE_LIMIT }],
  '': [{ route: 'GET /api/v1/portals', send: api('GET', '/portals') }],
  portalId: [
    { route: 'POST /api/v1/sync/runs', send: api('POST', '/sync/runs'), limit: API_LIMIT },
    { route: 'GET /api/v1/sync/runs', send: api('GET', '/sync/runs') },
  ],
  'before,include,limit,objectType,portalId': [{ route: 'GET /api/v1/sync/failures', send: api('GET', '/sync/failures') }],
  q: [
    { route: 'GET /hubspot/pages/api/contacts', send: page('create', 'GET', '/contacts') },
    { route: 'GET /hubspot/pages/api/products', send: page('create', 'GET', '/products') },
  ],
  'currency,lines': [{ route: 'POST /hubspot/pages/api/quote', send: page('create', 'POST', '/quote'), limit: PAGE_LIMIT }],
  'contactExternalId,currency,dueDate,issueDate,lines,memo,paymentTermsDays,status': [{ route: 'POST /hubspot/pages/api/invoices', send: page('create', 'POST', '/invoices'), limit: PAGE_LIMIT }],
  voidReason: [{ route: 'POST /hubspot/pages/api/invoices/{id}/void', send: page('void', 'POST', `/invoices/{open}/void`), limit: PAGE_LIMIT }],
  'appId,associatedObjectId,associatedObjectType,portalId,userEmail,userId': [
    { route: 'GET /hubspot/card (signed data fetch)', send: signedGet },
    { route: 'POST /hubspot/actions/invoices/{id}/void (signed hook)', send: signedHook, limit: HOOK_LIMIT },
  ],
  'appId,portalId,userEmail,userId': [
    { route: 'GET /hubspot/app-card/invoices (the caller, from the query HubSpot signs)', send: appCard('GET', '/hubspot/app-card/invoices', false) },
    { route: 'POST /hubspot/app-card/invoices/{id}/issue', send: appCard('POST', '/hubspot/app-card/invoices/{draft}/issue'), limit: APP_CARD_LIMIT },
    { route: 'POST /hubspot/app-card/invoices/{id}/delete', send: appCard('POST', '/hubspot/app-card/invoices/{draft}/delete'), limit: APP_CARD_LIMIT },
  ],
  'appId,dealId,page,portalId,userEmail,userId': [{ route: 'GET /hubspot/app-card/invoices', send: appCard('GET', '/hubspot/app-card/invoices') }],
  'appId,dealId,portalId,userEmail,userId': [
    { route: 'POST /hubspot/app-card/invoices/{id}/void (query)', send: appCard('POST', '/hubspot/app-card/invoices/{open}/void') },
    { route: 'POST /hubspot/app-card/invoices/{id}/payments (query)', send: appCard('POST', '/hubspot/app-card/invoices/{open}/payments') },
  ],
  'appId,portalId,reason,userEmail,userId': [{ route: 'POST /hubspot/app-card/invoices/{id}/void', send: appCard('POST', '/hubspot/app-card/invoices/{open}/void'), limit: APP_CARD_LIMIT }],
  'amount,appId,date,method,portalId,reference,requestId,userEmail,userId': [
    { route: 'POST /hubspot/app-card/invoices/{id}/payments', send: appCard('POST', '/hubspot/app-card/invoices/{open}/payments'), limit: APP_CARD_LIMIT },
  ],
};

const signature = (v: Validator<unknown>) =>
  Object.keys(propsOf(v.schema as Node))
    .sort()
    .join(',');

/** Sends one worst input and checks the answer and what it cost. */
async function probe(route: string, send: Send, w: Worst) {
  const label = `${route}: ${w.name}`;
  const before = { ...validationCost };
  const cpu = process.cpuUsage();
  const res = await send(w);
  const text = await res.text();
  const spent = process.cpuUsage(cpu);
  const cost = { patternChars: validationCost.patternChars - before.patternChars, errors: validationCost.errors - before.errors, cpuMs: (spent.user + spent.system) / 1000 };
  if (process.env.VALIDATION_COST_LOG) console.log(JSON.stringify({ label, status: res.status, sent: w.json?.length, answer: text.length, ...cost }));
  expect(res.status, `${label} → ${text.slice(0, 300)}`).toBeGreaterThanOrEqual(w.mayBeValid ? 200 : 400);
  expect(res.status, `${label} → ${text.slice(0, 300)}`).toBeLessThan(500);
  expect(Buffer.byteLength(text), label).toBeLessThan(MAX_ANSWER_BYTES);
  const body = JSON.parse(text) as { error: { code: string; message: string; details?: unknown[] } };
  if (res.status >= 400) {
    expect(body.error.code, label).toMatch(/^[a-z_]+$/);
    expect(body.error.message.length, label).toBeLessThanOrEqual(2_000);
    if (Array.isArray(body.error.details)) expect(body.error.details.length, label).toBeLessThanOrEqual(MAX_DETAILS);
  }
  expect(cost.errors, label).toBeLessThanOrEqual(MAX_AJV_ERRORS);
  const sent = (w.json?.length ?? 0) + (w.query ? queryString(w.query).length : 0);
  expect(cost.patternChars, `${label}: patterns may read each character sent at most once`).toBeLessThanOrEqual(sent);
  // Lengths first: nothing past its limit reaches a pattern (a few characters of ids may).
  if (w.allOversize) expect(cost.patternChars, `${label}: no oversized string may reach a pattern`).toBeLessThanOrEqual(64);
  expect(cost.cpuMs, label).toBeLessThan(MAX_CPU_MS);
  return { status: res.status, body, cost };
}

describe('validation cost', () => {
  it('knows a route for every schema the service compiles', () => {
    const missing = compiledSchemas.map(signature).filter((s) => !(s in ROUTES));
    expect(missing.join(' | '), 'schemas with no route in ROUTES (add the routes that validate with them)').toEqual('');
    expect(compiledSchemas.length).toBeGreaterThanOrEqual(20);
  });

  it('answers the worst inputs for every schema on every route small, as a 4xx, at bounded cost', async () => {
    for (const v of compiledSchemas) v.calls = 0;
    const bySignature = new Map<string, Array<Validator<unknown>>>();
    for (const v of compiledSchemas) bySignature.set(signature(v), [...(bySignature.get(signature(v)) ?? []), v]);
    let probes = 0;
    for (const [sig, validators] of bySignature) {
      const schema = validators[0]!.schema as Node;
      for (const r of ROUTES[sig] ?? []) {
        const inputs = r.limit === undefined ? worstQueries(schema) : worstBodies(schema, Math.min(Math.floor(r.limit * FILL), MAX_PROBE_BYTES) - (r.asItems ? 64 : 0));
        for (const w of inputs) {
          const sent: Worst = r.asItems && w.json ? { ...w, json: `{"items":[${w.json}]}` } : w;
          await probe(r.route, r.send, sent);
          probes += 1;
        }
        if (r.asItems) {
          // The most items a batch may hold, every one with everything wrong.
          const item = JSON.stringify(mostErrors(schema));
          await probe(r.route, r.send, { name: '1,000 items, everything wrong', json: `{"items":[${Array.from({ length: 1000 }, () => item).join(',')}]}` });
          probes += 1;
        }
      }
    }
    expect(probes).toBeGreaterThan(100);
    const unreached = compiledSchemas.filter((v) => v.calls === 0).map(signature);
    expect(unreached, 'schemas no probe reached').toEqual([]);
  }, 600_000);

  it('stops a 240,000-character cardEditors entry at its length, before the pattern (it took 15 s)', async () => {
    const before = validationCost.patternChars;
    const r = await probe('PUT /api/v1/portals/{id}/settings', api('PUT', `/portals/${PORTAL}/settings`), {
      name: 'cardEditors',
      json: JSON.stringify({ cardEditors: [bait(240_000)] }),
      allOversize: true,
    });
    expect(validationCost.patternChars - before).toBe(0);
    expect(r.body.error.details).toEqual([{ field: 'cardEditors[0]', message: 'must NOT have more than 254 characters' }]);
  });

  it('answers a 1 MB quote body with one problem, not 41 MB of them', async () => {
    const line = '{"quantity":"x","unitPrice":"y"}';
    const json = `{"currency":"EUR","lines":[${Array.from({ length: Math.floor((PAGE_LIMIT * FILL) / (line.length + 1)) }, () => line).join(',')}]}`;
    const r = await probe('POST /hubspot/pages/api/quote', page('create', 'POST', '/quote'), { name: '1 MB of lines', json });
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual([{ field: 'lines', message: `must NOT have more than 500 items` }]);
    expect(r.cost.errors).toBe(1);
  });

  it('answers 60,000 unknown settings fields with one problem, not a 4.6 MB list', async () => {
    const json = `{"version":0,${Array.from({ length: 60_000 }, (_, i) => `"k${i}":1`).join(',')}}`;
    const r = await probe('PUT /hubspot/pages/api/settings', page('settings', 'PUT', '/settings'), { name: '60,000 unknown fields', json });
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual([{ field: '(body)', message: 'has too many fields (more than 13): send only the known ones' }]);
  });

  it('reads no page-API body before the page token is checked', async () => {
    for (const [headers, status, code] of [
      [{}, 401, 'missing_token'],
      [{ 'x-page-token': 'not-a-token' }, 401, 'token_malformed'],
      [{ 'x-page-token': tokens.create }, 400, 'invalid_json'],
    ] as Array<[Record<string, string>, number, string]>) {
      const res = await fetch(`${app.url}/hubspot/pages/api/quote`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: `{"lines":[${'{"a":1},'.repeat(100_000)}` });
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
  });

  it("lists at most MAX_DETAILS of a quote's problems (the rep is still typing: a 200)", async () => {
    const lines = Array.from({ length: 500 }, () => ({ quantity: '0' }));
    const res = await page('create', 'POST', '/quote')({ name: '500 unpriceable lines', json: JSON.stringify({ currency: 'EUR', lines }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { problems: unknown[]; problemsNotListed: number };
    expect(body.problems).toHaveLength(MAX_DETAILS);
    expect(body.problemsNotListed).toBe(1500 - MAX_DETAILS);
  });

  it('lists at most MAX_DETAILS problems and says how many more there are', async () => {
    const item = JSON.stringify({ externalId: '!', name: 1, price: 1, currency: 1 });
    const r = await probe('POST /api/v1/products/batch', api('POST', '/products/batch'), { name: '1,000 bad products', json: `{"items":[${Array.from({ length: 1000 }, () => item).join(',')}]}` });
    expect(r.status).toBe(400);
    expect(r.body.error.details).toHaveLength(MAX_DETAILS);
    expect(r.body.error.details![0]).toEqual({ field: 'items[0].externalId', message: expect.stringMatching(/^must be 1-100 characters/) });
    expect(r.body.error.message).toBe(`4000 problem(s) in the batch; nothing was saved (details lists the first ${MAX_DETAILS}, and ${4000 - MAX_DETAILS} more problems are not listed)`);
  });
});

// ---------------------------------------------------------------------------------------------
// Every pattern is linear: proven per pattern, with no clock involved.

const SRC = path.resolve(import.meta.dirname, '../src');

/** Regular-expression literals in TypeScript source (strings, templates and comments skipped). */
function regexLiterals(src: string): Array<{ source: string; flags: string }> {
  const out: Array<{ source: string; flags: string }> = [];
  const ident = /[A-Za-z0-9_$]/;
  const afterWord = new Set(['return', 'typeof', 'case', 'of', 'in', 'void', 'throw', 'else', 'do', 'yield', 'await']);
  let i = 0;
  let prev = '';
  let word = '';
  const skipString = (q: string) => {
    for (i++; i < src.length && src[i] !== q; i++) {
      if (src[i] === '\\') i++;
      else if (q === '`' && src[i] === '$' && src[i + 1] === '{') skipExpression();
    }
    i++;
  };
  // From `${` to its `}`, through nested strings and templates (`a ${b ? `c` : 'd'}`).
  const skipExpression = () => {
    let depth = 0;
    for (i += 1; i < src.length; i++) {
      const d = src[i]!;
      if (d === '{') depth++;
      else if (d === '}' && --depth === 0) return;
      else if (d === '"' || d === "'" || d === '`') {
        skipString(d);
        i--;
      }
    }
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === '/' && src[i + 1] === '/') {
      i = src.indexOf('\n', i);
      if (i < 0) break;
    } else if (c === '/' && src[i + 1] === '*') {
      i = src.indexOf('*/', i + 2) + 2;
    } else if (c === '"' || c === "'" || c === '`') {
      skipString(c);
      prev = 'a';
      word = '';
    } else if (c === '/' && (prev === '' || '(,=:[!&|?{};+-*%<>~^'.includes(prev) || afterWord.has(word))) {
      let j = i + 1;
      let inClass = false;
      for (; j < src.length && src[j] !== '\n'; j++) {
        if (src[j] === '\\') j++;
        else if (inClass) inClass = src[j] !== ']';
        else if (src[j] === '[') inClass = true;
        else if (src[j] === '/') break;
      }
      let k = j + 1;
      while (/[a-z]/.test(src[k] ?? '')) k++;
      out.push({ source: src.slice(i + 1, j), flags: src.slice(j + 1, k) });
      i = k;
      prev = 'a';
      word = '';
    } else if (/\s/.test(c)) {
      i++;
    } else if (ident.test(c)) {
      const start = i;
      while (i < src.length && ident.test(src[i]!)) i++;
      word = src.slice(start, i);
      prev = 'a';
    } else {
      prev = c;
      word = '';
      i++;
    }
  }
  return out;
}

/**
 * Regexes redos-detector cannot prove linear, each with why its input cannot make it slow. Every
 * one reads text the service wrote or was configured with, or is bounded where it is used.
 */
const NOT_ON_CALLER_INPUT: Record<string, string> = {
  '\\/+$': "trims a trailing slash off configured base URLs (PUBLIC_BASE_URL, the CLI's --base-url)",
  '^items\\[(\\d+)\\]\\.?(.*)$': "the CLI reads the field names of the service's own answer (clipped to 200 characters)",
  '^(authorization|cookie|set-cookie|.*token.*|.*secret.*|.*signature.*|password|api[_-]?key|key|code)$': 'log.ts tests the names of log fields, which are written in the code',
  '(\\.\\d*?)0+$': 'pushBatch.ts trims a stored product price (at most 40 characters, checked when it was saved)',
  '\\[(\\d+)\\]': "workerIdentity.ts reads this process's own /proc entry",
  '^(.*):(\\d+):([0-9a-f]+)$': 'workerIdentity.ts parses worker ids this service wrote',
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

const safety = new Map<string, boolean>();
const linear = (source: string, flags = '') => {
  const key = `/${source}/${flags}`;
  if (!safety.has(key)) safety.set(key, isSafe(new RegExp(source, flags)).safe);
  return safety.get(key)!;
};

describe('every pattern', () => {
  it('in every schema runs in linear time (redos-detector finds no input that backtracks)', () => {
    const patterns = new Set<string>();
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === 'object') {
        const o = n as Node;
        if (typeof o.pattern === 'string') patterns.add(o.pattern);
        Object.values(o).forEach(walk);
      }
    };
    for (const v of compiledSchemas) walk(v.schema);
    expect(patterns.size).toBeGreaterThanOrEqual(10);
    const unsafe = [...patterns].filter((p) => !linear(p, 'u'));
    expect(unsafe).toEqual([]);
  });

  it('applied to input anywhere in src/ runs in linear time, or reads no caller input (listed with the reason)', () => {
    const found = sourceFiles(SRC).flatMap((f) => regexLiterals(fs.readFileSync(f, 'utf8')).map((r) => ({ ...r, file: path.relative(SRC, f) })));
    // The scanner finds what it should: the money parser's and the page token's regexes among them.
    expect(found.length).toBeGreaterThan(50);
    expect(found.map((r) => r.source)).toContain('^(-)?(\\d+)(?:\\.(\\d+))?$');
    const unsafe = found.filter((r) => !(r.source in NOT_ON_CALLER_INPUT) && !linear(r.source, r.flags.replace('g', '')));
    expect(unsafe.map((r) => `${r.file}: /${r.source}/${r.flags}`).join(' | ')).toEqual('');
    // The exceptions are still there, and still need their exception (none is stale).
    for (const source of Object.keys(NOT_ON_CALLER_INPUT)) {
      expect(
        found.some((r) => r.source === source),
        `${source} is no longer in src/: drop it from the list`,
      ).toBe(true);
      expect(
        found.some((r) => r.source === source && !linear(r.source, r.flags.replace('g', ''))),
        `${source} is now provably linear: drop it from the list`,
      ).toBe(true);
    }
  }, 120_000);
});
