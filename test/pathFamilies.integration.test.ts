import { describe, expect, it } from 'vitest';
import { SyncWorker } from '../src/sync/syncWorker.js';
import type { PathFamily } from './fakeHubspot/fakeHubspot.js';
import { useFakeHubspot, useTestApp } from './setup.js';
import { startTestApp, TEST_CLIENT_SECRET } from './testApp.js';

/**
 * The service on each HubSpot path family, end to end against the fake: the OAuth install, the
 * push (contacts, products, the unique product property, an archive), the token refresh, the
 * disconnect's revoke, and a refused install's uninstall. On the default versions (CRM 2026-09,
 * OAuth 2026-03) and on CRM 2026-03 it all works with the fake's legacy families switched off,
 * and the fake counts no legacy call; HUBSPOT_API_VERSION=v3 with HUBSPOT_OAUTH_VERSION=v1 still
 * works while they are on, and touches no date-versioned path.
 */

const PUBLIC = 'https://invoices.example.com';
const REDIRECT = `${PUBLIC}/oauth/callback`;
const CLIENT_ID = 'client-id-families';
const KEY = 'b2'.repeat(32);

const CASES: Array<{ name: string; env: Record<string, string>; legacy: boolean; used: PathFamily[]; unused: PathFamily[] }> = [
  { name: 'the default versions, legacy families switched off', env: {}, legacy: false, used: ['crm/2026-09', 'oauth/2026-03', 'appinstalls/2026-03'], unused: ['crm/2026-03'] },
  {
    name: 'HUBSPOT_API_VERSION=2026-03, legacy families switched off',
    env: { HUBSPOT_API_VERSION: '2026-03' },
    legacy: false,
    used: ['crm/2026-03', 'oauth/2026-03', 'appinstalls/2026-03'],
    unused: ['crm/2026-09'],
  },
  {
    name: 'HUBSPOT_API_VERSION=v3 and HUBSPOT_OAUTH_VERSION=v1, legacy families on',
    env: { HUBSPOT_API_VERSION: 'v3', HUBSPOT_OAUTH_VERSION: 'v1' },
    legacy: true,
    used: ['crm/v3', 'oauth/v1', 'appinstalls/v3'],
    unused: ['crm/2026-03', 'crm/2026-09', 'oauth/2026-03', 'appinstalls/2026-03'],
  },
];

