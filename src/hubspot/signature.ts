import crypto from 'node:crypto';
import { constantTimeEqual } from '../shared/constantTime.js';
import { type HmacSha256, hmacSha256 } from '../shared/hmacSha256.js';

/** v3 timestamps older or newer than this (ms) are refused, as HubSpot's validation guide says. */
export const MAX_TIMESTAMP_SKEW_MS = 5 * 60 * 1000;

/** v1: hex(SHA-256(clientSecret + body)). Only webhook deliveries use it; kept for test vectors. */
export function signV1(clientSecret: string, body: Buffer | string): string {
  return crypto.createHash('sha256').update(clientSecret).update(body).digest('hex');
}

/** v2: hex(SHA-256(clientSecret + method + uri + body)), uri exactly as called (no decoding). */
export function signV2(clientSecret: string, method: string, uri: string, body: Buffer | string): string {
  return crypto
    .createHash('sha256')
    .update(clientSecret + method + uri)
    .update(body)
    .digest('hex');
}

/** v3: base64(HMAC-SHA256(clientSecret, method + uri + body + timestamp)), uri after decodeV3Uri. */
export function signV3(clientSecret: string, method: string, uri: string, body: Buffer | string, timestamp: string): string {
  return crypto
    .createHmac('sha256', clientSecret)
    .update(method + uri)
    .update(body)
    .update(timestamp)
    .digest('base64');
}

// HubSpot's guide lists exactly these twelve escapes to decode before v3 signing; every other
// escape (%20, %2B, %25 …) and '+' stay as received. Hex digits are matched in either case.
const V3_DECODES: Readonly<Record<string, string>> = {
  '3A': ':',
  '2F': '/',
  '3F': '?',
  '40': '@',
  '21': '!',
  '24': '$',
  '27': "'",
  '28': '(',
  '29': ')',
  '2A': '*',
  '2C': ',',
  '3B': ';',
};

/** Applies the v3 decode table to a URI. */
export function decodeV3Uri(uri: string): string {
  if (!uri.includes('%')) return uri;
  return uri.replace(/%(3[AaBbFf]|40|2[14789AaCcFf])/g, (match, hex: string) => V3_DECODES[hex.toUpperCase()] ?? match);
}

/**
 * The headers HubSpot sends with a v3-signed request (its proxy, its data fetch): the signature over
 * the URI with HubSpot's table of escapes decoded, as its docs give it, and the timestamp. The
 * CLI's previews sign with this; the service verifies either form (verifyHubSpotSignature).
 */
export function v3Headers(clientSecret: string, method: string, url: string, body: Buffer | string, timestamp: string): Record<string, string> {
  return { 'X-HubSpot-Signature-v3': signV3(clientSecret, method, decodeV3Uri(url), body, timestamp), 'X-HubSpot-Request-Timestamp': timestamp };
}

export interface SignedRequest {
  method: string;
  /** The full URL HubSpot called: public base URL + raw path and query, order kept. */
  url: string;
  /** The raw body bytes as received (empty for GET/DELETE). */
  body: Buffer;
  signatureV3: string | undefined;
  timestamp: string | undefined;
  signatureV2: string | undefined;
  signatureVersion: string | undefined;
  /** The Content-Type header, if any (unsigned): one hint of a hubspot.fetch (JSON) body. */
  contentType?: string | undefined;
}

export type SignatureFailure =
  'missing_signature' | 'v2_only_refused' | 'missing_timestamp' | 'malformed_timestamp' | 'stale_timestamp' | 'future_timestamp' | 'v3_mismatch' | 'v2_mismatch' | 'v3_removed' | 'unsupported_version';

export type SignatureResult = { ok: true; version: 'v3' | 'v2' } | { ok: false; reason: SignatureFailure };

export interface VerifyOptions {
  clientSecret: string;
  nowMs: number;
  /** Accept requests signed with v2 alone (no timestamp, so replayable forever; see v3Removed). */
  allowV2Only: boolean;
}

