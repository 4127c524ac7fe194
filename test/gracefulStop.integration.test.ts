import { describe, expect, it } from 'vitest';
import { callApi, privateAppEnv, type ServiceProcess, startService } from './serviceProcess.js';
import { useFakeHubspot, useServiceProcesses } from './setup.js';

/**
 * SIGTERM while a batch is in flight: the built service stops taking requests at once, waits for
 * HubSpot's reply to the batch it sent, records it, hands its run back and exits 0 within 10 s.
 * The next process takes the run straight over and sends nothing twice.
 */

const PORTAL = '6161';
const TOKEN = 'pat-graceful-stop';
const API_TOKEN = 'graceful-stop-api-token-01';
// More than the push can have in flight at once (LANES batches of 100): with HubSpot's replies
// held until the signal is in, some records are certain to be left for the next process.
const N = 1000;
const REPLY_DELAY_MS = 1500;

// Every reply leaves HubSpot 1.5 s after the write landed: a SIGTERM sent as the write lands
// finds the batch in flight.
const fake = useFakeHubspot({ maxPerWindow: 100, windowMs: 10_000, latencyMs: REPLY_DELAY_MS, tokens: { [TOKEN]: PORTAL } });
const { env, children } = useServiceProcesses({
  storage: 'graceful-stop',
  env: () => ({ ...privateAppEnv({ apiToken: API_TOKEN, accessToken: TOKEN, portalId: PORTAL, hubspotUrl: fake.url }), HUBSPOT_REQUEST_TIMEOUT_MS: '8000' }),
});

const api = (s: ServiceProcess, method: string, p: string, body?: unknown) => callApi(s, API_TOKEN, method, p, body);

describe('SIGTERM mid-push', () => {
  // Four real service starts and the push of N records at 1.5 s a reply: a minute on a loaded
  // machine, and the wait for the run to finish below alone allows 90 s.
  it('finishes the batch in flight, records it, hands the run back and exits 0 within 10 s', { timeout: 240_000 }, async () => {
    let s = await startService(env, children);
    await api(s, 'POST', '/contacts/batch', {
      items: Array.from({ length: N }, (_, i) => ({ externalId: `g-${i}`, email: `g.${i}@stop.example`, firstName: `G${i}`, lastName: 'Stop' })),
    });
    // Every reply waits until the service has taken the signal in: on a loaded machine the child
    // may act on SIGTERM late, and without the hold the whole push could land before it does.
    let release!: () => void;
    fake.holdReplies = new Promise<void>((r) => (release = r));
    const run = (await api(s, 'POST', '/sync/runs', {})) as { id: string };

    // The first contacts batch lands in HubSpot; its reply is held, then 1.5 s away. Stop now.
    const stoppedAt = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no contacts write within 30 s:\n${s.output().slice(-3000)}`)), 30_000);
      fake.onWrite = (e) => {
        if (e.phase !== 'committed' || !e.route.includes('contacts')) return;
        fake.onWrite = undefined;
        clearTimeout(timer);
        s.child.kill('SIGTERM');
        resolve(Date.now());
      };
    });
    // It no longer takes requests: the listener closes once the signal is handled (waited for as
    // an event, not a fixed pause). Only then may HubSpot's replies leave.
    let exitedEarly = false;
    void s.exited.then(() => (exitedEarly = true));
    for (;;) {
      const closed = await fetch(`${s.url}/healthz`).then(
        () => false,
        () => true,
      );
      if (closed) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
    expect(exitedEarly, 'the service exited before the batch in flight was answered').toBe(false);
    fake.holdReplies = undefined;
    release();
    const code = await s.exited;
    const tookMs = Date.now() - stoppedAt;
    expect(code, s.output().slice(-3000)).toBe(0);
    expect(tookMs).toBeLessThan(10_000);
    // It waited for the reply rather than abandoning the batch…
    expect(tookMs).toBeGreaterThanOrEqual(REPLY_DELAY_MS - 200);
    expect(s.output()).toContain('run handed back');
    const writtenBeforeRestart = fake.stats.recordsWritten;
    // The batches in flight (one per lane, of up to 100: concurrent claims split the rows) landed;
    // the rest waited. What landed is exactly what the run recorded (checked below).
    expect(writtenBeforeRestart).toBeGreaterThan(0);
    expect(writtenBeforeRestart).toBeLessThan(N);

    // …and recorded it: the next process takes the run over at once (it was handed back, not
    // left to a heartbeat timeout) and sends only what was not sent.
    // A web-only process (no worker) shows the run as the stopped one left it: queued again.
    const web = await startService(env, children, ['--role', 'web']);
    const handedBack = await api(web, 'GET', `/sync/runs/${run.id}`);
    expect(handedBack).toMatchObject({ status: 'queued', worker: null });
    expect(handedBack.processed).toBe(writtenBeforeRestart);
    web.child.kill('SIGTERM');
    expect(await web.exited).toBe(0);

    s = await startService(env, children);
    let finished: Record<string, unknown> = {};
    for (let i = 0; i < 900; i++) {
      finished = await api(s, 'GET', `/sync/runs/${run.id}`);
      if (finished.status === 'done' || finished.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(finished).toMatchObject({ status: 'done', counts: { failed: 0 } });
    expect(fake.stats.recordsWritten).toBe(N);
    const inHubSpot = fake.records(PORTAL, 'contacts').filter((r) => r.properties.email?.endsWith('@stop.example'));
    expect(inHubSpot).toHaveLength(N);
    expect(new Set(inHubSpot.map((r) => r.properties.email)).size).toBe(N);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });
});
