import type { Db } from '../db/db.js';

/** The worker is stopping: no new request goes out. */
export class Stopped extends Error {
  constructor() {
    super('the worker is stopping');
  }
}

/**
 * A portal's request budget, shared by every process pushing to it: requests are spaced evenly
 * (GCRA without burst) through a timestamp in the portal's row, advanced atomically by whoever
 * sends next, on PostgreSQL's clock. Evenly spaced at `safety` × the limit, a rolling window of
 * HubSpot's length never holds more than the limit, so 429s stay rare even with several workers.
 *
 * The limit is HUBSPOT_RATE_LIMIT_PER_10S, tightened to what HubSpot's X-HubSpot-RateLimit-Max and
 * -Interval-Milliseconds headers say when they say less.
 */
export class RateBudget {
  private configuredMs: number;
  private learnedMs = 0;
  /** Lanes of this process queue here, so only one at a time polls the shared slot. */
  private queue: Promise<void> = Promise.resolve();

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

  /** Waits until this process may send one request to the portal, then takes the slot. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.takeNow(signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeNow(signal?: AbortSignal): Promise<void> {
    const spacing = this.spacingMs / 1000;
    for (;;) {
      if (signal?.aborted) throw new Stopped();
      const taken = (await this.db.raw(
        `update portals set rate_tat = greatest(rate_tat, clock_timestamp()) + make_interval(secs => ?)
         where portal_id = ? and rate_tat <= clock_timestamp()
         returning 1 as ok`,
        [spacing, this.portalId],
      )) as { rows: unknown[] };
      if (taken.rows.length > 0) return;
      const wait = (await this.db.raw(`select greatest(0, extract(epoch from (rate_tat - clock_timestamp())) * 1000) as ms from portals where portal_id = ?`, [
        this.portalId,
      ])) as { rows: Array<{ ms: string | number }> };
      const ms = Number(wait.rows[0]?.ms ?? 10);
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(ms, 1000))));
    }
  }

  /** Pushes the next slot out by `ms` (after a 429: let HubSpot's window drain). */
  async backOff(ms: number): Promise<void> {
    await this.db.raw(`update portals set rate_tat = greatest(rate_tat, clock_timestamp() + make_interval(secs => ?)) where portal_id = ?`, [ms / 1000, this.portalId]);
  }
}
