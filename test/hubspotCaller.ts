import { Signature } from '@hubspot/api-client';
import type { JsonBody, TestApp } from './testApp.js';
import { TEST_CLIENT_SECRET } from './testApp.js';

/**
 * Plays HubSpot calling the service. Signatures come from @hubspot/api-client's own
 * Signature.getSignature (not from our code), so the service is checked against HubSpot's maths.
 */

export type Versions = Array<'v2' | 'v3'>;

export interface SignedCall {
  method: string;
  /** Path and query exactly as sent (order and escaping kept). */
  pathAndQuery: string;
  body?: string;
  contentType?: string;
  /** Which signatures to attach; default both, as HubSpot sends. */
  versions?: Versions;
  /** Timestamp (ms) to sign with; default the app's clock. */
  timestamp?: number;
  /** Secret to sign with; default the app's. */
  secret?: string;
  /** Last chance to alter the request after signing (tampering tests). */
  tamper?: (req: { pathAndQuery: string; body: string; headers: Record<string, string> }) => void;
}

export function hubspotHeaders(app: TestApp, call: SignedCall): Record<string, string> {
  const secret = call.secret ?? TEST_CLIENT_SECRET;
  const url = app.publicBaseUrl + call.pathAndQuery;
  const body = call.body ?? '';
  const timestamp = call.timestamp ?? app.clock.now().getTime();
  const headers: Record<string, string> = {};
  const versions = call.versions ?? ['v2', 'v3'];
  if (versions.includes('v2')) {
    headers['X-HubSpot-Signature'] = Signature.getSignature(call.method, 'v2', { signature: '', clientSecret: secret, url, requestBody: body });
    headers['X-HubSpot-Signature-Version'] = 'v2';
  }
  if (versions.includes('v3')) {
    headers['X-HubSpot-Signature-v3'] = Signature.getSignature(call.method, 'v3', { signature: '', clientSecret: secret, url, requestBody: body, timestamp });
    headers['X-HubSpot-Request-Timestamp'] = String(timestamp);
  }
  if (call.contentType) headers['Content-Type'] = call.contentType;
  return headers;
}

export async function callSigned(app: TestApp, call: SignedCall): Promise<{ status: number; body: JsonBody; headers: Headers }> {
  const req = { pathAndQuery: call.pathAndQuery, body: call.body ?? '', headers: hubspotHeaders(app, call) };
  call.tamper?.(req);
  const res = await fetch(app.url + req.pathAndQuery, {
    method: call.method,
    headers: req.headers,
    body: ['GET', 'HEAD'].includes(call.method) ? undefined : req.body,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body, headers: res.headers };
}

export interface CardFetch {
  portalId: string;
  dealId: string;
  userId?: string;
  userEmail?: string;
  /** Deal properties (propertiesToSend), in order. */
  properties?: Array<[string, string]>;
  /** 'classic': the legacy card (raw '@', '+' for spaces, v2 + v3); 'appCard': the converter through hubspot.fetch (URLSearchParams, HubSpot's appended userId/portalId/userEmail/appId, v3). */
  caller?: 'classic' | 'appCard';
}

/** The app id the test app cards call with. */
export const TEST_APP_ID = '3141592';

/**
 * What HubSpot's proxy does to every hubspot.fetch call ("fetching data" guide): it appends
 * userId, portalId, userEmail and appId after the card's own parameters, inside what it signs. The
 * converter card has written the first three itself, so they arrive twice.
 */
export function appendProxyParams(params: URLSearchParams, who: { userId: string; portalId: string; userEmail: string; appId?: string }): URLSearchParams {
  params.append('userId', who.userId);
  params.append('portalId', who.portalId);
  params.append('userEmail', who.userEmail);
  params.append('appId', who.appId ?? TEST_APP_ID);
  return params;
}

const classicEncode = (v: string) => encodeURIComponent(v).replace(/%40/g, '@').replace(/%20/g, '+');

/** The data-fetch path and query, built the way each HubSpot caller builds it. */
export function cardFetchPath(f: CardFetch, targetPath = '/hubspot/card'): string {
  const pairs: Array<[string, string]> = [
    ['userId', f.userId ?? '4242'],
    ['userEmail', f.userEmail ?? 'rep@seller.example'],
    ['associatedObjectId', f.dealId],
    ['associatedObjectType', 'DEAL'],
    ['portalId', f.portalId],
    ...(f.properties ?? [['hs_object_id', f.dealId]]),
  ];
  if (f.caller === 'appCard') {
    const params = new URLSearchParams(pairs);
    appendProxyParams(params, { userId: f.userId ?? '4242', portalId: f.portalId, userEmail: f.userEmail ?? 'rep@seller.example' });
    return `${targetPath}?${params.toString()}`;
  }
  return `${targetPath}?${pairs.map(([k, v]) => `${k}=${classicEncode(v)}`).join('&')}`;
}

/** Fetches the card as HubSpot would. */
export function fetchCard(app: TestApp, f: CardFetch, extra: Partial<SignedCall> = {}) {
  return callSigned(app, {
    method: 'GET',
    pathAndQuery: cardFetchPath(f),
    versions: f.caller === 'appCard' ? ['v3'] : ['v2', 'v3'],
    ...extra,
  });
}
