import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { createDb } from '../../src/db/db.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { decodeV3Uri, signV2, signV3 } from '../../src/hubspot/signature.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { load, type LoadResult, median, startProcess } from './benchUtil.js';

/**
 * bench:card — the signed data fetch under load, next to a bare Express route serving a fixed
 * body of the same size, measured in the same run on the same machine.
 *
 * Seeds 100,000 invoices over 20,000 deals in 50 portals in PostgreSQL, then runs alternating
 * rounds of autocannon (50 connections) against both and prints req/s, p50 and p99 per round, the
 * medians and the ratio. Environment: BENCH_DATABASE_URL (server to use), BENCH_DURATION (seconds
 * per round, default 10), BENCH_ROUNDS (default 5), BENCH_CONNECTIONS (default 50), BENCH_POOL_MAX
 * (the service's DATABASE_POOL_MAX, default 10), BENCH_OAUTH=1 (serve the 50 portals as OAuth
 * installs instead of through HUBSPOT_ALLOWED_PORTAL_IDS).
 *
 * Every fetch passes the portal check (src/portals/portalAccess.ts), one primary-key lookup, as in
 * production: the 50 portals are allowed (or installed, with BENCH_OAUTH=1).
 */

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const INVOICES = 100_000;
const DEALS = 20_000;
const PORTALS = 50;
const SECRET = 'bench-client-secret';
const PUBLIC = 'https://bench.invoices.example';
const DB_NAME = 'invoice_card_bench';
const OAUTH = process.env.BENCH_OAUTH === '1';

const portalOf = (deal: number) => String(100_000 + (deal % PORTALS));
const dealIdOf = (deal: number) => String(5_000_000 + deal);

