import type { Knex } from 'knex';

// OAuth grants the service gave up but HubSpot has not yet confirmed revoking: a disconnect whose
// revoke failed, an install that failed after the code exchange, a refused install (whose app must
// also be uninstalled from the account first). The worker retries each with backoff until HubSpot
// confirms. The tokens are encrypted like portal_tokens' (AES-256-GCM under TOKEN_ENCRYPTION_KEY),
// bound to the row's `ref`. portal_id has no foreign key: a refused account is never a portal here,
// and a failed install may not have learnt its account.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table pending_revocations (
      ref text primary key,
      portal_id bigint,
      reason text not null check (reason in ('disconnect', 'install_failed', 'install_refused')),
      uninstall boolean not null default false,
      refresh_token text not null,
      access_token text,
      access_expires_at timestamptz,
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      last_error text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
  await knex.raw(`create index pending_revocations_due_idx on pending_revocations (next_attempt_at)`);
}
