import type { Deps } from '../deps.js';
import type { Db } from '../db/db.js';
import { HubSpotApi, HubSpotError } from '../hubspot/hubspotApi.js';
import type { Logger } from '../log.js';
import { decidePortal, portalRefused } from '../portals/portalAccess.js';
import * as portalRepo from '../portals/portalRepo.js';
import type { Portal } from '../portals/portalRepo.js';
import { accessTokenFor, PortalAuthError } from '../portals/portalTokens.js';
import { todayUtc } from '../invoices/invoice.js';
import * as dealStateRepo from './dealStateRepo.js';
import { CONTACTS, DailyLimitReached, PRODUCTS, pushBatch, type PushEnv, send, SignInRefused } from './pushBatch.js';
import { DealSideProblem, ensureDealProperties, pushDealBatch, pushNoteBatch, ScopeMissing } from './pushDeals.js';
import type { PortalRules } from './portalRules.js';
import { RateBudget, Stopped } from './rateBudget.js';
import { classify } from './retryPolicy.js';
import * as syncRunRepo from './syncRunRepo.js';
import * as syncStateRepo from './syncStateRepo.js';
import { emptyCounts, type RunProgress, type SyncRun } from './syncRunRepo.js';
import type { StateKind } from './syncStateRepo.js';

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
      await send(env, 'product property create', () =>
        env.api.createProperty('products', {
          name,
          label: 'Accounting external ID',
          groupName: 'productinformation',
          unique: true,
          description: "The product's id in the accounting system. Set by the invoice service; unique, so a product cannot be pushed twice.",
        }),
      );
    } catch (err) {
      if (!(err instanceof HubSpotError) || err.status !== 409) throw err; // another worker made it first
    }
  }
  await portalRepo.markPropertyReady(env.db, env.portal.portalId, new Date());
  env.portal.productIdPropertyReady = true;
}

/** HubSpot's daily limit and its refusal of the token: the portal's, met by whichever call comes first. */
const portalWide = (err: unknown): boolean => err instanceof DailyLimitReached || err instanceof SignInRefused;

/**
 * Reads the portal's property validation rules for contacts and products, once per run, paced
 * and retried in place like every other call (send). The push goes on whatever happens: a failed
 * read, a missing scope or a stop leaves no rules, and HubSpot's own refusals take their place.
 * Only HubSpot's daily limit, which is the portal's, ends the run here as it would in a lane, and
 * so do HubSpot's refusal of the token and a failed renewal of it (met here first when the run
 * starts with a revoked or expired token): that is the portal's sign-in, not the rules, and every
 * lane would meet it.
 */
async function readRules(env: PushEnv): Promise<void> {
  const rules: PortalRules = { contact: [], product: [] };
  let signInFailed: unknown;
  const reauthorize = env.reauthorize;
  const reading: PushEnv = {
    ...env,
    reauthorize:
      reauthorize &&
      (async () => {
        try {
          await reauthorize();
        } catch (err) {
          signInFailed = err;
          throw err;
        }
      }),
  };
  try {
    for (const [kind, type] of [
      ['contact', 'contacts'],
      ['product', 'products'],
    ] as const) {
      rules[kind] = (await send(reading, `${type} validation rules read`, () => env.api.getPropertyValidations(type))).rules;
    }
    env.log.info("read the portal's validation rules", { contactRules: rules.contact.length, productRules: rules.product.length });
    env.rules = rules;
  } catch (err) {
    if (portalWide(err) || (signInFailed !== undefined && err === signInFailed)) throw err;
    const why = err instanceof HubSpotError ? err.message : err instanceof Error ? err.message : String(err);
    env.log.warn("could not read the portal's validation rules; the push goes on, and records they refuse are listed as HubSpot refuses them", { reason: why });
    env.rules = { contact: [], product: [], unreadable: why };
  }
}

/**
 * How a run ended: the one value its steps hand on (open the run, run the lanes, settle the run),
 * written to sync_runs by settleRun.
 */
type RunOutcome =
  /** Nothing was pushed: the portal is not served, is paused, or has no token. */
  | { kind: 'notStarted'; status: 'failed' | 'paused'; error: string }
  /** Every record was pushed, or waits for a retry that the next run takes. */
  | { kind: 'done'; waitingForRetry: number }
  /** The worker is stopping, or another one took the run over (then it is theirs, not requeued). */
  | { kind: 'handedBack'; takenOver: boolean }
  /** The records could not be queued. */
  | { kind: 'queueFailed'; error: unknown }
  /** The daily limit, the product property, or a lane failed. */
  | { kind: 'failed'; error: unknown };

