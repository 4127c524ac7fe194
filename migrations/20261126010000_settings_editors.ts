import type { Knex } from 'knex';

// Who may change a portal's settings from the card: HubSpot user ids or emails (lower-case). The
// user who installed the app may too. Everyone else sees the settings page read-only. The
// revision counts saves, so a page opened before someone else's save cannot overwrite it.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table portal_settings add column card_editors text[] not null default '{}', add column revision integer not null default 1`);
}
