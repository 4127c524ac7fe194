import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AppError, validationFailed } from '../errors.js';

/** POST/PUT/PATCH bodies on JSON APIs must be JSON: anything else is a 415, not a confusing 400. */
function requireJsonBody(req: Request, _res: Response, next: NextFunction) {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && ['POST', 'PUT', 'PATCH'].includes(req.method) && !req.is(['application/json', 'application/*+json'])) {
    throw new AppError('unsupported_media_type', 415, `Send JSON with Content-Type: application/json (got ${req.get('content-type') ?? 'no Content-Type'})`);
  }
  next();
}

/**
 * express.json's `verify`: sees the body's bytes before they are decoded. Bytes that are not UTF-8
 * would otherwise be decoded to U+FFFD and stored as if the caller had sent that; they are refused
 * (TextDecoder with `fatal`). It also notes the body's length, for refuseEmptyBody.
 *
 * Only UTF-8 is read (RFC 8259 §8.1 requires it between systems): body-parser would also decode
 * any `charset=utf-*` it knows (utf-16, utf-7, …), turning bytes no UTF-8 check ever saw into
 * stored text (in UTF-7, `a+AGE-` is stored as `aa`) and letting invalid sequences become U+FFFD.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });
function verifyJsonBytes(_req: Request, res: Response, buf: Buffer, encoding: string) {
  res.locals.jsonBodyBytes = buf.length;
  if (!/^utf-?8$/i.test(encoding)) {
    throw new AppError(
      'unsupported_media_type',
      415,
      `The request body is sent as ${encoding.slice(0, 40)}: send JSON encoded as UTF-8 (Content-Type: application/json, with charset=utf-8 or no charset; nothing was saved)`,
    );
  }
  try {
    utf8.decode(buf);
  } catch {
    throw new AppError('invalid_utf8', 400, 'The request body is not valid UTF-8: send JSON encoded as UTF-8 (nothing was saved)');
  }
}

/**
 * A PUT replaces and a PATCH changes: without a body either is a mistake, and read as `{}` a PUT
 * of a contact created an empty one (and a PUT of settings would blank them). POST bodies are
 * checked by their schemas (the few whose fields are all optional may be sent empty).
 */
function refuseEmptyBody(req: Request, res: Response, next: NextFunction) {
  if ((req.method === 'PUT' || req.method === 'PATCH') && (req.body === undefined || res.locals.jsonBodyBytes === 0)) {
    throw new AppError(
      'empty_body',
      400,
      `This ${req.method} needs a JSON object in its body (Content-Type: application/json) with the fields to save; the request had no body, so nothing was changed`,
    );
  }
  next();
}

// With the u flag a surrogate pair is one code point, so only a lone half matches.
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Text that PostgreSQL would not store as sent is refused here, naming where it was, before any
 * handler could try to store it: the NUL character (`"\u0000"`, which text cannot hold) and lone
 * UTF-16 surrogates (`"\ud800"`, which become U+FFFD on the way to the database).
 */
const unstorable = (s: string): string | undefined =>
  s.includes('\u0000')
    ? 'must not contain the NUL character (\\u0000)'
    : LONE_SURROGATE.test(s)
      ? 'must be valid Unicode text: it holds half of a UTF-16 surrogate pair (a lone \\ud800-\\udfff escape)'
      : undefined;

/** Finds the first unstorable string under `v`; `at` ends up holding the keys down to it. */
function findUnstorable(v: unknown, at: Array<string | number>, depth: number): string | undefined {
  if (typeof v === 'string') return unstorable(v);
  if (v === null || typeof v !== 'object' || depth > 64) return undefined;
  const keys: Array<string | number> = Array.isArray(v) ? [] : Object.keys(v);
  const n = Array.isArray(v) ? v.length : keys.length;
  for (let i = 0; i < n; i++) {
    const k = Array.isArray(v) ? i : keys[i]!;
    const x = (v as Record<string | number, unknown>)[k];
    if (typeof x !== 'string' && (x === null || typeof x !== 'object')) continue;
    at.push(k);
    const problem = findUnstorable(x, at, depth + 1);
    if (problem) return problem;
    at.pop();
  }
  return undefined;
}

function refuseUnstorableText(req: Request, _res: Response, next: NextFunction) {
  // The path is a stack of keys, spelt out only for the value found: a 500,000-element array
  // costs no strings.
  const at: Array<string | number> = [];
  const problem = findUnstorable(req.body, at, 0);
  if (problem) {
    const field = at.reduce<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : p ? `${p}.${k}` : k), '');
    throw validationFailed([{ field: field || '(body)', message: problem }]);
  }
  next();
}

/**
 * A JSON API's body chain: JSON only (415 otherwise), at most `limit`, UTF-8 bytes only, PUT and
 * PATCH with a body, and no text PostgreSQL would not store as sent.
 */
export function jsonBody(limit: string): RequestHandler[] {
  return [requireJsonBody, express.json({ limit, type: ['application/json', 'application/*+json'], verify: verifyJsonBytes }), refuseEmptyBody, refuseUnstorableText];
}

/**
 * The JSON body of a signed route, whose bytes express.raw has already read (the signature is
 * over them; see verifyHubSpotSignature): parsed here, after the signature and the caller guard,
 * with the same rules as jsonBody (UTF-8 only, an object, no text PostgreSQL would not store). An
 * empty body reads as `{}`. The size limit is express.raw's, in front of the signature check.
 */
export function jsonFromRawBody(): RequestHandler[] {
  const parse = (req: Request, _res: Response, next: NextFunction) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const type = req.get('content-type');
    if (raw.length > 0 && type !== undefined && !req.is(['application/json', 'application/*+json'])) {
      throw new AppError('unsupported_media_type', 415, `Send JSON with Content-Type: application/json (got ${type.slice(0, 80)})`);
    }
    const charset = type
      ?.split(';')
      .map((p) => p.trim().toLowerCase())
      .find((p) => p.startsWith('charset='))
      ?.slice('charset='.length)
      .replace(/"/g, '');
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      throw new AppError('unsupported_media_type', 415, `The request body is sent as ${charset.slice(0, 40)}: send JSON encoded as UTF-8 (nothing was saved)`);
    }
    let text: string;
    try {
      text = utf8.decode(raw);
    } catch {
      throw new AppError('invalid_utf8', 400, 'The request body is not valid UTF-8: send JSON encoded as UTF-8 (nothing was saved)');
    }
    let parsed: unknown = {};
    if (text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new AppError('invalid_json', 400, 'The request body is not valid JSON');
      }
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new AppError('invalid_body', 400, 'The request body must be a JSON object');
    req.body = parsed;
    next();
  };
  return [parse, refuseUnstorableText];
}
