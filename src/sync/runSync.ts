import type { Deps } from '../deps.js';
import { HubSpotApi, HubSpotError } from '../hubspot/hubspotApi.js';
import { decidePortal, portalRefused } from '../portals/portalAccess.js';
import * as portalRepo from '../portals/portalRepo.js';
import { accessTokenFor, PortalAuthError } from '../portals/portalTokens.js';
import { CONTACTS, DailyLimitReached, PRODUCTS, pushBatch, type PushEnv, send } from './pushBatch.js';
import { RateBudget, Stopped } from './rateBudget.js';
import { classify } from './retryPolicy.js';
import * as syncRunRepo from './syncRunRepo.js';
import * as syncStateRepo from './syncStateRepo.js';
import { emptyCounts, type SyncRun } from './syncRunRepo.js';

/** Records per HubSpot batch request (HubSpot's maximum). */
export const BATCH_SIZE = 100;
/** Batches in flight at once per run; the rate budget, not this, sets the pace. */
export const LANES = 6;
/** A run waits this long at most for retries that come due; later ones are left to the next run. */
const MAX_WAIT_FOR_RETRIES_MS = 15_000;
/** The daily limit resets at midnight in the portal's time zone, which we don't know: look again hourly. */
const DAILY_PAUSE_MS = 60 * 60_000;

export interface RunOptions {
  worker: string;
  signal?: AbortSignal;
  lanes?: number;
  batchSize?: number;
  /** Called after each batch (tests use it to crash at chosen points). */
  onBatch?: (progress: { processed: number; total: number }) => void | Promise<void>;
}

/**
 * Creates the products' external-id property once per portal, with hasUniqueValue, so HubSpot
 * itself refuses a second product with the same accounting id.
 */
async function ensureIdProperty(env: PushEnv): Promise<void> {
  if (env.portal.productIdPropertyReady) return;
  const name = env.portal.productIdProperty;
  // Through send(): paced, and retried in place on 5xx, 429 and timeouts like every other call.
  const existing = await send(env, 'product property read', () => env.api.getProperty('products', name));
  if (existing && !existing.hasUniqueValue) {
    throw new Error(`HubSpot product property "${name}" exists but does not require unique values; choose another name in the portal's settings`);
  }
  if (!existing) {
    try {
      await send(env, 'product property create', () => env.api.createProperty('products', {
        name,
        label: 'Accounting external ID',
        groupName: 'productinformation',
        unique: true,
        description: 'The product\'s id in the accounting system. Set by the invoice service; unique, so a product cannot be pushed twice.',
      }));
    } catch (err) {
      if (!(err instanceof HubSpotError) || err.status !== 409) throw err; // another worker made it first
    }
  }
  await portalRepo.markPropertyReady(env.db, env.portal.portalId, new Date());
  env.portal.productIdPropertyReady = true;
}

/**
 * Executes one run for one portal: brings the dedupe table up to date, then pushes every pending
 * record in batches over several lanes until none is left (or only retries due later), saving
 * progress and a heartbeat as it goes.
 */
