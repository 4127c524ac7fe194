import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import knexFactory from 'knex';
import { signV2, signV3 } from '../../src/hubspot/signature.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { median, rssMb, startFakeHubspot, startProcess } from './benchUtil.js';

/**
 * bench:soak — BENCH_SOAK_SECONDS (default 60) of mixed load on the built service (PostgreSQL, as
 * in production; BENCH_DATABASE_URL to choose the server) with the fake HubSpot behind it:
 * - signed card fetches with autocannon (10 connections, random deals);
 * - card actions: drafts created through /api/v1 and issued through the signed issue hook, some
 *   delivered twice as HubSpot's retry does;
 * - accounting writes (contact and product changes, 20/s) that the background loop pushes every
 *   5 s against the fake (100 requests per 10 s).
 * Prints the error rate (5xx and other failures), p50/p99 of the card fetch, what was pushed, and
 * the service's memory: RSS over time and its growth from the first to the last 10 s.
 */

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 60);
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECRET = 'soak-client-secret';
const API_TOKEN = 'soak-api-token-0123456789';
const PUBLIC = 'https://soak.invoices.example';
const PORTAL = '4646';
const DEALS = 300;
const DB_NAME = 'invoice_card_soak';

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

function signed(method: string, pathAndQuery: string, body = ''): Record<string, string> {
  const ts = String(Date.now());
  return {
    'x-hubspot-signature-v3': signV3(SECRET, method, PUBLIC + pathAndQuery, body, ts),
    'x-hubspot-request-timestamp': ts,
    'x-hubspot-signature': signV2(SECRET, method, PUBLIC + pathAndQuery, body),
    'x-hubspot-signature-version': 'v2',
  };
}

const params = (deal: number) => `userId=4242&userEmail=rep@seller.example&associatedObjectId=${9_000_000 + deal}&associatedObjectType=DEAL&portalId=${PORTAL}`;
const randomDeal = () => Math.floor(Math.random() * DEALS);

