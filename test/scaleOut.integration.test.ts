import { describe, expect, it } from 'vitest';
import { cardFetchPath, hubspotHeaders } from './hubspotCaller.js';
import { callApi, privateAppEnv, type ServiceProcess, startService } from './serviceProcess.js';
import { useFakeHubspot, useServiceProcesses, useTestDb } from './setup.js';
import { TEST_CLIENT_SECRET, type TestApp } from './testApp.js';

/**
 * Scale-out: two web processes (--role web) and two push workers (--role worker) on one
 * PostgreSQL, as behind a load balancer. Under card load and API writes on both webs while a push
 * runs: every request answers, nothing is pushed twice or lost, the portal's budget holds, and
 * only workers push. PostgreSQL only.
 */

const PORTAL = '8282';
const TOKEN = 'pat-scale-out';
const API_TOKEN = 'scale-out-api-token-0123';
const PUBLIC = 'https://invoices.example.com';
const DEALS = ['101', '102', '103', '104', '105'];
const CONTACTS = 6000;
const PRODUCTS = 3000;

const api = (s: ServiceProcess, method: string, p: string, body?: unknown) => callApi(s, API_TOKEN, method, p, body);

/** A signed data fetch as HubSpot sends it to the public URL, delivered to one web process. */
async function fetchCardFrom(s: ServiceProcess, dealId: string) {
  const pathAndQuery = cardFetchPath({ portalId: PORTAL, dealId });
  const signer = { publicBaseUrl: PUBLIC, clock: { now: () => new Date() } } as unknown as TestApp;
  const res = await fetch(s.url + pathAndQuery, { headers: hubspotHeaders(signer, { method: 'GET', pathAndQuery }) });
  return { status: res.status, body: (await res.json()) as { results?: unknown[] } };
}

const pidOf = (worker: string | null | undefined) => Number(/:(\d+):[0-9a-f]+$/.exec(worker ?? '')?.[1]);

