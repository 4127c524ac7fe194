import type { Deps } from '../deps.js';
import * as portalRepo from './portalRepo.js';
import { deleteTokens, oauthClient, refreshTokenOf } from './portalTokens.js';
import { giveBack, type Grant, keepForLater } from './revocations.js';

export interface Disconnected {
  /** HubSpot confirmed revoking the refresh token. */
  refreshTokenRevoked: boolean;
  /** HubSpot did not confirm: the grant is kept (encrypted) and the worker retries it. */
  revocationPending: boolean;
}

/**
 * Disconnects a portal: its refresh token is revoked at HubSpot, then its tokens are deleted and
 * it is marked disconnected. When HubSpot does not confirm the revoke, the grant is not forgotten:
 * it is kept in pending_revocations in the same transaction that deletes the tokens. The portal's
 * records of what was pushed stay, so a reinstall carries on without duplicates.
 */
export async function disconnectPortal(deps: Deps, portalId: string): Promise<Disconnected> {
  const oauth = oauthClient(deps);
  const key = deps.config.tokenEncryptionKey;
  const refreshToken = oauth && key ? await refreshTokenOf(deps.db, key, portalId) : undefined;
  let revoked = false;
  let failed: { error: string; grant: Grant } | undefined;
  if (oauth && refreshToken) {
    const outcome = await giveBack(deps, oauth, { portalId, reason: 'disconnect', uninstall: false, refreshToken }, { keep: false });
    revoked = outcome.done;
    if (!outcome.done) failed = outcome;
  }
  await deps.db.transaction(async (trx) => {
    await deleteTokens(trx, portalId);
    await portalRepo.setStatus(trx, portalId, 'disconnected', 'disconnected by an admin', deps.clock.now());
    if (failed) await keepForLater(deps, trx, failed.grant, failed.error);
  });
  return { refreshTokenRevoked: revoked, revocationPending: !!failed };
}
