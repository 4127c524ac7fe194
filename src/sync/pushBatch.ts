import type { Db } from '../db/db.js';
import type { Clock } from '../deps.js';
import { type BatchInput, type BatchOutcome, HubSpotError, type HubSpotApi, type ObjectType } from '../hubspot/hubspotApi.js';
import type { Logger } from '../log.js';
import type { Portal } from '../portals/portalRepo.js';
import { backoffMs, classify, MAX_ATTEMPTS } from './retryPolicy.js';
import type { Metrics } from '../metrics.js';
import { breaches, isPortalRule, NO_RULES, type PortalRules, refusalReason } from './portalRules.js';
import { type RateBudget, sleep } from './rateBudget.js';
import * as syncStateRepo from './syncStateRepo.js';
import type { RunCounts } from './syncRunRepo.js';
import type { ClaimedRecord, ObjectKind, Outcome, StateKind } from './syncStateRepo.js';

/**
 * Pushes one claimed batch (≤ 100 records of one kind) to one portal and records the outcome of
 * each record. The rules that keep HubSpot free of duplicates:
 * - a record HubSpot already knows (the dedupe table has its id) is updated by that id;
 * - an unknown record is upserted by its unique key: lower-cased email for contacts, the
 *   external-id property (hasUniqueValue) for products; sending it again after a lost reply finds
 *   the same HubSpot record instead of creating a second one;
 * - a record whose last push may have landed unheard (in_flight_since) is first looked up by
 *   that key, so its id is recovered by reading, never by creating again.
 */

/** The daily limit: stop this portal's push until it resets. */
export class DailyLimitReached extends Error {}

/**
 * HubSpot refused the portal's access token itself (a 401 other than an expired token: a private
 * app's token rotated or deleted, an app uninstalled). That is the portal's sign-in, not any
 * record's: the run stops at once and every record not yet written goes back to the queue as it
 * was, rather than each batch being halved down to single records that all "fail".
 */
export class SignInRefused extends Error {
  constructor(err: HubSpotError, authType: 'private_app' | 'oauth', publicBaseUrl: string | undefined) {
    const what =
      authType === 'private_app' ? "put the private app's current access token in HUBSPOT_ACCESS_TOKEN and restart the service" : `install the app again from ${publicBaseUrl ?? ''}/oauth/install`;
    super(
      `HubSpot refused the portal's access token (${err.message}${err.correlationId ? `; correlation id ${err.correlationId}` : ''}): ${what}; nothing was lost, the records not yet written wait for the next push`,
    );
  }
}

export interface PushEnv {
  db: Db;
  api: HubSpotApi;
  budget: RateBudget;
  portal: Portal;
  worker: string;
  log: Logger;
  counts: RunCounts;
  random?: () => number;
  signal?: AbortSignal;
  /** Gets a new access token after HubSpot called ours expired (OAuth portals). */
  reauthorize?: () => Promise<void>;
  metrics?: Metrics;
  /** The portal's validation rules, read when the run started (none when they could not be read). */
  rules?: PortalRules;
  /** For the PDF links in timeline notes: the service's public URL and the page-token key. */
  publicBaseUrl?: string;
  /** The service's clock (deps.clock): the timeline's PDF links start their 400 days from it. */
  clock?: Clock;
  pageTokenKey?: Buffer | undefined;
  /** HUBSPOT_REQUEST_TIMEOUT_MS: how long an unanswered write may still be on its way. */
  requestTimeoutMs?: number;
}

/** What writeOrBisect and the refusals need to know of what they write. */
export interface WriteKind {
  kind: StateKind;
  type: ObjectType;
}

/** How one kind of record goes to HubSpot; `Kind` alone is either kind. */
export interface Kind<K extends ObjectKind = ObjectKind> {
  kind: K;
  type: ObjectType;
  /** The unique key HubSpot can upsert and read by, or null when the record has none. */
  key(r: ClaimedRecord<K>): string | null;
  idProperty(portal: Portal): string;
  properties(r: ClaimedRecord<K>, portal: Portal): Record<string, string>;
  /** Reads a key back from a HubSpot result. */
  resultKey(properties: Record<string, string | null>, portal: Portal): string | null;
}

const s = (v: unknown) => (v === null || v === undefined ? '' : String(v));

