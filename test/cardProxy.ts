import type { HubSpotFetchOptions, HubSpotFetchRequestURI } from '@hubspot/ui-extensions';
import { hubspotFetch, type HubspotIdentity, proxiedPath } from './hubspotFetch.js';
import type { TestApp } from './testApp.js';

/**
 * The card's `hubspot.fetch`, for the tests of the card (src/appCard) against the real service:
 * the one thing those tests replace. test/hubspotFetch.ts does what HubSpot's proxy does to each
 * request (the rep's identity appended to the query after the card's own parameters, the body sent
 * as JSON, signature v3 by @hubspot/api-client's own Signature, over HTTP to the service); this
 * adds what the card sees of the proxy: only URLs under the service's public URL (the app's
 * permittedUrls.fetch) are called, a request that fails to connect or answers 5xx is sent once
 * more, and the answer is the service's own Response, whatever its status.
 */

/** The rep the card tests act as: a user of the factories' default portal. */
export const TEST_REP: HubspotIdentity = { portalId: '987654', userId: '4242', userEmail: 'rep@seller.example' };

/** One request as the service received it. */
export interface ProxiedCall {
  method: string;
  pathAndQuery: string;
  status: number;
}

let target: { app: TestApp; identity: HubspotIdentity } | null = null;

/** The calls made through the proxy, oldest first (tests read how many GETs a step caused). */
export const proxiedCalls: ProxiedCall[] = [];

/** Points the card's hubspot.fetch at `app`, acting for `identity`, until the next call. */
export function connectCardProxy(app: TestApp, identity: HubspotIdentity = TEST_REP): void {
  target = { app, identity };
}

/** hubspot.fetch as the card sees HubSpot's proxy run it (see the top of this file). */
export async function proxiedFetch(resource: HubSpotFetchRequestURI, options: HubSpotFetchOptions = {}): Promise<Response> {
  if (!target) throw new Error('hubspot.fetch was called before connectCardProxy(app)');
  const { app, identity } = target;
  const url = String(resource);
  if (!url.startsWith(`${app.publicBaseUrl}/`)) throw new TypeError(`${url} is not under the app's permittedUrls.fetch (${app.publicBaseUrl})`);
  const method = options.method ?? 'GET';
  const send = () => hubspotFetch(app, { path: url, method, body: options.body, identity });
  let res: Response;
  try {
    res = await send();
    if (res.status >= 500) res = await send();
  } catch {
    res = await send();
  }
  proxiedCalls.push({ method, pathAndQuery: proxiedPath(app, url, identity), status: res.status });
  return res;
}
