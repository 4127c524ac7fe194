import fs from 'node:fs';
import crypto from 'node:crypto';
import { Signature } from '@hubspot/api-client';
import { describe, expect, it } from 'vitest';
import { decodeV3Uri, MAX_TIMESTAMP_SKEW_MS, signV1, signV2, signV3, type SignedRequest, verifyHubSpotSignature } from './signature.js';

interface Vector {
  id: string;
  version: 'v1' | 'v2' | 'v3';
  clientSecret: string;
  method: string | null;
  uri: string | null;
  rawRequestUri?: string;
  body: string;
  timestamp: string | null;
  expected: string;
}

const vectors = (JSON.parse(fs.readFileSync(new URL('../../test/fixtures/hubspot-signature-vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;

describe('signature vectors (HubSpot docs, SDK tests, computed)', () => {
  it('has vectors of every version', () => {
    expect(new Set(vectors.map((v) => v.version))).toEqual(new Set(['v1', 'v2', 'v3']));
  });

  for (const v of vectors) {
    it(`reproduces ${v.id}`, () => {
      const actual =
        v.version === 'v1'
          ? signV1(v.clientSecret, v.body)
          : v.version === 'v2'
            ? signV2(v.clientSecret, v.method!, v.uri!, v.body)
            : signV3(v.clientSecret, v.method!, decodeV3Uri(v.rawRequestUri ?? v.uri!), v.body, v.timestamp!);
      expect(actual).toBe(v.expected);
    });
  }
});

describe('decodeV3Uri', () => {
  it('decodes exactly the twelve escapes HubSpot lists, in either hex case', () => {
    expect(decodeV3Uri('/a?x=%3A%2F%3F%40%21%24%27%28%29%2A%2C%3B')).toBe("/a?x=:/?@!$'()*,;");
    expect(decodeV3Uri('/a?x=%3a%2f%40%2c')).toBe('/a?x=:/@,');
  });

  it('leaves every other escape and plus signs as received', () => {
    expect(decodeV3Uri('/a?x=%20%2B%25%26%3D+y%5B')).toBe('/a?x=%20%2B%25%26%3D+y%5B');
  });
});

const SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const NOW = 1_700_000_000_000;
const URL_ = 'https://invoices.example.com/hubspot/card?portalId=1&associatedObjectId=2';

function request(over: Partial<SignedRequest> = {}, ts = NOW): SignedRequest {
  const body = over.body ?? Buffer.alloc(0);
  const method = over.method ?? 'GET';
  const url = over.url ?? URL_;
  return {
    method,
    url,
    body,
    signatureV3: signV3(SECRET, method, url, body, String(ts)),
    timestamp: String(ts),
    signatureV2: signV2(SECRET, method, url, body),
    signatureVersion: 'v2',
    ...over,
  };
}

const opts = { clientSecret: SECRET, nowMs: NOW, allowV2Only: false };

describe('verifyHubSpotSignature', () => {
  it('accepts a request carrying valid v3 and v2 signatures', () => {
    expect(verifyHubSpotSignature(request(), opts)).toEqual({ ok: true, version: 'v3' });
  });

  it('refuses a request signed with v2 alone unless v2-only is allowed', () => {
    const v2only = request({ signatureV3: undefined, timestamp: undefined });
    expect(verifyHubSpotSignature(v2only, opts)).toEqual({ ok: false, reason: 'v2_only_refused' });
    expect(verifyHubSpotSignature(v2only, { ...opts, allowV2Only: true })).toEqual({ ok: true, version: 'v2' });
  });

  it('with v2-only allowed, refuses a v2 request that shows its v3 headers were removed', () => {
    const v2 = { ...opts, allowV2Only: true };
    const appCardUrl = 'https://invoices.example.com/hubspot/card?associatedObjectId=2&portalId=1&userId=3&portalId=1&appId=777';
    const stripped: Array<[string, SignedRequest]> = [
      ['the timestamp left behind', request({ signatureV3: undefined })],
      ['an appId (only hubspot.fetch sends one, always with v3)', request({ url: appCardUrl, signatureV3: undefined, timestamp: undefined })],
      ['a JSON body', request({ method: 'POST', body: Buffer.from('{"portalId":"1"}'), contentType: 'application/json', signatureV3: undefined, timestamp: undefined })],
      [
        'a JSON body sent as a form (Content-Type is not signed)',
        request({ method: 'POST', body: Buffer.from(' {"portalId":"1"}'), contentType: 'application/x-www-form-urlencoded', signatureV3: undefined, timestamp: undefined }),
      ],
    ];
    for (const [what, r] of stripped) expect(verifyHubSpotSignature(r, v2), what).toEqual({ ok: false, reason: 'v3_removed' });
    // What cannot be told apart: a classic request (form body or none) with both v3 headers gone.
    expect(
      verifyHubSpotSignature(request({ method: 'POST', body: Buffer.from('portalId=1'), contentType: 'application/x-www-form-urlencoded', signatureV3: undefined, timestamp: undefined }), v2),
    ).toEqual({ ok: true, version: 'v2' });
    // A v3 signature without its timestamp was already refused.
    expect(verifyHubSpotSignature(request({ timestamp: undefined }), v2)).toEqual({ ok: false, reason: 'missing_timestamp' });
  });

  it('rejects an invalid v3 even when the v2 signature is valid', () => {
    const r = request({ signatureV3: signV3('other-secret', 'GET', URL_, '', String(NOW)) });
    expect(verifyHubSpotSignature(r, { ...opts, allowV2Only: true })).toEqual({ ok: false, reason: 'v3_mismatch' });
  });

  it('rejects timestamps more than five minutes old or ahead, and accepts the edge', () => {
    const edgeOld = NOW - MAX_TIMESTAMP_SKEW_MS;
    expect(verifyHubSpotSignature(request({}, edgeOld), opts).ok).toBe(true);
    expect(verifyHubSpotSignature(request({}, edgeOld - 1), opts)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verifyHubSpotSignature(request({}, NOW + MAX_TIMESTAMP_SKEW_MS), opts).ok).toBe(true);
    expect(verifyHubSpotSignature(request({}, NOW + MAX_TIMESTAMP_SKEW_MS + 1), opts)).toEqual({ ok: false, reason: 'future_timestamp' });
  });

  it('rejects a v3 signature without a usable timestamp', () => {
    expect(verifyHubSpotSignature(request({ timestamp: undefined }), opts)).toEqual({ ok: false, reason: 'missing_timestamp' });
    expect(verifyHubSpotSignature(request({ timestamp: '17e11' }), opts)).toEqual({ ok: false, reason: 'malformed_timestamp' });
  });

  it('rejects a replayed signature with a new timestamp', () => {
    const r = request();
    expect(verifyHubSpotSignature({ ...r, timestamp: String(NOW + 1) }, opts)).toEqual({ ok: false, reason: 'v3_mismatch' });
  });

  it('rejects tampering with the query, its order, the method or the body', () => {
    const r = request({ method: 'POST', body: Buffer.from('portalId=1') });
    expect(verifyHubSpotSignature({ ...r, url: URL_.replace('portalId=1', 'portalId=9') }, opts).ok).toBe(false);
    expect(verifyHubSpotSignature({ ...r, url: 'https://invoices.example.com/hubspot/card?associatedObjectId=2&portalId=1' }, opts).ok).toBe(false);
    expect(verifyHubSpotSignature({ ...r, method: 'PUT' }, opts).ok).toBe(false);
    expect(verifyHubSpotSignature({ ...r, body: Buffer.from('portalId=2') }, opts).ok).toBe(false);
    expect(verifyHubSpotSignature(r, opts).ok).toBe(true);
  });

  it('rejects a request with no signature at all', () => {
    expect(verifyHubSpotSignature(request({ signatureV3: undefined, timestamp: undefined, signatureV2: undefined }), opts)).toEqual({
      ok: false,
      reason: 'missing_signature',
    });
  });

  it('verifies over the decoded URI and also accepts the raw form the SDKs sign', () => {
    const raw = 'https://invoices.example.com/hubspot/card?userEmail=rep%40x.example&portalId=1';
    const decodedSig = signV3(SECRET, 'GET', decodeV3Uri(raw), '', String(NOW));
    const rawSig = signV3(SECRET, 'GET', raw, '', String(NOW));
    expect(verifyHubSpotSignature(request({ url: raw, signatureV3: decodedSig }), opts).ok).toBe(true);
    expect(verifyHubSpotSignature(request({ url: raw, signatureV3: rawSig }), opts).ok).toBe(true);
  });

  it('signs raw body bytes, not a re-decoded string', () => {
    const body = Buffer.from([0x61, 0xff, 0x62]); // invalid UTF-8 must still verify byte for byte
    const sig = crypto
      .createHmac('sha256', SECRET)
      .update(Buffer.concat([Buffer.from('POST' + URL_), body, Buffer.from(String(NOW))]))
      .digest('base64');
    expect(verifyHubSpotSignature(request({ method: 'POST', body, signatureV3: sig }), opts).ok).toBe(true);
  });
});

describe('agreement with @hubspot/api-client', () => {
  it('computes the same v2 and v3 signatures as the SDK for random requests', () => {
    for (let i = 0; i < 200; i++) {
      const secret = crypto.randomBytes(12).toString('hex');
      const method = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'][i % 5]!;
      const url = `https://h${i}.example.com/hubspot/card?portalId=${i}&email=a@b.c&name=J%C3%BCrgen+M`;
      const body = i % 2 ? JSON.stringify({ n: i, s: 'é€' }) : '';
      const ts = NOW + i;
      expect(signV2(secret, method, url, body)).toBe(Signature.getSignature(method, 'v2', { signature: '', clientSecret: secret, url, requestBody: body }));
      expect(signV3(secret, method, url, body, String(ts))).toBe(Signature.getSignature(method, 'v3', { signature: '', clientSecret: secret, url, requestBody: body, timestamp: ts }));
    }
  });

  it('accepts what the SDK validates and rejects what it rejects (fresh v3)', () => {
    const now = Date.now();
    const url = 'https://invoices.example.com/hubspot/card?portalId=5&associatedObjectId=6';
    const good = signV3(SECRET, 'GET', url, '', String(now));
    expect(Signature.isValid({ signature: good, clientSecret: SECRET, requestBody: '', url, method: 'GET', signatureVersion: 'v3', timestamp: now })).toBe(true);
    expect(verifyHubSpotSignature(request({ url, signatureV3: good }, now), { ...opts, nowMs: now }).ok).toBe(true);
    const bad = signV3(SECRET, 'GET', url + '&x=1', '', String(now));
    expect(Signature.isValid({ signature: bad, clientSecret: SECRET, requestBody: '', url, method: 'GET', signatureVersion: 'v3', timestamp: now })).toBe(false);
    expect(verifyHubSpotSignature(request({ url, signatureV3: bad }, now), { ...opts, nowMs: now }).ok).toBe(false);
  });
});
