import { beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, TEST_CLIENT_SECRET, type TestApp } from '../../test/testApp.js';
import { useFakeHubspot, useTestApp } from '../../test/setup.js';
import { SyncWorker } from '../sync/syncWorker.js';
import * as portalRepo from './portalRepo.js';
import { accessTokenFor } from './portalTokens.js';

/**
 * The OAuth install against the fake HubSpot: consent redirect, callback, encrypted tokens, the
 * push with the portal's own token, refresh (once, however many ask), revocation, disconnect.
 */

const PUBLIC = 'https://invoices.example.com';
const REDIRECT = `${PUBLIC}/oauth/callback`;
const CLIENT_ID = 'client-id-0f2e7a';
const KEY = 'a1'.repeat(32);
const PORTAL = '7777';

const fake = useFakeHubspot({ maxPerWindow: 1000, windowMs: 1000, oauth: { clientId: CLIENT_ID, clientSecret: TEST_CLIENT_SECRET, redirectUri: REDIRECT } });
const { tdb, app } = useTestApp(() => ({
  publicBaseUrl: PUBLIC,
  env: { HUBSPOT_CLIENT_ID: CLIENT_ID, HUBSPOT_REDIRECT_URI: REDIRECT, TOKEN_ENCRYPTION_KEY: KEY, HUBSPOT_API_BASE_URL: fake.url, HUBSPOT_RATE_LIMIT_PER_10S: '10000' },
}));
let worker: SyncWorker;

beforeAll(() => {
  worker = new SyncWorker(app.deps);
});

