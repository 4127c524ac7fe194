import { describe, expect, it } from 'vitest';
import { startTestApp, TEST_API_TOKEN, type TestApp } from '../../test/testApp.js';
import { useTestApp } from '../../test/setup.js';

/** Dashboard sessions: they end on the server when an admin signs out, and with API_TOKEN. */

const { tdb, app } = useTestApp();

let client = 0;
async function signIn(on: TestApp = app, token = TEST_API_TOKEN): Promise<string> {
  // Each sign-in as its own client (loopback is a trusted proxy), so the sign-in limit stays out of the way.
  const res = await fetch(`${on.url}/admin/login`, { method: 'POST', headers: { 'x-forwarded-for': `10.0.0.${++client}` }, body: new URLSearchParams({ token }), redirect: 'manual' });
  expect(res.status).toBe(303);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}
const overview = (cookie: string, on: TestApp = app) => fetch(`${on.url}/admin/api/overview`, { headers: { cookie } }).then((r) => r.status);
const signOut = (cookie: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}) =>
  fetch(`${app.url}/admin/logout`, { method: 'POST', headers: { cookie, ...headers }, body: new URLSearchParams(extra), redirect: 'manual' });

describe('dashboard sessions', () => {
  it('end on the server at sign-out: the same cookie, replayed, is refused', async () => {
    const cookie = await signIn();
    expect(await overview(cookie)).toBe(200);
    const out = await signOut(cookie);
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^admin_session=; Path=\/admin; Max-Age=0/);
    expect(await overview(cookie)).toBe(401);
    const page = await fetch(`${app.url}/admin/`, { headers: { cookie }, redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('login');
  });

  it('end on every device with "sign out everywhere", which needs a live session of one\'s own', async () => {
    const laptop = await signIn();
    const phone = await signIn();
    expect(laptop).not.toBe(phone);
    // A signed-out (or forged) cookie cannot end anyone else's session.
    const stale = await signIn();
    await signOut(stale);
    await signOut(stale, { everywhere: '1' });
    await signOut('admin_session=forged.value', { everywhere: '1' });
    expect(await overview(laptop)).toBe(200);
    expect(await overview(phone)).toBe(200);
    expect((await signOut(laptop, { everywhere: '1' })).status).toBe(303);
    expect(await overview(laptop)).toBe(401);
    expect(await overview(phone)).toBe(401);
    expect(await overview(await signIn())).toBe(200); // signing in again works
  });

  it("last 12 hours by the service's clock", async () => {
    const cookie = await signIn();
    app.clock.advance(12 * 3600_000 - 1000);
    try {
      expect(await overview(cookie)).toBe(200);
      app.clock.advance(1000);
      expect(await overview(cookie)).toBe(401);
    } finally {
      app.clock.advance(-12 * 3600_000);
    }
  });

  it('end when API_TOKEN changes, on every instance sharing the database', async () => {
    const cookie = await signIn();
    const rotated = await startTestApp({ db: tdb.db, env: { API_TOKEN: 'the-rotated-api-token-0123456789' } });
    try {
      expect(await overview(cookie, rotated)).toBe(401);
      expect(await overview(await signIn(rotated, 'the-rotated-api-token-0123456789'), rotated)).toBe(200);
      // And a session made under the new token means nothing to an instance still on the old one.
      expect(await overview(await signIn(rotated, 'the-rotated-api-token-0123456789'), app)).toBe(401);
    } finally {
      await rotated.close();
    }
  });

  it("are stored as a hash, never as the cookie's secret", async () => {
    const cookie = await signIn();
    const id = cookie.split('=')[1]!.split('.')[0]!;
    const rows = JSON.stringify(await tdb.db('admin_sessions').select());
    expect(rows).not.toContain(id);
    expect(rows).not.toContain(cookie.split('.')[1]!);
  });

  it('refuse sign-out and dashboard writes that the browser says come from another site', async () => {
    const cookie = await signIn();
    const crossSite = await signOut(cookie, { everywhere: '1' }, { 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect(await overview(cookie)).toBe(200);
    const sibling = await fetch(`${app.url}/admin/api/failures/1/replay`, { method: 'POST', headers: { cookie, 'x-admin-request': '1', 'sec-fetch-site': 'same-site' } });
    expect(sibling.status).toBe(403);
    expect(((await sibling.json()) as { error: { code: string } }).error.code).toBe('csrf_check_failed');
    // From the dashboard itself, both work.
    expect((await fetch(`${app.url}/admin/api/failures/999/replay`, { method: 'POST', headers: { cookie, 'x-admin-request': '1', 'sec-fetch-site': 'same-origin' } })).status).toBe(404);
    expect((await signOut(cookie, {}, { 'sec-fetch-site': 'same-origin' })).status).toBe(303);
    expect(await overview(cookie)).toBe(401);
  });
});
