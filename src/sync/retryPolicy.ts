import type { HubSpotError } from '../hubspot/hubspotApi.js';

/**
 * What to do about a failed HubSpot call. HubSpot's APIs never retry on their own, so this is the
 * whole policy:
 * - 429 over the burst window, 5xx, 423 (locked for ~2 s), 477 (migrating), timeouts, resets and
 *   refused connections are transient: retry the same request later;
 * - 429 DAILY stops the portal's push until the daily budget resets;
 * - every other 4xx is permanent for the records in question: keep HubSpot's message, never
 *   send the same thing again until the record changes or an admin replays it.
 */
export type Verdict = { kind: 'retry'; reason: string; waitMs?: number } | { kind: 'daily_limit'; reason: string } | { kind: 'permanent'; reason: string };

const TRANSIENT_NETWORK = new Set(['ETIMEDOUT', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED', 'ENETWORK', 'UND_ERR_SOCKET']);

export function classify(err: HubSpotError): Verdict {
  const status = err.status;
  if (status === null) {
    return TRANSIENT_NETWORK.has(err.networkCode ?? '') || err.networkCode === undefined
      ? { kind: 'retry', reason: `no answer (${err.networkCode ?? 'network error'})` }
      : { kind: 'retry', reason: `network error ${err.networkCode}` };
  }
  if (status === 429) {
    if (err.policyName === 'DAILY') return { kind: 'daily_limit', reason: 'HubSpot daily API limit reached' };
    const interval = Number(err.headers['x-hubspot-ratelimit-interval-milliseconds']);
    return { kind: 'retry', reason: `rate limited (${err.policyName ?? 'secondly'})`, waitMs: Number.isFinite(interval) && interval > 0 ? Math.min(interval, 10_000) : 1000 };
  }
  if (status === 477) {
    const after = Number(err.headers['retry-after']);
    return { kind: 'retry', reason: 'portal migration in progress', waitMs: Number.isFinite(after) ? after * 1000 : 60_000 };
  }
  if (status === 423) return { kind: 'retry', reason: 'record locked', waitMs: 2000 };
  if (status >= 500) return { kind: 'retry', reason: `HubSpot ${status}` };
  if (status === 401 && err.category === 'EXPIRED_AUTHENTICATION') return { kind: 'retry', reason: 'access token expired', waitMs: 0 };
  return { kind: 'permanent', reason: `HubSpot ${status}${err.category ? ` ${err.category}` : ''}` };
}

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 5 * 60_000 };

/**
 * Capped exponential backoff with full jitter: uniformly random in [0, min(cap, base × 2^attempt)].
 * Full jitter spreads the retries of many workers hit by the same outage instead of syncing them.
 * `attempt` counts failures so far (1 after the first).
 */
export function backoffMs(attempt: number, random: () => number = Math.random, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Transient failures in a row after which a record is parked as failed (replayable). */
export const MAX_ATTEMPTS = 12;