async function seed(url: string): Promise<void> {
  const db = createDb({ databaseUrl: url });
  try {
    await migrateLatest(db);
    const t0 = performance.now();
    // The portals as the OAuth install leaves them (served only with BENCH_OAUTH=1; otherwise the
    // allow-list decides and the lookup finds an active row, as for any connected portal).
    await db.raw(`insert into portals (portal_id, auth_type, status, created_at, updated_at)
      select 100000 + g, 'oauth', 'active', now(), now() from generate_series(0, ${PORTALS - 1}) g`);
    await db.raw(`insert into contacts (external_id, email, first_name, last_name, company, content_hash)
      select 'bench-c-' || g, 'c' || g || '@bench.example', 'First' || g, 'Last' || g, 'Company ' || g, md5(g::text)
      from generate_series(1, 2000) g`);
    // Deals get invoices unevenly (random), as in life: most have a few, some have many.
    await db.raw(
      `insert into invoices (portal_id, deal_id, number, status, currency, issue_date, due_date, payment_terms_days,
         contact_external_id, subtotal_minor, discount_minor, tax_minor, total_minor, paid_minor, issued_at, paid_at, voided_at)
       select 100000 + d % ${PORTALS}, 5000000 + d, 'INV-' || lpad(k::text, 7, '0'), s,
         (array['EUR','USD','JPY','KWD','GBP'])[1 + k % 5],
         current_date - age_days, current_date - age_days + 30, 30,
         'bench-c-' || (1 + k % 2000), total, 0, 0, total,
         case when s = 'paid' then total when s = 'open' and k % 4 = 0 then total / 3 else 0 end,
         case when s <> 'draft' then now() end, case when s = 'paid' then now() end, case when s = 'void' then now() end
       from (
         select k, 1 + floor(random() * ${DEALS})::int as d, (random() * 120)::int as age_days, (1000 + floor(random() * 5000000))::bigint as total,
           (array['open','open','open','draft','paid','paid','paid','void'])[1 + floor(random() * 8)::int] as s
         from generate_series(1, ${INVOICES}) k
       ) x`,
    );
    await db.raw(`insert into invoice_lines (invoice_id, position, description, quantity, unit_price, subtotal_minor, discount_minor, tax_minor, total_minor)
      select id, 1, 'Services', 1, total_minor / 100.0, total_minor, 0, 0, total_minor from invoices`);
    // Settle the fresh table before measuring: vacuum sets hint bits and the visibility map, so
    // the first reads don't write pages, and autovacuum has nothing left to do mid-run.
    await db.raw('vacuum (analyze)');
    const counts = (await db.raw(`select count(*) as invoices, count(distinct deal_id) as deals, count(distinct portal_id) as portals from invoices`)) as {
      rows: Array<Record<string, string>>;
    };
    console.log(`seeded ${JSON.stringify(counts.rows[0])} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await db.destroy();
  }
}

function cardPath(deal: number): string {
  return `/hubspot/card?userId=4242&userEmail=rep@seller.example&associatedObjectId=${dealIdOf(deal)}&associatedObjectType=DEAL&portalId=${portalOf(deal)}&dealname=Deal+${deal}&hs_object_id=${dealIdOf(deal)}`;
}

/** Our app card's invoice endpoint, as hubspot.fetch calls it: the card's dealId, then the identity HubSpot appends (its `@` raw, as HubSpot sends it). */
function appCardPath(deal: number): string {
  return `/hubspot/app-card/invoices?dealId=${dealIdOf(deal)}&userId=4242&portalId=${portalOf(deal)}&userEmail=rep@seller.example&appId=1`;
}

/** Signature v3 as HubSpot's docs give it: over the URI with their table of escapes decoded. */
const v3Of = (pathAndQuery: string, ts: string) => signV3(SECRET, 'GET', decodeV3Uri(PUBLIC + pathAndQuery), '', ts);

/** hubspot.fetch signs with v3 only. */
function signedV3(pathAndQuery: string): Record<string, string> {
  const ts = String(Date.now());
  return { 'x-hubspot-signature-v3': v3Of(pathAndQuery, ts), 'x-hubspot-request-timestamp': ts };
}

function signedHeaders(pathAndQuery: string): Record<string, string> {
  const ts = String(Date.now());
  return {
    'x-hubspot-signature-v3': v3Of(pathAndQuery, ts),
    'x-hubspot-request-timestamp': ts,
    'x-hubspot-signature': signV2(SECRET, 'GET', PUBLIC + pathAndQuery, ''),
    'x-hubspot-signature-version': 'v2',
  };
}

const randomDeal = () => 1 + Math.floor(Math.random() * DEALS);

async function main(): Promise<void> {
  const admin = knexFactory({ client: 'pg', connection: SERVER_URL, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`drop database if exists ${DB_NAME} with (force)`);
    await admin.raw(`create database ${DB_NAME}`);
  } catch (err) {
    console.error(`bench:card needs PostgreSQL at ${SERVER_URL} (set BENCH_DATABASE_URL): ${(err as Error).message}`);
    process.exit(1);
  }
  const url = new URL(SERVER_URL);
  url.pathname = `/${DB_NAME}`;
  await seed(url.toString());

  const service = await startProcess(path.join(PROJECT_ROOT, 'dist/src/main.js'), {
    DATABASE_URL: url.toString(),
    PORT: '0',
    PUBLIC_BASE_URL: PUBLIC,
    HUBSPOT_CLIENT_SECRET: SECRET,
    ...(OAUTH
      ? { HUBSPOT_CLIENT_ID: 'bench-client-id', HUBSPOT_REDIRECT_URI: `${PUBLIC}/oauth/callback`, TOKEN_ENCRYPTION_KEY: 'b'.repeat(64) }
      : { HUBSPOT_ALLOWED_PORTAL_IDS: Array.from({ length: PORTALS }, (_, i) => String(100_000 + i)).join(',') }),
    SYNC_INTERVAL_SECONDS: '0',
    DATABASE_POOL_MAX: process.env.BENCH_POOL_MAX ?? '10',
    LOG_LEVEL: 'info', // info logs nothing per request; the start-up line carries the port
  });
  const serviceUrl = `http://127.0.0.1:${service.port}`;

  // Each baseline sends, as a fixed string, a real answer of the typical size: the sample closest
  // to the median size of 300 answers of the endpoint it stands beside.
  const typicalBody = async (pathOf: (deal: number) => string, headersOf: (p: string) => Record<string, string>, name: string) => {
    const samples: Array<{ size: number; text: string }> = [];
    for (let i = 0; i < 300; i++) {
      const p = pathOf(randomDeal());
      const res = await fetch(serviceUrl + p, { headers: headersOf(p) });
      if (res.status !== 200) throw new Error(`${name} answered ${res.status}: ${await res.text()}`);
      const text = await res.text();
      samples.push({ size: Buffer.byteLength(text), text });
    }
    const medianSize = median(samples.map((s) => s.size));
    const sample = samples.reduce((best, s) => (Math.abs(s.size - medianSize) < Math.abs(best.size - medianSize) ? s : best));
    const bodyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-card-')), 'body.json');
    fs.writeFileSync(bodyFile, sample.text);
    const bare = await startProcess(path.join(PROJECT_ROOT, 'dist/scripts/bench/bareExpress.js'), { BODY_FILE: bodyFile });
    console.log(`${name} body: median ${medianSize} bytes (its baseline sends ${sample.size} bytes)`);
    return bare;
  };
  const baseline = await typicalBody(cardPath, signedHeaders, 'data fetch');
  const baselineUrl = `http://127.0.0.1:${baseline.port}`;
  const nativeBaseline = await typicalBody(appCardPath, signedV3, 'app card endpoint');
  const nativeBaselineUrl = `http://127.0.0.1:${nativeBaseline.port}`;

  /** Loads the service with fresh signed requests, each for a random deal. */
  const runSigned = (pathOf: (deal: number) => string, headersOf: (p: string) => Record<string, string>) => (duration: number) =>
    load({
      url: serviceUrl,
      connections: CONNECTIONS,
      duration,
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => {
            const p = pathOf(randomDeal());
            return { ...req, path: p, headers: headersOf(p) };
          },
        },
      ],
    });
  const runCard = runSigned(cardPath, signedHeaders);
  const runNative = runSigned(appCardPath, signedV3);
  const runBaseline = (duration: number) => load({ url: `${baselineUrl}/hubspot/card`, connections: CONNECTIONS, duration });
  const runNativeBaseline = (duration: number) => load({ url: `${nativeBaselineUrl}/hubspot/app-card/invoices`, connections: CONNECTIONS, duration });

  console.log(`warming up…`);
  await runBaseline(3);
  await runCard(3);
  await runNativeBaseline(3);
  await runNative(3);

  const card: LoadResult[] = [];
  const bare: LoadResult[] = [];
  const native: LoadResult[] = [];
  const nativeBare: LoadResult[] = [];
  const fmt = (r: LoadResult) => `${r.rps.toFixed(0)} req/s p50 ${r.p50} ms p99 ${r.p99} ms`;
  for (let round = 1; round <= ROUNDS; round++) {
    bare.push(await runBaseline(DURATION));
    card.push(await runCard(DURATION));
    nativeBare.push(await runNativeBaseline(DURATION));
    native.push(await runNative(DURATION));
    console.log(`round ${round}: bare ${fmt(bare.at(-1)!)} | data fetch ${fmt(card.at(-1)!)} | bare ${fmt(nativeBare.at(-1)!)} | app card ${fmt(native.at(-1)!)}`);
  }
  service.child.kill('SIGTERM');
  baseline.child.kill('SIGTERM');
  nativeBaseline.child.kill('SIGTERM');

  const m = (rs: LoadResult[], k: keyof LoadResult) => median(rs.map((r) => r[k]));
  const ratio = m(card, 'rps') / m(bare, 'rps');
  const nativeRatio = m(native, 'rps') / m(nativeBare, 'rps');
  const failed = [...card, ...native].reduce((n, r) => n + r.non2xx + r.errors, 0);
  console.log(
    `\nbench:card — ${INVOICES} invoices, ${DEALS} deals, ${PORTALS} portals (${OAUTH ? 'OAuth installs' : 'HUBSPOT_ALLOWED_PORTAL_IDS'}); ${CONNECTIONS} connections; ${ROUNDS} rounds of ${DURATION} s; ${os.cpus().length} CPUs`,
  );
  console.table({
    'bare Express (baseline)': { 'req/s': Math.round(m(bare, 'rps')), 'p50 ms': m(bare, 'p50'), 'p99 ms': m(bare, 'p99') },
    'signed card fetch': { 'req/s': Math.round(m(card, 'rps')), 'p50 ms': m(card, 'p50'), 'p99 ms': m(card, 'p99') },
    'bare Express (app card bytes)': { 'req/s': Math.round(m(nativeBare, 'rps')), 'p50 ms': m(nativeBare, 'p50'), 'p99 ms': m(nativeBare, 'p99') },
    'app card invoices (hubspot.fetch)': { 'req/s': Math.round(m(native, 'rps')), 'p50 ms': m(native, 'p50'), 'p99 ms': m(native, 'p99') },
  });
  console.log(`data fetch / its baseline throughput: ${(ratio * 100).toFixed(1)}% (target ≥ 40%); p99 ${m(card, 'p99')} ms (target < 50 ms)`);
  console.log(`app card endpoint / its baseline throughput: ${(nativeRatio * 100).toFixed(1)}% (target ≥ 40%); p99 ${m(native, 'p99')} ms (target < 50 ms)`);
  console.log(`failed requests (non-2xx or errors): ${failed}`);
  if (!process.env.BENCH_KEEP_DB) await admin.raw(`drop database if exists ${DB_NAME} with (force)`);
  await admin.destroy();
  const met = ratio >= 0.4 && nativeRatio >= 0.4 && m(card, 'p99') < 50 && m(native, 'p99') < 50 && failed === 0;
  console.log(met ? 'targets met' : 'TARGETS MISSED');
  process.exit(met ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
