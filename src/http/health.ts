import type { Handler } from './handler.js';
import { pendingMigrations } from '../db/migrate.js';

const READY_TIMEOUT_MS = 2000;

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref())]);

/**
 * GET /readyz: 200 when the database answers and no migration is pending, else 503 saying which
 * check failed (a load balancer sends traffic elsewhere; /healthz only says the process lives).
 */
export const getReadyz: Handler = async (deps, _req, res) => {
  const checks: Record<string, string> = {};
  let ready = true;
  try {
    await within(deps.db.raw('select 1'), READY_TIMEOUT_MS, 'the database');
    checks.database = 'ok';
    const pending = await within(pendingMigrations(deps.db), READY_TIMEOUT_MS, 'the migration table');
    checks.migrations = pending.length === 0 ? 'current' : `${pending.length} pending: run "npm run db:migrate"`;
    if (pending.length > 0) ready = false;
  } catch (err) {
    ready = false;
    checks.database ??= `unreachable: ${(err as Error).message}`;
  }
  res
    .status(ready ? 200 : 503)
    .set('Cache-Control', 'no-store')
    .json({ status: ready ? 'ready' : 'not_ready', checks });
};
