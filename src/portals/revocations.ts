import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Deps } from '../deps.js';
import { HubSpotError } from '../hubspot/hubspotApi.js';
import { type HubSpotOAuth, RefreshTokenRevoked } from '../hubspot/hubspotOAuth.js';
import { decryptBound, encryptBound } from '../hubspot/tokenCrypto.js';
import { configSecrets, redactSecrets } from '../redact.js';
import * as portalRepo from './portalRepo.js';

/**
 * Grants the service gives back to HubSpot: the refresh token of a disconnected portal, of an
 * install that failed after the code exchange, and of a refused install, whose app is also
 * uninstalled from the account first (HubSpot keeps signing an installed app's card requests, and
 * the account keeps seeing the app, until it is uninstalled; revoking the refresh token does not
 * uninstall it, and once it is revoked no access token can be had to uninstall it, hence the order).
 *
 * Each is tried at once; when HubSpot does not confirm, it is not forgotten: it is kept in
 * `pending_revocations` (the tokens encrypted under TOKEN_ENCRYPTION_KEY, bound to the row) and the
 * push worker retries it with backoff until HubSpot confirms. Admins see the pending ones (never
 * the tokens) in GET /api/v1/portals and on the dashboard.
 */

type Conn = Deps['db'] | Knex.Transaction;

export type RevocationReason = 'disconnect' | 'install_failed' | 'install_refused';

export interface Grant {
  /** The account, when known (an install can fail before HubSpot says which account it is). */
  portalId: string | null;
  reason: RevocationReason;
  /** Uninstall the app from the account before revoking (a refused install). */
  uninstall: boolean;
  refreshToken: string;
  accessToken?: string | undefined;
  accessExpiresAt?: Date | undefined;
}

/** What admins see of a pending revocation: never a token. */
export interface PendingRevocation {
  ref: string;
  portalId: string | null;
  reason: RevocationReason;
  /** The app is still to be uninstalled from the account too. */
  uninstall: boolean;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
}

interface DbRow {
  ref: string;
  portal_id: string | null;
  reason: RevocationReason;
  uninstall: boolean;
  refresh_token: string;
  access_token: string | null;
  access_expires_at: Date | null;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  created_at: Date;
}

/** Backoff between attempts: 30 s doubling to at most an hour, each wait 50–100 % of that. */
const BASE_MS = 30_000;
const CAP_MS = 60 * 60_000;
/** A claimed row is someone's for this long (a worker that dies mid-attempt gives it back so). */
const LEASE_MS = 5 * 60_000;
/** An access token with less than this left is refreshed before the uninstall. */
const ACCESS_MARGIN_MS = 60_000;

export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(CAP_MS, BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

const contextOf = (ref: string) => `revocation:${ref}`;

const toPending = (r: DbRow): PendingRevocation => ({
  ref: r.ref,
  portalId: r.portal_id === null ? null : String(r.portal_id),
  reason: r.reason,
  uninstall: r.uninstall,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  createdAt: r.created_at,
});

/** What an attempt says went wrong, without any secret it could carry. */
function describe(deps: Deps, err: unknown, grant: Grant): string {
  if (err instanceof HubSpotError) return err.message;
  return redactSecrets(err instanceof Error ? err.message : String(err), [grant.refreshToken, grant.accessToken, ...configSecrets(deps.config)]);
}

/** The account is allowed and connected again (reinstalled since it was refused): keep its app. */
async function wantedNow(deps: Deps, portalId: string | null): Promise<boolean> {
  if (!portalId) return false;
  const allowed = deps.config.hubspot.allowedPortalIds;
  if (allowed && !allowed.includes(portalId)) return false;
  const portal = portalRepo.connected(await portalRepo.get(deps.db, portalId));
  if (!portal || portal.authType !== 'oauth') return false;
  return !!(await deps.db('portal_tokens').where({ portal_id: portalId }).first('portal_id'));
}

/**
 * One attempt: uninstall when asked (refreshing the access token first when it is about to
 * expire), then revoke the refresh token. Updates `grant` with what is done, so a later attempt
 * carries on from there. Never throws.
 */
async function attempt(deps: Deps, oauth: HubSpotOAuth, grant: Grant): Promise<{ ok: true; note?: string } | { ok: false; error: string }> {
  try {
    if (grant.uninstall && (await wantedNow(deps, grant.portalId))) grant.uninstall = false;
    if (grant.uninstall) {
      const now = deps.clock.now().getTime();
      if (!grant.accessToken || !grant.accessExpiresAt || grant.accessExpiresAt.getTime() - now < ACCESS_MARGIN_MS) {
        try {
          const t = await oauth.refresh(grant.refreshToken);
          grant.accessToken = t.accessToken;
          grant.accessExpiresAt = new Date(now + t.expiresInSeconds * 1000);
          if (t.refreshToken) grant.refreshToken = t.refreshToken;
        } catch (err) {
          if (!(err instanceof RefreshTokenRevoked)) throw err;
          // The grant is already gone (revoked, or the app uninstalled at HubSpot): nothing is
          // left to revoke, and no access token can be had to uninstall the app.
          grant.uninstall = false;
          return { ok: true, note: 'HubSpot had already revoked the grant; if the app is still installed in the account, its admin removes it under Settings > Integrations > Connected apps' };
        }
      }
      try {
        await oauth.uninstall(grant.accessToken!);
      } catch (err) {
        if (err instanceof HubSpotError && err.status === 401) grant.accessToken = undefined; // expired: refresh next time
        throw err;
      }
      grant.uninstall = false;
      grant.accessToken = undefined;
      grant.accessExpiresAt = undefined;
    }
    await oauth.revoke(grant.refreshToken);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: describe(deps, err, grant) };
  }
}

