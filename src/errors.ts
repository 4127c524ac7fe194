/** One invalid input field: `field` is a path such as `lines[0].quantity`. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * The one error type the app throws on purpose. `code` is a stable snake_case string (it is API);
 * `expose` says whether `message` may be shown to the caller (false for internal failures).
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
    readonly expose = status < 500 || status === 503,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** At most this many problems are listed in one error's `details`; the message says how many more. */
export const MAX_DETAILS = 100;
/** …and the listed ones take at most this many bytes of JSON, so a 400 stays a few kilobytes. */
const DETAILS_BYTES = 8_000;
/** Problems spelled out in the message itself (the rest are in `details`). */
const MESSAGE_PROBLEMS = 5;
const MAX_FIELD_CHARS = 200;
const MAX_MESSAGE_CHARS = 300;

/** Cuts `text` to `max` characters (an ellipsis marks the cut), never inside a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/**
 * A 400 naming invalid fields. `problems` may be long (a batch with a mistake on every row); the
 * answer is not: `details` lists the first MAX_DETAILS (within DETAILS_BYTES, with field names and
 * messages clipped, as unknown field names are the caller's text), and the message names the first
 * few and says how many more there are and how many were left out of `details`. `total` is the
 * number of problems when the caller stopped collecting them before the end.
 * Why: with every detail listed and joined into the message, one 1 MB body used to answer 41 MB.
 */
export class ValidationFailure extends AppError {
  constructor(
    /** Every problem the caller passed (bounded by the caller), for handlers that merge several checks. */
    readonly problems: readonly FieldError[],
    readonly total: number,
    message: string,
    details: FieldError[],
  ) {
    super('validation_failed', 400, message, details);
  }
}

export function validationFailed(problems: readonly FieldError[], message?: string, total = problems.length): ValidationFailure {
  const details: FieldError[] = [];
  let bytes = 0;
  for (const p of problems) {
    if (details.length >= MAX_DETAILS) break;
    const d = { field: clip(p.field, MAX_FIELD_CHARS), message: clip(p.message, MAX_MESSAGE_CHARS) };
    bytes += jsonBytes(d) + 1;
    if (bytes > DETAILS_BYTES && details.length > 0) break;
    details.push(d);
  }
  const omitted = total - details.length;
  const notListed = omitted > 0 ? `details lists the first ${details.length}, and ${omitted} more problem${omitted === 1 ? ' is' : 's are'} not listed` : '';
  let text: string;
  if (message !== undefined) {
    text = notListed ? `${message} (${notListed})` : message;
  } else {
    const named = details
      .slice(0, MESSAGE_PROBLEMS)
      .map((d) => `${d.field} ${d.message}`)
      .join('; ');
    const more = total - Math.min(details.length, MESSAGE_PROBLEMS);
    text = `Invalid request: ${named}`;
    if (more > 0) text += `; and ${more} more problem${more === 1 ? '' : 's'}${notListed ? `: ${notListed}` : ', listed in details'}`;
  }
  return new ValidationFailure(problems, total, text, details);
}

export const badRequest = (code: string, message: string, details?: unknown) => new AppError(code, 400, message, details);
export const unauthorized = (code: string, message: string) => new AppError(code, 401, message);
export const forbidden = (code: string, message: string) => new AppError(code, 403, message);
export const notFound = (what: string) => new AppError('not_found', 404, `${what} was not found`);
export const conflict = (code: string, message: string, details?: unknown) => new AppError(code, 409, message, details);
export const notConfigured = (variable: string, what: string) => new AppError('not_configured', 503, `${what} is not set up: set ${variable} and restart the service`, { variable });
