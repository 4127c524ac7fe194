import type { Request, Response } from 'express';

/**
 * Answers `body` as JSON with the bytes and headers res.json sends in this app (Content-Type
 * `application/json; charset=utf-8`, Content-Length, no ETag: app.ts turns ETags off), in one
 * res.end of the JSON string. For the busiest answers (the data fetch, the app card's list):
 * res.send copies a body of 1,000 characters or more into a Buffer before writing it, which Node
 * then writes beside the headers (writev); a string goes out with the headers in one write, and
 * Express's header helpers (mime lookups, charset parsing) are skipped.
 *
 * Anything res.json would treat otherwise is left to res.json: a conditional request (it may answer
 * 304), a status other than 200, a Content-Type or Transfer-Encoding already set, ETags or JSON
 * settings (`json replacer`, `json spaces`, `json escape`) turned on.
 */
export function sendJson(req: Request, res: Response, body: unknown): void {
  const app = res.app;
  if (
    res.statusCode !== 200 ||
    req.headers['if-none-match'] !== undefined ||
    req.headers['if-modified-since'] !== undefined ||
    res.getHeader('Content-Type') !== undefined ||
    res.getHeader('Transfer-Encoding') !== undefined ||
    typeof app.get('etag fn') === 'function' ||
    app.get('json replacer') !== undefined ||
    app.get('json spaces') !== undefined ||
    app.get('json escape')
  ) {
    res.json(body);
    return;
  }
  const json = JSON.stringify(body) as string | undefined;
  if (json === undefined) {
    res.json(body);
    return;
  }
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json, 'utf8'));
  res.end(json, 'utf8');
}