/** Starts the install as a browser would; returns HubSpot's consent URL and the state cookie. */
async function startInstall() {
  const res = await fetch(`${app.url}/oauth/install`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  return { location, cookie, state: location.searchParams.get('state')! };
}

/** A second service on the same database and fake that serves only PORTAL and 9191 (and `also`). */
const startGuarded = (also?: string) =>
  startTestApp({
    db: tdb.db,
    publicBaseUrl: PUBLIC,
    env: {
      HUBSPOT_CLIENT_ID: CLIENT_ID,
      HUBSPOT_REDIRECT_URI: REDIRECT,
      TOKEN_ENCRYPTION_KEY: KEY,
      HUBSPOT_API_BASE_URL: fake.url,
      HUBSPOT_ALLOWED_PORTAL_IDS: `${PORTAL}, 9191${also ? `, ${also}` : ''}`,
    },
  });
/** The whole install on `on` for `portalId`: consent at the fake, then the callback. */
async function installOn(on: TestApp, portalId: string) {
  const started = await fetch(`${on.url}/oauth/install`, { redirect: 'manual' });
  const state = new URL(started.headers.get('location')!).searchParams.get('state')!;
  return fetch(`${on.url}/oauth/callback?code=${fake.authorize(portalId)}&state=${state}`, { redirect: 'manual' });
}
const callback = (query: string, cookie?: string) => fetch(`${app.url}/oauth/callback?${query}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });

async function push() {
  const started = await app.api('POST', '/sync/runs', { portalId: PORTAL });
  expect([200, 202]).toContain(started.status);
  await worker.drain();
  return (await app.api('GET', `/sync/runs/${started.body.id}`)).body;
}

/** Every stored byte of the portal's rows, as text. */
async function storedText(): Promise<string> {
  const rows = await tdb.db.raw(`select (select json_agg(t)::text from portal_tokens t) as tokens, (select json_agg(p)::text from portals p) as portals`);
  return JSON.stringify(rows.rows);
}

describe('the OAuth install', () => {
  it("sends the admin to HubSpot with the client id, the redirect URI, the app's scopes and a signed state", async () => {
    const { location, cookie, state } = await startInstall();
    expect(`${location.origin}${location.pathname}`).toBe('https://app.hubspot.com/oauth/authorize');
    expect(location.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(location.searchParams.get('redirect_uri')).toBe(REDIRECT);
    expect(location.searchParams.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['oauth', 'crm.objects.deals.read', 'crm.objects.contacts.write', 'e-commerce']));
    expect(state).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(cookie).toMatch(/^hs_oauth_state=[\w-]{16,}$/);
  });

  it("refuses a callback with an altered state, another install's cookie, or when the admin declined", async () => {
    const { cookie, state } = await startInstall();
    const code = fake.authorize(PORTAL);
    const tampered = `${state.slice(0, -2)}${state.endsWith('A') ? 'B' : 'A'}x`;
    for (const res of [
      await callback(`code=${code}&state=${tampered}`, cookie),
      await callback(`code=${code}`, cookie),
      await callback(`code=${code}&state=${state}`, 'hs_oauth_state=someone-elses-nonce-1234'),
    ]) {
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('not valid');
    }
    const declined = await callback(`error=access_denied&error_description=${encodeURIComponent('The user declined <b>')}&state=${state}`, cookie);
    expect(declined.status).toBe(400);
    // The URL's own text is never shown as HubSpot's (anyone can craft it): our words only.
    const declinedPage = await declined.text();
    expect(declinedPage).toContain('cancelled in HubSpot');
    expect(declinedPage).not.toContain('declined');
    expect(await portalRepo.get(tdb.db, PORTAL)).toBeUndefined();
  });

  it("installs: the portal comes from the token's metadata and the tokens are stored encrypted, never in plaintext", async () => {
    const { cookie, state } = await startInstall();
    const code = fake.authorize(PORTAL);
    const res = await callback(`code=${code}&state=${state}`, cookie);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`portal <strong>${PORTAL}</strong> is connected`);
    expect(await portalRepo.get(tdb.db, PORTAL)).toMatchObject({ authType: 'oauth', status: 'active' });

    const issued = fake.issuedTokens(PORTAL);
    expect(issued.access).toHaveLength(1);
    expect(issued.refresh).toHaveLength(1);
    const stored = await storedText();
    expect(stored).toMatch(/access_token.*v1\./);
    for (const t of [...issued.access, ...issued.refresh]) expect(stored).not.toContain(t);
    expect(await accessTokenFor(app.deps, (await portalRepo.get(tdb.db, PORTAL))!)).toBe(issued.access[0]);

    // A code works once: HubSpot refuses it the second time, and that is the request's fault (a
    // 400), not an outage (it was a 502, which anyone could raise with a made-up code).
    const replayed = await startInstall();
    expect((await callback(`code=${code}&state=${replayed.state}`, replayed.cookie)).status).toBe(400);
    const madeUp = await startInstall();
    const refused = await callback(`code=made-up-code-0000&state=${madeUp.state}`, madeUp.cookie);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Nothing was connected');

    const listed = (await app.api('GET', '/portals')).body.portals;
    expect(listed).toContainEqual(expect.objectContaining({ portalId: PORTAL, authType: 'oauth', status: 'active', token: expect.objectContaining({ installedBy: 'installer@customer.example' }) }));
    expect(JSON.stringify(listed)).not.toContain(issued.access[0]!);
  });

  it('lists the deal scopes an install made before they were asked for lacks, with what to do, until it is reinstalled', async () => {
    const deals = async () => (await app.api('GET', '/portals')).body.portals.find((p: { portalId: string }) => p.portalId === PORTAL).deals;
    const old = ['oauth', 'crm.objects.deals.read', 'crm.objects.deals.write', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'e-commerce'];
    const before = await startInstall();
    expect((await callback(`code=${fake.authorize(PORTAL, old)}&state=${before.state}`, before.cookie)).status).toBe(200);
    expect(await deals()).toMatchObject({ properties: true, timeline: true, missingScopes: ['crm.schemas.deals.read', 'crm.schemas.deals.write'] });
    // Reinstalled with the scopes the app asks for now.
    const again = await startInstall();
    const asked = again.location.searchParams.get('scope')!.split(' ');
    expect(asked).toEqual(expect.arrayContaining(['crm.schemas.deals.read', 'crm.schemas.deals.write']));
    expect((await callback(`code=${fake.authorize(PORTAL, asked)}&state=${again.state}`, again.cookie)).status).toBe(200);
    expect((await deals()).missingScopes).toEqual([]);
  });

  it('accepts a consent finished in another browser (no cookie) on the signed state alone', async () => {
    const other = '7171';
    const { state } = await startInstall();
    const res = await callback(`code=${fake.authorize(other)}&state=${state}`);
    expect(res.status).toBe(200);
    expect(await portalRepo.get(tdb.db, other)).toMatchObject({ authType: 'oauth', status: 'active' });
    await app.api('DELETE', `/portals/${other}`);
  });

  it("pushes with the portal's own token, refreshing it when it is about to expire, once however many ask", async () => {
    await app.api('POST', '/contacts/batch', { items: Array.from({ length: 30 }, (_, i) => ({ externalId: `o-${i}`, email: `o.${i}@oauth.example` })) });
    expect(await push()).toMatchObject({ status: 'done', counts: { created: 30 } });
    // The fake files each record under the portal its token belongs to.
    expect(fake.records(PORTAL, 'contacts').filter((r) => r.properties.email?.endsWith('@oauth.example'))).toHaveLength(30);
    expect(fake.stats.tokenRefreshes).toBe(0);

    app.clock.advance(26 * 60_000); // 4 minutes left of 30: inside the 5-minute margin
    const portal = (await portalRepo.get(tdb.db, PORTAL))!;
    const tokens = await Promise.all([accessTokenFor(app.deps, portal), accessTokenFor(app.deps, portal), accessTokenFor(app.deps, portal)]);
    expect(new Set(tokens).size).toBe(1);
    expect(fake.stats.tokenRefreshes).toBe(1);
    expect(fake.issuedTokens(PORTAL).access).toContain(tokens[0]);
  });

  it('refreshes when HubSpot calls the token expired before our clock does, and goes on', async () => {
    const portal = (await portalRepo.get(tdb.db, PORTAL))!;
    fake.expireAccessToken(await accessTokenFor(app.deps, portal));
    const before = fake.stats.tokenRefreshes;
    await app.api('PUT', '/contacts/o-1', { email: 'o.1@oauth.example', firstName: 'Changed' });
    expect(await push()).toMatchObject({ status: 'done', counts: { updated: 1 } });
    expect(fake.stats.tokenRefreshes).toBe(before + 1);
  });

  it('marks the portal in error, saying to reinstall, when HubSpot refuses the refresh token', async () => {
    for (const t of fake.issuedTokens(PORTAL).refresh) fake.revokeRefreshToken(t);
    app.clock.advance(31 * 60_000);
    await app.api('PUT', '/contacts/o-2', { email: 'o.2@oauth.example', firstName: 'Changed' });
    const run = await push();
    expect(run.status).toBe('failed');
    expect(run.error).toContain(`Install it again from ${PUBLIC}/oauth/install`);
    const portal = (await app.api('GET', '/portals')).body.portals.find((p: { portalId: string }) => p.portalId === PORTAL);
    expect(portal).toMatchObject({ status: 'error', statusMessage: expect.stringContaining('uninstalled or its access revoked') });
  });

  it('reinstalling brings the portal back; disconnecting revokes the refresh token and deletes the tokens', async () => {
    const { cookie, state } = await startInstall();
    expect((await callback(`code=${fake.authorize(PORTAL)}&state=${state}`, cookie)).status).toBe(200);
    expect(await push()).toMatchObject({ status: 'done', counts: { updated: 1 } });

    const live = fake.issuedTokens(PORTAL).refresh.filter((t) => !fake.isRevoked(t));
    expect(live).toHaveLength(1);
    const res = await app.api('DELETE', `/portals/${PORTAL}`);
    expect(res.body).toEqual({ portalId: PORTAL, status: 'disconnected', refreshTokenRevoked: true, revocationPending: false });
    expect(fake.isRevoked(live[0]!)).toBe(true);
    expect(await tdb.db('portal_tokens').where({ portal_id: PORTAL })).toEqual([]);
    expect((await push()).status).toBe('failed');
    // Nothing secret reached the logs.
    const logged = JSON.stringify(app.logs.records);
    for (const t of [...fake.issuedTokens(PORTAL).access, ...fake.issuedTokens(PORTAL).refresh]) expect(logged).not.toContain(t);
  });

  it('a disconnect whose revoke HubSpot drops keeps the grant, encrypted, and the worker revokes it once HubSpot answers', async () => {
    const portalId = '7575';
    expect((await installOn(app, portalId)).status).toBe(200);
    const [refresh] = fake.issuedTokens(portalId).refresh;
    fake.inject({ kind: 'drop', match: /refresh-tokens|token\/revoke/ });
    const res = await app.api('DELETE', `/portals/${portalId}`);
    expect(res.body).toEqual({ portalId, status: 'disconnected', refreshTokenRevoked: false, revocationPending: true });
    expect(await tdb.db('portal_tokens').where({ portal_id: portalId })).toEqual([]);
    const rows = await tdb.db('pending_revocations').where({ portal_id: portalId });
    expect(rows).toEqual([expect.objectContaining({ reason: 'disconnect', uninstall: false, access_token: null })]);
    expect(JSON.stringify(rows)).not.toContain(refresh!);
    expect(rows[0].refresh_token).toMatch(/^v1\./);
    const listed = (await app.api('GET', '/portals')).body;
    expect(listed.revocations).toEqual([
      {
        ref: expect.any(String),
        portalId,
        reason: 'disconnect',
        uninstall: false,
        attempts: 1,
        nextAttemptAt: expect.any(String),
        lastError: expect.stringContaining('HubSpot did not answer the refresh-token revoke (ECONNRESET'),
        createdAt: expect.any(String),
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain(refresh!);
    expect(fake.isRevoked(refresh!)).toBe(false);
    // Dropped again on the first retry; revoked on the next.
    app.clock.advance(60 * 60_000);
    fake.inject({ kind: 'drop', match: /refresh-tokens|token\/revoke/ });
    expect(await worker.retryRevocations()).toEqual({ revoked: 0, failed: 1 });
    expect((await app.api('GET', '/portals')).body.revocations[0]).toMatchObject({ portalId, attempts: 2 });
    app.clock.advance(2 * 60 * 60_000);
    expect(await worker.retryRevocations()).toEqual({ revoked: 1, failed: 0 });
    expect(fake.isRevoked(refresh!)).toBe(true);
    expect((await app.api('GET', '/portals')).body.revocations).toEqual([]);
    const logged = JSON.stringify(app.logs.records);
    expect(logged).toContain('grant revoked at HubSpot, on a retry');
    expect(logged).not.toContain(refresh!);
  });

  it('an install that fails after the code exchange gives the grant back, at once or, when HubSpot drops that too, later', async () => {
    // The token-info call is dropped: the install fails; the revoke goes through at once.
    const first = '7373';
    fake.inject({ kind: 'drop', match: /access-tokens|token\/introspect/ });
    const res = await installOn(app, first);
    expect(res.status).toBe(502);
    const page = await res.text();
    expect(page).toContain('HubSpot did not answer the token-info call');
    expect(page).toContain('was revoked');
    const issued = fake.issuedTokens(first);
    for (const t of [...issued.access, ...issued.refresh]) expect(page).not.toContain(t);
    expect(fake.isRevoked(issued.refresh[0]!)).toBe(true);
    expect(await portalRepo.get(tdb.db, first)).toBeUndefined();
    // Both fail: the grant is kept and revoked by the worker once HubSpot answers. The account is
    // known from the token answer's hub_id (the current OAuth API's answer carries it; the
    // token-info call, which is authoritative, said nothing).
    const second = '7474';
    fake.inject({ kind: 'drop', match: /access-tokens|token\/introspect/ });
    fake.inject({ kind: 'echo', match: /refresh-tokens|token\/revoke/ });
    const res2 = await installOn(app, second);
    expect(res2.status).toBe(502);
    expect(await res2.text()).toContain('will be revoked as soon as HubSpot answers');
    const [refresh] = fake.issuedTokens(second).refresh;
    expect(fake.isRevoked(refresh!)).toBe(false);
    const pending = (await app.api('GET', '/portals')).body.revocations;
    expect(pending).toEqual([expect.objectContaining({ portalId: second, reason: 'install_failed', uninstall: false, attempts: 1, lastError: 'HubSpot answered the refresh-token revoke with 502' })]);
    app.clock.advance(60 * 60_000);
    expect(await worker.retryRevocations()).toMatchObject({ revoked: 1 });
    expect(fake.isRevoked(refresh!)).toBe(true);
    expect((await app.api('GET', '/portals')).body.revocations).toEqual([]);
  });

  it('refuses an account not in HUBSPOT_ALLOWED_PORTAL_IDS: the app uninstalled from it, the grant revoked, no token stored', async () => {
    const stranger = '8282';
    const guarded = await startGuarded();
    try {
      const before = fake.stats.uninstalls;
      const res = await installOn(guarded, stranger);
      expect(res.status).toBe(403);
      const text = await res.text();
      expect(text).toContain('HUBSPOT_ALLOWED_PORTAL_IDS');
      expect(text).toContain('The app has been uninstalled from the account');
      expect(await portalRepo.get(tdb.db, stranger)).toBeUndefined();
      // Uninstalled at HubSpot, not only revoked: the account no longer has the app, its access
      // token no longer works, its refresh token is refused.
      expect(fake.isInstalled(stranger)).toBe(false);
      expect(fake.stats.uninstalls).toBe(before + 1);
      const issued = fake.issuedTokens(stranger);
      expect(issued.refresh).toHaveLength(1);
      expect(fake.isRevoked(issued.refresh[0]!)).toBe(true);
      const crm = await fetch(`${fake.url}/crm/objects/2026-09/contacts?limit=1`, { headers: { authorization: `Bearer ${issued.access[0]}` } });
      expect(crm.status).toBe(401);
      // Nothing of it is kept: no tokens, no pending revocation.
      expect(await tdb.db('portal_tokens').where({ portal_id: stranger })).toEqual([]);
      expect(await tdb.db('pending_revocations').where({ portal_id: stranger })).toEqual([]);
      expect(JSON.stringify(guarded.logs.records)).not.toContain(issued.access[0]!);
    } finally {
      await guarded.close();
    }
  });

  it('a refused install whose uninstall HubSpot drops is uninstalled later by the worker, then its grant revoked', async () => {
    const stranger = '8383';
    const guarded = await startGuarded();
    const guardedWorker = new SyncWorker(guarded.deps);
    try {
      fake.inject({ kind: 'drop', match: /external-install/ });
      const res = await installOn(guarded, stranger);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('The app is being uninstalled from the account');
      expect(fake.isInstalled(stranger)).toBe(true);
      const issued = fake.issuedTokens(stranger);
      expect(fake.isRevoked(issued.refresh[0]!)).toBe(false); // not revoked first: that would make the uninstall impossible
      // Kept for later, encrypted (never in plaintext), and said so without the tokens.
      const rows = await tdb.db('pending_revocations').where({ portal_id: stranger });
      expect(rows).toEqual([expect.objectContaining({ reason: 'install_refused', uninstall: true, attempts: 1 })]);
      for (const t of [...issued.access, ...issued.refresh]) expect(JSON.stringify(rows)).not.toContain(t);
      const listed = (await guarded.api('GET', '/portals')).body;
      expect(listed.revocations).toContainEqual(
        expect.objectContaining({ portalId: stranger, reason: 'install_refused', uninstall: true, attempts: 1, lastError: expect.stringContaining('HubSpot did not answer the app uninstall') }),
      );
      expect(await portalRepo.get(tdb.db, stranger)).toBeUndefined();
      // Not due yet: nothing happens.
      expect(await guardedWorker.retryRevocations()).toEqual({ revoked: 0, failed: 0 });
      // Due, and HubSpot fails again (a 500): still kept, one more attempt, later again.
      guarded.clock.advance(2 * 60 * 60_000);
      fake.inject({ kind: 'status500', match: /external-install/ });
      expect(await guardedWorker.retryRevocations()).toEqual({ revoked: 0, failed: 1 });
      const again = (await guarded.api('GET', '/portals')).body.revocations.find((r: { portalId: string }) => r.portalId === stranger);
      expect(again).toMatchObject({ attempts: 2, lastError: expect.stringContaining('500') });
      expect(new Date(again.nextAttemptAt).getTime()).toBeGreaterThan(guarded.clock.now().getTime());
      // HubSpot answers: the access token has expired by now, so it is refreshed, the app
      // uninstalled with it, the grant revoked, and the row gone.
      guarded.clock.advance(2 * 60 * 60_000);
      expect(await guardedWorker.retryRevocations()).toEqual({ revoked: 1, failed: 0 });
      expect(fake.isInstalled(stranger)).toBe(false);
      expect(fake.issuedTokens(stranger).refresh.every((t) => fake.isRevoked(t))).toBe(true);
      expect(await tdb.db('pending_revocations').where({ portal_id: stranger })).toEqual([]);
      expect((await guarded.api('GET', '/portals')).body.revocations.some((r: { portalId: string }) => r.portalId === stranger)).toBe(false);
      const logged = JSON.stringify(guarded.logs.records);
      expect(logged).toContain('app uninstalled from the account and its grant revoked, on a retry');
      for (const t of [...fake.issuedTokens(stranger).access, ...fake.issuedTokens(stranger).refresh]) expect(logged).not.toContain(t);
    } finally {
      await guardedWorker.stop();
      await guarded.close();
    }
  });

  it('a refused account allowed and installed again before the retry keeps its app: only the old grant is revoked', async () => {
    const account = '8484';
    const guarded = await startGuarded();
    // The administrator adds the account to HUBSPOT_ALLOWED_PORTAL_IDS (every service restarted with it).
    const allowing = await startGuarded(account);
    const allowingWorker = new SyncWorker(allowing.deps);
    try {
      fake.inject({ kind: 'drop', match: /external-install/ });
      expect((await installOn(guarded, account)).status).toBe(403);
      const [oldRefresh] = fake.issuedTokens(account).refresh;
      expect((await installOn(allowing, account)).status).toBe(200);
      allowing.clock.advance(2 * 60 * 60_000);
      expect(await allowingWorker.retryRevocations()).toEqual({ revoked: 1, failed: 0 });
      expect(fake.isInstalled(account)).toBe(true);
      expect(fake.isRevoked(oldRefresh!)).toBe(true);
      const current = await accessTokenFor(allowing.deps, (await portalRepo.get(tdb.db, account))!);
      expect((await fetch(`${fake.url}/crm/objects/2026-09/contacts?limit=1`, { headers: { authorization: `Bearer ${current}` } })).status).toBe(200);
    } finally {
      await allowing.api('DELETE', `/portals/${account}`);
      await allowingWorker.stop();
      await guarded.close();
      await allowing.close();
    }
  });

  it('the running worker retries due revocations on its own', async () => {
    const portalId = '7676';
    expect((await installOn(app, portalId)).status).toBe(200);
    const [refresh] = fake.issuedTokens(portalId).refresh;
    fake.inject({ kind: 'drop', match: /refresh-tokens|token\/revoke/ });
    expect((await app.api('DELETE', `/portals/${portalId}`)).body).toMatchObject({ revocationPending: true });
    app.clock.advance(60 * 60_000);
    const running = new SyncWorker(app.deps, { pollMs: 20 });
    running.start();
    try {
      await vi.waitFor(async () => expect(fake.isRevoked(refresh!)).toBe(true), { timeout: 15_000, interval: 50 });
      await vi.waitFor(async () => expect((await app.api('GET', '/portals')).body.revocations).toEqual([]), { timeout: 15_000, interval: 50 });
    } finally {
      await running.stop();
    }
  });
});
