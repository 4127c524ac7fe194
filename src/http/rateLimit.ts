import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';

/**
 * A per-client request limit for the public, unsigned routes (sign-in, OAuth install, the iframe
 * pages and their API): at most `max` requests per `windowMs` per IP, in this process, answered
 * 429 with Retry-After beyond that. The app believes X-Forwarded-For only from the proxies named
 * in TRUSTED_PROXIES (default loopback), so req.ip is the client's behind them and the peer's
 * own address otherwise. With N web processes a client gets N times the limit at most.
 */
export function rateLimit(opts: { name: string; max: number; windowMs: number }) {
  const hits = new Map<string, { count: number; resetAt: number }>();
  let sweepAt = Date.now() + opts.windowMs;
  return (req: Request, res: Response, next: NextFunction) => {
    const now = Date.now();
    if (now > sweepAt) {
      for (const [k, v] of hits) if (v.resetAt <= now) hits.delete(k);
      sweepAt = now + opts.windowMs;
    }
    const key = req.ip ?? 'unknown';
    let h = hits.get(key);
    if (!h || h.resetAt <= now) {
      h = { count: 0, resetAt: now + opts.windowMs };
      hits.set(key, h);
    }
    h.count += 1;
    if (h.count > opts.max) {
      res.set('Retry-After', String(Math.ceil((h.resetAt - now) / 1000)));
      throw new AppError('rate_limited', 429, `Too many requests to ${opts.name}; try again in ${Math.ceil((h.resetAt - now) / 1000)} s`);
    }
    next();
  };
}
