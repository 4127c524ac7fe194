import { describe, expect, it } from 'vitest';
import { startTestApp } from '../../test/testApp.js';
import { useTestApp } from '../../test/setup.js';
import { createApp } from '../app.js';

/** The per-client limits on the public, unsigned routes. */

const { tdb, app } = useTestApp();

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

  it('believes X-Forwarded-For only from the proxies TRUSTED_PROXIES names (default loopback), not from any private address', () => {
    const trusts = createApp(app.deps).get('trust proxy fn') as (addr: string, hop: number) => boolean;
    expect(trusts('127.0.0.1', 0)).toBe(true);
    for (const internal of ['10.0.0.5', '172.16.4.2', '192.168.1.20', 'fd12::1', '169.254.1.1']) expect(trusts(internal, 0), internal).toBe(false);
  });

  it('keeps counting sign-ins per connection when the peer is not a named proxy, whatever X-Forwarded-For says', async () => {
    // Only 10.9.9.9 is a proxy here: this test's loopback connection is a client like any other.
    const other = await startTestApp({ db: tdb.db, env: { TRUSTED_PROXIES: '10.9.9.9' } });
    try {
      const attempt = (i: number) =>
        fetch(`${other.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: 'guess-guess-guess' }), headers: { 'x-forwarded-for': `10.0.${i}.1` }, redirect: 'manual' });
      for (let i = 0; i < 10; i++) expect((await attempt(i)).status).toBe(401);
      expect((await attempt(10)).status).toBe(429);
    } finally {
      await other.close();
    }
  });
});