export const CONTACTS: Kind<'contact'> = {
  kind: 'contact',
  type: 'contacts',
  key: (r) => (r.content.email ? r.content.email.trim().toLowerCase() : null),
  idProperty: () => 'email',
  properties: (r) => {
    const a = r.content.address ?? {};
    return {
      email: s(r.content.email).trim().toLowerCase(),
      firstname: s(r.content.firstName),
      lastname: s(r.content.lastName),
      phone: s(r.content.phone),
      company: s(r.content.company),
      address: [a.line1, a.line2].filter(Boolean).join(', '),
      city: s(a.city),
      state: s(a.region),
      zip: s(a.postalCode),
      country: s(a.country),
    };
  },
  resultKey: (p) => (p.email ? p.email.toLowerCase() : null),
};

export const PRODUCTS: Kind<'product'> = {
  kind: 'product',
  type: 'products',
  key: (r) => r.externalId,
  idProperty: (portal) => portal.productIdProperty,
  properties: (r, portal) => ({
    name: s(r.content.name),
    description: s(r.content.description),
    price: r.content.price.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, ''),
    hs_sku: s(r.content.sku),
    hs_product_type: s(r.content.type),
    [portal.productIdProperty]: r.externalId,
  }),
  resultKey: (p, portal) => p[portal.productIdProperty] ?? null,
};

export type Finished = Omit<Outcome, 'stateId'>;

/** A record HubSpot refused inside a batch that otherwise answered (207): its own error, the reply's correlation id. */
export function refusedIn(kind: WriteKind, outcome: BatchOutcome, r: Pick<ClaimedRecord, 'stateId' | 'version' | 'attempts'>): Finished {
  const error = outcome.errors.find((e) => e.traceIds.includes(r.stateId));
  const message = error?.message ?? 'HubSpot returned no result for this record';
  const violations = error?.violations ?? [];
  const summary = { status: outcome.status, category: error?.category ?? null, message, correlationId: outcome.headers['x-hubspot-correlation-id'] ?? null };
  if (violations.length) return refusedByRule(kind, r, { ...summary, violations });
  return failed(r, summary, `HubSpot refused it: ${message}`);
}

/**
 * A record a VALIDATION_ERROR refused: permanent, with the properties and messages HubSpot named
 * and, when a portal admin's rule did it, a reason that says so and what to do.
 */
function refusedByRule(kind: WriteKind, r: Pick<ClaimedRecord, 'version' | 'attempts'>, error: ReturnType<HubSpotError['summary']>, upFront = false): Finished {
  const violations = error.violations ?? [];
  return failed(r, { ...error, ...(isPortalRule(violations) ? { refusedBy: 'portal_rule', ...(upFront ? { foundBeforeSending: true } : {}) } : {}) }, refusalReason(kind.kind, violations, upFront));
}

export function done(r: Pick<ClaimedRecord, 'version' | 'contentHash'>, hubspotId: string | null, state: 'synced' | 'skipped'): Finished {
  return { state, hubspotId, pushedVersion: r.version, pushedHash: r.contentHash, reason: null, error: null, failedVersion: null, attempts: 0, nextAttemptAt: null };
}

export function failed(r: Pick<ClaimedRecord, 'version' | 'attempts'>, error: unknown, reason: string): Finished {
  return { state: 'failed', hubspotId: null, pushedVersion: null, pushedHash: null, reason, error, failedVersion: r.version, attempts: r.attempts + 1, nextAttemptAt: null };
}

/**
 * Sends one request, retrying transient failures a few times in place before giving up for now.
 * With `onlyUnprocessed`, only failures HubSpot says it did not act on (429, an expired token) are
 * retried in place: for creates HubSpot does not deduplicate (notes), where a 5xx or a timeout
 * may have written, the caller must look before writing again.
 */
