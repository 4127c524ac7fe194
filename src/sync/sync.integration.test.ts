import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useFakeHubspot, useTestApp } from '../../test/setup.js';
import * as portalRepo from '../portals/portalRepo.js';
import { SyncWorker } from './syncWorker.js';

/** The push against the fake HubSpot: exactly once, only changes, through every kind of fault. */

const PORTAL = '3131';
const fake = useFakeHubspot({ maxPerWindow: 1000, windowMs: 1000, tokens: { 'pat-sync': PORTAL }, rules: { products: { hs_sku: /^[A-Z0-9-]+$/ } } });
// The request timeout sits well above a loaded machine's reply times (a reply that is merely late
// would be retried and counted twice); the slow-reply fault waits twice as long.
const { tdb, app } = useTestApp(() => ({
  env: { HUBSPOT_ACCESS_TOKEN: 'pat-sync', HUBSPOT_PORTAL_ID: PORTAL, HUBSPOT_API_BASE_URL: fake.url, HUBSPOT_RATE_LIMIT_PER_10S: '10000', HUBSPOT_REQUEST_TIMEOUT_MS: '3000' },
}));
let worker: SyncWorker;

beforeAll(async () => {
  await portalRepo.ensurePrivateApp(tdb.db, PORTAL, new Date());
  worker = new SyncWorker(app.deps);
});
afterEach(() => fake.clearFaults());

async function push(w: SyncWorker = worker) {
  const started = await app.api('POST', '/sync/runs', {});
  expect([200, 202]).toContain(started.status);
  await w.drain();
  return (await app.api('GET', `/sync/runs/${started.body.id}`)).body;
}

const contacts = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    externalId: `${prefix}-${i}`,
    email: `${prefix}.${i}@Customer.example`,
    firstName: `First ${i}`,
    lastName: `Last ${i}`,
    company: `Company ${i}`,
    address: { city: 'Berlin', country: 'DE' },
  }));
const products = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ externalId: `${prefix}-${i}`, sku: `${prefix.toUpperCase()}-${i}`, name: `Product ${i}`, price: `${10 + i}.50`, currency: 'EUR', type: 'service' }));

/** Each local record exists exactly once in HubSpot, with the values pushed. */
function expectExactlyOnce(prefix: string, nContacts: number, nProducts: number) {
  const hsContacts = fake.records(PORTAL, 'contacts').filter((r) => r.properties.email?.startsWith(`${prefix}.`));
  expect(hsContacts).toHaveLength(nContacts);
  expect(new Set(hsContacts.map((r) => r.properties.email)).size).toBe(nContacts);
  const hsProducts = fake.records(PORTAL, 'products').filter((r) => r.properties.accounting_external_id?.startsWith(`${prefix}-`));
  expect(hsProducts).toHaveLength(nProducts);
  expect(new Set(hsProducts.map((r) => r.properties.accounting_external_id)).size).toBe(nProducts);
  return { hsContacts, hsProducts };
}

