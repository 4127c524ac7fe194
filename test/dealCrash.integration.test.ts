import { describe, expect, it } from 'vitest';
import { callApi, privateAppEnv, type ServiceProcess, startService } from './serviceProcess.js';
import { useFakeHubspot, useServiceProcesses } from './setup.js';

/**
 * The deal side of the push (billing properties and timeline notes), with the built service
 * SIGKILLed just after HubSpot committed a notes batch (its reply never read), just after a deal
 * batch, and at an arbitrary moment, restarted each time. Afterwards every deal carries its exact
 * billing and every event is on its deal's timeline exactly once: HubSpot does not deduplicate
 * notes, so this is the push's own exactly-once.
 */

const PORTAL = '4343';
const TOKEN = 'pat-deal-crash';
const API_TOKEN = 'deal-crash-api-token-0123';
const DEALS = 300;

// 10 requests per second: the push takes a few seconds, so every kill lands mid-push.
const fake = useFakeHubspot({ maxPerWindow: 10, windowMs: 1_000, latencyMs: 3, tokens: { [TOKEN]: PORTAL } });
const { env, children } = useServiceProcesses({
  storage: 'deal-crash-test',
  env: () => ({ ...privateAppEnv({ apiToken: API_TOKEN, accessToken: TOKEN, portalId: PORTAL, hubspotUrl: fake.url }), HUBSPOT_RATE_LIMIT_PER_10S: '100', HUBSPOT_REQUEST_TIMEOUT_MS: '2000' }),
});

const api = (s: ServiceProcess, method: string, p: string, body?: unknown) => callApi(s, API_TOKEN, method, p, body);
const amount = (i: number) => `${10 + (i % 40)}.${String(i % 100).padStart(2, '0')}`;

/** Arms the fake to SIGKILL `s` at the nth write of a phase on a route matching `route`; resolves when it is dead. */
function killAt(s: ServiceProcess, phase: 'received' | 'committed', route: RegExp, nth: number): Promise<void> {
  let seen = 0;
  fake.onWrite = (e) => {
    if (e.phase !== phase || !route.test(e.route) || ++seen !== nth) return;
    s.child.kill('SIGKILL');
    fake.onWrite = undefined;
  };
  return Promise.race([
    s.exited.then(() => undefined),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no ${phase} write #${nth} on ${route} came within 60 s (${seen} seen); service output:\n${s.output().slice(-4000)}`)), 60_000).unref(),
    ),
  ]);
}

async function waitForRun(s: ServiceProcess, id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 900; i++) {
    const run = await api(s, 'GET', `/sync/runs/${id}`);
    if (run.status === 'failed') throw new Error(`the run failed: ${JSON.stringify(run)}`);
    if (run.status === 'done') return run;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`run ${id} did not finish:\n${s.output().slice(-4000)}`);
}

describe('SIGKILL mid-push of deal billing and timeline notes, then restart', () => {
  it('leaves every deal exact and every event on its timeline exactly once', { timeout: 300_000 }, async () => {
    let s = await startService(env, children);
    await api(s, 'PUT', '/contacts/dc-1', { email: 'dc.1@crash.example', firstName: 'Deal', lastName: 'Crash' });
    const deals = Array.from({ length: DEALS }, (_, i) => fake.deals.create(PORTAL, { dealname: `Crash deal ${i}` }).id);
    for (const [i, dealId] of deals.entries()) {
      const inv = await api(s, 'POST', '/invoices', {
        portalId: PORTAL,
        dealId,
        currency: 'EUR',
        status: 'open',
        contactExternalId: 'dc-1',
        lines: [{ description: 'Crash', quantity: '1', unitPrice: amount(i), taxRate: '0' }],
      });
      if (i % 2 === 0) await api(s, 'POST', `/invoices/${String(inv.id)}/payments`, { amount: '5.00' });
    }
    const run = (await api(s, 'POST', '/sync/runs', {})) as { id: string };

    // 1. HubSpot commits a notes batch; the reply is never read. (The notes go first: deals wait
    //    for their properties, made one request at a time.)
    await killAt(s, 'committed', /notes\/batch\/create/, 1);
    s = await startService(env, children);
    // 2. Just after a deal batch commits.
    await killAt(s, 'committed', /deals\/batch\/update/, 1);
    s = await startService(env, children);
    // 3. At an arbitrary moment.
    await new Promise((r) => setTimeout(r, 150 + Math.floor(Math.random() * 250)));
    s.child.kill('SIGKILL');
    await s.exited;
    s = await startService(env, children);

    await waitForRun(s, run.id);
    // A retry left to a later run (a killed write waits in flight): push until nothing waits.
    for (let i = 0; i < 10; i++) {
      const next = await waitForRun(s, String((await api(s, 'POST', '/sync/runs', {})).id));
      if (!next.error) break;
    }

    for (const [i, dealId] of deals.entries()) {
      const paid = i % 2 === 0;
      const balance = paid ? (Number(amount(i)) - 5).toFixed(2) : amount(i);
      expect(fake.deals.get(PORTAL, dealId)!.properties, `deal ${i}`).toMatchObject({
        invoicecard_balance_due: balance,
        invoicecard_billing_status: paid ? 'partially_paid' : 'open',
        invoicecard_invoice_count: '1',
      });
      const notes = fake.deals.notesOf(PORTAL, dealId);
      const refs = notes.map((n) => /Invoice card event \d+-\d+/.exec(n.body ?? '')?.[0]);
      expect(new Set(refs).size, `deal ${i}: one note per event`).toBe(notes.length);
      expect(notes, `deal ${i}`).toHaveLength(paid ? 2 : 1);
    }
    expect((await api(s, 'GET', '/sync/failures')).failures).toEqual([]);

    // Nothing is left to send.
    const [writes, created] = [fake.deals.stats.dealWrites, fake.deals.stats.notesCreated];
    const idle = await waitForRun(s, String((await api(s, 'POST', '/sync/runs', {})).id));
    expect(idle).toMatchObject({ counts: { dealsWritten: 0, notesWritten: 0, failed: 0 } });
    expect(fake.deals.stats).toMatchObject({ dealWrites: writes, notesCreated: created });

    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });
});