export async function send<T>(env: PushEnv, what: string, call: () => Promise<T>, opts: { onlyUnprocessed?: boolean } = {}): Promise<T> {
  const IN_PLACE = 4;
  for (let attempt = 1; ; attempt++) {
    await env.budget.take(env.signal);
    try {
      const out = await call();
      // Not every call answers with a body (a property HubSpot does not have comes back undefined).
      const answer = out as { status?: number; headers?: Record<string, string> } | undefined;
      env.metrics?.hubspotRequests.inc({ status: String(answer?.status ?? 200) });
      const headers = answer?.headers;
      if (headers) env.budget.adapt(headers);
      return out;
    } catch (err) {
      if (!(err instanceof HubSpotError)) throw err;
      env.metrics?.hubspotRequests.inc({ status: err.status === null ? 'network' : String(err.status) });
      env.budget.adapt(err.headers);
      const verdict = classify(err);
      if (verdict.kind === 'daily_limit') throw new DailyLimitReached(verdict.reason);
      if (err.status === 401 && err.category !== 'EXPIRED_AUTHENTICATION') throw new SignInRefused(err, env.portal.authType, env.publicBaseUrl);
      if (err.status === 401 && err.category === 'EXPIRED_AUTHENTICATION' && env.reauthorize && attempt < IN_PLACE) {
        await env.reauthorize();
        continue;
      }
      if (verdict.kind === 'permanent' || attempt >= IN_PLACE) throw err;
      if (opts.onlyUnprocessed && err.status !== 429) throw err;
      env.counts.retries += 1;
      if (err.status === 429) {
        env.counts.rateLimited += 1;
        env.metrics?.hubspotRateLimited.inc({ portal: env.portal.portalId });
        // The window is full by HubSpot's count, which our budget keeps just under: a slot frees
        // up soon. Hold the portal's requests back a tenth of the window, doubling while 429s go
        // on, up to the whole window.
        const windowMs = verdict.waitMs ?? 1000;
        await env.budget.backOff(Math.min(windowMs, (windowMs / 10) * 2 ** (attempt - 1)));
      } else {
        const wait = Math.max(verdict.waitMs ?? 0, backoffMs(attempt, env.random, { baseMs: 250, capMs: 5000 }));
        env.log.debug('retrying', { what, attempt, wait, reason: verdict.reason, correlationId: err.correlationId });
        await sleep(wait, env.signal); // a stopping worker does not sit out the backoff
      }
    }
  }
}

export interface Sent<R extends Pick<ClaimedRecord, 'stateId' | 'version' | 'attempts'> = ClaimedRecord> {
  record: R;
  input: BatchInput;
}

/**
 * Writes a set of records with `write` (upsert or update); when HubSpot refuses the whole batch
 * for one bad record (untraced batches are all-or-nothing), halves it until the bad record stands
 * alone, so its batchmates still land.
 */
export async function writeOrBisect<R extends Pick<ClaimedRecord, 'stateId' | 'version' | 'attempts'>>(
  env: PushEnv,
  kind: WriteKind,
  items: Array<Sent<R>>,
  write: (inputs: BatchInput[]) => Promise<BatchOutcome>,
  out: Map<string, Finished>,
  onResult: (outcome: BatchOutcome, items: Array<Sent<R>>) => void,
  sendOpts: { onlyUnprocessed?: boolean } = {},
): Promise<void> {
  if (items.length === 0) return;
  try {
    const outcome = await send(env, `${kind.type} write`, () => write(items.map((i) => i.input)), sendOpts);
    onResult(outcome, items);
  } catch (err) {
    if (!(err instanceof HubSpotError) || classify(err).kind !== 'permanent') throw err;
    // A missing scope refuses every record alike: halving finds nothing, the caller handles it.
    if (err.category === 'MISSING_SCOPES') throw err;
    if (items.length === 1) {
      const r = items[0]!.record;
      out.set(r.stateId, err.violations.length ? refusedByRule(kind, r, err.summary()) : failed(r, err.summary(), `HubSpot refused it: ${err.message}`));
      return;
    }
    const half = Math.ceil(items.length / 2);
    await writeOrBisect(env, kind, items.slice(0, half), write, out, onResult, sendOpts);
    await writeOrBisect(env, kind, items.slice(half), write, out, onResult, sendOpts);
  }
}

