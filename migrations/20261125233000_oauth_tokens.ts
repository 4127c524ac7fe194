import type { Knex } from 'knex';

// OAuth installs: each portal's tokens, encrypted (AES-256-GCM, TOKEN_ENCRYPTION_KEY) and never
// stored in plaintext, with when the access token expires and who installed the app. Refreshes
// take the row's lock, so a portal's token is refreshed once however many processes need it.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table portal_tokens (
      portal_id bigint primary key references portals (portal_id) on delete cascade,
      access_token text not null,
      refresh_token text not null,
      expires_at timestamptz not null,
      scopes text[] not null default '{}',
      hub_domain text,
      installed_by text,
      refreshed_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
}
