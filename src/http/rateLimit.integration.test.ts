import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/testDb.js';
import { startTestApp, type TestApp } from '../../test/testApp.js';

/** The per-client limits on the public, unsigned routes. */

let tdb: TestDb;
let app: TestApp;
beforeAll(async () => {
  tdb = await createTestDb();
  app = await startTestApp({ db: tdb.db });
});
afterAll(async () => {
  await app.close();
  await tdb.destroy();
});

describe('rate limits', () => {
  it('answers 429 with Retry-After after 10 sign-in attempts a minute, whatever the token', async () => {
    const attempt = () => fetch(`${app.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: 'guess-guess-guess' }), redirect: 'manual' });
    for (let i = 0; i < 10; i++) expect((await attempt()).status).toBe(401);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await limited.text()).toContain('Too many requests to the dashboard sign-in');
  });

  it('limits the OAuth install routes too (30 a minute)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await fetch(`${app.url}/oauth/install`, { redirect: 'manual' })).status);
    expect(statuses.slice(0, 30).every((s) => s === 503)).toBe(true); // OAuth is not set up in this app: 503 naming the variables
    expect(statuses[30]).toBe(429);
  });
});