/** Pushes one claimed batch; every claimed record gets an outcome (or goes back to the queue). */
export async function pushBatch(env: PushEnv, kind: Kind, claimed: ClaimedRecord[]): Promise<{ finished: number }> {
  const out = new Map<string, Finished>();
  const idProperty = kind.idProperty(env.portal);
  try {
    await pushRecords(env, kind, claimed, idProperty, out);
  } catch (err) {
    if (!(err instanceof HubSpotError)) {
      // The daily limit, a stop, or a database error: keep what is known, give the rest back.
      await syncStateRepo.release(
        env.db,
        claimed.filter((r) => !out.has(r.stateId)).map((r) => r.stateId),
        env.worker,
      );
      await recordAll(env, kind, claimed, out);
      throw err;
    }
    // Still failing after the in-place retries: back in the queue with a growing, jittered delay.
    retryLater(err, claimed, out, env);
  }
  return { finished: await recordAll(env, kind, claimed, out) };
}

/** Counts a finished record in the run's counts and the metrics. */
export function tally(env: PushEnv, kind: WriteKind, outcome: 'created' | 'updated' | 'archived' | 'skipped' | 'conflicts' | 'failed'): void {
  env.counts[outcome] += 1;
  env.metrics?.syncRecords.inc({ type: kind.kind, outcome });
}

/**
 * Rows of a batch that kept failing after the in-place retries (those without an outcome yet): back
 * in the queue with a growing, jittered delay, or given up after MAX_ATTEMPTS. `minWaitMs` holds a
 * retry back at least that long (notes: a write whose answer timed out may still land at HubSpot,
 * and the look before writing again must come after it would have).
 */
export function retryLater(err: HubSpotError, rows: ReadonlyArray<Pick<ClaimedRecord, 'stateId' | 'attempts' | 'version'>>, out: Map<string, Finished>, env: PushEnv, minWaitMs = 0): void {
  const verdict = classify(err);
  for (const r of rows) {
    if (out.has(r.stateId)) continue;
    const attempts = r.attempts + 1;
    if (attempts >= MAX_ATTEMPTS) {
      out.set(r.stateId, failed(r, err.summary(), `gave up after ${attempts} attempts: ${verdict.reason}`));
      continue;
    }
    out.set(r.stateId, {
      state: 'pending',
      hubspotId: null,
      pushedVersion: null,
      pushedHash: null,
      reason: `will retry: ${verdict.reason}`,
      error: err.summary(),
      failedVersion: null,
      attempts,
      nextAttemptAt: new Date(Date.now() + Math.max(minWaitMs, backoffMs(attempts, env.random))),
    });
  }
}

/** Writes the outcomes known and counts the finished ones; rows without an outcome are left as they are. */
export async function recordAll(env: PushEnv, kind: WriteKind, claimed: ReadonlyArray<{ stateId: string }>, out: Map<string, Finished>): Promise<number> {
  const outcomes = claimed.filter((r) => out.has(r.stateId)).map((r) => ({ stateId: r.stateId, ...out.get(r.stateId)! }));
  await syncStateRepo.record(env.db, kind.kind, env.worker, outcomes);
  let finished = 0;
  for (const o of outcomes) {
    if (o.state === 'pending') continue;
    finished += 1;
    if (o.state === 'failed') tally(env, kind, 'failed');
    if (o.state === 'skipped') tally(env, kind, 'skipped');
    if (o.state === 'conflict') tally(env, kind, 'conflicts');
  }
  return finished;
}

