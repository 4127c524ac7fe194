import type { Knex } from 'knex';

// Each heartbeat renews its worker's claims, and a crashed worker's claims are released by name:
// both look rows up by claimed_by, which only the rows in flight carry.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create index sync_state_claimed_by_idx on sync_state (claimed_by) where claimed_by is not null`);
}
