import { describe, expect, it } from 'vitest';
import { callApi, privateAppEnv, type ServiceProcess, startService } from './serviceProcess.js';
import { useFakeHubspot, useServiceProcesses } from './setup.js';

/**
 * The built service, SIGKILLed mid-push at chosen instants and restarted each time: just as a
 * write reaches HubSpot, just after HubSpot committed it (the reply never arrives), at a random
 * moment, and while changes keep coming. Afterwards every contact and product exists exactly once
 * in HubSpot, with its latest values, and a further run sends nothing.
 *
 * Runs on the embedded database (a PGlite data directory on disk, as `npm start` uses) and, with
 * TEST_DATABASE_URL, on PostgreSQL.
 */

const PORTAL = '4242';
const TOKEN = 'pat-crash-test';
const API_TOKEN = 'crash-test-api-token-0123';
const N = 1200;

// 10 requests per second: the push of 2,400 records takes a few seconds, so every kill lands
// mid-push.
const fake = useFakeHubspot({ maxPerWindow: 10, windowMs: 1_000, latencyMs: 3, tokens: { [TOKEN]: PORTAL } });
const { env, children } = useServiceProcesses({
  storage: 'crash-test',
  env: () => ({ ...privateAppEnv({ apiToken: API_TOKEN, accessToken: TOKEN, portalId: PORTAL, hubspotUrl: fake.url }), HUBSPOT_RATE_LIMIT_PER_10S: '100', HUBSPOT_REQUEST_TIMEOUT_MS: '2000' }),
});

const api = (s: ServiceProcess, method: string, p: string, body?: unknown) => callApi(s, API_TOKEN, method, p, body);

const contact = (i: number, gen: number) => ({ externalId: `k-${i}`, email: `k.${i}@crash.example`, firstName: `First ${i}`, lastName: `Gen ${gen}`, company: `Co ${i}` });
const product = (i: number, gen: number) => ({ externalId: `kp-${i}`, sku: `KP-${i}`, name: `Product ${i} gen ${gen}`, price: `${i}.25`, currency: 'EUR' });

/** Arms the fake to SIGKILL `s` at the nth write event of a phase; resolves when it is dead. */
function killAt(s: ServiceProcess, phase: 'received' | 'committed', nth: number): Promise<void> {
  let seen = 0;
  fake.onWrite = (e) => {
    if (e.phase !== phase || ++seen !== nth) return;
    s.child.kill('SIGKILL');
    fake.onWrite = undefined;
  };
  return Promise.race([
    s.exited.then(() => undefined),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${phase} write #${nth} came within 30 s (${seen} seen); service output:\n${s.output().slice(-4000)}`)), 30_000).unref()),
  ]);
}

