import { afterAll, beforeAll } from 'vitest';
import { FakeHubspot, type FakeHubspotOptions } from './fakeHubspot/fakeHubspot.js';
import { startTestApp, type TestApp, type TestAppOptions } from './testApp.js';
import { createTestDb, type TestDb } from './testDb.js';

/**
 * The hooks a test file registers for what it runs against: a fresh database, the app on it, a
 * fake HubSpot. Each `useX()` registers a beforeAll that starts the thing and an afterAll that
 * stops it, so a file writes its setup once, at the top. Vitest runs beforeAll hooks in the order
 * they were registered and afterAll hooks in reverse: call `useFakeHubspot` before `useTestApp`
 * when the app's env names the fake, and the app closes before its database and the fake stop.
 *
 * The handles are returned at once and filled in by the beforeAll (the fake is made at once and
 * started by it): read them in hooks and tests, never at the top level of the file.
 */

/** A fresh, migrated database for the file (see createTestDb), dropped after its tests. */
export function useTestDb(): TestDb {
  const tdb = {} as TestDb;
  let opened: TestDb | undefined;
  beforeAll(async () => {
    opened = await createTestDb();
    Object.assign(tdb, opened);
  });
  afterAll(async () => {
    await opened?.destroy();
  });
  return tdb;
}

/**
 * A fresh database and the app on it for the file (see startTestApp). `options` may be a function,
 * called in beforeAll, when they depend on something started before (a fake's URL).
 */
export function useTestApp(options: Omit<TestAppOptions, 'db'> | (() => Omit<TestAppOptions, 'db'>) = {}): { tdb: TestDb; app: TestApp } {
  const tdb = useTestDb();
  const app = {} as TestApp;
  let started: TestApp | undefined;
  beforeAll(async () => {
    started = await startTestApp({ db: tdb.db, ...(typeof options === 'function' ? options() : options) });
    Object.assign(app, started);
  });
  afterAll(async () => {
    await started?.close();
  });
  return { tdb, app };
}

/** A fake HubSpot for the file, listening from beforeAll on (its `url` is set then). */
export function useFakeHubspot(options: FakeHubspotOptions): FakeHubspot {
  const fake = new FakeHubspot(options);
  beforeAll(async () => {
    await fake.start();
  });
  afterAll(async () => {
    await fake.stop();
  });
  return fake;
}
