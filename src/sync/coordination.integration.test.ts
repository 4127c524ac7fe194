import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDb } from '../../test/setup.js';
import { contactKind } from '../catalog/catalogKinds.js';
import { upsertMany } from '../catalog/catalogRepo.js';
import { createDb, type Db } from '../db/db.js';
import * as portalRepo from '../portals/portalRepo.js';
import { RateBudget } from './rateBudget.js';
import * as syncRunRepo from './syncRunRepo.js';
import * as syncStateRepo from './syncStateRepo.js';
import { isDeadWorker, newWorkerId, releaseWorkerId } from './workerIdentity.js';

/**
 * What keeps several workers apart, through the database alone. On PostgreSQL (TEST_DATABASE_URL)
 * the second worker has its own connection pool, as another process would; on PGlite both share
 * the embedded database.
 */

const PORTAL = '5151';
const tdb = useTestDb();
let other: Db;

beforeAll(async () => {
  other = tdb.url ? createDb({ databaseUrl: tdb.url, poolMax: 10 }) : tdb.db;
  await portalRepo.ensurePrivateApp(tdb.db, PORTAL, new Date());
  const items = Array.from({ length: 1000 }, (_, i) => ({ externalId: `c-${i}`, input: { email: `c${i}@coord.example`, firstName: `C${i}` } }));
  await upsertMany(tdb.db, contactKind, items, new Date());
});
afterAll(async () => {
  if (other !== tdb.db) await other.destroy();
});

/** Makes `worker` the live runner of the portal's run (one run per portal at a time). */
async function runFor(worker: string) {
  await tdb.db('sync_runs').where({ portal_id: PORTAL }).whereIn('status', ['queued', 'running']).update({ status: 'done' });
  const { run } = await syncRunRepo.startRun(tdb.db, PORTAL, 'api');
  await tdb.db('sync_runs').where({ id: run.id }).update({ status: 'running', worker, heartbeat_at: tdb.db.fn.now() });
  return run;
}

describe('record claims', () => {
  it('never hand the same record to two lanes, however they race across connections', async () => {
    await syncStateRepo.enqueue(tdb.db, PORTAL);
    await runFor('worker-a');
    const claims = await Promise.all(Array.from({ length: 24 }, (_, i) => syncStateRepo.claim(i % 2 ? other : tdb.db, PORTAL, 'contact', 'worker-a', 50)));
    const ids = claims.flat().map((c) => c.externalId);
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    // Both pools got work (the race was real, not serialised by one side).
    expect(claims.filter((c, i) => i % 2 === 1 && c.length > 0).length).toBeGreaterThan(0);
    expect(claims.filter((c, i) => i % 2 === 0 && c.length > 0).length).toBeGreaterThan(0);
    // Nobody had claimed them before: none is suspected sent.
    expect(claims.flat().filter((c) => c.inFlightSince)).toEqual([]);
  });

  it("hold while their worker's run is alive, and pass on, flagged in flight, once it is not", async () => {
    // A's run is alive: B finds nothing to take.
    expect(await syncStateRepo.claim(other, PORTAL, 'contact', 'worker-b', 100)).toEqual([]);
    // A's heartbeat goes stale (it hangs, or died on another machine): its claims lapse.
    await tdb
      .db('sync_runs')
      .where({ worker: 'worker-a' })
      .update({ heartbeat_at: tdb.db.raw(`now() - interval '${syncRunRepo.RUN_STALE_SECONDS + 1} seconds'`) });
    const taken = await syncStateRepo.claim(other, PORTAL, 'contact', 'worker-b', 100);
    expect(taken).toHaveLength(100);
    // A may have sent them before it stopped: B must find out what HubSpot holds before writing.
    expect(taken.every((c) => c.inFlightSince instanceof Date)).toBe(true);
    // A's outcome for a row B now holds is not written.
    await syncStateRepo.record(tdb.db, 'contact', 'worker-a', [
      {
        stateId: taken[0]!.stateId,
        state: 'synced',
        hubspotId: '999',
        pushedVersion: taken[0]!.version,
        pushedHash: null,
        reason: null,
        error: null,
        failedVersion: null,
        attempts: 0,
        nextAttemptAt: null,
      },
    ]);
    expect(await tdb.db('sync_state').where({ id: taken[0]!.stateId }).first()).toMatchObject({ claimed_by: 'worker-b', state: 'pending', hubspot_id: null });
  });
});

