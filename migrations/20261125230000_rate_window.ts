import type { Knex } from 'knex';

// The rate budget becomes a rolling window, as HubSpot counts (TEN_SECONDLY_ROLLING): each portal
// keeps the times of its latest requests, at most one window's worth. rate_tat stays, as the
// earliest time the next request may go (set after a 429). The limit HubSpot's headers name is
// kept too, so every process paces by it from its first request.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table portals add column rate_log timestamptz[] not null default '{}',
    add column rate_limit_max integer, add column rate_limit_interval_ms integer`);
}