/** What the steps of one run share. */
interface RunContext {
  deps: Deps;
  run: SyncRun;
  opts: RunOptions;
  log: Logger;
  /** Date.now() as the run started, for durationMs. */
  started: number;
  /** Counted by the lanes, saved by every heartbeat and when the run ends. */
  progress: RunProgress;
  /** The UTC day the deals' values are computed for ("overdue" as of it), from deps.clock. */
  today: string;
}

/** A run ready to push: its portal, and a HubSpot client holding the portal's token. */
interface OpenRun {
  kind: 'open';
  portal: Portal;
  api: HubSpotApi;
  reauthorize: () => Promise<void>;
}

/**
 * Executes one run for one portal: brings the dedupe table up to date, then pushes every pending
 * record in batches over several lanes until none is left (or only retries due later), saving
 * progress and a heartbeat as it goes.
 */
export async function executeRun(deps: Deps, run: SyncRun, opts: RunOptions): Promise<SyncRun> {
  const ctx: RunContext = {
    deps,
    run,
    opts,
    log: deps.log.child({ scope: 'sync', portalId: run.portalId, runId: run.id }),
    started: Date.now(),
    progress: { total: 0, processed: 0, counts: emptyCounts() },
    today: todayUtc(deps.clock.now()),
  };
  const opened = await openRun(ctx);
  const outcome = opened.kind === 'open' ? await runLanes(ctx, opened) : opened;
  return settleRun(ctx, outcome);
}

/** Checks that the portal may be pushed to and gets its token; a refusal ends the run before it pushes anything. */
async function openRun({ deps, run, log }: RunContext): Promise<OpenRun | Extract<RunOutcome, { kind: 'notStarted' }>> {
  const notStarted = (status: 'failed' | 'paused', error: string) => ({ kind: 'notStarted', status, error }) as const;
  const portal = await portalRepo.get(deps.db, run.portalId);
  if (!portal || portal.status === 'disconnected') return notStarted('failed', `portal ${run.portalId} is not connected`);
  if (!portal.pushEnabled) return notStarted('failed', `the push is turned off for portal ${run.portalId}`);
  // The same rule as the card's: an account the service does not serve (not in
  // HUBSPOT_ALLOWED_PORTAL_IDS, or disconnected) receives nothing, whatever rows it has.
  const served = await decidePortal(deps, run.portalId);
  if (!served.ok) return notStarted('failed', portalRefused(deps.config, run.portalId, served.reason!, 'operator').message);
  if (portal.pausedUntil && portal.pausedUntil > new Date()) return notStarted('paused', `paused until ${portal.pausedUntil.toISOString()}: ${portal.pausedReason ?? ''}`);
  try {
    const token = await accessTokenFor(deps, portal);
    const api = new HubSpotApi({ accessToken: token, baseUrl: deps.config.hubspot.apiBaseUrl, timeoutMs: deps.config.hubspot.requestTimeoutMs, apiVersion: deps.config.hubspot.apiVersion });
    return { kind: 'open', portal, api, reauthorize: reauthorizer(deps, portal, api, token) };
  } catch (err) {
    if (!(err instanceof PortalAuthError)) log.error("could not get the portal's access token", { error: (err as Error).stack });
    return notStarted('failed', (err as Error).message);
  }
}

/** HubSpot called the token expired: refresh it (once, however many lanes saw it) and go on. */
function reauthorizer(deps: Deps, portal: Portal, api: HubSpotApi, token: string): () => Promise<void> {
  let current = token;
  let refreshing: Promise<void> | undefined;
  return () =>
    (refreshing ??= accessTokenFor(deps, portal, current)
      .then((fresh) => {
        current = fresh;
        api.setAccessToken(fresh);
      })
      .finally(() => {
        refreshing = undefined;
      }));
}

/**
 * Saves the run's progress every second, which also proves its worker (and so its claims) alive.
 * When the run turns out to be someone else's now, it was taken over: the lanes stop quietly.
 */
class Heartbeat {
  takenOver = false;
  private readonly timer: NodeJS.Timeout;