describe('SIGKILL mid-push, then restart', () => {
  it('never duplicates and never loses a record or a change', { timeout: 240_000 }, async () => {
    let s = await startService(env, children);
    for (let i = 0; i < N; i += 600) {
      await api(s, 'POST', '/contacts/batch', { items: Array.from({ length: 600 }, (_, k) => contact(i + k, 1)) });
      await api(s, 'POST', '/products/batch', { items: Array.from({ length: 600 }, (_, k) => product(i + k, 1)) });
    }
    const run = (await api(s, 'POST', '/sync/runs', {})) as { id: string };

    // 1. The first write (creating the unique product property) reaches HubSpot: kill.
    await killAt(s, 'received', 1);
    s = await startService(env, children);
    // 2. HubSpot commits a batch; the reply is never read.
    await killAt(s, 'committed', 3);
    // While it is down, records change and two are deleted: the restart must carry that through.
    s = await startService(env, children);
    const { externalId: _c, ...changedContact } = contact(5, 2);
    const { externalId: _p, ...changedProduct } = product(5, 2);
    await api(s, 'PUT', '/contacts/k-5', changedContact);
    await api(s, 'PUT', '/products/kp-5', changedProduct);
    await api(s, 'DELETE', '/contacts/k-6');
    await api(s, 'DELETE', '/products/kp-6');
    // 3. Just after a commit again, a few batches in.
    await killAt(s, 'committed', 4);
    s = await startService(env, children);
    // 4. As a write arrives, before it lands.
    await killAt(s, 'received', 2);
    s = await startService(env, children);
    // 5. At an arbitrary moment.
    await new Promise((r) => setTimeout(r, 150 + Math.floor(Math.random() * 250)));
    s.child.kill('SIGKILL');
    await s.exited;
    // 6. Once more right after a commit, then let it finish.
    s = await startService(env, children);
    await killAt(s, 'committed', 2);
    s = await startService(env, children);

    let status = '';
    for (let i = 0; i < 600 && status !== 'done'; i++) {
      const runBody = await api(s, 'GET', `/sync/runs/${run.id}`);
      status = String(runBody.status);
      if (status === 'failed') throw new Error(`the run failed: ${JSON.stringify(runBody)}`);
      if (status !== 'done') await new Promise((r) => setTimeout(r, 200));
    }
    expect(status, `the run did not finish:\n${s.output()}`).toBe('done');
    // A pending retry (a dropped connection) may be left to the next run: push until nothing waits.
    const follow = (await api(s, 'POST', '/sync/runs', {})) as { id: string };
    for (let i = 0; i < 600; i++) {
      const r = await api(s, 'GET', `/sync/runs/${follow.id}`);
      if (r.status === 'done') break;
      await new Promise((res) => setTimeout(res, 200));
    }

    // Exactly once, with the latest values; the deleted ones archived.
    const contacts = fake.records(PORTAL, 'contacts').filter((r) => r.properties.email?.endsWith('@crash.example'));
    expect(new Set(contacts.map((r) => r.properties.email)).size).toBe(contacts.length);
    expect(contacts).toHaveLength(N - 1);
    expect(contacts.find((r) => r.properties.email === 'k.5@crash.example')?.properties.lastname).toBe('Gen 2');
    expect(contacts.find((r) => r.properties.email === 'k.6@crash.example')).toBeUndefined();
    expect(contacts.filter((r) => r.properties.lastname !== 'Gen 1').map((r) => r.properties.email)).toEqual(['k.5@crash.example']);

    const products = fake.records(PORTAL, 'products').filter((r) => r.properties.accounting_external_id?.startsWith('kp-'));
    expect(new Set(products.map((r) => r.properties.accounting_external_id)).size).toBe(products.length);
    expect(products).toHaveLength(N - 1);
    expect(products.find((r) => r.properties.accounting_external_id === 'kp-5')?.properties.name).toBe('Product 5 gen 2');
    expect(products.find((r) => r.properties.accounting_external_id === 'kp-6')).toBeUndefined();
    // Nothing was lost on the way: every record's values are its own.
    for (const p of products) {
      const i = Number(p.properties.accounting_external_id!.slice(3));
      expect(p.properties.price).toBe(`${i}.25`);
    }
    // The dead process's claims did not make two processes write the same record at once.
    expect(fake.stats.overlaps).toBe(0);

    const failures = (await api(s, 'GET', '/sync/failures')) as { failures: unknown[] };
    expect(failures.failures).toEqual([]);

    // Nothing is left to send.
    const written = fake.stats.recordsWritten;
    const idle = (await api(s, 'POST', '/sync/runs', {})) as { id: string };
    let idleRun: Record<string, unknown> = {};
    for (let i = 0; i < 300; i++) {
      idleRun = await api(s, 'GET', `/sync/runs/${idle.id}`);
      if (idleRun.status === 'done') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(idleRun).toMatchObject({ status: 'done', counts: { created: 0, updated: 0, failed: 0 } });
    expect(fake.stats.recordsWritten).toBe(written);

    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });
});