describe.runIf(process.env.TEST_DATABASE_URL)('two web and two worker processes on one PostgreSQL', () => {
  const fake = useFakeHubspot({ maxPerWindow: 20, windowMs: 1000, latencyMs: 20, tokens: { [TOKEN]: PORTAL } });
  const tdb = useTestDb();
  const { env, children } = useServiceProcesses({
    storage: tdb,
    env: () => ({
      ...privateAppEnv({ apiToken: API_TOKEN, accessToken: TOKEN, portalId: PORTAL, hubspotUrl: fake.url }),
      PUBLIC_BASE_URL: PUBLIC,
      HUBSPOT_CLIENT_SECRET: TEST_CLIENT_SECRET,
      HUBSPOT_RATE_LIMIT_PER_10S: '200',
      SYNC_INTERVAL_SECONDS: '1',
    }),
  });

  it('serves cards and API calls without a failure while the workers push exactly once within the budget', { timeout: 240_000 }, async () => {
    const webs = await Promise.all([startService(env, children, ['--role', 'web']), startService(env, children, ['--role', 'web'])]);
    const workers = await Promise.all([startService(env, children, ['--role', 'worker']), startService(env, children, ['--role', 'worker'])]);

    // Workers serve health and metrics only.
    for (const w of workers) {
      expect((await fetch(`${w.url}/readyz`)).status).toBe(200);
      expect(await (await fetch(`${w.url}/metrics`)).text()).toContain('sync_records_total');
      expect((await fetch(`${w.url}/api/v1/sync/runs`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status).toBe(404);
    }

    for (const [i, deal] of DEALS.entries()) {
      await api(webs[i % 2]!, 'POST', '/invoices', { portalId: PORTAL, dealId: deal, currency: 'EUR', lines: [{ description: 'Work', quantity: '2', unitPrice: `${100 + i}.00` }] });
    }
    for (let i = 0; i < CONTACTS; i += 500) {
      await api(webs[0]!, 'POST', '/contacts/batch', { items: Array.from({ length: 500 }, (_, k) => ({ externalId: `s-${i + k}`, email: `s.${i + k}@scale.example`, lastName: 'Gen 1' })) });
    }
    for (let i = 0; i < PRODUCTS; i += 500) {
      await api(webs[1]!, 'POST', '/products/batch', { items: Array.from({ length: 500 }, (_, k) => ({ externalId: `sp-${i + k}`, name: `Product ${i + k}`, price: '9.99', currency: 'EUR' })) });
    }

    // The loops on both workers pick the changes up; meanwhile both webs take cards and writes.
    let done = false;
    const failures: string[] = [];
    let cards = 0;
    const cardLoad = async (n: number) => {
      while (!done) {
        const web = webs[n % 2]!;
        const res = await fetchCardFrom(web, DEALS[cards % DEALS.length]!).catch((err: Error) => ({ status: 0, body: { error: err.message } as { results?: unknown[] } }));
        cards += 1;
        if (res.status !== 200 || !Array.isArray(res.body.results) || res.body.results.length !== 1) failures.push(`card ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
    };
    const writes = async () => {
      for (let i = 0; i < 50; i++) {
        await api(webs[i % 2]!, 'PUT', `/contacts/s-${i}`, { email: `s.${i}@scale.example`, lastName: 'Gen 2' }).catch((err: Error) => failures.push(err.message));
      }
    };
    const load = [cardLoad(0), cardLoad(1), cardLoad(2), cardLoad(3), writes()];
    const until = Date.now() + 120_000;
    for (;;) {
      const hs = fake.records(PORTAL, 'contacts').filter((r) => r.properties.email?.endsWith('@scale.example'));
      const gen2 = hs.filter((r) => r.properties.lastname === 'Gen 2').length;
      const products = fake.records(PORTAL, 'products').length;
      if (hs.length >= CONTACTS && gen2 === 50 && products >= PRODUCTS) break;
      if (Date.now() > until) throw new Error(`the push did not finish: ${hs.length} contacts (${gen2} changed), ${products} products`);
      await new Promise((r) => setTimeout(r, 200));
    }
    done = true;
    await Promise.all(load);

    expect(failures).toEqual([]);
    expect(cards).toBeGreaterThan(100);
    const hsContacts = fake.records(PORTAL, 'contacts');
    expect(hsContacts).toHaveLength(CONTACTS);
    expect(new Set(hsContacts.map((r) => r.properties.email)).size).toBe(CONTACTS);
    const hsProducts = fake.records(PORTAL, 'products');
    expect(hsProducts).toHaveLength(PRODUCTS);
    expect(new Set(hsProducts.map((r) => r.properties.accounting_external_id)).size).toBe(PRODUCTS);
    expect(fake.stats.overlaps).toBe(0);
    // A request can reach HubSpot later than its slot when the machine is busy, so a handful of 429s
    // (each retried, none losing or doubling a record) is scheduling jitter; a budget that did not
    // hold across processes gives dozens. The floor keeps a ~100-request push from failing on 3.
    expect(fake.stats.rateLimited).toBeLessThanOrEqual(Math.max(5, Math.ceil(fake.stats.requests * 0.02)));

    // Only workers pushed, one run at a time.
    const runs = (await tdb.db('sync_runs').where({ portal_id: PORTAL }).whereNotNull('started_at').orderBy('id')) as Array<{ started_at: Date; finished_at: Date | null; worker: string }>;
    expect(runs.length).toBeGreaterThan(0);
    const workerPids = new Set(workers.map((w) => w.child.pid));
    for (const r of runs) expect(workerPids.has(pidOf(r.worker))).toBe(true);
    for (let i = 1; i < runs.length; i++) if (runs[i - 1]!.finished_at) expect(runs[i]!.started_at.getTime()).toBeGreaterThanOrEqual(runs[i - 1]!.finished_at!.getTime());

    for (const s of [...webs, ...workers]) s.child.kill('SIGTERM');
    for (const s of [...webs, ...workers]) expect(await s.exited).toBe(0);
  });
});
