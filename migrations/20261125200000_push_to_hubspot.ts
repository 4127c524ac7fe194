import type { Knex } from 'knex';

// The push to HubSpot: the portals it pushes to, the dedupe table (what each portal holds of each
// record: its HubSpot id and the version pushed), the runs, and each portal's shared rate budget.
export async function up(knex: Knex): Promise<void> {
  const statements = [
    `create table portals (
      portal_id bigint primary key,
      auth_type text not null check (auth_type in ('private_app', 'oauth')),
      status text not null default 'active' check (status in ('active', 'error', 'disconnected')),
      status_message text,
      push_enabled boolean not null default true,
      product_id_property text not null default 'accounting_external_id',
      product_id_property_ready boolean not null default false,
      paused_until timestamptz,
      paused_reason text,
      rate_tat timestamptz not null default now(),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create table sync_state (
      id bigint generated always as identity primary key,
      portal_id bigint not null references portals (portal_id) on delete cascade,
      object_type text not null check (object_type in ('contact', 'product')),
      external_id text not null,
      hubspot_id text,
      pushed_version bigint not null default 0,
      pushed_hash text,
      state text not null default 'pending' check (state in ('pending', 'synced', 'failed', 'skipped', 'conflict')),
      reason text,
      error jsonb,
      failed_version bigint,
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      claimed_by text,
      claimed_until timestamptz,
      in_flight_since timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint sync_state_record_key unique (portal_id, object_type, external_id)
    )`,
    `create index sync_state_pending_idx on sync_state (portal_id, object_type, next_attempt_at) where state = 'pending'`,
    `create index sync_state_failed_idx on sync_state (portal_id, state) where state in ('failed', 'conflict', 'skipped')`,
    `create index sync_state_hubspot_idx on sync_state (portal_id, object_type, hubspot_id)`,
    `create table sync_runs (
      id bigint generated always as identity primary key,
      portal_id bigint not null references portals (portal_id) on delete cascade,
      trigger text not null check (trigger in ('api', 'interval', 'cli', 'replay')),
      status text not null check (status in ('queued', 'running', 'done', 'failed', 'paused')),
      total integer not null default 0,
      processed integer not null default 0,
      counts jsonb not null default '{}',
      error text,
      worker text,
      heartbeat_at timestamptz,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz
    )`,
    // At most one queued or running run per portal: starting a run twice finds the first.
    `create unique index sync_runs_one_active_idx on sync_runs (portal_id) where status in ('queued', 'running')`,
    `create index sync_runs_portal_idx on sync_runs (portal_id, id desc)`,
  ];
  for (const statement of statements) await knex.raw(statement);
}
