import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import type { RunView } from '../../src/cli/syncCommands.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { median, peakRssMb, startFakeHubspot, startProcess } from './benchUtil.js';

/**
 * bench:sync — the push to HubSpot against the fake at 100 requests per 1 s window, so the ceiling
 * is 100 records × 100 requests/s = 10,000 records/s.
 *
 * 1. 20,000 contacts and 20,000 products pushed by the service (built, as `npm start` runs it) on
 *    PostgreSQL, as it runs in production: BENCH_DATABASE_URL (default: TEST_DATABASE_URL, else the
 *    local server); BENCH_DATABASE_URL=embedded runs it on the embedded PGlite instead. Records/s,
 *    the ratio to the ceiling, 429s, duplicates, the service's peak RSS during the push.
 * 2. The baseline, in the same run: the same records pushed one POST per record (the migration
 *    guide's literal advice), by a plain client that honours the same limit and waits out 429s.
 *    BENCH_BASELINE_RECORDS caps how many it sends (default: all 40,000, about 7 minutes).
 * 3. Peak RSS while the service pushes 200,000 records (100,000 of each), BENCH_BIG_RECORDS to change.
 *
 *    Beside them, BENCH_DEALS (default 10,000) deals in the fake, each with one open invoice: the
 *    same push writes each deal's billing properties (batches of 100) and its "issued" note, so
 *    the round also reports deal writes and notes. Then a cent is paid on every one of those
 *    invoices and a second push writes the deal side alone (each deal again, and one payment note
 *    each): its records/s and share of the ceiling, beside the first push's. Every deal's balance
 *    and its notes (one per event) are checked at the end.
 *
 * BENCH_ROUNDS (default 3) repeats step 1 on fresh databases and reports the median.
 *
 * Steps 1 and 3 run once per HubSpot path family, side by side in the one run, against the same
 * fake (each family on its own portal, so they share no rate window): BENCH_FAMILIES lists the
 * HUBSPOT_API_VERSION values (default "v3,2026-09"), and the summary prints them in columns.
 */

const CEILING = 100 * 100;
const N = 20_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BASELINE_RECORDS = Number(process.env.BENCH_BASELINE_RECORDS ?? 2 * N);
const BIG = Number(process.env.BENCH_BIG_RECORDS ?? 200_000);
const DEALS = Number(process.env.BENCH_DEALS ?? 10_000);
const DB_SETTING = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SERVER_URL = DB_SETTING === 'embedded' ? undefined : DB_SETTING;
const API_TOKEN = 'bench-sync-api-token-0123';
const FAMILIES = (process.env.BENCH_FAMILIES ?? 'v3,2026-09')
  .split(',')
  .map((f) => f.trim())
  .filter(Boolean);
/** Each family's portals: its pipeline rounds and its big run (the fake's tokens below). */
const portalsOf = (n: number) => ({ pipeline: { token: `pat-bench-${n}`, portal: String(7101 + 10 * n) }, big: { token: `pat-big-${n}`, portal: String(7103 + 10 * n) } });
const MAIN = path.join(PROJECT_ROOT, 'dist/src/main.js');
const FAKE = path.join(PROJECT_ROOT, 'dist/test/fakeHubspot/main.js');

const contact = (prefix: string, i: number) => ({
  externalId: `${prefix}c-${i}`,
  email: `${prefix}.${i}@bench.example`,
  firstName: `First ${i}`,
  lastName: `Last ${i}`,
  company: `Company ${i % 997}`,
  address: { city: 'Berlin', country: 'DE' },
});
const product = (prefix: string, i: number) => ({
  externalId: `${prefix}p-${i}`,
  sku: `${prefix.toUpperCase()}-${i}`,
  name: `Product ${i}`,
  price: `${(i % 500) + 1}.${String(i % 100).padStart(2, '0')}`,
  currency: 'EUR',
  type: 'service',
});

