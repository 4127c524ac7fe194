import { describe, expect, it } from 'vitest';
import { HubSpotError } from '../hubspot/hubspotApi.js';
import { backoffMs, classify } from './retryPolicy.js';

const answer = (status: number, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) => new HubSpotError('x', status, body, headers);
const noAnswer = (code: string) => new HubSpotError('x', null, undefined, {}, code);

describe('classify', () => {
  it('retries what is transient', () => {
    for (const e of [answer(500), answer(502), answer(503), answer(504), answer(423), noAnswer('ETIMEDOUT'), noAnswer('ECONNRESET'), noAnswer('ECONNREFUSED'), noAnswer('EPIPE')]) {
      expect(classify(e).kind, `${e.status ?? e.networkCode}`).toBe('retry');
    }
    expect(classify(answer(423))).toMatchObject({ waitMs: 2000 });
    expect(classify(answer(477, {}, { 'retry-after': '30' }))).toMatchObject({ kind: 'retry', waitMs: 30_000 });
  });

  it('waits out the burst window on a 429, reading the window from the headers', () => {
    expect(classify(answer(429, { policyName: 'TEN_SECONDLY_ROLLING' }, { 'x-hubspot-ratelimit-interval-milliseconds': '10000' }))).toEqual({
      kind: 'retry',
      reason: 'rate limited (TEN_SECONDLY_ROLLING)',
      waitMs: 10_000,
    });
    expect(classify(answer(429, { message: 'You have reached your secondly limit.' }))).toMatchObject({ kind: 'retry', waitMs: 1000 });
  });

  it('pauses at the daily limit', () => {
    expect(classify(answer(429, { policyName: 'DAILY' })).kind).toBe('daily_limit');
  });

  it('never retries other client errors', () => {
    for (const s of [400, 401, 403, 404, 409, 413, 415]) expect(classify(answer(s)).kind, String(s)).toBe('permanent');
    expect(classify(answer(401, { category: 'EXPIRED_AUTHENTICATION' })).kind).toBe('retry'); // refreshed, then retried
  });
});

describe('backoffMs', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    const max = (attempt: number) => backoffMs(attempt, () => 0.999999, { baseMs: 1000, capMs: 60_000 });
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(max)).toEqual([999, 1999, 3999, 7999, 15999, 31999, 59999, 59999]);
    expect(backoffMs(5, () => 0, { baseMs: 1000, capMs: 60_000 })).toBe(0);
    const samples = Array.from({ length: 2000 }, () => backoffMs(4, Math.random, { baseMs: 1000, capMs: 60_000 }));
    expect(Math.min(...samples)).toBeLessThan(1000);
    expect(Math.max(...samples)).toBeGreaterThan(7000);
    expect(Math.max(...samples)).toBeLessThan(8000);
  });
});
