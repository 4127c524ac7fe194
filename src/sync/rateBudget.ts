import type { Db } from '../db/db.js';
import * as portalRepo from '../portals/portalRepo.js';

/** The worker is stopping: no new request goes out. */
export class Stopped extends Error {
  constructor() {
    super('the worker is stopping');
  }
}

/** How late a request may reach HubSpot after its slot, at most, as the window allows for it. */
const JITTER_PAD_MS = 50;

/**
 * Requests we allow ourselves per window of a limit: `safety` of it, and at least two fewer than
 * the limit (a small limit needs a few requests' room as much as a large one).
 */
const spare = (limit: number, safety: number) => Math.max(1, Math.min(Math.floor(limit * safety), limit - 2));

export interface Window {
  /** Requests allowed per window. */
  capacity: number;
  windowMs: number;
}

/**
 * A portal's request budget, shared by every process pushing to it, counted the way HubSpot
 * counts (a rolling window, TEN_SECONDLY_ROLLING): a request may go once fewer than `capacity`
 * requests went in the window before it. The portal's row keeps the times of its latest
 * `capacity` requests, on PostgreSQL's clock; each request reserves the next slot in one atomic
 * statement (the later of now, the previous slot, and one window after the request `capacity`
 * back, and at least half an even spacing after the previous slot), which also says how long to
 * wait for it: one round trip per request, no polling, and lanes and processes queue in the order
 * they asked. A slot a slow lane did not use is not lost: the push catches up at up to twice the
 * even rate, and a short push goes out at once; never in one clump, whose requests could reach
 * HubSpot out of order.
 *
 * The limit is HUBSPOT_RATE_LIMIT_PER_10S (spread as a tenth per second) until HubSpot's
 * X-HubSpot-RateLimit-Max and -Interval-Milliseconds headers name the real window; then the lower
 * of the two over that window.
 * Both are tightened: `safety` leaves a few requests of the window spare, and each window is
 * padded by 2 % (at most 50 ms), so requests that reach HubSpot later than their slot still fit.
 */
export class RateBudget {
  private readonly configured: Window;
  private learned: Window | undefined;

  constructor(
    private readonly db: Db,
    private readonly portalId: string,
    perTenSeconds: number,
    private readonly safety = 0.97,
  ) {
    // Until HubSpot's headers name the window, a tenth of the limit per second: whatever the real
    // window (HubSpot's is 10 s), that never bursts past it.
    this.configured = { capacity: Math.max(1, Math.floor((perTenSeconds * safety) / 10)), windowMs: 1000 };
  }

  /**
   * The window in force: HubSpot's own once its headers named it, holding no more than the
   * configured rate allows over that length (a shorter window is the stricter one: it also
   * bounds bursts); the configured one before that.
   */
  get window(): Window {
    const l = this.learned;
    const c = this.configured;
    if (!l) return c;
    return { windowMs: l.windowMs, capacity: Math.max(1, Math.min(l.capacity, Math.floor((c.capacity * l.windowMs) / c.windowMs))) };
  }

  /**
   * Learns the real limit from a response's rate-limit headers, and keeps it with the portal when
   * it is new, for the other processes and the next runs.
   */
  adapt(headers: Record<string, string>): void {
    const max = Number(headers['x-hubspot-ratelimit-max']);
    const interval = Number(headers['x-hubspot-ratelimit-interval-milliseconds']);
    if (!(Number.isInteger(max) && max > 0 && Number.isInteger(interval) && interval > 0)) return;
    if (this.heard?.max === max && this.heard.interval === interval) return;
    this.heard = { max, interval };
    this.learned = { capacity: spare(max, this.safety), windowMs: interval };
    portalRepo.rememberRateLimit(this.db, this.portalId, max, interval).catch(() => undefined); // only a hint for others: the next answer says it again
  }

  private heard: { max: number; interval: number } | undefined;
  private loaded = false;

  /**
   * Reserves the portal's next request slot and waits for it; resolves with the slot's time (ms
   * since the epoch, on the database's clock). The request goes at that time or, on a busy
   * machine, later: never earlier.
   */
  async take(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) throw new Stopped();
    if (!this.loaded) {
      // What HubSpot said to any process before: pace by it from the first request.
      this.loaded = true;
      const known = await portalRepo.rateLimitOf(this.db, this.portalId);
      if (!this.heard && known) {
        this.learned = { capacity: spare(known.max, this.safety), windowMs: known.intervalMs };
      }
    }
    const { capacity, windowMs } = this.window;
    // A request reserved a window after another may still reach HubSpot inside that window when
    // the earlier one was held up on its way (a busy event loop, a slow socket): pad the window.
    const paddedMs = windowMs + Math.min(JITTER_PAD_MS, windowMs * 0.02);
    // The new slot is appended to the log, which keeps the latest `capacity` slots; RETURNING
    // sees the new log, whose last element is the slot.
    const r = (await this.db.raw(
      `update portals set rate_log = (rate_log || greatest(
           clock_timestamp(),
           rate_tat,
           rate_log[cardinality(rate_log)] + make_interval(secs => :gapSeconds),
           case when cardinality(rate_log) >= :capacity
                then rate_log[cardinality(rate_log) - :capacity + 1] + make_interval(secs => :windowSeconds) end
         ))[greatest(1, cardinality(rate_log) + 2 - :capacity):]
       where portal_id = :portalId
       returning extract(epoch from (rate_log[cardinality(rate_log)] - clock_timestamp())) * 1000 as wait_ms,
                 extract(epoch from rate_log[cardinality(rate_log)]) * 1000 as slot_ms`,
      { capacity, windowSeconds: paddedMs / 1000, gapSeconds: windowMs / capacity / 2 / 1000, portalId: this.portalId },
    )) as { rows: Array<{ wait_ms: string | number; slot_ms: string | number }> };
    if (r.rows.length === 0) throw new Error(`portal ${this.portalId} is not registered`);
    const wait = Number(r.rows[0]!.wait_ms);
    if (wait > 0) await sleep(wait, signal);
    return Number(r.rows[0]!.slot_ms);
  }

  /** Holds every request back for `ms` (after a 429: let HubSpot's window drain). */
  async backOff(ms: number): Promise<void> {
    await this.db.raw(`update portals set rate_tat = greatest(rate_tat, clock_timestamp() + make_interval(secs => ?)) where portal_id = ?`, [ms / 1000, this.portalId]);
  }
}

/** Waits `ms`, or throws Stopped as soon as `signal` aborts (at once when it already has). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Stopped());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Stopped());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
