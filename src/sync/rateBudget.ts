import type { Db } from '../db/db.js';

/** The worker is stopping: no new request goes out. */
export class Stopped extends Error {
  constructor() {
    super('the worker is stopping');
  }
}

/**
 * A portal's request budget, shared by every process pushing to it: requests are spaced evenly
 * (GCRA without burst) through a timestamp in the portal's row, on PostgreSQL's clock. Each
 * request reserves the next free slot in one atomic statement, which also says how long to wait
 * for it: one round trip per request, no polling, and lanes and processes queue in the order they
 * asked. Evenly spaced at `safety` × the limit, a rolling window of HubSpot's length never holds
 * more than the limit, so 429s stay rare even with several workers.
 *
 * The limit is HUBSPOT_RATE_LIMIT_PER_10S, tightened to what HubSpot's X-HubSpot-RateLimit-Max and
 * -Interval-Milliseconds headers say when they say less.
 */
export class RateBudget {
  private configuredMs: number;
  private learnedMs = 0;

  constructor(
    private readonly db: Db,
    private readonly portalId: string,
    perTenSeconds: number,
    private readonly safety = 0.97,
  ) {
    this.configuredMs = 10_000 / (perTenSeconds * safety);
  }

  /** Milliseconds between two requests. */
  get spacingMs(): number {
    return Math.max(this.configuredMs, this.learnedMs);
  }

  /** Learns the real limit from a response's rate-limit headers. */
  adapt(headers: Record<string, string>): void {
    const max = Number(headers['x-hubspot-ratelimit-max']);
    const interval = Number(headers['x-hubspot-ratelimit-interval-milliseconds']);
    if (max > 0 && interval > 0) this.learnedMs = interval / (max * this.safety);
  }

  /** Reserves the portal's next request slot and waits for it. */
  async take(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new Stopped();
    const spacing = this.spacingMs / 1000;
    // The slot is max(tat, now); the new tat is one spacing after it. RETURNING sees the new tat.
    const r = (await this.db.raw(
      `update portals set rate_tat = greatest(rate_tat, clock_timestamp()) + make_interval(secs => ?)
       where portal_id = ?
       returning extract(epoch from (rate_tat - make_interval(secs => ?) - clock_timestamp())) * 1000 as wait_ms`,
      [spacing, this.portalId, spacing],
    )) as { rows: Array<{ wait_ms: string | number }> };
    if (r.rows.length === 0) throw new Error(`portal ${this.portalId} is not registered`);
    const wait = Number(r.rows[0]!.wait_ms);
    if (wait > 0) await sleep(wait, signal);
  }

  /** Pushes the next slot out by `ms` (after a 429: let HubSpot's window drain). */
  async backOff(ms: number): Promise<void> {
    await this.db.raw(`update portals set rate_tat = greatest(rate_tat, clock_timestamp() + make_interval(secs => ?)) where portal_id = ?`, [ms / 1000, this.portalId]);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
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
