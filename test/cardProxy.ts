import type { HubSpotFetchOptions, HubSpotFetchRequestURI } from '@hubspot/ui-extensions';
import { appendProxyParams, hubspotHeaders, TEST_APP_ID } from './hubspotCaller.js';
import type { TestApp } from './testApp.js';

/**
 * HubSpot's side of the card's `hubspot.fetch`, for tests of the card (src/appCard) against the
 * real service: the one thing those tests replace. What HubSpot's proxy does ("fetching data"
 * guide), done here the same way:
 * - only a URL under the app's permittedUrls.fetch (here: the service's PUBLIC_BASE_URL) is called;
 * - the rep's identity (userId, portalId, userEmail, appId) is appended to the query, after the
 *   card's own parameters: the card never sends it, and cannot choose it;
 * - the body object is sent as JSON, and method + full URL + body + timestamp are signed with
 *   signature v3 (by @hubspot/api-client's own Signature, not our code);
 * - a request that fails to connect or answers 5xx is sent once more;
 * - the answer is the service's own Response, whatever its status.
 */

/** Who the rep is, as HubSpot knows it (never as the card says). */
export interface ProxyIdentity {
  portalId: string;
  userId: string;
  userEmail: string;
  appId?: string;
}

/** One request as the service received it. */
export interface ProxiedCall {
  method: string;
  pathAndQuery: string;
  body: string;
  status: number;
}

/** The rep the card tests act as: a user of the factories' default portal. */
export const TEST_REP: ProxyIdentity = { portalId: '987654', userId: '4242', userEmail: 'rep@seller.example', appId: TEST_APP_ID };

let target: { app: TestApp; identity: ProxyIdentity } | null = null;

/** The calls made through the proxy, oldest first (tests read how many GETs a step caused). */
export const proxiedCalls: ProxiedCall[] = [];

/** Points the card's hubspot.fetch at `app`, acting for `identity`, until the next call. */
export function connectCardProxy(app: TestApp, identity: ProxyIdentity = TEST_REP): void {
  target = { app, identity };
}

/** hubspot.fetch as HubSpot's proxy runs it (see the top of this file). */
export async function proxiedFetch(resource: HubSpotFetchRequestURI, options: HubSpotFetchOptions = {}): Promise<Response> {
  if (!target) throw new Error('hubspot.fetch was called before connectCardProxy(app)');
  const { app, identity } = target;
  const url = new URL(String(resource));
  if (url.origin !== new URL(app.publicBaseUrl).origin) throw new TypeError(`${url.origin} is not in the app's permittedUrls.fetch`);
  appendProxyParams(url.searchParams, { ...identity, appId: identity.appId ?? TEST_APP_ID });
  const method = options.method ?? 'GET';
  const pathAndQuery = url.pathname + url.search;
  const body = options.body === undefined ? '' : JSON.stringify(options.body);
  const headers = hubspotHeaders(app, { method, pathAndQuery, body, versions: ['v3'], ...(body ? { contentType: 'application/json' } : {}) });
  const send = () =>
    fetch(app.url + pathAndQuery, {
      method,
      headers,
      body: method === 'GET' ? undefined : body,
      signal: AbortSignal.timeout(Math.min(options.timeout ?? 15_000, 15_000)),
    });
  let res: Response;
  try {
    res = await send();
    if (res.status >= 500) res = await send();
  } catch {
    res = await send();
  }
  proxiedCalls.push({ method, pathAndQuery, body, status: res.status });
  return res;
}