describe('the run', () => {
  it('is taken over at once from a worker known dead, with its claims', async () => {
    await tdb.db.raw(`update sync_state set claimed_by = null, claimed_at = null, in_flight_since = null, state = 'pending'`);
    await tdb.db('sync_runs').whereIn('status', ['queued', 'running']).update({ status: 'done' });
    const dead = newWorkerId();
    releaseWorkerId(dead); // this process no longer runs it: as if it had crashed
    expect(isDeadWorker(dead)).toBe(true);
    const { run } = await syncRunRepo.startRun(tdb.db, PORTAL, 'api');
    expect((await syncRunRepo.claimRun(tdb.db, dead, 30))?.id).toBe(run.id);
    const claimed = await syncStateRepo.claim(tdb.db, PORTAL, 'contact', dead, 100);
    expect(claimed).toHaveLength(100);

    const alive = newWorkerId();
    expect(isDeadWorker(alive)).toBe(false);
    // A live worker's run is not taken (its heartbeat is fresh)...
    expect(await syncRunRepo.claimRun(other, 'someone-else', 30, () => false)).toBeUndefined();
    // ...a dead one's is, with its claims.
    const taken = await syncRunRepo.claimRun(other, alive, 30, isDeadWorker);
    expect(taken).toMatchObject({ id: run.id, worker: alive, status: 'running' });
    // The dead worker's rows are the new worker's to take, flagged as possibly sent.
    const inherited = await syncStateRepo.claim(other, PORTAL, 'contact', alive, 1000);
    expect(
      inherited
        .filter((c) => c.inFlightSince)
        .map((c) => c.stateId)
        .sort(),
    ).toEqual(claimed.map((c) => c.stateId).sort());
    releaseWorkerId(alive);
  });

  it('is not taken from a worker on another machine until its heartbeat is stale', () => {
    expect(isDeadWorker('elsewhere~4026531836:1:abcd')).toBe(false);
    expect(isDeadWorker(null)).toBe(false);
    expect(isDeadWorker('garbage')).toBe(false);
  });
});

describe('the rate budget', () => {
  // HubSpot's headers name a 1-second window of 20 requests; with two to spare, 18.
  const headers = { 'x-hubspot-ratelimit-max': '20', 'x-hubspot-ratelimit-interval-milliseconds': '1000' };

  it('is shared: two workers together get one rolling window, not two', async () => {
    const a = new RateBudget(tdb.db, PORTAL, 1000);
    const b = new RateBudget(other, PORTAL, 1000);
    a.adapt(headers);
    b.adapt(headers);
    expect(a.window).toEqual({ capacity: 18, windowMs: 1000 });
    const granted: number[] = [];
    const started = Date.now();
    await Promise.all(
      [a, b].map(async (budget) => {
        // The slot each request was given (it goes then or later, never earlier): what the
        // budget decided, not when a busy machine got round to reading the clock afterwards.
        for (let i = 0; i < 30; i++) granted.push(await budget.take());
      }),
    );
    granted.sort((x, y) => x - y);
    // A full window goes at once ...
    expect(granted[17]! - started).toBeLessThan(800);
    // ... and then no request is less than a window after the one 18 before it (a few ms of timer
    // slack allowed): 60 requests need 4 windows' worth, so 3 s and more, where two separate
    // budgets would have sent all 60 within about 2 s.
    for (let i = 18; i < granted.length; i++) expect(granted[i]! - granted[i - 18]!).toBeGreaterThanOrEqual(980);
    expect(granted[59]! - started).toBeGreaterThanOrEqual(2980);
  });

  it('holds every request back after a 429, and takes the lower of the configured and the learned limit', async () => {
    const budget = new RateBudget(tdb.db, PORTAL, 1000);
    budget.adapt(headers);
    await budget.backOff(600);
    const t0 = Date.now();
    await budget.take();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);

    // Configured 100 per 10 s is less than HubSpot's 20 per second: the configured rate holds,
    // over HubSpot's 1-second window (which also bounds bursts).
    const strict = new RateBudget(tdb.db, PORTAL, 100);
    strict.adapt(headers);
    expect(strict.window).toEqual({ capacity: 9, windowMs: 1000 });
    // Configured 1,000 per 10 s allows more than HubSpot's 20 per second: HubSpot's holds.
    expect(budget.window).toEqual({ capacity: 18, windowMs: 1000 });
    // Before any answer, a tenth of the configured limit per second (never a 10-second burst).
    expect(new RateBudget(tdb.db, 'not-a-portal', 190).window).toEqual({ capacity: 18, windowMs: 1000 });
  });
});
