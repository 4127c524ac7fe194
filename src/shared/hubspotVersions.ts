/**
 * The HubSpot API versions the service can be set to (HUBSPOT_API_VERSION, HUBSPOT_OAUTH_VERSION)
 * and their defaults: values config.ts checks, below both config and hubspot/ (apiVersions.ts maps
 * them to paths and to HubSpot's support calendar).
 */

export const CRM_API_VERSIONS = ['2026-09', '2026-03', 'v3'] as const;
export type CrmApiVersion = (typeof CRM_API_VERSIONS)[number];
/** The newest stable date version: what HubSpot tells integrators to use. */
export const DEFAULT_CRM_API_VERSION: CrmApiVersion = '2026-09';

export const OAUTH_VERSIONS = ['2026-03', 'v1'] as const;
export type OAuthVersion = (typeof OAUTH_VERSIONS)[number];
export const DEFAULT_OAUTH_VERSION: OAuthVersion = '2026-03';
