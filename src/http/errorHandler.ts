import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../log.js';
import { AppError, clip } from '../errors.js';
import { redactDeep, redactSecrets } from '../redact.js';
import { documentShell } from '../html/documentShell.js';
import { html, type SafeHtml } from '../html/html.js';

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

/** The small error page of the iframe pages and the dashboard: the pages' stylesheet, no script. */
export function errorPage(title: string, message: string): SafeHtml {
  return documentShell({ title, stylesheet: '/assets/pages.css', bodyClass: 'error-page', body: html`<main><h1>${title}</h1><p>${message}</p></main>` });
}

/**
 * A page's own HTML for the errors it knows (by their code), given the error as it may be shown:
 * message redacted and clipped (generic when not exposed), details redacted. Undefined leaves the
 * error to the usual answer (the route's error format).
 */
export type ErrorView = (err: AppError) => SafeHtml | undefined;

interface ErrorViewOn {
  view: ErrorView;
  /** Answer with Cache-Control: no-store, as the page itself is (the dashboard's sign-in form). */
  noStore: boolean;
}

/** Route middleware: the errors `view` knows are answered with its page, the rest as usual. */
export function showErrorsOn(view: ErrorView, opts: { noStore?: boolean } = {}): RequestHandler {
  const on: ErrorViewOn = { view, noStore: opts.noStore ?? false };
  return (_req: Request, res: Response, next: NextFunction) => {
    res.locals.errorView = on;
    next();
  };
}

/**
 * The one error exit. JSON `{ error: { code, message, details } }` for API and HubSpot routes; a
 * small HTML page for iframe pages and the dashboard (they set res.locals.errorFormat = 'html');
 * a page's own view of the errors it knows when its route named one (showErrorsOn). A 5xx that
 * is not exposed (an unknown failure) is logged once with the stack and its message never shown;
 * an exposed one (503 not configured, 502 an install HubSpot failed) was said on purpose, and
 * logged where it happened.
 */
export function errorHandler(log: Logger, onError?: (req: Request, res: Response, err: AppError) => void, secrets: readonly string[] = []) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    // The last line of defence: whatever reached here, its message, details and stack lose every
    // known secret and anything that looks like a token (see redact.ts) before they are shown,
    // recorded or logged. HubSpot's errors were scrubbed where they were made (toHubSpotError).
    const raw = toAppError(err);
    const appErr = new AppError(raw.code, raw.status, redactSecrets(raw.message, secrets), raw.details === undefined ? undefined : redactDeep(raw.details, secrets), raw.expose);
    onError?.(req, res, appErr);
    if (appErr.status >= 500 && !appErr.expose) {
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
    const on = res.locals.errorView as ErrorViewOn | undefined;
    const view = on?.view(new AppError(appErr.code, appErr.status, message, appErr.details, appErr.expose));
    if (view) {
      if (on?.noStore) res.set('Cache-Control', 'no-store');
      res.type('html').send(view.value);
      return;
    }
    if (res.locals.errorFormat === 'html') {
      res.type('html').send(errorPage(appErr.status >= 500 ? 'Something went wrong' : 'This page cannot be shown', message).value);
      return;
    }
    res.json({ error: { code: appErr.code, message, ...(appErr.details !== undefined ? { details: appErr.details } : {}) } });
  };
}
