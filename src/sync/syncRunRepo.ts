import type { Db } from '../db/db.js';

/**
 * The runs (sync_runs): one row per push of one portal, queued, running, then done, failed or
 * paused. The strategy, graphile-worker's:
 * - one live run per portal: a partial unique index on portal_id where the run is queued or
 *   running makes "start a push" a job-key dedupe; starting twice starts once (startRun);
 * - a worker takes a run with FOR UPDATE SKIP LOCKED, so workers in several processes never take
 *   the same one and never wait on each other (claimRun);
 * - the running worker proves itself alive with a heartbeat every second (heartbeat); a run whose
 *   heartbeat is older than RUN_STALE_SECONDS has lost its worker and is taken over, its record
 *   claims with it (syncStateRepo.claim asks the same question), so nothing needs renewing or
 *   releasing when a worker dies;
 * - a worker that stops hands its run back to the queue (requeueRun) instead of failing it.
 */

/** A running run whose heartbeat is older than this has lost its worker: its run and claims are taken over. */
export const RUN_STALE_SECONDS = 30;

export type RunStatus = 'queued' | 'running' | 'done' | 'failed' | 'paused';
export type RunTrigger = 'api' | 'interval' | 'cli' | 'replay';

export interface RunCounts {
  created: number;
  updated: number;
  unchanged: number;
  archived: number;
  skipped: number;
  conflicts: number;
  failed: number;
  retries: number;
  rateLimited: number;
  /** Of the failed: not sent, since they break a portal validation rule read when the push started. */
  refusedUpFront: number;
  /** Deals whose billing properties were written (not in created/updated, which count contacts and products). */
  dealsWritten: number;
  /** Invoice events written onto deal timelines as notes. */
  notesWritten: number;
}

/** Counts of a run that has pushed nothing yet. */
export const emptyCounts = (): RunCounts => ({
  created: 0,
  updated: 0,
  unchanged: 0,
  archived: 0,
  skipped: 0,
  conflicts: 0,
  failed: 0,
  retries: 0,
  rateLimited: 0,
  refusedUpFront: 0,
  dealsWritten: 0,
  notesWritten: 0,
});

/** How far a run has got: what heartbeats save and a run ends with. */
export interface RunProgress {
  total: number;
  processed: number;
  counts: RunCounts;
}

export interface SyncRun {
  id: string;
  portalId: string;
  trigger: RunTrigger;
  status: RunStatus;
  total: number;
  processed: number;
  counts: RunCounts;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  heartbeatAt: Date | null;
  /** The worker (host~pid-namespace:pid:nonce) running it, or that last ran it. */
  worker: string | null;
}

interface DbRun {
  id: string;
  portal_id: string;
  trigger: RunTrigger;
  status: RunStatus;
  total: number;
  processed: number;
  counts: Partial<RunCounts> | string;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  heartbeat_at: Date | null;
  worker: string | null;
}

const toRun = (r: DbRun): SyncRun => ({
  id: String(r.id),
  portalId: String(r.portal_id),
  trigger: r.trigger,
  status: r.status,
  total: r.total,
  processed: r.processed,
  counts: { ...emptyCounts(), ...(typeof r.counts === 'string' ? (JSON.parse(r.counts) as Partial<RunCounts>) : r.counts) },
  error: r.error,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  heartbeatAt: r.heartbeat_at,
  worker: r.worker,
});

/**
 * Queues a run for the portal, or returns the one already queued or running (a partial unique
 * index allows one): starting a push twice starts it once.
 */
export async function startRun(db: Db, portalId: string, trigger: RunTrigger): Promise<{ run: SyncRun; created: boolean }> {
  const inserted = (await db.raw(
    `insert into sync_runs (portal_id, trigger, status) values (?, ?, 'queued')
     on conflict (portal_id) where status in ('queued', 'running') do nothing returning *`,
    [portalId, trigger],
  )) as { rows: DbRun[] };
  if (inserted.rows[0]) return { run: toRun(inserted.rows[0]), created: true };
  const existing = (await db('sync_runs').where({ portal_id: portalId }).whereIn('status', ['queued', 'running']).first()) as DbRun | undefined;
  if (existing) return { run: toRun(existing), created: false };
  return startRun(db, portalId, trigger); // it finished between the two statements
}

/** One run, by id. */
export async function getRun(db: Db, id: string): Promise<SyncRun | undefined> {
  const row = (await db('sync_runs').where({ id }).first()) as DbRun | undefined;
  return row ? toRun(row) : undefined;
}

/** The latest runs, newest first, of one portal or of all. */
export async function listRuns(db: Db, portalId: string | undefined, limit: number): Promise<SyncRun[]> {
  const q = db('sync_runs').orderBy('id', 'desc').limit(limit);
  if (portalId) q.where({ portal_id: portalId });
  return ((await q) as DbRun[]).map(toRun);
}

/**
 * Takes a run for `worker`: first a running one whose worker is known dead (`isDead`: it crashed
 * on this machine), then the oldest queued one, or a running one whose heartbeat is older than
 * `staleSeconds` (its worker is gone or cut off). The old worker's claims lapse with the run.
 */
export async function claimRun(db: Db, worker: string, staleSeconds: number, isDead: (worker: string | null) => boolean = () => false): Promise<SyncRun | undefined> {
  const running = (await db('sync_runs').where({ status: 'running' }).select('id', 'worker')) as Array<{ id: string; worker: string | null }>;
  for (const candidate of running.filter((x) => isDead(x.worker))) {
    const taken = (await db.raw(`update sync_runs set worker = ?, heartbeat_at = now() where id = ? and status = 'running' and worker = ? returning *`, [worker, candidate.id, candidate.worker])) as {
      rows: DbRun[];
    };
    if (taken.rows[0]) return toRun(taken.rows[0]);
  }
  const r = (await db.raw(
    `update sync_runs set status = 'running', worker = ?, heartbeat_at = now(), started_at = coalesce(started_at, now())
     where id = (
       select id from sync_runs
       where status = 'queued' or (status = 'running' and heartbeat_at < now() - make_interval(secs => ?))
       order by id limit 1 for update skip locked)
     returning *`,
    [worker, staleSeconds],
  )) as { rows: DbRun[] };
  return r.rows[0] ? toRun(r.rows[0]) : undefined;
}

/** Saves progress and proves the worker (and so its claims) alive; false when the run is no longer this worker's. */
export async function heartbeat(db: Db, runId: string, worker: string, progress: RunProgress): Promise<boolean> {
  const n = await db('sync_runs')
    .where({ id: runId, worker, status: 'running' })
    .update({ heartbeat_at: db.fn.now(), total: progress.total, processed: progress.processed, counts: JSON.stringify(progress.counts) });
  return n > 0;
}

/** Hands a run back to the queue (its worker is stopping; another one, or the next start, carries on). */
export async function requeueRun(db: Db, runId: string, worker: string, progress: RunProgress): Promise<void> {
  await db('sync_runs')
    .where({ id: runId, worker, status: 'running' })
    .update({ status: 'queued', worker: null, total: progress.total, processed: progress.processed, counts: JSON.stringify(progress.counts) });
}

/** Ends a run as done, failed or paused, with its final progress (only while it is still `worker`'s). */
export async function finishRun(db: Db, runId: string, worker: string, status: Extract<RunStatus, 'done' | 'failed' | 'paused'>, progress: RunProgress, error: string | null): Promise<void> {
  await db('sync_runs')
    .where({ id: runId, worker })
    .update({ status, finished_at: db.fn.now(), heartbeat_at: db.fn.now(), total: progress.total, processed: progress.processed, counts: JSON.stringify(progress.counts), error });
}
