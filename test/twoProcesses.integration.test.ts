import { describe, expect, it } from 'vitest';
import { callApi, privateAppEnv, type ServiceProcess, startService } from './serviceProcess.js';
import { useFakeHubspot, useServiceProcesses, useTestDb } from './setup.js';

/**
 * Two service processes on one PostgreSQL, both with their background loop on, both taking API
 * calls: one push at a time per portal, no record written by both at once, the portal's request
 * budget held across them, and when the one pushing is SIGKILLed the other carries on at once.
 * Needs a server: runs only with TEST_DATABASE_URL (PGlite is single-process by nature).
 */

const PORTAL = '6262';
const TOKEN = 'pat-two-processes';
const API_TOKEN = 'two-processes-api-token-01';
const N = 1500;
const MAX_PER_WINDOW = 20;
const WINDOW_MS = 2000;

const api = (s: ServiceProcess, method: string, p: string, body?: unknown) => callApi(s, API_TOKEN, method, p, body);

let lastSeen: unknown;
async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(lastSeen)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const pidOf = (worker: string | null | undefined) => Number(/:(\d+):[0-9a-f]+$/.exec(worker ?? '')?.[1]);

describe.runIf(process.env.TEST_DATABASE_URL)('two processes on one PostgreSQL', () => {
  // Replies take a while, so two writers of one record would overlap and be seen.
  const fake = useFakeHubspot({ maxPerWindow: MAX_PER_WINDOW, windowMs: WINDOW_MS, latencyMs: 40, tokens: { [TOKEN]: PORTAL } });
  const tdb = useTestDb();
  const { env, children } = useServiceProcesses({
    storage: tdb,
    // First only runs asked for through the API (both workers poll for them: no interval); loops later.
    env: () => ({
      ...privateAppEnv({ apiToken: API_TOKEN, accessToken: TOKEN, portalId: PORTAL, hubspotUrl: fake.url }),
      // Both processes are told the portal's real limit; neither gets it to itself.
      HUBSPOT_RATE_LIMIT_PER_10S: String((MAX_PER_WINDOW * 10_000) / WINDOW_MS),
    }),
  });

  it('push one portal together: exactly once, one run at a time, the budget shared, a crash carried over', { timeout: 240_000 }, async () => {
    let a = await startService(env, children);
    let b = await startService(env, children);
    const contacts = (gen: number, from: number, n: number) => Array.from({ length: n }, (_, k) => ({ externalId: `t-${from + k}`, email: `t.${from + k}@two.example`, lastName: `Gen ${gen}` }));
    const products = (gen: number, from: number, n: number) =>
      Array.from({ length: n }, (_, k) => ({ externalId: `tp-${from + k}`, name: `Product ${from + k} gen ${gen}`, price: '5.00', currency: 'EUR' }));
    for (let i = 0; i < N; i += 500) {
      await api(i % 1000 ? b : a, 'POST', '/contacts/batch', { items: contacts(1, i, 500) });
      await api(i % 1000 ? a : b, 'POST', '/products/batch', { items: products(1, i, 500) });
    }

    // Both are asked at once: one run.
    const [ra, rb] = await Promise.all([api(a, 'POST', '/sync/runs', {}), api(b, 'POST', '/sync/runs', {})]);
    expect(ra.id).toBe(rb.id);

    // Let it get going, then kill whichever process runs it.
    const running = await waitFor('the run to make progress', async () => {
      const r = (lastSeen = await api(a, 'GET', `/sync/runs/${ra.id}`));
      return r.status === 'running' && fake.stats.recordsWritten >= 500 ? r : undefined;
    });
    const victim = pidOf(running.worker) === a.child.pid ? a : b;
    const survivor = victim === a ? b : a;
    expect(pidOf(running.worker)).toBe(victim.child.pid);
    victim.child.kill('SIGKILL');
    await victim.exited;

    // The survivor sees the worker is dead (same machine, pid gone) and takes the run over.
    const takenOver = await waitFor(
      'the survivor to take the run over',
      async () => {
        const r = await api(survivor, 'GET', `/sync/runs/${ra.id}`);
        return pidOf(r.worker) === survivor.child.pid ? r : undefined;
      },
      20_000,
    );
    expect(takenOver.status).toMatch(/running|done/);

    const finished = await waitFor('the run to finish', async () => {
      const r = await api(survivor, 'GET', `/sync/runs/${ra.id}`);
      return r.status === 'done' || r.status === 'failed' ? r : undefined;
    });
    expect(finished).toMatchObject({ status: 'done', counts: { failed: 0 } });

    // Now both with their background loop on: the killed one restarted, the other restarted
    // with SIGTERM (it stops cleanly).
    survivor.child.kill('SIGTERM');
    expect(await survivor.exited).toBe(0);
    const loops = { ...env, SYNC_INTERVAL_SECONDS: '1' };
    [a, b] = await Promise.all([startService(loops, children), startService(loops, children)]);

    // Changes keep arriving through both; the loops of both processes push them.
    await api(a, 'POST', '/contacts/batch', { items: contacts(2, 0, 100) });
    await api(b, 'POST', '/products/batch', { items: products(2, 0, 100) });
    await waitFor('the loops to push the changes', async () => {
      const c = fake.records(PORTAL, 'contacts').filter((r) => r.properties.lastname === 'Gen 2').length;
      const p = fake.records(PORTAL, 'products').filter((r) => r.properties.name?.endsWith('gen 2')).length;
      return c === 100 && p === 100 ? true : undefined;
    });

    // Exactly once, latest values.
    const hsContacts = fake.records(PORTAL, 'contacts').filter((r) => r.properties.email?.endsWith('@two.example'));
    expect(hsContacts).toHaveLength(N);
    expect(new Set(hsContacts.map((r) => r.properties.email)).size).toBe(N);
    const hsProducts = fake.records(PORTAL, 'products').filter((r) => r.properties.accounting_external_id?.startsWith('tp-'));
    expect(hsProducts).toHaveLength(N);
    expect(new Set(hsProducts.map((r) => r.properties.accounting_external_id)).size).toBe(N);
    expect(hsProducts.filter((r) => r.properties.name?.endsWith('gen 2'))).toHaveLength(100);

    // Never two writers of one record at once.
    expect(fake.stats.overlaps).toBe(0);
    // 429s stay rare (a request can reach HubSpot later than its slot on a loaded machine).
    // A request can reach HubSpot later than its slot when the machine is busy, so a handful of 429s
    // (each retried, none losing or doubling a record) is scheduling jitter; a budget that did not
    // hold across processes gives dozens. The floor keeps a ~100-request push from failing on 3.
    expect(fake.stats.rateLimited).toBeLessThanOrEqual(Math.max(5, Math.ceil(fake.stats.requests * 0.02)));

    // Runs never overlapped in time, and both processes (three pids in all) did some of the work.
    const runs = (await tdb.db('sync_runs').where({ portal_id: PORTAL }).orderBy('id')) as Array<{ started_at: Date | null; finished_at: Date | null; worker: string | null; status: string }>;
    const ran = runs.filter((r) => r.started_at && r.finished_at);
    for (let i = 1; i < ran.length; i++) expect(ran[i]!.started_at!.getTime()).toBeGreaterThanOrEqual(ran[i - 1]!.finished_at!.getTime());
    expect(new Set(runs.map((r) => pidOf(r.worker)).filter((p) => p > 0)).size).toBeGreaterThanOrEqual(2);

    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });
});
