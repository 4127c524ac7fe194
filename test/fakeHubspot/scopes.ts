import { HubSpotError } from './batch.js';

/**
 * The scopes a portal's token was granted, and HubSpot's 403 MISSING_SCOPES for a CRM call the
 * token may not make. fakeHubspot.ts checks every gated CRM call (objects, properties, deals,
 * notes, associations) against them in its `serve`, after auth and rate limits.
 *
 * What HubSpot documents, and what the fake does with it (read 2026-11; no live calls):
 * - Each endpoint's reference page lists, under "Requirements", the scopes of which the token
 *   needs one ("This API requires one of the following scopes"); a token with none of them gets
 *   403 with category MISSING_SCOPES and `errors[0].context.requiredGranularScopes` listing them
 *   (the body is MISSING_SCOPES_BODY below, as HubSpot's error-handling docs show it).
 * - Deals: reads `crm.objects.deals.read`, writes (batch update, archive) `crm.objects.deals.write`.
 *   Deal properties and property groups: reads `crm.schemas.deals.read`, creates
 *   `crm.schemas.deals.write`.
 * - Notes: HubSpot's notes guide (api-reference/latest/crm/activities/notes/guide, its "Scope
 *   requirements") lists `crm.objects.contacts.read` and `crm.objects.contacts.write`, the
 *   contacts object's scopes: notes have no scopes of their own. The per-endpoint pages were not
 *   read in full, so which of the two each endpoint takes is our reading, fairly but not fully
 *   sure: reads (get, batch read) need `.read`, creates need `.write`.
 * - A deal's associations (v4 `GET …/deals/{id}/associations/notes`): not read in HubSpot's
 *   pages; the fake asks for the reading scope of the object read from, `crm.objects.deals.read`.
 * - Contacts: `crm.objects.contacts.read` / `.write` (HubSpot's spec). Contact properties: create
 *   `crm.schemas.contacts.write`; read `crm.schemas.contacts.read` or, our reading of a
 *   properties API that lists many alternatives, `crm.objects.contacts.read`.
 * - Products: `e-commerce`, or the granular `crm.objects.products.read` / `.write` (the spec
 *   lists both as alternatives); product properties `e-commerce`.
 * - A portal whose scopes were never set is granted every scope: nothing is checked, as before.
 */

/** What the fake answers as granted when a portal's scopes were never set nor asked for. */
export const ALL_SCOPES: readonly string[] = [
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.objects.deals.read',
  'crm.objects.deals.write',
  'crm.schemas.deals.read',
  'crm.schemas.deals.write',
  'e-commerce',
];

/** The object types whose calls are checked (notes are HubSpot's 0-46, on contacts' scopes). */
export type ScopedObject = 'contacts' | 'products' | 'deals' | 'notes';

/** [read, write] alternatives per object type, for records and for their properties (schema). */
const REQUIRED: Record<ScopedObject, { records: [string[], string[]]; schema: [string[], string[]] }> = {
  contacts: {
    records: [['crm.objects.contacts.read'], ['crm.objects.contacts.write']],
    schema: [['crm.schemas.contacts.read', 'crm.objects.contacts.read'], ['crm.schemas.contacts.write']],
  },
  products: {
    records: [
      ['e-commerce', 'crm.objects.products.read'],
      ['e-commerce', 'crm.objects.products.write'],
    ],
    schema: [['e-commerce'], ['e-commerce']],
  },
  deals: {
    records: [['crm.objects.deals.read'], ['crm.objects.deals.write']],
    schema: [['crm.schemas.deals.read'], ['crm.schemas.deals.write']],
  },
  notes: {
    records: [['crm.objects.contacts.read'], ['crm.objects.contacts.write']],
    schema: [['crm.objects.contacts.read'], ['crm.objects.contacts.write']],
  },
};

/** The scopes of which a call needs one. */
export function requiredScopes(object: ScopedObject, writes: boolean, schema: boolean): string[] {
  const pair = REQUIRED[object][schema ? 'schema' : 'records'];
  return [...pair[writes ? 1 : 0]];
}

/**
 * HubSpot's 403 for a call none of whose scopes was granted. `correlationId` is a placeholder at
 * HubSpot's position in the body: the fake's `send` fills it with the request's correlation id.
 */
export function missingScopes(required: string[]): HubSpotError {
  return new HubSpotError(403, {
    status: 'error',
    message: "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
    correlationId: '',
    errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: required } }],
    links: { scopes: 'https://developers.hubspot.com/scopes' },
    category: 'MISSING_SCOPES',
  });
}

/** Granted scopes per portal; a portal not set is granted every scope. */
export class PortalScopes {
  private readonly granted = new Map<string, string[]>();

  /** Sets the scopes a portal's token was granted; undefined grants every scope again. */
  set(portalId: string, scopes: string[] | undefined): void {
    if (scopes === undefined) this.granted.delete(portalId);
    else this.granted.set(portalId, [...new Set(scopes)]);
  }

  /** The portal's granted scopes, or undefined when they were never set (every scope). */
  get(portalId: string): string[] | undefined {
    const s = this.granted.get(portalId);
    return s ? [...s] : undefined;
  }

  /** HubSpot's 403 when the portal's scopes are set and hold none of `required`, else undefined. */
  refusal(portalId: string, required: string[]): HubSpotError | undefined {
    const s = this.granted.get(portalId);
    if (!s || required.some((r) => s.includes(r))) return undefined;
    return missingScopes(required);
  }
}
