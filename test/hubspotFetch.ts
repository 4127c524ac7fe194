import { Signature } from '@hubspot/api-client';
import { TEST_APP_ID } from './hubspotCaller.js';
import { TEST_CLIENT_SECRET } from './testApp.js';

/**
 * Plays HubSpot's hubspot.fetch for our app card: what the card's `hubspot.fetch(url, options)`
 * becomes by the time it reaches the service. HubSpot's proxy ("fetching data" guide) APPENDS
 * userId, portalId, userEmail and appId to the query, after the card's own parameters, signs the
 * request with signature v3 (method + full URL + body + timestamp, with the app's client secret)
 * and sends it on. This does the same, over real HTTP to the service started for the test: the
 * signature comes from @hubspot/api-client's own Signature.getSignature, not from our code.
 *
 * The app card's component tests use `asHubspotFetch` as their hubspot.fetch replacement.
 */

/** Where the service listens and what HubSpot calls it (PUBLIC_BASE_URL), and its clock (signatures are checked against it). */
export interface HubspotFetchTarget {
  url: string;
  publicBaseUrl: string;
  clock?: { now(): Date };
}

/** Who HubSpot says is asking: the signed-in user's account and user, and the card's app. */
export interface HubspotIdentity {
  portalId: string;
  userId?: string;
  userEmail?: string;
  /** Default TEST_APP_ID; null leaves appId out. */
  appId?: string | null;
}

export interface HubspotFetchCall {
  /** The card's URL: a path with the card's own query (`/hubspot/app-card/invoices?dealId=1`), or the full URL under publicBaseUrl. */
  path: string;
  method?: string;
  /** A JSON body: an object (serialised as hubspot.fetch does) or the exact text to send. */
  body?: unknown;
  identity: HubspotIdentity;
  /** Secret to sign with; default the test app's. */
  secret?: string;
  /** Timestamp (ms) to sign with; default the target's clock. */
  timestamp?: number;
  /** Leave the signature off (the first test of a signed route). */
  unsigned?: boolean;
}

/** The path and query HubSpot's proxy calls: the card's URL with the identity appended after its own parameters. */
export function proxiedPath(target: HubspotFetchTarget, path: string, identity: HubspotIdentity): string {
  let rest = path;
  if (/^https?:\/\//.test(rest)) {
    if (!rest.startsWith(target.publicBaseUrl)) throw new Error(`hubspotFetch: ${rest} is not under the service's public URL ${target.publicBaseUrl}`);
    rest = rest.slice(target.publicBaseUrl.length);
  }
  const q = rest.indexOf('?');
  const pathname = q < 0 ? rest : rest.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1));
  params.append('userId', identity.userId ?? '4242');
  params.append('portalId', identity.portalId);
  params.append('userEmail', identity.userEmail ?? 'rep@seller.example');
  if (identity.appId !== null) params.append('appId', identity.appId ?? TEST_APP_ID);
  return `${pathname}?${params.toString()}`;
}

/** Sends one hubspot.fetch call as HubSpot's proxy would, and returns the service's Response. */
export async function hubspotFetch(target: HubspotFetchTarget, call: HubspotFetchCall): Promise<Response> {
  const method = (call.method ?? 'GET').toUpperCase();
  const pathAndQuery = proxiedPath(target, call.path, call.identity);
  const body = call.body === undefined ? '' : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  const headers: Record<string, string> = {};
  if (call.body !== undefined) headers['Content-Type'] = 'application/json';
  if (!call.unsigned) {
    const timestamp = call.timestamp ?? (target.clock?.now() ?? new Date()).getTime();
    headers['X-HubSpot-Signature-v3'] = Signature.getSignature(method, 'v3', {
      signature: '',
      clientSecret: call.secret ?? TEST_CLIENT_SECRET,
      url: target.publicBaseUrl + pathAndQuery,
      requestBody: body,
      timestamp,
    });
    headers['X-HubSpot-Request-Timestamp'] = String(timestamp);
  }
  return fetch(target.url + pathAndQuery, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body });
}

/** hubspot.fetch's options, as the card passes them. */
export interface HubspotFetchOptions {
  method?: string;
  body?: unknown;
  timeout?: number;
}

/** A drop-in for the card's `hubspot.fetch(url, options)`, acting for `identity`. */
export function asHubspotFetch(target: HubspotFetchTarget, identity: HubspotIdentity): (url: string, options?: HubspotFetchOptions) => Promise<Response> {
  return (url, options = {}) => hubspotFetch(target, { path: url, method: options.method ?? 'GET', body: options.body, identity });
}