async function pushRecords(env: PushEnv, kind: Kind, claimed: ClaimedRecord[], idProperty: string, out: Map<string, Finished>): Promise<void> {
  const live = claimed.filter((r) => !r.archived);
  const archived = claimed.filter((r) => r.archived);

  // Records that cannot go: contacts without an email, and contacts sharing one.
  const sendable: ClaimedRecord[] = [];
  for (const r of live) {
    const key = kind.key(r);
    if (!key) {
      out.set(r.stateId, { ...done(r, r.hubspotId, 'skipped'), reason: 'no email: HubSpot keys contacts by email, so this one is not pushed until it has one' });
      continue;
    }
    const shared = r.emailSharedBy;
    if (shared.length > 1) {
      out.set(r.stateId, {
        state: 'conflict',
        hubspotId: r.hubspotId,
        pushedVersion: null,
        pushedHash: null,
        reason: `email ${key} is shared by contacts ${shared.join(', ')}: HubSpot keeps one contact per email, so none of them is pushed until they differ`,
        error: null,
        failedVersion: null,
        attempts: 0,
        nextAttemptAt: null,
      });
      continue;
    }
    // Known before sending to break a rule of the portal's (read when the run started): not sent.
    const broken = breaches((env.rules ?? NO_RULES)[kind.kind], kind.properties(r, env.portal));
    if (broken.length) {
      out.set(r.stateId, refusedByRule(kind, r, { status: null, category: 'VALIDATION_ERROR', message: broken.map((v) => v.message).join('; '), correlationId: null, violations: broken }, true));
      env.counts.refusedUpFront += 1;
      continue;
    }
    sendable.push(r);
  }

  // A push that may have landed unheard: find what HubSpot has under the key before writing.
  const uncertain = [...sendable, ...archived].filter((r) => !r.hubspotId && r.inFlightSince && kind.key(r));
  const recovered = new Map<string, string>();
  if (uncertain.length > 0) {
    const read = await send(env, `${kind.type} read`, () =>
      env.api.batchRead(
        kind.type,
        uncertain.map((r) => kind.key(r)!),
        [idProperty],
        idProperty,
      ),
    );
    for (const res of read.results) {
      const key = kind.resultKey(res.properties, env.portal);
      if (key) recovered.set(key, res.id);
    }
  }
  const idOf = (r: ClaimedRecord) => r.hubspotId ?? recovered.get(kind.key(r) ?? '') ?? null;

  // Known to HubSpot: update by id. An id HubSpot no longer has (deleted there) falls back to the upsert.
  const byId = sendable.filter((r) => idOf(r));
  const toUpsert = sendable.filter((r) => !idOf(r));
  await writeOrBisect(
    env,
    kind,
    byId.map((r) => ({ record: r, input: { id: idOf(r)!, objectWriteTraceId: r.stateId, properties: kind.properties(r, env.portal) } })),
    (inputs) => env.api.batchUpdate(kind.type, inputs),
    out,
    (outcome, items) => {
      const byHubspotId = new Map(outcome.results.map((x) => [x.id, x]));
      const missing = new Set(outcome.errors.filter((e) => e.category === 'OBJECT_NOT_FOUND').flatMap((e) => [...e.traceIds, ...e.ids]));
      for (const item of items) {
        const id = idOf(item.record)!;
        if (byHubspotId.has(id)) {
          out.set(item.record.stateId, done(item.record, id, 'synced'));
          tally(env, kind, 'updated');
        } else if (missing.has(item.record.stateId) || missing.has(id)) {
          item.record.hubspotId = null;
          recovered.delete(kind.key(item.record) ?? '');
          toUpsert.push(item.record);
        } else {
          out.set(item.record.stateId, refusedIn(kind, outcome, item.record));
        }
      }
    },
  );

  // Unknown to HubSpot: upsert by the unique key (idempotent: a repeat finds the same record).
  await writeOrBisect(
    env,
    kind,
    toUpsert.map((r) => {
      const properties = kind.properties(r, env.portal);
      delete properties[idProperty];
      return { record: r, input: { id: kind.key(r)!, idProperty, objectWriteTraceId: r.stateId, properties } };
    }),
    (inputs) => env.api.batchUpsert(kind.type, inputs),
    out,
    (outcome, items) => {
      const byKey = new Map(outcome.results.map((x) => [kind.resultKey(x.properties, env.portal) ?? '', x]));
      const byTrace = new Map(outcome.results.filter((x) => x.objectWriteTraceId).map((x) => [x.objectWriteTraceId!, x]));
      for (const item of items) {
        const res = byTrace.get(item.record.stateId) ?? byKey.get(kind.key(item.record)!);
        if (res) {
          out.set(item.record.stateId, done(item.record, res.id, 'synced'));
          if (res.isNew) tally(env, kind, 'created');
          else tally(env, kind, 'updated');
        } else {
          out.set(item.record.stateId, refusedIn(kind, outcome, item.record));
        }
      }
    },
  );

  // Tombstones: archive what HubSpot has; what it never had is done already.
  const toArchive = archived.filter((r) => idOf(r));
  if (toArchive.length > 0) {
    await send(env, `${kind.type} archive`, () =>
      env.api.batchArchive(
        kind.type,
        toArchive.map((r) => idOf(r)!),
      ),
    );
  }
  for (const r of archived) {
    out.set(r.stateId, { ...done(r, idOf(r), 'synced'), reason: 'archived' });
    tally(env, kind, 'archived');
  }
}
