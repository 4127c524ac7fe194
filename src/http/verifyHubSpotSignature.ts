import type { NextFunction, Request, Response } from 'express';
import type { Deps } from '../deps.js';
import { notConfigured, unauthorized } from '../errors.js';
import { type SignatureFailure, verifyHubSpotSignature as verify } from '../hubspot/signature.js';
import { limitedWarn } from './limitedWarn.js';

const EXPLAIN: Record<SignatureFailure, string> = {
  missing_signature: 'the request carries no HubSpot signature',
  v2_only_refused: 'the request is signed with v2 only; v3 (X-HubSpot-Signature-v3) is required',
  missing_timestamp: 'X-HubSpot-Request-Timestamp is missing',
  malformed_timestamp: 'X-HubSpot-Request-Timestamp is not a millisecond timestamp',
  stale_timestamp: 'the request timestamp is more than 5 minutes old',
  future_timestamp: 'the request timestamp is more than 5 minutes in the future',
  v3_mismatch: 'the v3 signature does not match',
  v2_mismatch: 'the v2 signature does not match',
  unsupported_version: 'the signature version is not v2 or v3',
  v3_removed: 'the request is signed with v2 only but shows it was signed with v3 (a timestamp, an appId or a JSON body); its v3 signature was removed',
};

/**
 * Verifies HubSpot's signature over the raw body bytes and the URL HubSpot called, which is
 * PUBLIC_BASE_URL plus the raw path and query as received (never rebuilt from req.query, whose
 * order and escaping differ). Needs the raw-body parser in front of it.
 */
export function verifyHubSpotSignature(deps: Deps) {
  return (req: Request, res: Response, next: NextFunction) => {
    const clientSecret = deps.config.hubspot.clientSecret;
    if (!clientSecret) throw notConfigured('HUBSPOT_CLIENT_SECRET', 'Verifying HubSpot requests');
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const result = verify(
      {
        method: req.method,
        url: deps.config.publicBaseUrl + req.originalUrl,
        body,
        signatureV3: req.get('x-hubspot-signature-v3'),
        timestamp: req.get('x-hubspot-request-timestamp'),
        signatureV2: req.get('x-hubspot-signature'),
        signatureVersion: req.get('x-hubspot-signature-version'),
        contentType: req.get('content-type'),
      },
      { clientSecret, nowMs: deps.clock.now().getTime(), allowV2Only: deps.config.hubspot.allowV2Only },
    );
    if (!result.ok) {
      deps.metrics.signatureFailures.inc({ check: result.reason });
      // Which check failed, but never the secret or the signatures themselves.
      limitedWarn(deps, `signature:${result.reason}`, 'hubspot signature rejected', {
        scope: 'signature',
        check: result.reason,
        method: req.method,
        path: req.path,
        requestId: res.locals.requestId,
      });
      throw unauthorized('invalid_signature', `Invalid HubSpot signature: ${EXPLAIN[result.reason]}`);
    }
    res.locals.signatureVersion = result.version;
    res.locals.rawBody = body;
    next();
  };
}