// The v3 MAC of verifyHubSpotSignature: signV3's HMAC, with the secret's pads hashed once
// (shared/hmacSha256.ts) instead of on every signed request. signV3 itself stays on
// crypto.createHmac (the signers: CLI previews, benches, tests), so each check is also a test of one
// against the other. A service has one secret; the map is bounded for callers that pass many.
const v3Macs = new Map<string, HmacSha256>();
function v3Mac(clientSecret: string): HmacSha256 {
  let mac = v3Macs.get(clientSecret);
  if (!mac) {
    if (v3Macs.size >= 16) v3Macs.clear();
    mac = hmacSha256(clientSecret);
    v3Macs.set(clientSecret, mac);
  }
  return mac;
}

/**
 * Checks a HubSpot request signature. v3 is required: a present v3 decides alone (a valid v2
 * cannot rescue an invalid or stale v3), and v2 alone is accepted only when allowV2Only is set.
 */
export function verifyHubSpotSignature(req: SignedRequest, opts: VerifyOptions): SignatureResult {
  if (req.signatureV3 !== undefined) {
    if (req.timestamp === undefined) return { ok: false, reason: 'missing_timestamp' };
    if (!/^\d{1,16}$/.test(req.timestamp)) return { ok: false, reason: 'malformed_timestamp' };
    const age = opts.nowMs - Number(req.timestamp);
    if (age > MAX_TIMESTAMP_SKEW_MS) return { ok: false, reason: 'stale_timestamp' };
    if (age < -MAX_TIMESTAMP_SKEW_MS) return { ok: false, reason: 'future_timestamp' };
    const decoded = decodeV3Uri(req.url);
    const mac = v3Mac(opts.clientSecret);
    const expected = mac(req.method, decoded, req.body, req.timestamp).toString('base64');
    if (constantTimeEqual(expected, req.signatureV3)) return { ok: true, version: 'v3' };
    // HubSpot's own SDKs sign the URI undecoded; accept that form too when it differs.
    if (decoded !== req.url) {
      const raw = mac(req.method, req.url, req.body, req.timestamp).toString('base64');
      if (constantTimeEqual(raw, req.signatureV3)) return { ok: true, version: 'v3' };
    }
    return { ok: false, reason: 'v3_mismatch' };
  }
  if (req.signatureV2 === undefined) return { ok: false, reason: 'missing_signature' };
  if (!opts.allowV2Only) return { ok: false, reason: 'v2_only_refused' };
  if (v3Removed(req)) return { ok: false, reason: 'v3_removed' };
  const version = (req.signatureVersion ?? 'v2').toLowerCase();
  if (version !== 'v2') return { ok: false, reason: 'unsupported_version' };
  const expected = signV2(opts.clientSecret, req.method, req.url, req.body);
  return constantTimeEqual(expected, req.signatureV2.toLowerCase()) ? { ok: true, version: 'v2' } : { ok: false, reason: 'v2_mismatch' };
}

/**
 * With v2-only accepted, removing the v3 headers from a captured request would also remove its
 * timestamp check, so a request that shows it once carried v3 is refused:
 * - a timestamp without its v3 signature (or, above, a v3 signature without its timestamp);
 * - an `appId` parameter, or a JSON body: both mark a hubspot.fetch call (app cards), and HubSpot's
 *   proxy always signs those with v3; only the classic card sends v2, with form bodies.
 * A classic request with both v3 headers removed looks exactly like a v2-only one, so this cannot
 * catch it: that is the price of HUBSPOT_ALLOW_V2_ONLY (README, Configuration).
 */
function v3Removed(req: SignedRequest): boolean {
  if (req.timestamp !== undefined) return true;
  // The body is signed but Content-Type is not: judge a JSON body by its bytes as well.
  if (req.body.length > 0 && (/json/i.test(req.contentType ?? '') || /^\s*[[{]/.test(req.body.subarray(0, 64).toString('latin1')))) return true;
  const q = req.url.indexOf('?');
  return q >= 0 && new URLSearchParams(req.url.slice(q + 1)).has('appId');
}
