import type { Db } from '../db/db.js';

/**
 * The admin_sessions table: one row per dashboard session, keyed by a hash of its id (the id
 * itself is only in the admin's cookie), so signing out ends a session on the server.
 */

/** When the session with this id hash expires, if it exists. */
export async function expiryOf(db: Db, idHash: string): Promise<Date | undefined> {
  const row = (await db('admin_sessions').where({ id_hash: idHash }).first('expires_at')) as { expires_at: Date } | undefined;
  return row ? new Date(row.expires_at) : undefined;
}

/** Stores a new session, clearing expired ones on the way. */
export async function start(db: Db, idHash: string, now: Date, expiresAt: Date): Promise<void> {
  await db('admin_sessions').where('expires_at', '<=', now).delete();
  await db('admin_sessions').insert({ id_hash: idHash, created_at: now, expires_at: expiresAt });
}

/** Ends one session; how many rows went (0 or 1). */
export async function end(db: Db, idHash: string): Promise<number> {
  return Number(await db('admin_sessions').where({ id_hash: idHash }).delete());
}

/** Ends every session; how many there were. */
export async function endAll(db: Db): Promise<number> {
  return Number(await db('admin_sessions').delete());
}
