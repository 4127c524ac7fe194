/**
 * The ONE place that maps every HubSpot call the service makes to its path, by API version, and
 * HubSpot's support calendar for those versions (the admin dashboard shows it).
 *
 * CRM (HUBSPOT_API_VERSION): HubSpot's date-versioned APIs (GA 2026-03-30) put the version after
 * the API's name: `/crm/objects/2026-09/{objectType}/batch/upsert`,
 * `/crm/properties/2026-09/{objectType}/{propertyName}` (developers.hubspot.com/docs/
 * api-reference/latest/…); the legacy family is `/crm/v3/objects/…`, `/crm/v3/properties/…`.
 * The request and answer bodies of the calls below are the same in every family.
 *
 * OAuth (HUBSPOT_OAUTH_VERSION): the current API is `POST /oauth/2026-03/token`,
 * `/token/introspect` and `/token/revoke`, every parameter in the form body; v1 (deprecated
 * 2027-02-16) puts the token in the path of its token-info and revoke calls.
 */

import { CRM_API_VERSIONS, type CrmApiVersion, OAUTH_VERSIONS, type OAuthVersion } from '../shared/hubspotVersions.js';

export type CrmObjectType = 'contacts' | 'products' | 'deals' | 'notes';

/** Every CRM call the service makes. */
export type CrmCall =
  | 'batchCreate'
  | 'batchUpdate'
  | 'batchUpsert'
  | 'batchRead'
  | 'batchArchive'
  | 'search'
  | 'propertyRead'
  | 'propertyCreate'
  | 'propertyUpdate'
  | 'propertyList'
  | 'propertyValidations'
  | 'groupRead'
  | 'groupCreate'
  | 'associationsList';

const OBJECT_SUFFIX: Record<
  Exclude<CrmCall, 'propertyRead' | 'propertyCreate' | 'propertyUpdate' | 'propertyList' | 'propertyValidations' | 'groupRead' | 'groupCreate' | 'associationsList'>,
  string
> = {
  batchCreate: '/batch/create',
  batchUpdate: '/batch/update',
  batchUpsert: '/batch/upsert',
  batchRead: '/batch/read',
  batchArchive: '/batch/archive',
  search: '/search',
};

/**
 * The HTTP method and path of a CRM call; `name` is the property (propertyRead, propertyUpdate), the group
 * (groupRead) or "<record id>/<to type>" (associationsList).
 */
export function crmRoute(version: CrmApiVersion, call: CrmCall, objectType: CrmObjectType, name?: string): { method: 'GET' | 'POST' | 'PATCH'; path: string } {
  const objects = version === 'v3' ? '/crm/v3/objects' : `/crm/objects/${version}`;
  const properties = version === 'v3' ? '/crm/v3/properties' : `/crm/properties/${version}`;
  const propertyName = name;
  if (call === 'propertyCreate') return { method: 'POST', path: `${properties}/${objectType}` };
  if (call === 'propertyList') return { method: 'GET', path: `${properties}/${objectType}` };
  if (call === 'groupCreate') return { method: 'POST', path: `${properties}/${objectType}/groups` };
  // A record's associations to another object type, paged (`name`: "<record id>/<to type>"):
  // the v4 associations API, which the date versions carry under their objects path.
  if (call === 'associationsList') {
    const [id, to] = (name ?? '').split('/');
    if (!id || !to) throw new Error('associationsList needs "<record id>/<to type>"');
    const base = version === 'v3' ? '/crm/v4/objects' : objects;
    return { method: 'GET', path: `${base}/${objectType}/${encodeURIComponent(id)}/associations/${encodeURIComponent(to)}` };
  }
  if (call === 'groupRead') {
    if (!name) throw new Error('groupRead needs a group name');
    return { method: 'GET', path: `${properties}/${objectType}/groups/${encodeURIComponent(name)}` };
  }
  // A portal's property validation rules, by object type id (contacts 0-1, products 0-7).
  if (call === 'propertyValidations') {
    const validations = version === 'v3' ? '/crm/v3/property-validations' : `/crm/property-validations/${version}`;
    return { method: 'GET', path: `${validations}/${objectType === 'contacts' ? '0-1' : '0-7'}` };
  }
  if (call === 'propertyRead' || call === 'propertyUpdate') {
    if (!propertyName) throw new Error(`${call} needs a property name`);
    return { method: call === 'propertyRead' ? 'GET' : 'PATCH', path: `${properties}/${objectType}/${encodeURIComponent(propertyName)}` };
  }
  return { method: 'POST', path: `${objects}/${objectType}${OBJECT_SUFFIX[call]}` };
}

/**
 * The app uninstalls API. Its only date version is 2026-03 (HubSpot's "App uninstalls" reference);
 * the legacy path is v3, used only with HUBSPOT_API_VERSION=v3.
 */
export function uninstallPath(version: CrmApiVersion): string {
  return version === 'v3' ? '/appinstalls/v3/external-install' : '/appinstalls/2026-03/external-install';
}

