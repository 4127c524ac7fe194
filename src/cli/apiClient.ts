/** An /api/v1 error answer, with what the service said. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    readonly details: Array<{ field: string; message: string }> = [],
  ) {
    super(message);
  }
}

export interface Api {
  <T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

/**
 * A small /api/v1 client for the CLI: error answers become ApiErrors with the service's message;
 * an unreachable service becomes an Error that says so.
 */
export function apiClient(baseUrl: string, token: string): Api {
  const base = baseUrl.replace(/\/+$/, '');
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${base}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (err) {
      throw new Error(`cannot reach the service at ${base}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`, { cause: err });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new ApiError(res.status, undefined, `${method} ${path} answered ${res.status} with a non-JSON body: is ${base} this service?`);
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string; details?: unknown } }).error;
      const details = Array.isArray(e?.details) ? (e.details as Array<{ field: string; message: string }>) : [];
      throw new ApiError(res.status, e?.code, `${method} ${path} answered ${res.status}: ${e?.message ?? text}`, details);
    }
    return json as T;
  };
}
