import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/testDb.js';
import { contactKind } from '../catalog/catalogKinds.js';
import { upsertMany } from '../catalog/catalogRepo.js';
import { createDb, type Db } from '../db/db.js';
import * as portalRepo from '../portals/portalRepo.js';
import { RateBudget } from './rateBudget.js';
import * as syncRepo from './syncRepo.js';
import { isDeadWorker, newWorkerId, releaseWorkerId } from './workerIdentity.js';

/**
 * What keeps several workers apart, through the database alone. On PostgreSQL (TEST_DATABASE_URL)
 * the second worker has its own connection pool, as another process would; on PGlite both share
 * the embedded database.
 */

const PORTAL = '5151';
let tdb: TestDb;
let other: Db;

beforeAll(async () => {
  tdb = await createTestDb();
  other = tdb.url ? createDb({ databaseUrl: tdb.url, poolMax: 10 }) : tdb.db;
  await portalRepo.ensurePrivateApp(tdb.db, PORTAL, new Date());
  const items = Array.from({ length: 1000 }, (_, i) => ({ externalId: `c-${i}`, input: { email: `c${i}@coord.example`, firstName: `C${i}` } }));
  await upsertMany(tdb.db, contactKind, items, new Date());
});
afterAll(async () => {
  if (other !== tdb.db) await other.destroy();
  await tdb.destroy();
});

describe('record claims', () => {
  it('never hand the same record to two workers, however they race', async () => {
    await syncRepo.enqueue(tdb.db, PORTAL);
    const claims = await Promise.all(
      Array.from({ length: 24 }, (_, i) => syncRepo.claim(i % 2 ? other : tdb.db, PORTAL, 'contact', `worker-${i % 2}-${i}`, 50)),
    );
    const ids = claims.flat().map((c) => c.externalId);
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    // Both pools got work (the race was real, not serialised by one side).
    expect(claims.filter((c, i) => i % 2 === 1 && c.length > 0).length).toBeGreaterThan(0);
    expect(claims.filter((c, i) => i % 2 === 0 && c.length > 0).length).toBeGreaterThan(0);
  });

  it('are not sent once their lease has lapsed, and a lapsed lease can go to another worker', async () => {
    // Every record is claimed by now; give three back and let worker A claim them.
    await tdb.db.raw(`update sync_state set claimed_by = null, claimed_until = null where external_id in ('c-1', 'c-2', 'c-3')`);
    const mine = await syncRepo.claim(tdb.db, PORTAL, 'contact', 'lease-a', 10);
    expect(mine.map((c) => c.externalId).sort()).toEqual(['c-1', 'c-2', 'c-3']);
    // A stalls past its lease; B claims two of them.
    await tdb.db.raw(`update sync_state set claimed_until = now() - interval '1 second' where claimed_by = 'lease-a'`);
    const theirs = await syncRepo.claim(other, PORTAL, 'contact', 'lease-b', 2);
    expect(theirs).toHaveLength(2);
    // A wakes up: nothing is still its own to send (two are B's, the third's lease lapsed).
    expect([...(await syncRepo.markInFlight(tdb.db, mine.map((c) => c.stateId), 'lease-a'))]).toEqual([]);
    expect((await syncRepo.markInFlight(other, theirs.map((c) => c.stateId), 'lease-b')).size).toBe(2);
  });
});

describe('the run', () => {
  it('is taken over at once from a worker known dead, and its claims are released', async () => {
    await tdb.db.raw(`update sync_state set claimed_by = null, claimed_until = null, state = 'pending'`);
    const dead = newWorkerId();
    releaseWorkerId(dead); // this process no longer runs it: as if it had crashed
    expect(isDeadWorker(dead)).toBe(true);
    const { run } = await syncRepo.startRun(tdb.db, PORTAL, 'api');
    expect((await syncRepo.claimRun(tdb.db, dead, 30))?.id).toBe(run.id);
    const claimed = await syncRepo.claim(tdb.db, PORTAL, 'contact', dead, 100);
    expect(claimed).toHaveLength(100);

    const alive = newWorkerId();
    expect(isDeadWorker(alive)).toBe(false);
    // A live worker's run is not taken (its heartbeat is fresh)...
    expect(await syncRepo.claimRun(other, 'someone-else', 30, () => false)).toBeUndefined();
    // ...a dead one's is, with its claims.
    const taken = await syncRepo.claimRun(other, alive, 30, isDeadWorker);
    expect(taken).toMatchObject({ id: run.id, worker: alive, status: 'running' });
    const stillClaimed = await tdb.db('sync_state').where({ claimed_by: dead }).count<Array<{ count: string }>>({ count: '*' });
    expect(Number(stillClaimed[0]!.count)).toBe(0);
    releaseWorkerId(alive);
  });

  it('is not taken from a worker on another machine until its heartbeat is stale', () => {
    expect(isDeadWorker('elsewhere~4026531836:1:abcd')).toBe(false);
    expect(isDeadWorker(null)).toBe(false);
    expect(isDeadWorker('garbage')).toBe(false);
  });
});

describe('the rate budget', () => {
  it('is shared: two workers together get one portal\'s pace, not twice it', async () => {
    const perTenSeconds = 1000; // one slot every ~10.3 ms with the safety margin
    const a = new RateBudget(tdb.db, PORTAL, perTenSeconds);
    const b = new RateBudget(other, PORTAL, perTenSeconds);
    const granted: number[] = [];
    const started = Date.now();
    await Promise.all(
      [a, b].map(async (budget) => {
        for (let i = 0; i < 60; i++) {
          await budget.take();
          granted.push(Date.now());
        }
      }),
    );
    const spacing = a.spacingMs;
    const elapsed = Date.now() - started;
    // 120 slots, evenly spaced, need 119 spacings; two independent budgets would take half that.
    expect(elapsed).toBeGreaterThanOrEqual(119 * spacing * 0.9);
    // No 1-second window held more than the limit allows per second.
    granted.sort((x, y) => x - y);
    let peak = 0;
    for (let i = 0, j = 0; i < granted.length; i++) {
      while (granted[i]! - granted[j]! >= 1000) j++;
      peak = Math.max(peak, i - j + 1);
    }
    expect(peak).toBeLessThanOrEqual(perTenSeconds / 10);
  });
});
