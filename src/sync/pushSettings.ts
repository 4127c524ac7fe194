import type { Knex } from 'knex';
import type { Deps } from '../deps.js';
import { conflict } from '../errors.js';
import { check, compile } from '../http/validate.js';
import * as portalRepo from '../portals/portalRepo.js';
import * as dealStateRepo from './dealStateRepo.js';
import * as syncStateRepo from './syncStateRepo.js';
import * as syncRunRepo from './syncRunRepo.js';

export const validatePortalPatch = compile<PortalPatch>({
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    pushEnabled: { type: 'boolean' },
    dealProperties: { type: 'boolean' },
    dealTimeline: { type: 'boolean' },
    productIdProperty: {
      type: 'string',
      pattern: '^[a-z][a-z0-9_]{0,99}$',
      description: 'must be a HubSpot property name: lower-case letters, digits and underscores, starting with a letter',
    },
  },
});

export type PortalPatch = {
  pushEnabled?: boolean;
  productIdProperty?: string;
  /** Whether the push writes the deals' billing properties; turning it on writes every deal with invoices again. */
  dealProperties?: boolean;
  /** Whether the push writes invoice events onto deal timelines; turning it on writes every event not yet there. */
  dealTimeline?: boolean;
};

/** Validates a portal patch; throws a 400 naming each problem. */
export const checkPortalPatch = (body: unknown): PortalPatch => check(validatePortalPatch, body ?? {});

/**
 * Applies a portal patch: whether the push runs, whether it writes the deals' billing properties
 * and timeline events, and the name of the products' unique external-id property. A new name is created (or checked) by the next push, and every product already pushed
 * is sent again (updated by its HubSpot id) so it carries the new property too. `db` may be a
 * transaction.
 */
export async function applyPortalPatch(deps: Deps, db: Deps['db'] | Knex.Transaction, portal: portalRepo.Portal, input: PortalPatch): Promise<void> {
  const portalId = portal.portalId;
  const now = deps.clock.now();
  const renamed = input.productIdProperty !== undefined && input.productIdProperty !== portal.productIdProperty;
  if (renamed && (await syncRunRepo.listRuns(db, portalId, 1)).some((r) => r.status === 'queued' || r.status === 'running')) {
    throw conflict('push_running', `A push to portal ${portalId} is queued or running; change the property name once it has finished`);
  }
  await portalRepo.setPushSettings(
    db,
    portalId,
    { pushEnabled: input.pushEnabled, productIdProperty: renamed ? input.productIdProperty : undefined, dealProperties: input.dealProperties, dealTimeline: input.dealTimeline },
    now,
  );
  if (renamed) await syncStateRepo.resendPushed(db, portalId, 'product', now);
  // Turned on: a backfill. Every deal with invoices is written again (whatever HubSpot was last
  // sent, and it may have been changed there meanwhile), and its property set is checked again.
  // Events recorded while the timeline was off were kept: the next push writes them.
  if (input.dealProperties === true && !portal.dealPropertiesEnabled) {
    await dealStateRepo.resendDeals(db, portalId);
    await portalRepo.markDealPropertiesReady(db, portalId, false, now);
  }
  deps.log.info('portal settings changed', {
    scope: 'portal',
    portalId,
    pushEnabled: input.pushEnabled,
    productIdProperty: renamed ? input.productIdProperty : undefined,
    dealProperties: input.dealProperties,
    dealTimeline: input.dealTimeline,
  });
}