describe.each(CASES)('on $name', ({ env, legacy, used, unused }) => {
  const PORTAL = '6464';
  const fake = useFakeHubspot({ maxPerWindow: 1000, windowMs: 1000, legacy, oauth: { clientId: CLIENT_ID, clientSecret: TEST_CLIENT_SECRET, redirectUri: REDIRECT } });
  const base = () => ({ HUBSPOT_CLIENT_ID: CLIENT_ID, HUBSPOT_REDIRECT_URI: REDIRECT, TOKEN_ENCRYPTION_KEY: KEY, HUBSPOT_API_BASE_URL: fake.url, HUBSPOT_RATE_LIMIT_PER_10S: '10000', ...env });
  const { tdb, app } = useTestApp(() => ({ publicBaseUrl: PUBLIC, env: base() }));

  const installOn = async (on: { url: string }, portalId: string) => {
    const started = await fetch(`${on.url}/oauth/install`, { redirect: 'manual' });
    const state = new URL(started.headers.get('location')!).searchParams.get('state')!;
    return fetch(`${on.url}/oauth/callback?code=${fake.authorize(portalId)}&state=${state}`, { redirect: 'manual' });
  };
  const push = async (worker: SyncWorker) => {
    const started = await app.api('POST', '/sync/runs', { portalId: PORTAL });
    expect([200, 202]).toContain(started.status);
    await worker.drain();
    return (await app.api('GET', `/sync/runs/${started.body.id}`)).body;
  };

  it('installs, pushes, refreshes, disconnects and uninstalls on its path family only', async () => {
    const worker = new SyncWorker(app.deps);
    try {
      // The install: code exchange and token info.
      expect((await installOn(app, PORTAL)).status).toBe(200);
      const listed = (await app.api('GET', '/portals')).body.portals.find((p: { portalId: string }) => p.portalId === PORTAL);
      expect(listed).toMatchObject({ status: 'active' });
      // What the dashboard shows: the versions the portal is on, and HubSpot's end of support.
      expect(listed.hubspotVersions.api).toMatchObject({ version: env.HUBSPOT_API_VERSION ?? '2026-09', endsOn: expect.any(String), message: expect.any(String) });
      expect(listed.hubspotVersions.oauth).toMatchObject({ version: env.HUBSPOT_OAUTH_VERSION ?? '2026-03' });

      // The push: contacts and products created (the unique product property made first), then an
      // archive and an update.
      await app.api('POST', '/contacts/batch', { items: Array.from({ length: 120 }, (_, i) => ({ externalId: `c-${i}`, email: `c.${i}@families.example`, firstName: `C ${i}` })) });
      await app.api('POST', '/products/batch', {
        items: Array.from({ length: 30 }, (_, i) => ({ externalId: `p-${i}`, sku: `P-${i}`, name: `P ${i}`, price: '1.00', currency: 'EUR', type: 'service' })),
      });
      expect(await push(worker)).toMatchObject({ status: 'done', counts: { created: 150, failed: 0 } });
      expect(fake.records(PORTAL, 'contacts')).toHaveLength(120);
      expect(fake.records(PORTAL, 'products')).toHaveLength(30);
      expect(new Set(fake.records(PORTAL, 'products').map((r) => r.properties.accounting_external_id)).size).toBe(30);

      // The refresh: the access token is about to expire; the next push refreshes it first.
      app.clock.advance(27 * 60_000);
      const refreshes = fake.stats.tokenRefreshes;
      await app.api('DELETE', '/products/p-0');
      await app.api('PUT', '/contacts/c-1', { email: 'c.1@families.example', firstName: 'Changed' });
      expect(await push(worker)).toMatchObject({ status: 'done', counts: { failed: 0 } });
      expect(fake.stats.tokenRefreshes).toBe(refreshes + 1);
      expect(fake.records(PORTAL, 'products')).toHaveLength(29);
      expect(fake.records(PORTAL, 'contacts').find((r) => r.properties.email === 'c.1@families.example')?.properties.firstname).toBe('Changed');

      // The disconnect revokes the refresh token.
      const live = fake.issuedTokens(PORTAL).refresh.filter((t) => !fake.isRevoked(t));
      expect(live).toHaveLength(1);
      expect((await app.api('DELETE', `/portals/${PORTAL}`)).body).toMatchObject({ status: 'disconnected', refreshTokenRevoked: true, revocationPending: false });
      expect(fake.isRevoked(live[0]!)).toBe(true);

      // An account the service does not serve: the app is uninstalled from it, its grant revoked.
      const guarded = await startTestApp({ db: tdb.db, publicBaseUrl: PUBLIC, env: { ...base(), HUBSPOT_ALLOWED_PORTAL_IDS: PORTAL } });
      try {
        expect((await installOn(guarded, '6565')).status).toBe(403);
        expect(fake.isInstalled('6565')).toBe(false);
        expect(fake.issuedTokens('6565').refresh.every((t) => fake.isRevoked(t))).toBe(true);
      } finally {
        await guarded.close();
      }
    } finally {
      await worker.stop();
    }

    for (const family of used) expect(fake.stats.byFamily.get(family) ?? 0, family).toBeGreaterThan(0);
    for (const family of unused) expect(fake.stats.byFamily.get(family) ?? 0, family).toBe(0);
    if (!legacy) {
      expect(fake.legacyCalls()).toBe(0);
      expect(fake.stats.legacyRefused).toBe(0);
    }
    // No token in any URL: the current OAuth API takes them in the body (v1's token info has it in its path).
    const logged = JSON.stringify(app.logs.records);
    for (const t of [...fake.issuedTokens(PORTAL).access, ...fake.issuedTokens(PORTAL).refresh]) expect(logged).not.toContain(t);
  });
});
