import crypto from 'node:crypto';

/** v3 timestamps older or newer than this (ms) are refused, as HubSpot's validation guide says. */
export const MAX_TIMESTAMP_SKEW_MS = 5 * 60 * 1000;

/** v1: hex(SHA-256(clientSecret + body)). Only webhook deliveries use it; kept for test vectors. */
export function signV1(clientSecret: string, body: Buffer | string): string {
  return crypto.createHash('sha256').update(clientSecret).update(body).digest('hex');
}

/** v2: hex(SHA-256(clientSecret + method + uri + body)), uri exactly as called (no decoding). */
export function signV2(clientSecret: string, method: string, uri: string, body: Buffer | string): string {
  return crypto.createHash('sha256').update(clientSecret + method + uri).update(body).digest('hex');
}

/** v3: base64(HMAC-SHA256(clientSecret, method + uri + body + timestamp)), uri after decodeV3Uri. */
export function signV3(clientSecret: string, method: string, uri: string, body: Buffer | string, timestamp: string): string {
  return crypto.createHmac('sha256', clientSecret).update(method + uri).update(body).update(timestamp).digest('base64');
}

// HubSpot's guide lists exactly these twelve escapes to decode before v3 signing; every other
// escape (%20, %2B, %25 …) and '+' stay as received. Hex digits are matched in either case.
const V3_DECODES: Readonly<Record<string, string>> = {
  '3A': ':', '2F': '/', '3F': '?', '40': '@', '21': '!', '24': '$',
  '27': "'", '28': '(', '29': ')', '2A': '*', '2C': ',', '3B': ';',
};

/** Applies the v3 decode table to a URI. */
export function decodeV3Uri(uri: string): string {
  return uri.replace(/%(3[AaBbFf]|40|2[14789AaCcFf])/g, (match, hex: string) => V3_DECODES[hex.toUpperCase()] ?? match);
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
}

export type SignatureFailure =
  | 'missing_signature'
  | 'v2_only_refused'
  | 'missing_timestamp'
  | 'malformed_timestamp'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'v3_mismatch'
  | 'v2_mismatch'
  | 'unsupported_version';

export type SignatureResult = { ok: true; version: 'v3' | 'v2' } | { ok: false; reason: SignatureFailure };

export interface VerifyOptions {
  clientSecret: string;
  nowMs: number;
  /** Accept requests signed with v2 alone (no timestamp, so replayable forever). */
  allowV2Only: boolean;
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
    const expected = signV3(opts.clientSecret, req.method, decoded, req.body, req.timestamp);
    if (safeEqual(expected, req.signatureV3)) return { ok: true, version: 'v3' };
    // HubSpot's own SDKs sign the URI undecoded; accept that form too when it differs.
    if (decoded !== req.url) {
      const raw = signV3(opts.clientSecret, req.method, req.url, req.body, req.timestamp);
      if (safeEqual(raw, req.signatureV3)) return { ok: true, version: 'v3' };
    }
    return { ok: false, reason: 'v3_mismatch' };
  }
  if (req.signatureV2 === undefined) return { ok: false, reason: 'missing_signature' };
  if (!opts.allowV2Only) return { ok: false, reason: 'v2_only_refused' };
  const version = (req.signatureVersion ?? 'v2').toLowerCase();
  if (version !== 'v2') return { ok: false, reason: 'unsupported_version' };
  const expected = signV2(opts.clientSecret, req.method, req.url, req.body);
  return safeEqual(expected, req.signatureV2.toLowerCase()) ? { ok: true, version: 'v2' } : { ok: false, reason: 'v2_mismatch' };
}

/** Constant-time string comparison (lengths may leak; contents do not). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