  constructor({ deps, run, opts, progress }: RunContext, stopLanes: () => void) {
    this.timer = setInterval(() => {
      void syncRunRepo.heartbeat(deps.db, run.id, opts.worker, progress).then(
        (mine) => {
          if (!mine) {
            this.takenOver = true;
            stopLanes();
          }
        },
        () => undefined,
      );
    }, 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** How a task the lanes run beside stands: the lanes never wait for it, they look. */
type TaskState = { state: 'running' } | { state: 'done' } | { state: 'failed'; error: unknown };

/** Follows `task`; `onFailure` runs as soon as it fails, so the lanes need not wait to hear of it. */
function follow(task: Promise<unknown>, onFailure: () => void): { readonly now: TaskState } {
  const followed: { now: TaskState } = { now: { state: 'running' } };
  void task.then(
    () => {
      followed.now = { state: 'done' };
    },
    (error: unknown) => {
      followed.now = { state: 'failed', error };
      onFailure();
    },
  );
  return followed;
}

/**
 * Brings the dedupe table up to date for the portal, adding to the run's total chunk by chunk so
 * the lanes start on the first chunk.
 */
async function queueRecords({ deps, log, progress, today }: RunContext, portal: Portal, kinds: DealSide): Promise<void> {
  const portalId = portal.portalId;
  const started = Date.now();
  let processedAtCount = 0;
  // Deals first (each push also re-marks those with an invoice fallen due since), then events.
  if (portal.dealPropertiesEnabled) progress.total += await dealStateRepo.enqueueDeals(deps.db, portalId, today);
  if (portal.dealTimelineEnabled) progress.total += await dealStateRepo.enqueueNotes(deps.db, portalId);
  const queued = await syncStateRepo.enqueue(
    deps.db,
    portalId,
    (n) => {
      progress.total += n;
    },
    () => {
      processedAtCount = progress.processed;
    },
    kinds.active(),
  );
  log.info('run queued its records', { pending: queued.pending, upToDate: queued.upToDate, durationMs: Date.now() - started });
  // Rows left pending by an earlier run count too. (Pending rows include those in flight,
  // so the processed count is the one noted before the count, not today's.)
  progress.total = Math.max(progress.total, queued.pending + processedAtCount);
  progress.counts.unchanged = queued.upToDate;
}

/**
 * Which kinds this run pushes: contacts and products always; deals and notes when the portal has
 * them on, until the deal side stops for the run (a missing scope, properties it cannot make) or
 * the admin turns them off while it runs.
 */
class DealSide {
  private readonly stopped = new Set<StateKind>();
  private readonly turnedOff = new Set<StateKind>();
  constructor(private readonly portal: Portal) {}

  active(): StateKind[] {
    const kinds: StateKind[] = ['contact', 'product'];
    if (this.portal.dealPropertiesEnabled && !this.stopped.has('deal') && !this.turnedOff.has('deal')) kinds.push('deal');
    if (this.portal.dealTimelineEnabled && !this.stopped.has('note') && !this.turnedOff.has('note')) kinds.push('note');
    return kinds;
  }

  /**
   * Whether the portal still has `kind` on, read from its row once a batch is claimed and before it
   * is sent (a read per batch, none while there is nothing to send): a switch an admin turns off
   * mid-run, on any instance, holds back every batch not yet sent; those in flight finish. A batch
   * held back goes back to the queue as it was.
   */
  async stillOn(db: Db, kind: 'deal' | 'note', claimed: ReadonlyArray<{ stateId: string }>, worker: string): Promise<boolean> {
    const now = await portalRepo.get(db, this.portal.portalId);
    if (kind === 'deal' ? now?.dealPropertiesEnabled : now?.dealTimelineEnabled) return true;
    this.turnedOff.add(kind);
    await syncStateRepo.release(
      db,
      claimed.map((c) => c.stateId),
      worker,
    );
    return false;
  }

  has(kind: StateKind): boolean {
    return this.active().includes(kind);
  }

  /** Stops a kind for this run; says whether it was going. */
  stop(kind: StateKind): boolean {
    const was = this.has(kind);
    this.stopped.add(kind);
    return was;
  }

  /** Whether the deal side stopped, or was turned off, in this run (it did not go through). */
  get anyStopped(): boolean {
    return this.stopped.size > 0 || this.turnedOff.size > 0;
  }
}

/**
 * The deal side met a problem only it has (a missing scope, a property made by hand with another
 * type): it stops for the run, the portal notes why for the dashboard, and contacts and products go on.
 */
async function stopDealSide(env: PushEnv, side: DealSide, kind: 'deal' | 'note', err: unknown): Promise<void> {
  const kinds: Array<'deal' | 'note'> = err instanceof ScopeMissing ? [kind] : ['deal'];
  let first = false;
  for (const k of kinds) first = side.stop(k) || first;
  if (!first) return;
  const message = err instanceof Error ? err.message : String(err);
  env.log.warn('the deal side of the push stopped for this run; contacts and products go on', { kind, reason: message });
  await portalRepo.setDealPushProblem(env.db, env.portal.portalId, message, new Date());
}

/** Whether an error of the deal side is its own (it stops alone) rather than the run's. */
const dealSideOnly = (err: unknown): boolean => err instanceof DealSideProblem;

/** What the lanes of one run share. */
interface Lanes {
  ctx: RunContext;
  env: PushEnv;
  /** Set when the run stops: the worker is stopping, the run was taken over, or it cannot go on. */
  signal: AbortSignal;
  queue: { readonly now: TaskState };
  property: { readonly now: TaskState };
  /** The portal's validation rules: no record is sent before they are read (or known unreadable). */
  rules: { readonly now: TaskState };
  /** The deal properties (group and properties made): deals go once they are. */
  dealProperties: { readonly now: TaskState };
  side: DealSide;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One lane: claims a batch (contacts or products; lanes alternate which comes first) and pushes
 * it, again and again, until nothing is left to claim, or only retries due later than the run
 * waits for. Contacts go as soon as the first chunk is queued, products once the property exists.
 */
async function runLane({ ctx, env, signal, queue, property, rules, dealProperties, side }: Lanes, n: number): Promise<void> {
  const { deps, opts, progress } = ctx;
  const portalId = env.portal.portalId;
  const size = opts.batchSize ?? BATCH_SIZE;
  const productsReady = () => property.now.state === 'done';
  const dealsReady = () => dealProperties.now.state === 'done';
  // One claim-and-push per kind; undefined when there was nothing to claim.
  const work: Record<StateKind, () => Promise<number | undefined>> = {
    contact: async () => {
      const claimed = await syncStateRepo.claim(deps.db, portalId, 'contact', opts.worker, size);
      return claimed.length ? (await pushBatch(env, CONTACTS, claimed)).finished : undefined;
    },
    product: async () => {
      if (!productsReady()) return undefined;
      const claimed = await syncStateRepo.claim(deps.db, portalId, 'product', opts.worker, size);
      return claimed.length ? (await pushBatch(env, PRODUCTS, claimed)).finished : undefined;
    },
    deal: async () => {
      if (!dealsReady() || !side.has('deal')) return undefined;
      const claimed = await dealStateRepo.claimDeals(deps.db, portalId, opts.worker, size);
      if (!claimed.length || !(await side.stillOn(deps.db, 'deal', claimed, opts.worker))) return undefined;
      return (await pushDealBatch(env, claimed, ctx.today)).finished;
    },
    note: async () => {
      if (!side.has('note')) return undefined;
      const claimed = await dealStateRepo.claimNotes(deps.db, portalId, opts.worker, size);
      if (!claimed.length || !(await side.stillOn(deps.db, 'note', claimed, opts.worker))) return undefined;
      return (await pushNoteBatch(env, claimed)).finished;
    },
  };
  const order: StateKind[] = n % 2 === 0 ? ['contact', 'product', 'deal', 'note'] : ['product', 'contact', 'note', 'deal'];
  while (!signal.aborted) {
    if (rules.now.state === 'running') {
      await pause(20);
      continue;
    }
    let worked = false;
    for (const kind of order) {
      let finished: number | undefined;
      try {
        finished = await work[kind]();
      } catch (err) {
        if ((kind !== 'deal' && kind !== 'note') || !dealSideOnly(err)) throw err;
        await stopDealSide(env, side, kind, err);
        continue;
      }
      if (finished === undefined) continue;
      worked = true;
      progress.processed += finished;
      await opts.onBatch?.({ processed: progress.processed, total: progress.total });
      break;
    }
    if (worked) continue;
    if (queue.now.state !== 'done' || !productsReady() || (side.has('deal') && dealProperties.now.state === 'running')) {
      await pause(20);
      continue;
    }
    const { pending, dueAt } = await syncStateRepo.pendingSummary(deps.db, portalId, side.active());
    if (pending === 0 || !dueAt) return;
    const wait = dueAt.getTime() - Date.now();
    if (wait > MAX_WAIT_FOR_RETRIES_MS) return;
    await pause(Math.max(50, Math.min(wait, 1000)));
  }
}

/** The run ended for a reason other than running out of work; 'stopped' is a hand-back. */
type LanesEnded = Extract<RunOutcome, { kind: 'queueFailed' | 'failed' }> | 'stopped';

/** A failure while the run was stopping is a hand-back (the stop interrupts the calls in flight); otherwise the run failed. */
const failedUnlessStopping = (error: unknown, stopping: boolean): LanesEnded => (error instanceof Stopped || stopping ? 'stopped' : { kind: 'failed', error });

/**
 * Pushes the portal's pending records over several lanes, while the products' unique property
 * and the queue are made beside them, and says how that ended.
 */
async function runLanes(ctx: RunContext, { portal, api, reauthorize }: OpenRun): Promise<RunOutcome> {
  const { deps, opts, log, progress } = ctx;
  const controller = new AbortController();
  const stop = () => controller.abort();
  const env: PushEnv = {
    db: deps.db,
    api,
    budget: new RateBudget(deps.db, portal.portalId, deps.config.hubspot.rateLimitPer10s),
    portal,
    worker: opts.worker,
    log,
    counts: progress.counts,
    signal: controller.signal,
    reauthorize,
    metrics: deps.metrics,
    publicBaseUrl: deps.config.publicBaseUrl,
    pageTokenKey: deps.pageTokenKey,
    clock: deps.clock,
    requestTimeoutMs: deps.config.hubspot.requestTimeoutMs,
  };
  const side = new DealSide(portal);
  opts.signal?.addEventListener('abort', stop);
  const heartbeat = new Heartbeat(ctx, stop);
  try {
    // A failure of either must not leave the lanes waiting for it: it stops them.
    const property = follow(ensureIdProperty(env), stop);
    const queue = follow(queueRecords(ctx, portal, side), stop);
    const rules = follow(readRules(env), stop); // fails only at the daily limit or a failed sign-in
    // The deal properties: a problem of the deal side's own stops only it; anything else (the
    // daily limit, a sign-in, a stop) stops the lanes like the products' property.
    const dealProperties = follow(
      portal.dealPropertiesEnabled
        ? ensureDealProperties(env).catch(async (err: unknown) => {
            if (!dealSideOnly(err)) throw err;
            await stopDealSide(env, side, 'deal', err);
          })
        : Promise.resolve(),
      stop,
    );
    const lanes = await Promise.allSettled(
      Array.from({ length: opts.lanes ?? LANES }, (_, n) =>
        runLane({ ctx, env, signal: controller.signal, queue, property, rules, dealProperties, side }, n).catch((err: unknown) => {
          // HubSpot's daily limit and its refusal of the token are the portal's, not the lane's:
          // the first lane to meet one stops the others.
          if (portalWide(err)) stop();
          throw err;
        }),
      ),
    );
    const ended =
      whatEndedTheLanes(queue.now, property.now, rules.now, lanes, controller.signal.aborted, dealProperties.now) ??
      (await syncStateRepo.pendingSummary(deps.db, portal.portalId, side.active()).then(
        (left): RunOutcome => ({ kind: 'done', waitingForRetry: left.pending }),
        (error: unknown) => failedUnlessStopping(error, controller.signal.aborted),
      ));
    // A run whose deal side went through clears the notice an earlier one left.
    if (ended !== 'stopped' && ended.kind === 'done' && !side.anyStopped && (portal.dealPropertiesEnabled || portal.dealTimelineEnabled) && portal.dealPushProblem) {
      await portalRepo.setDealPushProblem(deps.db, portal.portalId, null, new Date());
    }
    return ended === 'stopped' ? { kind: 'handedBack', takenOver: heartbeat.takenOver } : ended;
  } finally {
    heartbeat.stop();
    opts.signal?.removeEventListener('abort', stop);
  }
}

/**
 * What ended the lanes, first match first: records that could not be queued; HubSpot's daily
 * limit (met by a lane, the rules read or the deal properties); HubSpot's refusal of the token
 * (met anywhere); the product property; the deal
 * properties (a failure not the deal side's own); the portal's sign-in, met by the
 * rules read; a lane's failure; the stop. Undefined when they ran out of work.
 */
function whatEndedTheLanes(queue: TaskState, property: TaskState, rules: TaskState, lanes: Array<PromiseSettledResult<void>>, stopping: boolean, dealProperties: TaskState): LanesEnded | undefined {
  if (queue.state === 'failed') return { kind: 'queueFailed', error: queue.error };
  const failures = lanes.flatMap((l): unknown[] => (l.status === 'rejected' ? [l.reason] : []));
  if (rules.state === 'failed') failures.unshift(rules.error);
  if (dealProperties.state === 'failed') failures.push(dealProperties.error);
  const dailyLimit = failures.find((err) => err instanceof DailyLimitReached);
  if (dailyLimit) return { kind: 'failed', error: dailyLimit };
  // HubSpot refused the token, wherever it was met first (it stopped the lanes, so it is not a hand-back).
  const refused = [...failures, property.state === 'failed' ? property.error : undefined].find((err) => err instanceof SignInRefused);
  if (refused) return { kind: 'failed', error: refused };
  // A stopping worker interrupts the property call too: that is a hand-back, not a failure.
  if (property.state === 'failed' && !(property.error instanceof Stopped)) return { kind: 'failed', error: property.error };
  // The deal properties failed for a reason that is not the deal side's own (those stop only it
  // and never get here): the portal's sign-in, an error of ours. The run fails, as for the products' property.
  if (dealProperties.state === 'failed' && !(dealProperties.error instanceof Stopped)) return { kind: 'failed', error: dealProperties.error };
  // The rules read fails only when the portal's sign-in does (the daily limit is handled above).
  if (rules.state === 'failed' && !(rules.error instanceof Stopped)) return { kind: 'failed', error: rules.error };
  if (failures.length > 0) return failedUnlessStopping(failures[0], stopping);
  return stopping ? 'stopped' : undefined;
}

/** Writes how the run ended to sync_runs (pausing the portal at the daily limit); returns the run as saved. */
async function settleRun(ctx: RunContext, outcome: RunOutcome): Promise<SyncRun> {
  const { deps, run, opts, log, started, progress } = ctx;
  switch (outcome.kind) {
    case 'notStarted':
      return finish(ctx, outcome.status, outcome.error);
    case 'done':
      return finish(ctx, 'done', outcome.waitingForRetry > 0 ? `${outcome.waitingForRetry} record(s) wait for a retry; the next run takes them` : null);
    case 'handedBack':
      if (!outcome.takenOver) await syncRunRepo.requeueRun(deps.db, run.id, opts.worker, progress);
      log.info('run handed back', { durationMs: Date.now() - started, processed: progress.processed });
      return (await syncRunRepo.getRun(deps.db, run.id))!;
    case 'queueFailed':
      log.error('run failed to queue its records', { error: (outcome.error as Error).stack });
      return finish(ctx, 'failed', `could not queue the records: ${(outcome.error as Error).message}`);
    case 'failed':
      return settleFailure(ctx, outcome.error);
  }
}

/** A failed run: paused until the daily limit resets, or failed with what went wrong, in HubSpot's words when it was HubSpot. */
async function settleFailure(ctx: RunContext, err: unknown): Promise<SyncRun> {
  if (err instanceof DailyLimitReached) {
    const until = new Date(Date.now() + DAILY_PAUSE_MS);
    await portalRepo.pause(ctx.deps.db, ctx.run.portalId, until, err.message, new Date());
    return finish(ctx, 'paused', `${err.message}: paused until ${until.toISOString()}`);
  }
  if (err instanceof PortalAuthError || err instanceof SignInRefused) return finish(ctx, 'failed', err.message);
  if (err instanceof HubSpotError) {
    return finish(ctx, 'failed', `${/^HubSpot\b/.test(err.message) ? '' : 'HubSpot: '}${err.message}${err.correlationId ? ` (correlation id ${err.correlationId})` : ''} — ${classify(err).reason}`);
  }
  ctx.log.error('run failed', { error: (err as Error).stack });
  return finish(ctx, 'failed', (err as Error).message);
}

/** Ends the run as done, failed or paused, logs it, and returns it as saved. */
async function finish({ deps, run, opts, log, started, progress }: RunContext, status: 'done' | 'failed' | 'paused', error: string | null): Promise<SyncRun> {
  await syncRunRepo.finishRun(deps.db, run.id, opts.worker, status, progress, error);
  log.info(`run ${status}`, { durationMs: Date.now() - started, ...progress.counts, total: progress.total, processed: progress.processed, error });
  return (await syncRunRepo.getRun(deps.db, run.id))!;
}
