import type { NextFunction, Request, Response } from 'express';
import type { Deps } from '../deps.js';
import { AppError, notConfigured } from '../errors.js';
import { constantTimeEqual } from '../shared/constantTime.js';

/** Guards /api/v1 with `Authorization: Bearer $API_TOKEN` (constant-time comparison). */
export function requireApiToken(deps: Deps) {
  return (req: Request, res: Response, next: NextFunction) => {
    const expected = deps.config.apiToken;
    if (!expected) throw notConfigured('API_TOKEN', 'The accounting API (/api/v1)');
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !constantTimeEqual(match[1]!, expected)) {
      res.set('WWW-Authenticate', 'Bearer realm="api"');
      throw new AppError('unauthorized', 401, match ? 'The bearer token is not valid' : 'Send Authorization: Bearer <API_TOKEN>');
    }
    next();
  };
}
