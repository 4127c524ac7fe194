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
 * - card actions as two reps do them, each on a fresh deal: the signed data fetch, the create page
 *   (contact search, quote, save), the signed issue hook (some delivered twice, as HubSpot retries),
 *   the payment page and a payment, the view page and the PDF, the void page and a void;
 * - accounting writes (contact and product changes, 20/s) that the background loop pushes every
 *   5 s against the fake (100 requests per 10 s).
 * Prints the error rate (5xx and other failures), p50/p99 of the card fetch and of the actions, what was pushed, and
 * the service's memory: RSS over time and its growth from the first to the last 10 s.
 */

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 60);
/**
 * The same load first, as long as the measured part: V8 sizes its old generation to the
 * allocation rate over about a minute (its committed size grows while the live heap stays flat),
 * so a leak shows as growth after that, not during it. Both growths are printed.
 */
const WARMUP = Number(process.env.BENCH_SOAK_WARMUP_SECONDS ?? 60);
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
  const migrated = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'dist/src/cli/main.js'), 'migrate'], { env: { PATH: process.env.PATH, DATABASE_URL: url.toString() }, encoding: 'utf8' });
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
    const res = await fetch(`${base}/api/v1${p}`, {
      method,
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
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
      await api('POST', '/invoices', {
        portalId: PORTAL,
        dealId: String(9_000_000 + d),
        currency: 'EUR',
        contactExternalId: `sc-${d}`,
        status: k === 0 ? 'draft' : 'open',
        lines: [{ description: 'Work', quantity: String(1 + k), unitPrice: '99.50' }],
      });
    }
  }
  console.log(`bench:soak — ${WARMUP} s warm-up, then ${SECONDS} s of card fetches, card actions and pushes on PostgreSQL; seeded ${DEALS * 3} invoices, 2,500 records`);

  // Memory, once a second.
  const rss: Array<{ t: number; mb: number }> = [];
  const t0 = Date.now();
  const sampler = setInterval(() => rss.push({ t: (Date.now() - t0) / 1000, mb: rssMb(service.child.pid!) }), 1000);
  // The JS heap in use, from the service's own /metrics, every 2 s: RSS that grows while the heap
  // stays flat is the allocator keeping pages, not a leak.
  const heap: Array<{ t: number; mb: number }> = [];
  const heapSampler = setInterval(() => {
    void fetch(`${base}/metrics`)
      .then((r) => r.text())
      .then((text) => {
        const m = /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?(?:e\+?\d+)?)$/m.exec(text);
        if (m) heap.push({ t: (Date.now() - t0) / 1000, mb: Number(m[1]) / 2 ** 20 });
      })
      .catch(() => undefined);
  }, 2000);
  const end = t0 + (WARMUP + SECONDS) * 1000;
  const failures: string[] = [];
  let actions = 0;
  let actionRequests = 0;
  let writes = 0;
  let fiveXX = 0;

  // Card actions, as reps do them, each on a fresh deal: the signed data fetch, the create page
  // (contact search, a quote, the draft saved), the signed issue hook (one in five delivered
  // twice, as HubSpot retries), the payment page and a payment, every other time the PDF, every
  // third time the void page and a void with a reason. Every request's status and latency counts.
  const actionLatency: number[] = [];
  const expectStatus = async (what: string, want: number, res: Response): Promise<Response> => {
    if (res.status >= 500) fiveXX += 1;
    if (res.status !== want) failures.push(`${what} ${res.status}`);
    return res;
  };
  const timed = async (what: string, want: number, call: () => Promise<Response>): Promise<Response> => {
    const t = performance.now();
    const res = await call();
    const body = Buffer.from(await res.arrayBuffer());
    actionLatency.push(performance.now() - t);
    actionRequests += 1;
    await expectStatus(what, want, res);
    return new Response(res.status === 204 || res.status === 304 ? null : body, { status: res.status, headers: res.headers });
  };
  const local = (uri: string) => base + uri.slice(PUBLIC.length);
  const cardFor = async (deal: number) => {
    const p = `/hubspot/card?${params(deal)}`;
    const res = await timed('card fetch', 200, () => fetch(base + p, { headers: signed('GET', p) }));
    return (await res.json()) as { primaryAction?: { uri: string }; results: Array<{ title: string; link?: string | null; actions: Array<{ label: string; uri: string }> }> };
  };
  // Each rep session comes from its own browser, as in HubSpot: a client address of its own
  // (the service trusts X-Forwarded-For from loopback, as from a load balancer).
  const openPage = async (client: string, what: string, uri: string) => {
    const page = await (await timed(what, 200, () => fetch(local(uri), { headers: { 'x-forwarded-for': client } }))).text();
    return (JSON.parse(/<script type="application\/json" id="page-data">([^<]*)<\/script>/.exec(page)?.[1] ?? '{}') as { token?: string }).token ?? '';
  };
  const pageApi = (client: string, what: string, want: number, token: string, method: string, p: string, body?: unknown, key?: string) =>
    timed(what, want, () =>
      fetch(`${base}/hubspot/pages/api${p}`, {
        method,
        headers: { 'x-forwarded-for': client, 'x-page-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(key ? { 'idempotency-key': key } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
  const actionFor = (c: Awaited<ReturnType<typeof cardFor>>, title: string, label: string) => c.results.find((r) => r.title === title)?.actions.find((a) => a.label === label)?.uri;
  const actionLoop = async (lane: number) => {
    for (let n = 0; Date.now() < end; n++) {
      const deal = DEALS + lane * 100_000 + n; // a deal of its own: the card shows exactly this invoice
      const client = `10.${lane}.${(n >> 8) & 255}.${n & 255}`;
      const c = await cardFor(deal);
      if (!c.primaryAction) continue;
      const createToken = await openPage(client, 'create page', c.primaryAction.uri);
      await pageApi(client, 'contact search', 200, createToken, 'GET', `/contacts?q=sc.${deal % 2000}`);
      const lines = [
        { description: 'Consulting', quantity: '2.5', unitPrice: '120.00', taxRate: '19' },
        { description: 'Licence', quantity: '1', unitPrice: '49.90', discount: { type: 'percent', value: '10' } },
      ];
      await pageApi(client, 'quote', 200, createToken, 'POST', '/quote', { currency: 'EUR', lines });
      const created = (await (
        await pageApi(client, 'create', 201, createToken, 'POST', '/invoices', { currency: 'EUR', contactExternalId: `sc-${deal % 2000}`, status: 'draft', lines }, `soak-${lane}-${n}`)
      ).json()) as { id?: string; number: string };
      if (!created.id) continue;
      const hook = `/hubspot/actions/invoices/${created.id}/issue?${params(deal)}`;
      for (let k = 0; k < (n % 5 === 0 ? 2 : 1); k++) await timed('issue hook', 200, () => fetch(base + hook, { method: 'POST', headers: signed('POST', hook) }));
      const issued = await cardFor(deal);
      const payUri = actionFor(issued, created.number, 'Record payment');
      if (!payUri) failures.push('no Record payment on the card');
      else
        await pageApi(
          client,
          'payment',
          201,
          await openPage(client, 'payment page', payUri),
          'POST',
          `/invoices/${created.id}/payments`,
          { amount: '100.00', method: 'card' },
          `soak-pay-${lane}-${n}`,
        );
      const paid = await cardFor(deal);
      if (n % 2 === 0) {
        // The view page, then the PDF itself (the result's title link, as HubSpot opens it).
        const view = actionFor(paid, created.number, 'View PDF');
        if (view) await openPage(client, 'view page', view);
        const pdf = paid.results.find((r) => r.title === created.number)?.link;
        if (!pdf) failures.push('no PDF link on the card');
        else await timed('PDF', 200, () => fetch(local(pdf), { headers: { 'x-forwarded-for': client } }));
      }
      if (n % 3 === 0) {
        const voidUri = actionFor(paid, created.number, 'Void invoice…');
        if (!voidUri) failures.push('no Void invoice… on the card');
        else await pageApi(client, 'void', 200, await openPage(client, 'void page', voidUri), 'POST', `/invoices/${created.id}/void`, { voidReason: 'Soak: refunded' });
      }
      actions += 1;
      await new Promise((r) => setTimeout(r, 100));
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
    duration: WARMUP + SECONDS,
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
  const [result] = await Promise.all([cards, actionLoop(0), actionLoop(1), writeLoop()]);
  clearInterval(sampler);
  clearInterval(heapSampler);
  const card5xx = (result as unknown as { '5xx'?: number })['5xx'] ?? 0;
  fiveXX += card5xx;

  // Let the last push finish, then read what the fake holds.
  await new Promise((r) => setTimeout(r, 8000));
  const stats = (await (await fetch(`${fake.url}/__fake/stats`)).json()) as { recordsWritten: number; rateLimited: number; requests: number };
  const runs = (await api('GET', `/sync/runs?portalId=${PORTAL}`)).body.runs as Array<{ status: string; counts: Record<string, number> }>;

  const first = median(rss.filter((s) => s.t >= WARMUP && s.t < WARMUP + 10).map((s) => s.mb));
  const cold = median(rss.filter((s) => s.t >= 5 && s.t < 15).map((s) => s.mb));
  const last = median(rss.filter((s) => s.t >= WARMUP + SECONDS - 10).map((s) => s.mb));
  // The live heap: the lowest heap-in-use seen in each 20 s (just after a major GC).
  const lows: string[] = [];
  for (let from = 0; from < WARMUP + SECONDS; from += 20) {
    const inWindow = heap.filter((h) => h.t >= from && h.t < from + 20).map((h) => h.mb);
    if (inWindow.length) lows.push(`${from}–${from + 20} s ${Math.min(...inWindow).toFixed(0)} MB`);
  }
  const total = result.requests.total + actionRequests + writes;
  const errors = result.non2xx + result.errors + result.timeouts + failures.length;
  console.log(
    `card fetches   ${result.requests.total.toLocaleString('en')} (${Math.round(result.requests.average)} req/s), p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors + result.timeouts}`,
  );
  actionLatency.sort((a, b) => a - b);
  const pct = (q: number) => actionLatency[Math.min(actionLatency.length - 1, Math.floor(q * actionLatency.length))] ?? NaN;
  console.log(
    `card actions   ${actions} rep sessions, ${actionRequests.toLocaleString('en')} requests (card, pages, search, quote, create, issue hook, payment, PDF, void), p50 ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms`,
  );
  console.log(
    `writes         ${writes} contact changes; pushed by ${runs.length} runs (${runs.filter((r) => r.status === 'done').length} done), HubSpot: ${stats.requests} requests, ${stats.recordsWritten} records written, ${stats.rateLimited} × 429`,
  );
  console.log(
    `errors         ${errors} of ~${total.toLocaleString('en')} requests (${((errors / total) * 100).toFixed(3)} %), of which 5xx: ${fiveXX}${failures.length ? `; first: ${failures.slice(0, 5).join(', ')}` : ''}`,
  );
  console.log(
    `memory (RSS)   ${rss
      .filter((_, i) => i % 10 === 0)
      .map((s) => `${s.t.toFixed(0)} s ${s.mb.toFixed(0)} MB`)
      .join(' · ')}`,
  );
  console.log(
    `JS heap used   ${heap
      .filter((_, i) => i % 10 === 0)
      .map((s) => `${s.t.toFixed(0)} s ${s.mb.toFixed(0)} MB`)
      .join(' · ')}`,
  );
  console.log(`JS heap lows   ${lows.join(' · ')} (the live heap after GC: flat means no leak)`);
  console.log(`from cold      ${cold.toFixed(0)} MB (median of 5–15 s) → ${last.toFixed(0)} MB: ${(((last - cold) / cold) * 100).toFixed(1)} % (V8 sizing its heap to the load, plus any leak)`);
  console.log(
    `memory growth  ${first.toFixed(0)} MB (median of the first 10 s after the ${WARMUP} s warm-up) → ${last.toFixed(0)} MB (median of the last 10 s): ${(((last - first) / first) * 100).toFixed(1)} % over the measured ${SECONDS} s (target < 10 %)`,
  );

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
