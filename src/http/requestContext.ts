import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';

const INCOMING_ID = /^[A-Za-z0-9._-]{8,100}$/;

/**
 * Gives every request an id (the caller's X-Request-Id when it looks sane) and logs one line when
 * the response is finished. The line carries the path but never the query string: page URLs carry
 * tokens there.
 */
export function requestContext(log: Logger, metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
    res.locals.requestId = requestId;
    res.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    const logHttp = log.isLevelEnabled('http');
    res.on('finish', () => {
      // The route as declared (its template, never the values in it: ids, tokens), or "unmatched".
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
      if (!logHttp) return;
      log.http('request', {
        scope: 'http',
        requestId,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      });
    });
    next();
  };
}
