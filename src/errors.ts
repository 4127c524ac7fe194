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

export const validationFailed = (details: FieldError[], message?: string) =>
  new AppError(
    'validation_failed',
    400,
    message ?? `Invalid request: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`,
    details,
  );

export const badRequest = (code: string, message: string, details?: unknown) => new AppError(code, 400, message, details);
export const unauthorized = (code: string, message: string) => new AppError(code, 401, message);
export const forbidden = (code: string, message: string) => new AppError(code, 403, message);
export const notFound = (what: string) => new AppError('not_found', 404, `${what} was not found`);
export const conflict = (code: string, message: string, details?: unknown) => new AppError(code, 409, message, details);
export const notConfigured = (variable: string, what: string) =>
  new AppError('not_configured', 503, `${what} is not set up: set ${variable} and restart the service`, { variable });
