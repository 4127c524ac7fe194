import type { Knex } from 'knex';

// card_errors now holds only failures of requests that proved who they were (a valid HubSpot
// signature or a valid page token), each with how (`via`), and no caller-written text: the
// message column is no longer written. The rows kept so far were written for every failed request,
// unauthenticated ones included, so they may carry a stranger's text: they go. The dashboard lists
// only rows with `via`, so rows an older instance writes during a rolling deploy stay hidden.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`delete from card_errors`);
  await knex.raw(`alter table card_errors alter column message drop not null, add column via text`);
}