export async function executeRun(deps: Deps, run: SyncRun, opts: RunOptions): Promise<SyncRun> {
  const log = deps.log.child({ scope: 'sync', portalId: run.portalId, runId: run.id });
  const started = Date.now();
  const counts = emptyCounts();
  const progress = { total: 0, processed: 0, counts };
  const finish = async (status: 'done' | 'failed' | 'paused', error: string | null) => {
    await syncRunRepo.finishRun(deps.db, run.id, opts.worker, status, progress, error);
    log.info(`run ${status}`, { durationMs: Date.now() - started, ...counts, total: progress.total, processed: progress.processed, error });
    return (await syncRunRepo.getRun(deps.db, run.id))!;
  };

  const portal = await portalRepo.get(deps.db, run.portalId);
  if (!portal || portal.status === 'disconnected') return finish('failed', `portal ${run.portalId} is not connected`);
  if (!portal.pushEnabled) return finish('failed', `the push is turned off for portal ${run.portalId}`);
  // The same rule as the card's: an account the service does not serve (not in
  // HUBSPOT_ALLOWED_PORTAL_IDS, or disconnected) receives nothing, whatever rows it has.
  const served = await decidePortal(deps, run.portalId);
  if (!served.ok) return finish('failed', portalRefused(deps.config, run.portalId, served.reason!, 'operator').message);
  if (portal.pausedUntil && portal.pausedUntil > new Date()) return finish('paused', `paused until ${portal.pausedUntil.toISOString()}: ${portal.pausedReason ?? ''}`);

  let api: HubSpotApi;
  let token: string;
  try {
    token = await accessTokenFor(deps, portal);
    api = new HubSpotApi({ accessToken: token, baseUrl: deps.config.hubspot.apiBaseUrl, timeoutMs: deps.config.hubspot.requestTimeoutMs });
  } catch (err) {
    if (!(err instanceof PortalAuthError)) log.error('could not get the portal\'s access token', { error: (err as Error).stack });
    return finish('failed', (err as Error).message);
  }
  // HubSpot called the token expired: refresh it (once, however many lanes saw it) and go on.
  let reauthorizing: Promise<void> | undefined;
  const reauthorize = (): Promise<void> =>
    (reauthorizing ??= accessTokenFor(deps, portal, token)
      .then((fresh) => {
        token = fresh;
        api.setAccessToken(fresh);
      })
      .finally(() => {
        reauthorizing = undefined;
      }));
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  opts.signal?.addEventListener('abort', onAbort);
  const env: PushEnv = {
    db: deps.db,
    api,
    budget: new RateBudget(deps.db, portal.portalId, deps.config.hubspot.rateLimitPer10s),
    portal,
    worker: opts.worker,
    log,
    counts,
    signal: controller.signal,
    reauthorize,
    metrics: deps.metrics,
  };

  let takenOver = false;
  const beat = setInterval(() => {
    void syncRunRepo.heartbeat(deps.db, run.id, opts.worker, progress).then((mine) => {
      if (!mine) {
        takenOver = true; // someone took the run over: stop quietly
        controller.abort();
      }
    }, () => undefined);
  }, 1000);
  const stopped = async () => {
    if (!takenOver) await syncRunRepo.requeueRun(deps.db, run.id, opts.worker, progress);
    log.info('run handed back', { durationMs: Date.now() - started, processed: progress.processed });
    return (await syncRunRepo.getRun(deps.db, run.id))!;
  };

  let enqueueError: unknown;
  let propertyError: unknown;
  let dailyLimit: DailyLimitReached | undefined;
  try {
    // The unique product property, and the queue, in parallel; lanes push contacts as soon as the
    // first chunk of records is queued, and products once the property exists too.
    let productsReady = false;
    const propertyReady = ensureIdProperty(env).then(() => {
      productsReady = true;
    });
    propertyReady.catch((err: unknown) => {
      // A stopping worker interrupts the property call too: that is a hand-back, not a failure.
      if (!(err instanceof Stopped)) propertyError = err;
      controller.abort();
    });
    const enqueueStarted = Date.now();
    let enqueued = false;
    let processedAtCount = 0;
    const enqueueing = syncStateRepo
      .enqueue(
        deps.db,
        portal.portalId,
        (n) => {
          progress.total += n;
        },
        () => {
          processedAtCount = progress.processed;
        },
      )
      .then(async (queued) => {
        log.info('run queued its records', { pending: queued.pending, upToDate: queued.upToDate, durationMs: Date.now() - enqueueStarted });
        // Rows left pending by an earlier run count too. (Pending rows include those in flight,
        // so the processed count is the one noted before the count, not today's.)
        progress.total = Math.max(progress.total, queued.pending + processedAtCount);
        counts.unchanged = queued.upToDate;
        enqueued = true;
      });
    // An enqueue failure must not leave lanes waiting for it.
    enqueueing.catch((err: unknown) => {
      enqueueError = err;
      controller.abort();
    });
    const lane = async (n: number) => {
      const kinds = n % 2 === 0 ? [CONTACTS, PRODUCTS] : [PRODUCTS, CONTACTS];
      while (!controller.signal.aborted) {
        let worked = false;
        for (const kind of kinds) {
          if (kind === PRODUCTS && !productsReady) continue;
          const claimed = await syncStateRepo.claim(deps.db, portal.portalId, kind.kind, opts.worker, opts.batchSize ?? BATCH_SIZE);
          if (claimed.length === 0) continue;
          worked = true;
          const { finished } = await pushBatch(env, kind, claimed);
          progress.processed += finished;
          await opts.onBatch?.({ processed: progress.processed, total: progress.total });
          break;
        }
        if (worked) continue;
        if (!enqueued || !productsReady) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        const { pending, dueAt } = await syncStateRepo.pendingSummary(deps.db, portal.portalId);
        if (pending === 0 || !dueAt) return;
        const wait = dueAt.getTime() - Date.now();
        if (wait > MAX_WAIT_FOR_RETRIES_MS) return;
        await new Promise((resolve) => setTimeout(resolve, Math.max(50, Math.min(wait, 1000))));
      }
    };
    // HubSpot's daily limit is the portal's, not the lane's: the first lane to meet it stops the others.
    const results = await Promise.allSettled(
      Array.from({ length: opts.lanes ?? LANES }, (_, n) =>
        lane(n).catch((err: unknown) => {
          if (err instanceof DailyLimitReached && !dailyLimit) {
            dailyLimit = err;
            controller.abort();
          }
          throw err;
        }),
      ),
    );
    if (dailyLimit) throw dailyLimit;
    if (propertyError) throw propertyError;
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    if (enqueueError) throw enqueueError;
    if (controller.signal.aborted) return await stopped();
    const left = await syncStateRepo.pendingSummary(deps.db, portal.portalId);
    return finish('done', left.pending > 0 ? `${left.pending} record(s) wait for a retry; the next run takes them` : null);
  } catch (err) {
    if (enqueueError) {
      log.error('run failed to queue its records', { error: (enqueueError as Error).stack });
      return finish('failed', `could not queue the records: ${(enqueueError as Error).message}`);
    }
    if (err !== propertyError && err !== dailyLimit && (err instanceof Stopped || controller.signal.aborted)) return await stopped();
    if (err instanceof DailyLimitReached) {
      const until = new Date(Date.now() + DAILY_PAUSE_MS);
      await portalRepo.pause(deps.db, portal.portalId, until, err.message, new Date());
      return finish('paused', `${err.message}: paused until ${until.toISOString()}`);
    }
    if (err instanceof PortalAuthError) return finish('failed', err.message);
    if (err instanceof HubSpotError) {
      return finish('failed', `${/^HubSpot\b/.test(err.message) ? '' : 'HubSpot: '}${err.message}${err.correlationId ? ` (correlation id ${err.correlationId})` : ''} — ${classify(err).reason}`);
    }
    log.error('run failed', { error: (err as Error).stack });
    return finish('failed', (err as Error).message);
  } finally {
    clearInterval(beat);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
