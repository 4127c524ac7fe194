import { describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/testApp.js';
import { useFakeHubspot, useTestDb } from '../../test/setup.js';
import * as portalRepo from '../portals/portalRepo.js';
import * as syncRunRepo from './syncRunRepo.js';
import { SyncWorker } from './syncWorker.js';

/**
 * The push follows the same rule as the card: an account the service does not serve receives
 * nothing, even with a private-app token and rows of its own.
 */

const PRIVATE_APP = '7070';
const fake = useFakeHubspot({ maxPerWindow: 1000, windowMs: 1000, tokens: { 'pat-scope': PRIVATE_APP } });
const tdb = useTestDb();

async function appAllowing(allowed: string): Promise<TestApp> {
  const app = await startTestApp({
    db: tdb.db,
    env: { HUBSPOT_ACCESS_TOKEN: 'pat-scope', HUBSPOT_PORTAL_ID: PRIVATE_APP, HUBSPOT_ALLOWED_PORTAL_IDS: allowed, HUBSPOT_API_BASE_URL: fake.url, HUBSPOT_RATE_LIMIT_PER_10S: '10000' },
  });
  await portalRepo.ensurePrivateApp(tdb.db, PRIVATE_APP, new Date());
  return app;
}

describe('the push to an account that is not served', () => {
  it('refuses to start, queues nothing on the interval and sends nothing, until the account is allowed', async () => {
    const app = await appAllowing('8080');
    try {
      expect((await app.api('PUT', '/contacts/s-1', { email: 's.1@scope.example', firstName: 'Scope' })).status).toBe(201);
      const started = await app.api('POST', '/sync/runs', { portalId: PRIVATE_APP });
      expect(started.status).toBe(403);
      expect(started.body.error).toMatchObject({ code: 'portal_not_allowed' });
      expect(started.body.error.message).toContain('HUBSPOT_ALLOWED_PORTAL_IDS');

      const worker = new SyncWorker(app.deps);
      await worker.scheduleIntervalRuns();
      expect(await worker.drain()).toEqual([]);

      // A run already queued (before the allow-list changed) fails without a single HubSpot call.
      await syncRunRepo.startRun(tdb.db, PRIVATE_APP, 'api');
      const [run] = await worker.drain();
      expect(run).toMatchObject({ status: 'failed' });
      expect(run!.error).toContain('not in HUBSPOT_ALLOWED_PORTAL_IDS');
      expect(fake.stats.recordsWritten).toBe(0);
      expect(fake.records(PRIVATE_APP, 'contacts')).toHaveLength(0);
    } finally {
      await app.close();
    }

    // Allowed, the same account gets its contact.
    const allowed = await appAllowing(`8080,${PRIVATE_APP}`);
    try {
      expect((await allowed.api('POST', '/sync/runs', { portalId: PRIVATE_APP })).status).toBe(202);
      const [run] = await new SyncWorker(allowed.deps).drain();
      expect(run).toMatchObject({ status: 'done', counts: { created: 1 } });
      expect(fake.records(PRIVATE_APP, 'contacts').map((r) => r.properties.email)).toEqual(['s.1@scope.example']);
    } finally {
      await allowed.close();
    }
  });
});
