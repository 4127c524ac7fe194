import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log.js';
import { AppError, clip } from '../errors.js';
import { redactDeep, redactSecrets } from '../redact.js';

// body-parser and Express raise http-errors with a `type`; these become our stable codes.
const PARSER_ERRORS: Record<string, { code: string; status: number; message: string }> = {
  'entity.parse.failed': { code: 'invalid_json', status: 400, message: 'The request body is not valid JSON' },
  'entity.too.large': { code: 'payload_too_large', status: 413, message: 'The request body is too large' },
  'entity.verify.failed': { code: 'invalid_body', status: 400, message: 'The request body could not be read' },
  'encoding.unsupported': { code: 'unsupported_media_type', status: 415, message: 'The request body encoding is not supported' },
  'charset.unsupported': { code: 'unsupported_media_type', status: 415, message: 'The request body charset is not supported; send UTF-8' },
  'request.aborted': { code: 'request_aborted', status: 400, message: 'The request was aborted before its body arrived' },
  'request.size.invalid': { code: 'invalid_body', status: 400, message: 'The request body length does not match Content-Length' },
  'parameters.too.many': { code: 'payload_too_large', status: 413, message: 'The request has too many parameters' },
};

interface HttpishError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
  message?: string;
  limit?: number;
}

/** Normalises anything thrown into an AppError; unknown errors become a generic 500. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as HttpishError;
  const parser = e.type ? PARSER_ERRORS[e.type] : undefined;
  if (parser) {
    const message = e.type === 'entity.too.large' && e.limit ? `${parser.message} (limit ${e.limit} bytes)` : parser.message;
    return new AppError(parser.code, parser.status, message);
  }
  const status = e.status ?? e.statusCode;
  if (status && status >= 400 && status < 500) {
    return new AppError('bad_request', status, e.expose && e.message ? e.message : 'The request could not be understood');
  }
  return new AppError('internal_error', 500, 'Something went wrong on our side; the error was logged', undefined, false);
}

/** No message the service writes is longer; only quoted input could make one so. */
const MAX_MESSAGE_CHARS = 2_000;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small, self-contained error page for iframe pages (no scripts, no external assets). */
export function errorPage(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)}</title><link rel="stylesheet" href="/assets/pages.css"></head>
<body class="error-page"><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main></body></html>`;
}

/**
 * The one error exit. JSON `{ error: { code, message, details } }` for API and HubSpot routes; a
 * small HTML page for iframe pages (they set res.locals.errorFormat = 'html'). 5xx are logged once
 * with the stack; their message is never shown to the caller.
 */
export function errorHandler(log: Logger, onError?: (req: Request, res: Response, err: AppError) => void, secrets: readonly string[] = []) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    // The last line of defence: whatever reached here, its message, details and stack lose every
    // known secret and anything that looks like a token (see redact.ts) before they are shown,
    // recorded or logged. HubSpot's errors were scrubbed where they were made (toHubSpotError).
    const raw = toAppError(err);
    const appErr = new AppError(raw.code, raw.status, redactSecrets(raw.message, secrets), raw.details === undefined ? undefined : redactDeep(raw.details, secrets), raw.expose);
    onError?.(req, res, appErr);
    if (appErr.status >= 500 && appErr.status !== 503) {
      log.error('request failed', {
        scope: 'http',
        requestId: res.locals.requestId,
        method: req.method,
        path: req.path,
        error: redactSecrets(err instanceof Error ? (err.stack ?? err.message) : String(err), secrets),
      });
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    // Messages may quote the request (a path, an id); a 16 KB URL must not make a 16 KB answer.
    const message = appErr.expose ? clip(appErr.message, MAX_MESSAGE_CHARS) : 'Something went wrong on our side; the error was logged';
    res.status(appErr.status);
    if (res.locals.errorFormat === 'html') {
      res.type('html').send(errorPage(appErr.status >= 500 ? 'Something went wrong' : 'This page cannot be shown', message));
      return;
    }
    res.json({ error: { code: appErr.code, message, ...(appErr.details !== undefined ? { details: appErr.details } : {}) } });
  };
}