function key(deps: Deps): Buffer {
  const k = deps.config.tokenEncryptionKey;
  if (!k) throw new Error('TOKEN_ENCRYPTION_KEY is not set: a grant cannot be kept for a later revoke');
  return k;
}

/** Keeps a grant HubSpot did not confirm giving back, encrypted; `db` may be the caller's transaction. */
export async function keepForLater(deps: Deps, db: Conn, grant: Grant, error: string, attempts = 1): Promise<PendingRevocation> {
  const k = key(deps);
  const ref = crypto.randomUUID();
  const now = deps.clock.now();
  const row = {
    ref,
    portal_id: grant.portalId,
    reason: grant.reason,
    uninstall: grant.uninstall,
    refresh_token: encryptBound(k, contextOf(ref), grant.refreshToken),
    access_token: grant.uninstall && grant.accessToken ? encryptBound(k, contextOf(ref), grant.accessToken) : null,
    access_expires_at: grant.uninstall && grant.accessToken ? (grant.accessExpiresAt ?? null) : null,
    attempts,
    next_attempt_at: new Date(now.getTime() + retryDelayMs(attempts)),
    last_error: error.slice(0, 1000),
    created_at: now,
    updated_at: now,
  };
  await db('pending_revocations').insert(row);
  const pending = toPending(row as DbRow);
  deps.log.warn('HubSpot did not confirm giving a grant back; it is kept (encrypted) and retried', {
    scope: 'oauth',
    portalId: grant.portalId,
    reason: grant.reason,
    uninstall: grant.uninstall,
    attempts,
    nextAttemptAt: pending.nextAttemptAt,
    error: pending.lastError,
  });
  return pending;
}

/**
 * Tries once to give a grant back (uninstalling first when asked). Returns the pending revocation
 * when HubSpot did not confirm; then, with `keep` (the default), it is stored in `db` for the
 * worker; without, the caller stores it (keepForLater) in its own transaction.
 */
export async function giveBack(
  deps: Deps,
  oauth: HubSpotOAuth,
  grant: Grant,
  opts: { keep?: boolean } = {},
): Promise<{ done: true } | { done: false; error: string; grant: Grant; pending?: PendingRevocation }> {
  const g = { ...grant };
  const outcome = await attempt(deps, oauth, g);
  if (outcome.ok) {
    deps.log.info(grant.uninstall ? 'app uninstalled from the account and its grant revoked' : 'grant revoked at HubSpot', {
      scope: 'oauth',
      portalId: grant.portalId,
      reason: grant.reason,
      ...(outcome.note ? { note: outcome.note } : {}),
    });
    return { done: true };
  }
  if (opts.keep === false) return { done: false, error: outcome.error, grant: g };
  try {
    return { done: false, error: outcome.error, grant: g, pending: await keepForLater(deps, deps.db, g, outcome.error) };
  } catch (err) {
    deps.log.error('could not keep a grant for a later revoke: it is lost; revoke it in HubSpot (uninstall the app from the account)', {
      scope: 'oauth',
      portalId: grant.portalId,
      reason: grant.reason,
      error: describe(deps, err, g),
    });
    return { done: false, error: outcome.error, grant: g };
  }
}