/** The current OAuth API's calls (v1 goes through @hubspot/api-client's generated OAuth APIs). */
export function oauthPath(call: 'token' | 'introspect' | 'revoke'): string {
  return call === 'token' ? '/oauth/2026-03/token' : `/oauth/2026-03/token/${call}`;
}

/**
 * HubSpot's support calendar, as its docs state it:
 * - date versions ship every March and September and are supported for 18 months from their
 *   release ("Developer platform and API versioning": Current for 6 months, Supported until 18
 *   months after GA, then Unsupported); 2026-03 went GA 2026-03-30, 2026-09 on 2026-09-08;
 * - v1–v3 APIs go unsupported in September 2027 (changelog "Legacy APIs and Apps: What's Going
 *   Unsupported and When", Fall Spotlight 2026-09-15, which names the month, not a day: we count
 *   from 2027-09-01, the earliest it can mean);
 * - OAuth v1 is deprecated on 2027-02-16 (changelog "v1 OAuth API Deprecation"; its endpoints
 *   "remain accessible until" that day); the current OAuth API is 2026-03, 18 months as above.
 */
export interface SupportWindow {
  /** What the admin reads, e.g. "2026-09 (date version)". */
  label: string;
  /** The first day HubSpot no longer supports it (YYYY-MM-DD). */
  endsOn: string;
  /** How HubSpot words the end ("unsupported", "deprecated"), and how exact the date is. */
  end: string;
  source: string;
}

export const CRM_SUPPORT: Record<CrmApiVersion, SupportWindow> = {
  '2026-09': {
    label: '2026-09',
    endsOn: '2028-03-08',
    end: 'supported until at least March 2028 (18 months after its release on 8 September 2026)',
    source: 'HubSpot: Developer platform and API versioning',
  },
  '2026-03': {
    label: '2026-03',
    endsOn: '2027-09-30',
    end: 'supported until at least September 2027 (18 months after its release on 30 March 2026)',
    source: 'HubSpot: Developer platform and API versioning',
  },
  v3: { label: 'v3 (legacy)', endsOn: '2027-09-01', end: 'unsupported from September 2027', source: "HubSpot changelog: Legacy APIs and Apps: What's Going Unsupported and When" },
};

export const OAUTH_SUPPORT: Record<OAuthVersion, SupportWindow> = {
  '2026-03': {
    label: '2026-03',
    endsOn: '2027-09-30',
    end: 'supported until at least September 2027 (18 months after its release on 30 March 2026)',
    source: 'HubSpot: Developer platform and API versioning',
  },
  v1: { label: 'v1 (legacy)', endsOn: '2027-02-16', end: 'deprecated on 16 February 2027', source: 'HubSpot changelog: v1 OAuth API Deprecation' },
};

/** How close a version is to the end of HubSpot's support, on `now`. */
export interface SupportStatus {
  version: string;
  label: string;
  endsOn: string;
  /** ok: more than WARN_DAYS left; soon: within them; past: HubSpot no longer supports it. */
  state: 'ok' | 'soon' | 'past';
  daysLeft: number;
  /** One sentence for an admin: where it stands and, when it matters, what to do. */
  message: string;
}

/** Six months' notice: a deadline closer than this is shown as a warning. */
export const WARN_DAYS = 183;

const DAY_MS = 86_400_000;

/** Where `window` stands on `now`, with what to do (`switchTo`: the setting and value that move off it). */
export function supportStatus(version: string, window: SupportWindow, now: Date, switchTo: string | undefined): SupportStatus {
  const ends = Date.parse(`${window.endsOn}T00:00:00Z`);
  const daysLeft = Math.ceil((ends - now.getTime()) / DAY_MS);
  const state = daysLeft <= 0 ? 'past' : daysLeft <= WARN_DAYS ? 'soon' : 'ok';
  const move = switchTo ? ` To move to a supported version, set ${switchTo} and restart the service.` : '';
  const message =
    state === 'past'
      ? `HubSpot no longer supports ${window.label}: it was ${window.end}. Calls may stop working at any time.${move}`
      : state === 'soon'
        ? `${window.label} is ${window.end}: ${daysLeft} days left.${move}`
        : `${window.label} is ${window.end}.`;
  return { version, label: window.label, endsOn: window.endsOn, state, daysLeft, message };
}

/** Where the service's CRM and OAuth versions stand (OAuth: none for a private-app portal). */
export function versionsStatus(apiVersion: CrmApiVersion, oauthVersion: OAuthVersion | undefined, now: Date): { api: SupportStatus; oauth: SupportStatus | null } {
  const newestCrm = CRM_API_VERSIONS[0];
  return {
    api: supportStatus(apiVersion, CRM_SUPPORT[apiVersion], now, apiVersion === newestCrm ? undefined : `HUBSPOT_API_VERSION=${newestCrm}`),
    oauth: oauthVersion ? supportStatus(oauthVersion, OAUTH_SUPPORT[oauthVersion], now, oauthVersion === OAUTH_VERSIONS[0] ? undefined : `HUBSPOT_OAUTH_VERSION=${OAUTH_VERSIONS[0]}`) : null,
  };
}