async function main(): Promise<void> {
  const admin = knexFactory({ client: 'pg', connection: SERVER_URL, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`drop database if exists ${DB_NAME} with (force)`);
    await admin.raw(`create database ${DB_NAME}`);
  } catch (err) {
    console.error(`bench:soak needs PostgreSQL at ${SERVER_URL} (set BENCH_DATABASE_URL): ${(err as Error).message}`);
    process.exit(1);
  }
  const url = new URL(SERVER_URL);
  url.pathname = `/${DB_NAME}`;
  const { spawnSync } = await import('node:child_process');
  const migrated = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'dist/src/cli.js'), 'migrate'], { env: { PATH: process.env.PATH, DATABASE_URL: url.toString() }, encoding: 'utf8' });
  if (migrated.status !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);

  const fake = await startFakeHubspot(['--window-ms', '10000', '--max', '100', '--token', `pat-soak=${PORTAL}`]);
  children.push(fake.child);
  const service = await startProcess(path.join(PROJECT_ROOT, 'dist/src/main.js'), {
    DATABASE_URL: url.toString(),
    PORT: '0',
    PUBLIC_BASE_URL: PUBLIC,
    HUBSPOT_CLIENT_SECRET: SECRET,
    API_TOKEN,
    HUBSPOT_ACCESS_TOKEN: 'pat-soak',
    HUBSPOT_PORTAL_ID: PORTAL,
    HUBSPOT_API_BASE_URL: fake.url,
    SYNC_INTERVAL_SECONDS: '5',
    LOG_LEVEL: 'info', // nothing per request; the start-up line carries the port
  });
  children.push(service.child);
  const base = `http://127.0.0.1:${service.port}`;
  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${base}/api/v1${p}`, { method, headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  };

  // Seed: contacts, products, and three invoices per deal.
  for (let i = 0; i < 2000; i += 1000) {
    await api('POST', '/contacts/batch', { items: Array.from({ length: 1000 }, (_, k) => ({ externalId: `sc-${i + k}`, email: `sc.${i + k}@soak.example`, firstName: 'Soak' })) });
  }
  await api('POST', '/products/batch', { items: Array.from({ length: 500 }, (_, k) => ({ externalId: `sp-${k}`, name: `Product ${k}`, price: '10.00', currency: 'EUR' })) });
  for (let d = 0; d < DEALS; d++) {
    for (let k = 0; k < 3; k++) {
      await api('POST', '/invoices', { portalId: PORTAL, dealId: String(9_000_000 + d), currency: 'EUR', contactExternalId: `sc-${d}`, status: k === 0 ? 'draft' : 'open', lines: [{ description: 'Work', quantity: String(1 + k), unitPrice: '99.50' }] });
    }
  }
  console.log(`bench:soak — ${SECONDS} s of card fetches, card actions and pushes on PostgreSQL; seeded ${DEALS * 3} invoices, 2,500 records`);

  // Memory, once a second.
  const rss: Array<{ t: number; mb: number }> = [];
  const t0 = Date.now();
  const sampler = setInterval(() => rss.push({ t: (Date.now() - t0) / 1000, mb: rssMb(service.child.pid!) }), 1000);
  const end = t0 + SECONDS * 1000;
  const failures: string[] = [];
  let actions = 0;
  let writes = 0;
  let fiveXX = 0;

  // Card actions: create a draft, issue it through the signed hook (one in five delivered twice).
  const actionLoop = async () => {
    while (Date.now() < end) {
      const deal = randomDeal();
      const created = await api('POST', '/invoices', { portalId: PORTAL, dealId: String(9_000_000 + deal), currency: 'EUR', contactExternalId: `sc-${deal}`, lines: [{ description: 'Extra', quantity: '1', unitPrice: '5.00' }] });
      if (created.status !== 201) failures.push(`create ${created.status}`);
      const p = `/hubspot/actions/invoices/${created.body.id}/issue?${params(deal)}`;
      for (let n = 0; n < (actions % 5 === 0 ? 2 : 1); n++) {
        const res = await fetch(base + p, { method: 'POST', headers: signed('POST', p) });
        await res.arrayBuffer();
        if (res.status >= 500) fiveXX += 1;
        if (res.status !== 200) failures.push(`issue hook ${res.status}`);
      }
      actions += 1;
      await new Promise((r) => setTimeout(r, 150));
    }
  };
  // Accounting writes: 20 changes a second.
  const writeLoop = async () => {
    while (Date.now() < end) {
      const i = Math.floor(Math.random() * 2000);
      const res = await api('PUT', `/contacts/sc-${i}`, { email: `sc.${i}@soak.example`, firstName: `Soak ${writes}` });
      if (res.status >= 500) fiveXX += 1;
      if (res.status !== 200) failures.push(`contact write ${res.status}`);
      writes += 1;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const cards = autocannon({
    url: base,
    connections: 10,
    duration: SECONDS,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          const p = `/hubspot/card?${params(randomDeal())}`;
          return { ...req, path: p, headers: signed('GET', p) };
        },
      },
    ],
  });
  const [result] = await Promise.all([cards, actionLoop(), writeLoop()]);
  clearInterval(sampler);
  const card5xx = (result as unknown as { '5xx'?: number })['5xx'] ?? 0;
  fiveXX += card5xx;

  // Let the last push finish, then read what the fake holds.
  await new Promise((r) => setTimeout(r, 8000));
  const stats = (await (await fetch(`${fake.url}/__fake/stats`)).json()) as { recordsWritten: number; rateLimited: number; requests: number };
  const runs = (await api('GET', `/sync/runs?portalId=${PORTAL}`)).body.runs as Array<{ status: string; counts: Record<string, number> }>;

  const first = median(rss.filter((s) => s.t >= 5 && s.t < 15).map((s) => s.mb));
  const last = median(rss.filter((s) => s.t >= SECONDS - 10).map((s) => s.mb));
  const total = result.requests.total + actions * 2 + writes;
  const errors = result.non2xx + result.errors + result.timeouts + failures.length;
  console.log(`card fetches   ${result.requests.total.toLocaleString('en')} (${Math.round(result.requests.average)} req/s), p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors + result.timeouts}`);
  console.log(`card actions   ${actions} drafts created and issued through the signed hook (${Math.ceil(actions / 5)} delivered twice)`);
  console.log(`writes         ${writes} contact changes; pushed by ${runs.length} runs (${runs.filter((r) => r.status === 'done').length} done), HubSpot: ${stats.requests} requests, ${stats.recordsWritten} records written, ${stats.rateLimited} × 429`);
  console.log(`errors         ${errors} of ~${total.toLocaleString('en')} requests (${((errors / total) * 100).toFixed(3)} %), of which 5xx: ${fiveXX}${failures.length ? `; first: ${failures.slice(0, 5).join(', ')}` : ''}`);
  console.log(`memory (RSS)   ${rss.filter((_, i) => i % 10 === 0).map((s) => `${s.t.toFixed(0)} s ${s.mb.toFixed(0)} MB`).join(' · ')}`);
  console.log(`memory growth  ${first.toFixed(0)} MB (median of 5–15 s) → ${last.toFixed(0)} MB (last 10 s): ${(((last - first) / first) * 100).toFixed(1)} % (target < 10 %)`);

  const exited = new Promise((r) => service.child.once('exit', r));
  service.child.kill('SIGTERM');
  await exited;
  await admin.raw(`drop database if exists ${DB_NAME} with (force)`);
  await admin.destroy();
}

main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exitCode = 1;
  })
  .finally(() => children.forEach((c) => c.kill('SIGKILL')));