describe('the push', () => {
  it('pushes every contact and product exactly once, with their values', async () => {
    await app.api('POST', '/contacts/batch', { items: contacts('a', 250) });
    await app.api('POST', '/products/batch', { items: products('a', 150) });
    const run = await push();
    expect(run).toMatchObject({ status: 'done', total: 400, processed: 400, counts: { created: 400, updated: 0, failed: 0 } });
    const { hsContacts, hsProducts } = expectExactlyOnce('a', 250, 150);
    expect(hsContacts.find((r) => r.properties.email === 'a.7@customer.example')?.properties).toMatchObject({
      firstname: 'First 7',
      lastname: 'Last 7',
      company: 'Company 7',
      city: 'Berlin',
      country: 'DE',
    });
    expect(hsProducts.find((r) => r.properties.accounting_external_id === 'a-3')?.properties).toMatchObject({ name: 'Product 3', price: '13.5', hs_sku: 'A-3', hs_product_type: 'service' });
    // The unique property was created once, with unique values.
    expect(
      (await fetch(`${fake.url}/crm/properties/2026-09/products/accounting_external_id`, { headers: { authorization: 'Bearer pat-sync' } }).then((r) => r.json())) as { hasUniqueValue: boolean },
    ).toMatchObject({ hasUniqueValue: true });
  });

  it('sends nothing when nothing changed, then only what changed, to the same HubSpot records', async () => {
    const writesBefore = fake.stats.recordsWritten;
    const idle = await push();
    expect(idle.counts).toMatchObject({ created: 0, updated: 0, unchanged: 400 });
    expect(fake.stats.recordsWritten).toBe(writesBefore);

    const before = expectExactlyOnce('a', 250, 150);
    // The fake hands out live records: keep the ids, not the objects.
    const renamedId = before.hsContacts.find((r) => r.properties.email === 'a.1@customer.example')!.id;
    const movedId = before.hsContacts.find((r) => r.properties.email === 'a.2@customer.example')!.id;
    await app.api('PUT', '/contacts/a-1', { email: 'a.1@customer.example', firstName: 'Renamed' });
    await app.api('PUT', '/contacts/a-2', { email: 'a.2.new@customer.example', firstName: 'Moved' }); // email change
    await app.api('PUT', '/products/a-1', { sku: 'A-1', name: 'Product 1 v2', price: '99.00', currency: 'EUR' });
    const changed = await push();
    expect(changed.counts).toMatchObject({ created: 0, updated: 3, failed: 0 });
    expect(fake.stats.recordsWritten - writesBefore).toBe(3);
    const after = expectExactlyOnce('a', 250, 150);
    const byId = (list: typeof after.hsContacts, id: string) => list.find((r) => r.id === id);
    expect(byId(after.hsContacts, renamedId)?.properties.firstname).toBe('Renamed');
    expect(byId(after.hsContacts, movedId)?.properties.email).toBe('a.2.new@customer.example'); // same record, new email
    expect(after.hsProducts.find((r) => r.properties.accounting_external_id === 'a-1')?.properties.price).toBe('99');
  });

  it('archives tombstones in HubSpot', async () => {
    await app.api('DELETE', '/contacts/a-5');
    await app.api('DELETE', '/products/a-5');
    const run = await push();
    expect(run.counts.archived).toBe(2);
    expect(fake.records(PORTAL, 'contacts').some((r) => r.properties.email === 'a.5@customer.example')).toBe(false);
    expect(fake.records(PORTAL, 'contacts', true).find((r) => r.properties.email === 'a.5@customer.example')?.archived).toBe(true);
    expect(fake.records(PORTAL, 'products').some((r) => r.properties.accounting_external_id === 'a-5')).toBe(false);
  });

  it('skips contacts without an email and reports two sharing one as a conflict, merging nothing', async () => {
    await app.api('PUT', '/contacts/nomail-1', { firstName: 'No', lastName: 'Mail' });
    await app.api('PUT', '/contacts/twin-1', { email: 'twin@shared.example', firstName: 'Twin one' });
    await app.api('PUT', '/contacts/twin-2', { email: 'TWIN@shared.example', firstName: 'Twin two' });
    const run = await push();
    expect(run.counts).toMatchObject({ skipped: 1, conflicts: 2 });
    expect(fake.records(PORTAL, 'contacts').some((r) => r.properties.email === 'twin@shared.example')).toBe(false);
    const listed = await app.api('GET', `/sync/failures?portalId=${PORTAL}&include=skipped,conflict`);
    const byId = Object.fromEntries(listed.body.failures.map((f: { externalId: string }) => [f.externalId, f]));
    expect(byId['nomail-1']).toMatchObject({ state: 'skipped', reason: expect.stringContaining('no email') });
    expect(byId['twin-1']).toMatchObject({ state: 'conflict', reason: expect.stringContaining('twin-1, twin-2') });
    expect(byId['twin-2']).toMatchObject({ state: 'conflict' });
    // Fixed on the accounting side, the next push carries both.
    await app.api('PUT', '/contacts/twin-2', { email: 'twin.two@shared.example', firstName: 'Twin two' });
    const fixed = await push();
    expect(fixed.counts.created).toBe(2);
  });

  it('lists a product HubSpot refuses with its message while its batchmates land, and replays it once fixed', async () => {
    const items = products('b', 30);
    items[17]!.sku = 'bad sku!';
    await app.api('POST', '/products/batch', { items });
    const run = await push();
    expect(run.counts).toMatchObject({ created: 29, failed: 1 });
    expect(fake.records(PORTAL, 'products').filter((r) => r.properties.accounting_external_id?.startsWith('b-'))).toHaveLength(29);
    const failures = (await app.api('GET', `/sync/failures?portalId=${PORTAL}&objectType=product`)).body.failures;
    const bad = failures.find((f: { externalId: string }) => f.externalId === 'b-17');
    expect(bad).toMatchObject({ state: 'failed', error: { category: 'VALIDATION_ERROR', correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
    expect(bad.error.message).toContain('validation rule');
    // An unchanged record that failed is not sent again by later runs ...
    const writes = fake.stats.recordsWritten;
    await push();
    expect(fake.stats.recordsWritten).toBe(writes);
    // ... until the portal's rule is relaxed and an admin replays it.
    fake.options.rules = {};
    const replayed = await app.api('POST', `/sync/failures/${bad.id}/replay`);
    expect(replayed.status).toBe(202);
    await worker.drain();
    expectExactlyOnce('b', 0, 30);
  });

  it('starting the same push twice runs it once', async () => {
    await app.api('POST', '/contacts/batch', { items: contacts('twice', 20) });
    const first = await app.api('POST', '/sync/runs', { portalId: PORTAL });
    const second = await app.api('POST', '/sync/runs', { portalId: PORTAL });
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ id: first.body.id, alreadyRunning: true });
    const runs = await worker.drain();
    expect(runs).toHaveLength(1);
    expectExactlyOnce('twice', 20, 0);
  });
});

describe('the push under faults', () => {
  // Small batches make many requests, so the faults hit often: some on the first requests for
  // sure (times), the rest at random (rate).
  const faults = [
    [
      '5xx as JSON and HTML, 503',
      () => [
        fake.inject({ kind: 'status500', times: 4 }),
        fake.inject({ kind: 'status502html', times: 3 }),
        fake.inject({ kind: 'status500', rate: 0.2 }),
        fake.inject({ kind: 'status503', rate: 0.1 }),
      ],
    ],
    ['a 429 storm', () => [fake.inject({ kind: 'rateLimit', times: 6 }), fake.inject({ kind: 'rateLimit', rate: 0.2 })]],
    [
      'commit-then-fail (the write lands, the reply is lost)',
      () => [fake.inject({ kind: 'commitThenFail', times: 5, match: /batch\/(upsert|update)/ }), fake.inject({ kind: 'commitThenFail', rate: 0.4, match: /batch\/(upsert|update)/ })],
    ],
    [
      'dropped connections, 423 and slow replies',
      () => [fake.inject({ kind: 'drop', times: 3 }), fake.inject({ kind: 'status423', times: 2 }), fake.inject({ kind: 'slow', times: 2, delayMs: 6000 }), fake.inject({ kind: 'drop', rate: 0.1 })],
    ],
  ] as const;
  let stormWorker: SyncWorker;
  beforeAll(() => {
    stormWorker = new SyncWorker(app.deps, { batchSize: 10 });
  });

  for (const [name, inject] of faults) {
    it(`keeps every record exactly once through ${name}`, async () => {
      const prefix = `f${faults.findIndex(([n]) => n === name)}`;
      await app.api('POST', '/contacts/batch', { items: contacts(prefix, 300) });
      await app.api('POST', '/products/batch', { items: products(prefix, 200) });
      const injected = fake.stats.faultsInjected;
      inject();
      let run = await push(stormWorker);
      let retries = run.counts.retries;
      for (let i = 0; run.status !== 'done' || run.processed < run.total; i++) {
        // Retries due later than this run waits are left to the next one.
        expect(i).toBeLessThan(10);
        run = await push(stormWorker);
        retries += run.counts.retries;
      }
      expect(fake.stats.faultsInjected - injected).toBeGreaterThanOrEqual(7); // the faults did hit
      expect(retries).toBeGreaterThan(0);
      fake.clearFaults();
      const final = await push();
      expect(final.counts.failed).toBe(0);
      expectExactlyOnce(prefix, 300, 200);
      // Edits still arrive after the storm, to the same records.
      await app.api('PUT', `/contacts/${prefix}-0`, { email: `${prefix}.0@customer.example`, firstName: 'After the storm' });
      await push();
      const { hsContacts } = expectExactlyOnce(prefix, 300, 200);
      expect(hsContacts.find((r) => r.properties.email === `${prefix}.0@customer.example`)?.properties.firstname).toBe('After the storm');
    }, 120_000);
  }

  it("stops at once when HubSpot refuses the portal's token, keeps every record for the next push, and says what to do", async () => {
    await app.api('POST', '/contacts/batch', { items: contacts('revoked', 120) });
    const requests = fake.stats.requests;
    fake.removeToken('pat-sync'); // the private app's token rotated in HubSpot
    let run;
    try {
      run = await push();
    } finally {
      fake.addToken('pat-sync', PORTAL);
    }
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(
      /^HubSpot refused the portal's access token \(Authentication credentials not found\. This API supports OAuth 2\.0 authentication and you can find more details at https:\/\/developers\.hubspot\.com\/docs\/methods\/auth\/oauth-overview; correlation id [0-9a-f-]{36}\): put the private app's current access token in HUBSPOT_ACCESS_TOKEN and restart the service; nothing was lost, the records not yet written wait for the next push$/,
    );
    // No batch was halved into single records: a handful of calls, each refused once.
    expect(fake.stats.requests - requests).toBeLessThanOrEqual(10);
    const states = (await tdb.db.raw(
      `select state, attempts, count(*)::int as n from sync_state where portal_id = ? and object_type = 'contact' and external_id like 'revoked-%' group by state, attempts`,
      [PORTAL],
    )) as {
      rows: Array<{ state: string; attempts: number; n: number }>;
    };
    expect(states.rows).toEqual([{ state: 'pending', attempts: 0, n: 120 }]);
    expect(await push()).toMatchObject({ status: 'done', error: null });
    expectExactlyOnce('revoked', 120, 0);

    // Rotated mid-run, while the first of five batches is at HubSpot (it lands): the next batch's
    // refusal stops the run; no batch is halved into single records that each "fail".
    await app.api('POST', '/contacts/batch', { items: contacts('midrun', 250) });
    const oneLane = new SyncWorker(app.deps, { lanes: 1, batchSize: 50 });
    let removedAt: number | undefined;
    fake.onWrite = (e) => {
      if (e.phase !== 'received' || !/contacts\/batch\//.test(e.route) || removedAt !== undefined) return;
      fake.removeToken('pat-sync');
      removedAt = fake.stats.requests;
    };
    let midRun;
    try {
      midRun = await push(oneLane);
    } finally {
      fake.onWrite = undefined;
      fake.addToken('pat-sync', PORTAL);
    }
    expect(midRun.status).toBe('failed');
    expect(midRun.error).toMatch(/^HubSpot refused the portal's access token \(Authentication credentials not found\./);
    expect(fake.stats.requests - removedAt!).toBeLessThanOrEqual(3);
    const left = (await tdb.db.raw(
      `select state, attempts, count(*)::int as n from sync_state where portal_id = ? and object_type = 'contact' and external_id like 'midrun-%' group by state, attempts order by state`,
      [PORTAL],
    )) as { rows: Array<{ state: string; attempts: number; n: number }> };
    expect(left.rows).toEqual([
      { state: 'pending', attempts: 0, n: 200 },
      { state: 'synced', attempts: 0, n: 50 },
    ]);
    expect(await push()).toMatchObject({ status: 'done', error: null });
    expectExactlyOnce('midrun', 250, 0);
  });

  it('pauses the portal at the daily limit, and picks up after the pause', async () => {
    await app.api('POST', '/contacts/batch', { items: contacts('daily', 10) });
    fake.inject({ kind: 'daily', times: 1 });
    const run = await push();
    expect(run.status).toBe('paused');
    expect(run.error).toMatch(/daily/i);
    const portal = await portalRepo.get(tdb.db, PORTAL);
    expect(portal?.pausedUntil?.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    const whilePaused = await push();
    expect(whilePaused.status).toBe('paused');
    await portalRepo.pause(tdb.db, PORTAL, null, null, new Date()); // the hour has passed
    const after = await push();
    expect(after.status).toBe('done');
    expectExactlyOnce('daily', 10, 0);
  });
});

describe("the portal's push settings", () => {
  it('turns the push off and on', async () => {
    expect((await app.api('PATCH', `/portals/${PORTAL}`, { pushEnabled: false })).body).toMatchObject({ pushEnabled: false });
    const refused = await app.api('POST', '/sync/runs', { portalId: PORTAL });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('push_disabled');
    expect((await app.api('PATCH', `/portals/${PORTAL}`, { pushEnabled: true })).status).toBe(200);
    expect((await push()).status).toBe('done');
  });

  it('renames the unique product property: HubSpot gets it, and products already there carry it too, without duplicates', async () => {
    await app.api('POST', '/products/batch', { items: products('ren', 20) });
    await push();
    const bad = await app.api('PATCH', `/portals/${PORTAL}`, { productIdProperty: 'ERP id' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('productIdProperty');
    expect((await app.api('PATCH', `/portals/${PORTAL}`, { productIdProperty: 'erp_product_id' })).body).toMatchObject({ productIdProperty: 'erp_product_id' });

    const { externalId: _id, ...fresh } = products('ren', 21)[20]!;
    expect((await app.api('PUT', '/products/ren-20', fresh)).status).toBe(201);
    const run = await push();
    expect(run.status).toBe('done');
    const all = fake.records(PORTAL, 'products');
    const renamed = all.filter((r) => r.properties.erp_product_id?.startsWith('ren-'));
    expect(renamed).toHaveLength(21);
    expect(new Set(renamed.map((r) => r.properties.erp_product_id)).size).toBe(21);
    expect(all.filter((r) => r.properties.accounting_external_id?.startsWith('ren-'))).toHaveLength(20); // the old value stays on the old ones
    // Every product pushed before carries the new property now (sent again, updated by id): no product lacks it.
    expect(all.filter((r) => !r.properties.erp_product_id)).toEqual([]);
    await app.api('PATCH', `/portals/${PORTAL}`, { productIdProperty: 'accounting_external_id' });
    await push();
  });
});
