import type { Knex } from 'knex';

// Errors the card's HubSpot-facing routes answered (bad signatures, unknown deals, refused
// actions), for the admins' dashboard. Kept for a week.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table card_errors (
      id bigint generated always as identity primary key,
      portal_id bigint,
      method text not null,
      route text not null,
      status integer not null,
      code text not null,
      message text not null,
      request_id text,
      created_at timestamptz not null default now()
    )`);
  await knex.raw(`create index card_errors_created_idx on card_errors (created_at desc)`);
}
