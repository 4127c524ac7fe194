import type { Deps } from '../deps.js';
import { decidePortal } from '../portals/portalAccess.js';
import * as portalRepo from '../portals/portalRepo.js';
import { oauthClient } from '../portals/portalTokens.js';
import * as revocations from '../portals/revocations.js';
import { todayUtc } from '../invoices/invoice.js';
import * as dealStateRepo from './dealStateRepo.js';
import { executeRun, type RunOptions } from './runSync.js';
import * as syncRunRepo from './syncRunRepo.js';
import type { SyncRun } from './syncRunRepo.js';
import { isDeadWorker, newWorkerId, releaseWorkerId } from './workerIdentity.js';

/** How often the worker looks for grants due to be given back to HubSpot (pending_revocations). */
const REVOCATIONS_EVERY_MS = 10_000;

/**
 * Executes queued push runs: those started through the API or CLI, and, every
 * SYNC_INTERVAL_SECONDS (0 turns this off), one per active portal. Workers in several processes
 * coordinate through the database only: a run is claimed with SKIP LOCKED, records with claims
 * that hold while the run's heartbeat is fresh (a worker that crashed on this machine is
 * recognised at once), and the rate budget is a row. runOnce() is one iteration, callable on its
 * own (tests never sleep); start() loops it.
 */
export class SyncWorker {
  readonly id: string;
  private timer: NodeJS.Timeout | undefined;
  private controller = new AbortController();
  private current: Promise<unknown> | undefined;
  private lastInterval = 0;
  private lastRevocations = 0;
  /** The UTC day (deps.clock) the worker last looked for deals gone overdue. */
  private overdueCheckedOn: string | undefined;
  private revoking: Promise<unknown> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly deps: Deps,
    private readonly options: Partial<Pick<RunOptions, 'lanes' | 'batchSize' | 'onBatch'>> & { pollMs?: number } = {},
  ) {
    this.id = newWorkerId();
  }

  /** Claims one queued (or abandoned) run and executes it; undefined when there was none. */
  async runOnce(): Promise<SyncRun | undefined> {
    // The claim counts as work in progress too: a stop that arrives while it is in flight waits
    // for it, and a run claimed as the worker stops is handed straight back, not started.
    const work = (async () => {
      if (this.stopping) return undefined;
      const run = await syncRunRepo.claimRun(this.deps.db, this.id, syncRunRepo.RUN_STALE_SECONDS, isDeadWorker);
      if (!run) return undefined;
      if (this.stopping) {
        await syncRunRepo.requeueRun(this.deps.db, run.id, this.id, run);
        return (await syncRunRepo.getRun(this.deps.db, run.id)) ?? run;
      }
      return executeRun(this.deps, run, { worker: this.id, signal: this.controller.signal, ...this.options });
    })();
    this.current = work;
    try {
      return await work;
    } finally {
      if (this.current === work) this.current = undefined;
    }
  }

  /** Runs queued runs until none is left. */
  async drain(): Promise<SyncRun[]> {
    const done: SyncRun[] = [];
    for (let run = await this.runOnce(); run; run = await this.runOnce()) done.push(run);
    return done;
  }

  /** Queues a run for every active, push-enabled, unpaused portal that has none. */
  async scheduleIntervalRuns(now = new Date()): Promise<void> {
    for (const p of await portalRepo.list(this.deps.db)) {
      if (p.status !== 'active' || !p.pushEnabled || (p.pausedUntil && p.pausedUntil > now)) continue;
      if (!(await decidePortal(this.deps, p.portalId)).ok) continue;
      await syncRunRepo.startRun(this.deps.db, p.portalId, 'interval');
    }
  }

  /**
   * An invoice falls due with no event: once per UTC day (by deps.clock), whatever
   * SYNC_INTERVAL_SECONDS says, queues a run for every served portal with deal properties on
   * that has a deal whose open invoice fell due since its values were computed. The run re-marks
   * and writes those deals. Returns the portals queued.
   */
  async scheduleOverdueRuns(): Promise<string[]> {
    const today = todayUtc(this.deps.clock.now());
    if (this.overdueCheckedOn === today) return [];
    const queued: string[] = [];
    // The day counts as looked at only once every such portal has a run of today's: a run already
    // queued or running may have started yesterday (it computes "overdue" as of its start), and a
    // paused or refused portal is looked at again until it can be pushed.
    let done = true;
    for (const p of await portalRepo.list(this.deps.db)) {
      if (p.status !== 'active' || !p.pushEnabled || !p.dealPropertiesEnabled) continue;
      if (!(await dealStateRepo.hasNewlyOverdue(this.deps.db, p.portalId, today))) continue;
      if ((p.pausedUntil && p.pausedUntil > this.deps.clock.now()) || !(await decidePortal(this.deps, p.portalId)).ok) {
        done = false;
        continue;
      }
      const { created } = await syncRunRepo.startRun(this.deps.db, p.portalId, 'interval');
      if (created) queued.push(p.portalId);
      else done = false;
    }
    if (done) this.overdueCheckedOn = today;
    return queued;
  }

  /**
   * Retries the grants HubSpot has not yet confirmed giving back (a failed disconnect's revoke, a
   * failed or refused install's; see portals/revocations.ts), those that are due.
   */
  async retryRevocations(): Promise<{ revoked: number; failed: number }> {
    const oauth = oauthClient(this.deps);
    if (!oauth || !this.deps.config.tokenEncryptionKey) return { revoked: 0, failed: 0 };
    return revocations.retryDue(this.deps, oauth);
  }

  start(): void {
    const pollMs = this.options.pollMs ?? 1000;
    const intervalMs = this.deps.config.syncIntervalSeconds * 1000;
    let busy = false;
    const tick = async () => {
      if (this.stopping || busy) return;
      busy = true;
      if (this.timer) clearTimeout(this.timer);
      try {
        if (intervalMs > 0 && Date.now() - this.lastInterval >= intervalMs) {
          this.lastInterval = Date.now();
          await this.scheduleIntervalRuns();
        }
        await this.scheduleOverdueRuns();
        // Beside the push, not in its way: a HubSpot that does not answer holds these up, not runs.
        if (!this.revoking && Date.now() - this.lastRevocations >= REVOCATIONS_EVERY_MS) {
          this.lastRevocations = Date.now();
          this.revoking = this.retryRevocations()
            .catch((err: Error) => this.deps.log.error('retrying pending revocations failed', { scope: 'oauth', error: err.message }))
            .finally(() => {
              this.revoking = undefined;
            });
        }
        while (!this.stopping && (await this.runOnce()));
      } catch (err) {
        this.deps.log.error('sync worker iteration failed', { scope: 'sync', error: (err as Error).stack });
      } finally {
        busy = false;
      }
      if (!this.stopping) this.timer = setTimeout(() => void tick(), pollMs);
    };
    this.wake = () => void tick();
    this.deps.runQueued.on('queued', this.wake);
    this.timer = setTimeout(() => void tick(), 0);
  }

  /**
   * Stops taking work; the run in progress finishes its batches in flight (their outcomes are
   * recorded), gives back what it had claimed but not sent, and is marked for the next worker.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.wake) this.deps.runQueued.off('queued', this.wake);
    this.controller.abort();
    await this.current?.catch(() => undefined);
    await this.revoking;
    releaseWorkerId(this.id);
  }
}
