import { beforeAll, describe, expect, it } from 'vitest';
import { fetchCard } from '../../test/hubspotCaller.js';
import { startTestApp } from '../../test/testApp.js';
import { useFakeHubspot, useTestApp } from '../../test/setup.js';
import { createDb } from '../db/db.js';
import * as portalRepo from '../portals/portalRepo.js';
import { SyncWorker } from '../sync/syncWorker.js';

/** /healthz, /readyz and /metrics, with real traffic behind the figures. */

const PORTAL = '5353';
// A window far longer than this test runs: the budget read after the push must still count the
// push's requests however slow the machine is (a 1 s window had refilled by then on a busy one).
const fake = useFakeHubspot({ maxPerWindow: 1000, windowMs: 600_000, tokens: { 'pat-health': PORTAL } });
const { tdb, app } = useTestApp(() => ({ env: { HUBSPOT_ACCESS_TOKEN: 'pat-health', HUBSPOT_PORTAL_ID: PORTAL, HUBSPOT_API_BASE_URL: fake.url } }));

beforeAll(async () => {
  await portalRepo.ensurePrivateApp(tdb.db, PORTAL, new Date());
});

const metricsText = async () => (await fetch(`${app.url}/metrics`)).text();
/** The value of one series, or undefined when it is absent. */
const series = (text: string, name: string, labels: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((kv) => l.includes(kv)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('health', () => {
  it('/healthz says the process lives; /readyz that the database answers and its migrations are current', async () => {
    expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'current' } });
  });

  it('/readyz answers 503 naming the check when the database is unreachable', async () => {
    const down = createDb({ databaseUrl: 'postgres://postgres@127.0.0.1:9/nowhere', poolMax: 1 });
    const broken = await startTestApp({ db: down });
    try {
      const res = await fetch(`${broken.url}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; checks: Record<string, string> };
      expect(body.status).toBe('not_ready');
      expect(body.checks.database).toMatch(/^unreachable: /);
    } finally {
      await broken.close();
      await down.destroy();
    }
  });
});

describe('/metrics', () => {
  it('counts requests per route, card fetches, signature failures, HubSpot calls and records pushed, and reads queue depth and budget', async () => {
    await fetchCard(app, { portalId: PORTAL, dealId: '1' });
    await fetchCard(app, { portalId: PORTAL, dealId: '1', caller: 'appCard' });
    expect((await fetchCard(app, { portalId: PORTAL, dealId: '1' }, { secret: 'not-the-secret' })).status).toBe(401);
    await app.api('POST', '/contacts/batch', { items: Array.from({ length: 12 }, (_, i) => ({ externalId: `m-${i}`, email: `m.${i}@metrics.example` })) });
    await app.api('POST', '/products/batch', { items: [{ externalId: 'mp-1', name: 'Metered', price: '1.00', currency: 'EUR' }] });
    await app.api('PUT', '/contacts/m-no-email', { firstName: 'No email' });

    // Before the push: 13 contacts and 1 product are waiting... once a run has queued them.
    const started = await app.api('POST', '/sync/runs', { portalId: PORTAL });
    expect(started.status).toBe(202);
    await new SyncWorker(app.deps).drain();

    const text = await metricsText();
    expect(series(text, 'card_fetches_total', 'caller="classic_card"')).toBe(1);
    expect(series(text, 'card_fetches_total', 'caller="app_card"')).toBe(1);
    expect(series(text, 'hubspot_signature_failures_total', 'check=')).toBe(1);
    expect(series(text, 'sync_records_total', 'type="contact",outcome="created"')).toBe(12);
    expect(series(text, 'sync_records_total', 'type="contact",outcome="skipped"')).toBe(1);
    expect(series(text, 'sync_records_total', 'type="product",outcome="created"')).toBe(1);
    expect(series(text, 'hubspot_requests_total', 'status="200"')).toBeGreaterThanOrEqual(2);
    // Nothing is left waiting; the budget shows what is left of HubSpot's 1,000 in its window.
    expect(series(text, 'sync_queue_depth', `portal="${PORTAL}"`)).toBeUndefined();
    const left = series(text, 'hubspot_rate_budget_remaining', `portal="${PORTAL}"`)!;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(1000);
    // Requests by route template: never the ids or tokens in the path.
    expect(
      series(text, 'http_request_duration_seconds_count', 'route="/api/v1/contacts/batch",method="POST",status="200"') ??
        series(text, 'http_request_duration_seconds_count', 'method="POST",route="/api/v1/contacts/batch",status="200"'),
    ).toBe(1);
    expect(text).toContain('route="/api/v1/contacts/:externalId"');
    expect(text).not.toContain('m-no-email');
    expect(text).toContain('process_resident_memory_bytes');

    // Work that cannot go (the daily limit paused the portal) shows as depth.
    await app.api('PUT', '/contacts/m-1', { email: 'm.1@metrics.example', firstName: 'Changed' });
    fake.inject({ kind: 'daily', times: 1 });
    await app.api('POST', '/sync/runs', { portalId: PORTAL });
    expect((await new SyncWorker(app.deps).drain())[0]?.status).toBe('paused');
    const paused = await metricsText();
    expect(series(paused, 'sync_queue_depth', `portal="${PORTAL}",type="contact"`)).toBe(1);
    expect(series(paused, 'hubspot_requests_total', 'status="429"')).toBe(1);
  });
});
