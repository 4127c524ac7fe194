/**
 * A HubSpot id (portal, deal, user, object): digits without a leading zero, at most 18 of them, so
 * every one fits PostgreSQL's bigint and is compared as text without surprises. The one pattern
 * every schema, parameter and CLI argument that takes a HubSpot id uses.
 */
export const HUBSPOT_ID_PATTERN = '^[1-9][0-9]{0,17}$';

const HUBSPOT_ID = new RegExp(HUBSPOT_ID_PATTERN);

/** The message for a value that is not a HubSpot id. */
export const HUBSPOT_ID_MESSAGE = 'must be a HubSpot id (digits only)';

/** Whether `value` is a HubSpot id (see HUBSPOT_ID_PATTERN). */
export function isHubSpotId(value: unknown): value is string {
  return typeof value === 'string' && HUBSPOT_ID.test(value);
}

/** Schema fragment for a HubSpot id in a query or body; `description` is the message when it is not one. */
export const hubspotIdSchema = (description: string = HUBSPOT_ID_MESSAGE) => ({ type: 'string', pattern: HUBSPOT_ID_PATTERN, description }) as const;