const children: ChildProcess[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

async function startFake(): Promise<string> {
  const tokens = FAMILIES.flatMap((_, n) => {
    const p = portalsOf(n);
    return ['--token', `${p.pipeline.token}=${p.pipeline.portal}`, '--token', `${p.big.token}=${p.big.portal}`];
  });
  const { child, url } = await startFakeHubspot(['--window-ms', '1000', '--max', '100', '--token', 'pat-baseline=7002', ...tokens]);
  children.push(child);
  return url;
}

interface FakeStats {
  requests: number;
  rateLimited: number;
  recordsWritten: number;
  peakInWindow: number;
  byFamily: Record<string, number>;
}
const fakeStats = async (fake: string) => (await (await fetch(`${fake}/__fake/stats`)).json()) as FakeStats;
const fakeRecords = async (fake: string, portal: string, type: string) => (await (await fetch(`${fake}/__fake/records/${portal}/${type}`)).json()) as Array<{ properties: Record<string, string> }>;

/** A fresh database for one service: a PGlite data directory, or a new database on the server. */
async function freshDatabase(label: string): Promise<Record<string, string>> {
  if (!SERVER_URL) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-sync-${label}-`));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    return { DATA_DIR: dir };
  }
  const name = `bench_sync_${label}_${process.pid}`;
  const admin = knexFactory({ client: 'pg', connection: SERVER_URL, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`drop database if exists ${name} with (force)`);
  } catch (err) {
    await admin.destroy();
    throw new Error(`bench:sync needs PostgreSQL at ${SERVER_URL}: ${(err as Error).message}. Start it, set BENCH_DATABASE_URL, or run on the embedded database with BENCH_DATABASE_URL=embedded.`, {
      cause: err,
    });
  }
  await admin.raw(`create database ${name}`);
  cleanups.push(async () => {
    await admin.raw(`drop database if exists ${name} with (force)`);
    await admin.destroy();
  });
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const { spawnSync } = await import('node:child_process');
  const migrated = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'dist/src/cli/main.js'), 'migrate'], { env: { PATH: process.env.PATH, DATABASE_URL: url.toString() }, encoding: 'utf8' });
  if (migrated.status !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
  return { DATABASE_URL: url.toString() };
}

function resetPeakRss(pid: number): void {
  fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** A push as GET /api/v1/sync/runs/{id} answers it. */
type Run = RunView & { createdAt: string };

async function api<T = unknown>(base: string, method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}/api/v1${p}`, {
    method,
    headers: { authorization: `Bearer ${API_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${p} → ${res.status}: ${JSON.stringify(json)}`);
  return json as T;
}

async function startService(fake: string, token: string, portal: string, label: string, apiVersion: string) {
  const dbEnv = await freshDatabase(label.replace(/[^a-z0-9]/gi, ''));
  const { child, port } = await startProcess(MAIN, {
    ...dbEnv,
    PORT: '0',
    API_TOKEN,
    HUBSPOT_ACCESS_TOKEN: token,
    HUBSPOT_PORTAL_ID: portal,
    HUBSPOT_API_BASE_URL: fake,
    HUBSPOT_RATE_LIMIT_PER_10S: '1000',
    HUBSPOT_API_VERSION: apiVersion,
    SYNC_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'info',
  });
  children.push(child);
  return { child, base: `http://127.0.0.1:${port}` };
}

async function load(base: string, prefix: string, count: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < count; i += 1000) {
    const n = Math.min(1000, count - i);
    await api(base, 'POST', '/contacts/batch', { items: Array.from({ length: n }, (_, k) => contact(prefix, i + k)) });
    await api(base, 'POST', '/products/batch', { items: Array.from({ length: n }, (_, k) => product(prefix, i + k)) });
  }
  return (performance.now() - t0) / 1000;
}

const toCents = (amount: string) => Math.round(Number(amount) * 100);
const formatCents = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

/** The balance each bench deal's invoice leaves: 1 + (i mod 50) euros and i mod 100 cents, no tax. */
const dealAmount = (i: number) => `${1 + (i % 50)}.${String(i % 100).padStart(2, '0')}`;

/**
 * Seeds `count` deals in the fake and gives each one open invoice (billed to one of the loaded
 * contacts) through /api/v1, as the accounting system does. Returns the deal and invoice ids in order.
 */
async function seedDeals(fake: string, portal: string, base: string, prefix: string, count: number): Promise<{ dealIds: string[]; invoices: Array<{ id: string }> }> {
  const ids: string[] = [];
  const invoices: Array<{ id: string }> = [];
  for (let i = 0; i < count; i += 500) {
    const deals = Array.from({ length: Math.min(500, count - i) }, (_, k) => ({ properties: { dealname: `${prefix} deal ${i + k}` } }));
    const res = await fetch(`${fake}/__fake/deals/${portal}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ deals }) });
    ids.push(...((await res.json()) as Array<{ id: string }>).map((d) => d.id));
  }
  let next = 0;
  const one = async () => {
    for (let i = next++; i < count; i = next++) {
      invoices[i] = await api<{ id: string }>(base, 'POST', '/invoices', {
        portalId: portal,
        dealId: ids[i],
        currency: 'EUR',
        status: 'open',
        contactExternalId: `${prefix}c-${i}`,
        lines: [{ description: 'Bench', quantity: '1', unitPrice: dealAmount(i), taxRate: '0' }],
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, one));
  return { dealIds: ids, invoices };
}

/** Pays one cent on each invoice (8 at a time). */
async function payAll(base: string, invoices: Array<{ id: string }>): Promise<void> {
  let next = 0;
  const one = async () => {
    for (let i = next++; i < invoices.length; i = next++) await api(base, 'POST', `/invoices/${invoices[i]!.id}/payments`, { amount: '0.01' });
  };
  await Promise.all(Array.from({ length: 8 }, one));
}

/** Whether every bench deal carries its exact balance (less the cent paid, after the deal push) and one note per event. */
async function checkDeals(fake: string, portal: string, ids: string[], paid = false): Promise<{ wrong: number; notesOff: number }> {
  const deals = new Map(((await (await fetch(`${fake}/__fake/deals/${portal}`)).json()) as Array<{ id: string; properties: Record<string, string> }>).map((d) => [d.id, d.properties]));
  let wrong = 0;
  let notesOff = 0;
  for (const [i, id] of ids.entries()) {
    const expected = paid ? formatCents(toCents(dealAmount(i)) - 1) : dealAmount(i);
    if (deals.get(id)?.invoicecard_balance_due !== expected) wrong += 1;
    const notes = (await (await fetch(`${fake}/__fake/deals/${portal}/${id}/notes`)).json()) as unknown[];
    if (notes.length !== (paid ? 2 : 1)) notesOff += 1;
  }
  return { wrong, notesOff };
}

/** Starts a push and waits for it; returns the run and the wall-clock seconds. */
async function push(base: string): Promise<{ run: Run; seconds: number; observedSeconds: number }> {
  const t0 = performance.now();
  const started = await api<Run>(base, 'POST', '/sync/runs', {});
  for (;;) {
    const run = await api<Run>(base, 'GET', `/sync/runs/${started.id}`);
    if (run.status === 'done' || run.status === 'failed' || run.status === 'paused') {
      if (run.status !== 'done') throw new Error(`the push ended ${run.status}: ${run.error}`);
      // The push as the service recorded it (from the request that queued it to its end), and as
      // seen from here (which adds up to one polling interval).
      return { run, seconds: (Date.parse(run.finishedAt!) - Date.parse(run.createdAt)) / 1000, observedSeconds: (performance.now() - t0) / 1000 };
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function stopService(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function pipelineRound(fake: string, round: number, family: string, n: number) {
  const { token, portal } = portalsOf(n).pipeline;
  const before = await fakeStats(fake);
  const svc = await startService(fake, token, portal, `r${round}${family}`, family);
  const prefix = `r${round}`;
  const loadSeconds = await load(svc.base, prefix, N);
  const { dealIds, invoices } = await seedDeals(fake, portal, svc.base, prefix, DEALS);
  resetPeakRss(svc.child.pid!);
  const { run, seconds, observedSeconds } = await push(svc.base);
  const rss = peakRssMb(svc.child.pid!);
  const after = await fakeStats(fake);
  const contacts = (await fakeRecords(fake, portal, 'contacts')).filter((r) => r.properties.email?.startsWith(`${prefix}.`));
  const products = (await fakeRecords(fake, portal, 'products')).filter((r) => r.properties.accounting_external_id?.startsWith(`${prefix}p-`));
  const duplicates = contacts.length - new Set(contacts.map((r) => r.properties.email)).size + (products.length - new Set(products.map((r) => r.properties.accounting_external_id)).size);
  const missing = 2 * N - new Set([...contacts.map((r) => r.properties.email), ...products.map((r) => r.properties.accounting_external_id)]).size;
  // A push of deals alone: a payment on every bench invoice marks each deal again and records
  // one event each, so this push writes 2 × BENCH_DEALS records, all of the deal side.
  await payAll(svc.base, invoices);
  const dealPush = await push(svc.base);
  const dealRecords = dealPush.run.counts.dealsWritten + dealPush.run.counts.notesWritten;
  await stopService(svc.child);
  const deals = await checkDeals(fake, portal, dealIds, true);
  // Every write the push made: contacts, products, deals and notes (each a record in a batch of up to 100).
  const written = 2 * N + run.counts.dealsWritten + run.counts.notesWritten;
  return {
    loadSeconds,
    seconds,
    observedSeconds,
    recordsPerSecond: written / seconds,
    written,
    dealsWritten: run.counts.dealsWritten,
    notesWritten: run.counts.notesWritten,
    dealsWrong: deals.wrong,
    notesOff: deals.notesOff,
    dealPushRecords: dealRecords,
    dealPushSeconds: dealPush.seconds,
    dealRecordsPerSecond: dealRecords / dealPush.seconds,
    requests: after.requests - before.requests,
    rateLimited: after.rateLimited - before.rateLimited,
    familyRequests: (after.byFamily[`crm/${family}`] ?? 0) - (before.byFamily[`crm/${family}`] ?? 0),
    duplicates,
    missing,
    rss,
    counts: run.counts,
  };
}

/** The baseline: one POST per record, paced to the same limit, waiting out any 429. */
async function baseline(fake: string, records: number) {
  const before = await fakeStats(fake);
  const items: Array<{ type: string; properties: Record<string, string> }> = [];
  for (let i = 0; items.length < records && i < N; i++) {
    const c = contact('base', i);
    items.push({ type: 'contacts', properties: { email: c.email, firstname: c.firstName, lastname: c.lastName, company: c.company, city: 'Berlin', country: 'DE' } });
    if (items.length >= records) break;
    const p = product('base', i);
    items.push({ type: 'products', properties: { name: p.name, price: p.price, hs_sku: p.sku, hs_product_type: p.type } });
  }
  const spacingMs = 1000 / 97; // the same 97 % of the limit the service allows itself
  let next = performance.now();
  let rateLimited = 0;
  const t0 = performance.now();
  let cursor = 0;
  const worker = async () => {
    while (cursor < items.length) {
      const item = items[cursor++]!;
      for (;;) {
        const slot = Math.max(next, performance.now());
        next = slot + spacingMs;
        const wait = slot - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const res = await fetch(`${fake}/crm/objects/2026-09/${item.type}`, {
          method: 'POST',
          headers: { authorization: 'Bearer pat-baseline', 'content-type': 'application/json' },
          body: JSON.stringify({ properties: item.properties }),
        });
        await res.arrayBuffer();
        if (res.status === 429) {
          rateLimited += 1;
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        if (res.status >= 300) throw new Error(`baseline POST answered ${res.status}`);
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const after = await fakeStats(fake);
  return { records: items.length, seconds, recordsPerSecond: items.length / seconds, rateLimited, requests: after.requests - before.requests };
}

async function bigRun(fake: string, total: number, family: string, n: number) {
  const { token, portal } = portalsOf(n).big;
  const svc = await startService(fake, token, portal, `big${family}`, family);
  const loadSeconds = await load(svc.base, 'big', total / 2);
  const loadRss = peakRssMb(svc.child.pid!);
  resetPeakRss(svc.child.pid!);
  const { run, seconds } = await push(svc.base);
  const rss = peakRssMb(svc.child.pid!);
  await stopService(svc.child);
  return { loadSeconds, loadRss, seconds, rss, processed: run.processed, recordsPerSecond: run.processed / seconds };
}

async function main() {
  if (!fs.existsSync(MAIN) || !fs.existsSync(FAKE)) throw new Error('dist/ is missing: run "npm run build" (npm run bench:sync does it)');
  const fake = await startFake();
  const db = SERVER_URL ? `PostgreSQL (${new URL(SERVER_URL).host})` : 'embedded PGlite (BENCH_DATABASE_URL=embedded)';
  console.log(`bench:sync — fake HubSpot at 100 requests / 1 s per portal; ceiling ${CEILING.toLocaleString('en')} records/s; database: ${db}; ${os.cpus().length} CPUs\n`);

  const results: Array<{ family: string; rounds: Array<Awaited<ReturnType<typeof pipelineRound>>>; big: Awaited<ReturnType<typeof bigRun>> }> = [];
  for (const [n, family] of FAMILIES.entries()) {
    console.log(`— path family ${family} (HUBSPOT_API_VERSION=${family}) —`);
    const rounds: Array<Awaited<ReturnType<typeof pipelineRound>>> = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const x = await pipelineRound(fake, r, family, n);
      rounds.push(x);
      console.log(
        `pipeline round ${r}: ${x.written.toLocaleString('en')} records (${(2 * N).toLocaleString('en')} contacts and products, ${x.dealsWritten} deals, ${x.notesWritten} notes) in ${x.seconds.toFixed(2)} s (${x.observedSeconds.toFixed(2)} s seen by the poller) = ${Math.round(x.recordsPerSecond).toLocaleString('en')} records/s ` +
          `(${((x.recordsPerSecond / CEILING) * 100).toFixed(1)} % of ceiling), ${x.requests} requests (${x.familyRequests} on crm/${family}), ${x.rateLimited} × 429, ` +
          `${x.duplicates} duplicates, ${x.missing} missing, ${x.dealsWrong} deals with a wrong balance, ${x.notesOff} deals with a note missing or twice; ` +
          `then a push of deals alone: ${x.dealPushRecords} records in ${x.dealPushSeconds.toFixed(2)} s = ${Math.round(x.dealRecordsPerSecond).toLocaleString('en')} records/s (${((x.dealRecordsPerSecond / CEILING) * 100).toFixed(1)} % of ceiling); peak RSS ${x.rss.toFixed(0)} MB (load took ${x.loadSeconds.toFixed(1)} s)`,
      );
    }
    console.log(`${BIG.toLocaleString('en')}-record push for memory …`);
    const big = await bigRun(fake, BIG, family, n);
    console.log(
      `big: ${big.processed.toLocaleString('en')} records in ${big.seconds.toFixed(1)} s = ${Math.round(big.recordsPerSecond).toLocaleString('en')} records/s; ` +
        `peak RSS during the push ${big.rss.toFixed(0)} MB (during the load through /api/v1: ${big.loadRss.toFixed(0)} MB)\n`,
    );
    results.push({ family, rounds, big });
  }

  console.log(`baseline: one POST per record, ${BASELINE_RECORDS.toLocaleString('en')} records${BASELINE_RECORDS < 2 * N ? ` (of ${2 * N}; BENCH_BASELINE_RECORDS)` : ''} …`);
  const base = await baseline(fake, BASELINE_RECORDS);
  console.log(`baseline: ${base.records.toLocaleString('en')} records in ${base.seconds.toFixed(1)} s = ${base.recordsPerSecond.toFixed(1)} records/s, ${base.rateLimited} × 429`);

  const col = (v: string) => v.padStart(16);
  const row = (label: string, f: (x: (typeof results)[number]) => string) => console.log(`  ${label.padEnd(30)}${results.map((x) => col(f(x))).join('')}`);
  const rps = (x: (typeof results)[number]) => median(x.rounds.map((r) => r.recordsPerSecond));
  console.log(`\nsummary (medians over ${ROUNDS} round${ROUNDS === 1 ? '' : 's'} per family)`);
  row('path family', (x) => x.family);
  row('records/s', (x) => Math.round(rps(x)).toLocaleString('en'));
  row('share of ceiling (≥ 90 %)', (x) => `${((rps(x) / CEILING) * 100).toFixed(1)} %`);
  row('429s per push', (x) => String(median(x.rounds.map((r) => r.rateLimited))));
  row('deals alone: records/s', (x) => Math.round(median(x.rounds.map((r) => r.dealRecordsPerSecond))).toLocaleString('en'));
  row('deals alone: share of ceiling', (x) => `${((median(x.rounds.map((r) => r.dealRecordsPerSecond)) / CEILING) * 100).toFixed(1)} %`);
  row('deal writes per push', (x) => String(median(x.rounds.map((r) => r.dealsWritten))));
  row('timeline notes per push', (x) => String(median(x.rounds.map((r) => r.notesWritten))));
  row('deals wrong or notes ≠ 1', (x) => String(x.rounds.reduce((a, r) => a + r.dealsWrong + r.notesOff, 0)));
  row('duplicates (all rounds)', (x) => String(x.rounds.reduce((a, r) => a + r.duplicates, 0)));
  row('missing (all rounds)', (x) => String(x.rounds.reduce((a, r) => a + r.missing, 0)));
  row(`peak RSS pushing ${(2 * N).toLocaleString('en')}`, (x) => `${median(x.rounds.map((r) => r.rss)).toFixed(0)} MB`);
  row(`peak RSS pushing ${BIG.toLocaleString('en')} (≤ 240)`, (x) => `${x.big.rss.toFixed(0)} MB`);
  console.log(
    `  baseline (one POST per record): ${base.recordsPerSecond.toFixed(1)} records/s; the pipeline is ${results.map((x) => `${(rps(x) / base.recordsPerSecond).toFixed(0)}× (${x.family})`).join(', ')} faster`,
  );
}

main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const f of cleanups) await f();
  });