/**
 * Retries the pending revocations that are due (the push worker calls it). Claims rows with a
 * lease (SKIP LOCKED, next attempt pushed out), so several workers never try the same one at once
 * and one that dies mid-attempt leaves it to the next after the lease.
 */
export async function retryDue(deps: Deps, oauth: HubSpotOAuth, limit = 20): Promise<{ revoked: number; failed: number }> {
  const k = key(deps);
  let revoked = 0;
  let failed = 0;
  // One row per claim: its lease covers its own attempt (three calls at most), not a queue's.
  for (let n = 0; n < limit; n++) {
    const now = deps.clock.now();
    const claimed = (await deps.db.raw(
      `update pending_revocations set next_attempt_at = ?, updated_at = ?
        where ref in (select ref from pending_revocations where next_attempt_at <= ? order by next_attempt_at, ref limit 1 for update skip locked)
        returning *`,
      [new Date(now.getTime() + LEASE_MS), now, now],
    )) as { rows: DbRow[] };
    const row = claimed.rows[0];
    if (!row) break;
    let grant: Grant;
    try {
      grant = {
        portalId: row.portal_id === null ? null : String(row.portal_id),
        reason: row.reason,
        uninstall: row.uninstall,
        refreshToken: decryptBound(k, contextOf(row.ref), row.refresh_token),
        accessToken: row.access_token ? decryptBound(k, contextOf(row.ref), row.access_token) : undefined,
        accessExpiresAt: row.access_expires_at ?? undefined,
      };
    } catch (err) {
      failed += 1;
      await deps
        .db('pending_revocations')
        .where({ ref: row.ref })
        .update({ next_attempt_at: new Date(now.getTime() + CAP_MS), last_error: (err as Error).message, updated_at: now });
      deps.log.error('a pending revocation does not decrypt; was TOKEN_ENCRYPTION_KEY changed?', { scope: 'oauth', portalId: row.portal_id, reason: row.reason });
      continue;
    }
    const outcome = await attempt(deps, oauth, grant);
    const attempts = row.attempts + 1;
    if (outcome.ok) {
      revoked += 1;
      await deps.db('pending_revocations').where({ ref: row.ref }).delete();
      deps.log.info(row.uninstall ? 'app uninstalled from the account and its grant revoked, on a retry' : 'grant revoked at HubSpot, on a retry', {
        scope: 'oauth',
        portalId: grant.portalId,
        reason: row.reason,
        attempts,
        ...(outcome.note ? { note: outcome.note } : {}),
      });
      continue;
    }
    failed += 1;
    const at = deps.clock.now();
    const next = new Date(at.getTime() + retryDelayMs(attempts));
    await deps
      .db('pending_revocations')
      .where({ ref: row.ref })
      .update({
        uninstall: grant.uninstall,
        refresh_token: encryptBound(k, contextOf(row.ref), grant.refreshToken),
        access_token: grant.uninstall && grant.accessToken ? encryptBound(k, contextOf(row.ref), grant.accessToken) : null,
        access_expires_at: grant.uninstall && grant.accessToken ? (grant.accessExpiresAt ?? null) : null,
        attempts,
        next_attempt_at: next,
        last_error: outcome.error.slice(0, 1000),
        updated_at: at,
      });
    deps.log.warn('HubSpot did not confirm giving a grant back; retrying later', {
      scope: 'oauth',
      portalId: grant.portalId,
      reason: row.reason,
      uninstall: grant.uninstall,
      attempts,
      nextAttemptAt: next,
      error: outcome.error,
    });
  }
  return { revoked, failed };
}

/** The pending revocations, oldest first (at most `limit`), without their tokens. */
export async function listPending(db: Conn, limit = 100): Promise<PendingRevocation[]> {
  return ((await db('pending_revocations').orderBy('created_at').orderBy('ref').limit(limit)) as DbRow[]).map(toPending);
}
