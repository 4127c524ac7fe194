import type { Deps } from '../deps.js';
import { versionsStatus } from '../hubspot/apiVersions.js';
import * as portalRepo from '../portals/portalRepo.js';
import { tokenState } from '../portals/portalTokens.js';
import { DEAL_SIDE_SCOPES } from '../sync/dealProperties.js';
import * as syncRunRepo from '../sync/syncRunRepo.js';

/**
 * Every connected portal with its status, token state, last push (never the tokens) and the
 * HubSpot API and OAuth versions it is on with HubSpot's end of support for each: the portals
 * API's and the dashboard's read model.
 */
export async function describePortals(deps: Deps) {
  const portals = await portalRepo.list(deps.db);
  const h = deps.config.hubspot;
  const now = deps.clock.now();
  return Promise.all(
    portals.map(async (p) => {
      const [token, last] = await Promise.all([tokenState(deps.db, p.portalId), syncRunRepo.listRuns(deps.db, p.portalId, 1)]);
      return {
        portalId: p.portalId,
        authType: p.authType,
        status: p.status,
        statusMessage: p.statusMessage,
        pushEnabled: p.pushEnabled,
        productIdProperty: p.productIdProperty,
        pausedUntil: p.pausedUntil,
        pausedReason: p.pausedReason,
        // The deal side (billing properties, timeline): whether each is on, why it last stopped,
        // and the scopes an OAuth install made before they were asked for lacks.
        deals: {
          properties: p.dealPropertiesEnabled,
          timeline: p.dealTimelineEnabled,
          problem: p.dealPushProblem,
          problemAt: p.dealPushProblemAt,
          missingScopes: p.authType === 'oauth' && token && (p.dealPropertiesEnabled || p.dealTimelineEnabled) ? DEAL_SIDE_SCOPES.filter((s) => !token.scopes.includes(s)) : [],
        },
        token: token ? { expiresAt: token.expiresAt, refreshedAt: token.refreshedAt, scopes: token.scopes, installedBy: token.installedBy } : null,
        lastRun: last[0] ? { id: last[0].id, status: last[0].status, finishedAt: last[0].finishedAt, counts: last[0].counts } : null,
        // A private-app portal signs in with its token, not through OAuth.
        hubspotVersions: versionsStatus(h.apiVersion, p.authType === 'oauth' ? h.oauthVersion : undefined, now),
      };
    }),
  );
}
