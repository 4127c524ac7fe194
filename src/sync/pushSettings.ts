import type { Knex } from 'knex';
import type { Deps } from '../deps.js';
import { conflict } from '../errors.js';
import { check, compile } from '../http/validate.js';
import * as portalRepo from '../portals/portalRepo.js';
import * as syncStateRepo from './syncStateRepo.js';
import * as syncRunRepo from './syncRunRepo.js';

export const validatePortalPatch = compile<{ pushEnabled?: boolean; productIdProperty?: string }>({
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    pushEnabled: { type: 'boolean' },
    productIdProperty: {
      type: 'string',
      pattern: '^[a-z][a-z0-9_]{0,99}$',
      description: 'must be a HubSpot property name: lower-case letters, digits and underscores, starting with a letter',
    },
  },
});

export type PortalPatch = { pushEnabled?: boolean; productIdProperty?: string };

/** Validates a portal patch; throws a 400 naming each problem. */
export const checkPortalPatch = (body: unknown): PortalPatch => check(validatePortalPatch, body ?? {});

/**
 * Applies a portal patch: whether the push runs, and the name of the products' unique external-id
 * property. A new name is created (or checked) by the next push, and every product already pushed
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
  await portalRepo.setPushSettings(db, portalId, { pushEnabled: input.pushEnabled, productIdProperty: renamed ? input.productIdProperty : undefined }, now);
  if (renamed) await syncStateRepo.resendPushed(db, portalId, 'product', now);
  deps.log.info('portal settings changed', { scope: 'portal', portalId, pushEnabled: input.pushEnabled, productIdProperty: renamed ? input.productIdProperty : undefined });
}
