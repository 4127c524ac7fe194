import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, vi } from 'vitest';
import { FakeHubspot, type FakeHubspotOptions } from './fakeHubspot/fakeHubspot.js';
import { requireBuild, serviceStorage } from './serviceProcess.js';
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

/**
 * Lets the file's expect.poll calls wait up to `ms` when they name no timeout of their own
 * (vitest's default is 1 s): for polls on a browser, or on a row written after the answer was
 * sent, which a loaded machine can take longer than a second to show. Vitest resets the setting
 * after the file.
 */
export function usePollTimeout(ms: number): void {
  beforeAll(() => {
    vi.setConfig({ expect: { poll: { timeout: ms } } });
  });
}

/** Where a file's spawned services keep their data: serviceStorage's prefix, or a database of the file's own. */
export type ServiceStorage = string | TestDb;

/**
 * For a file that spawns the built service (serviceProcess.ts): `env` is what each service runs
 * with, its storage (a PGlite folder, or a fresh PostgreSQL database with TEST_DATABASE_URL; or
 * the given database) and then `env()`, filled in by beforeAll after the build is checked. The
 * file's startService calls register their children in `children`: afterAll SIGKILLs them, then
 * drops the storage.
 */
export function useServiceProcesses(options: { storage: ServiceStorage; env: () => Record<string, string> }): { env: Record<string, string>; children: ChildProcess[] } {
  const env: Record<string, string> = {};
  const children: ChildProcess[] = [];
  let storage: Awaited<ReturnType<typeof serviceStorage>> | undefined;
  beforeAll(async () => {
    requireBuild();
    if (typeof options.storage === 'string') storage = await serviceStorage(options.storage);
    Object.assign(env, typeof options.storage === 'string' ? storage!.env : { DATABASE_URL: options.storage.url! }, options.env());
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await storage?.destroy();
  });
  return { env, children };
}
