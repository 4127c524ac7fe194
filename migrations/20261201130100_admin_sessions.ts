import type { Knex } from 'knex';

// Dashboard sessions live on the server, so signing out ends one for good (the cookie alone, an
// HMAC'd expiry, stayed valid for its 12 hours after sign-out). The cookie carries a random id;
// only its SHA-256 is stored, so reading this table gives no one a working cookie.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table admin_sessions (
      id_hash text primary key,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    )`);
  await knex.raw(`create index admin_sessions_expires_idx on admin_sessions (expires_at)`);
}
