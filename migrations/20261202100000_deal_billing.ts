import type { Knex } from 'knex';

// The deal's billing state in HubSpot (deal properties) and its invoice events (timeline notes).
// - deal_billing: one row per deal that has (or had) invoices. Every change to one of its
//   invoices bumps `version` in the change's own transaction; the push writes the deal when its
//   version is ahead of what HubSpot holds (sync_state, object type 'deal', external id = deal id).
//   `computed_on` is the UTC day the values HubSpot holds were computed for: a deal with an open
//   invoice whose due date has passed since then is marked again (overdue changes with no event).
// - deal_events: the outbox of timeline events (issued, payment, voided), written in the change's
//   transaction; each is pushed once as a note (sync_state, object type 'note', external id =
//   event id). `queued` says it has its sync_state row (set when the push registers it, so a
//   registration never misses an event committed late, whatever its id).
// - portals: whether the deal properties and the timeline are written, whether the properties
//   exist in the portal, and why the deal side of the last push stopped (a missing scope…),
//   shown on the dashboard.
// Existing data is backfilled: every deal with invoices gets a row, and every issue, payment and
// void already recorded becomes an event (who did it comes from the audit log).
export async function up(knex: Knex): Promise<void> {
  for (const sql of [
    `alter table sync_state drop constraint sync_state_object_type_check`,
    `alter table sync_state add constraint sync_state_object_type_check check (object_type in ('contact', 'product', 'deal', 'note'))`,
    `alter table portals add column deal_properties_enabled boolean not null default true`,
    `alter table portals add column deal_timeline_enabled boolean not null default true`,
    `alter table portals add column deal_properties_ready boolean not null default false`,
    `alter table portals add column deal_push_problem text`,
    `alter table portals add column deal_push_problem_at timestamptz`,
    `create table deal_billing (
      portal_id bigint not null,
      deal_id bigint not null,
      version bigint not null default 1,
      computed_on date,
      updated_at timestamptz not null default now(),
      primary key (portal_id, deal_id)
    )`,
    `create table deal_events (
      id bigint generated always as identity primary key,
      portal_id bigint not null,
      deal_id bigint not null,
      invoice_id bigint not null references invoices (id) on delete restrict,
      kind text not null check (kind in ('issued', 'payment', 'voided')),
      occurred_at timestamptz not null,
      detail jsonb not null,
      queued boolean not null default false
    )`,
    `create index deal_events_unqueued_idx on deal_events (portal_id, id) where not queued`,
    `insert into deal_billing (portal_id, deal_id) select distinct portal_id, deal_id from invoices`,
  ]) {
    await knex.raw(sql);
  }
  // Events already in the books, oldest first, each with who did it when the audit log says so.
  const actor = (action: string, extra = '') => `left join lateral (
      select a.actor_type, a.hubspot_user_email from audit_log a
      where a.portal_id = i.portal_id and a.invoice_id = i.id and a.outcome = 'ok' and a.action ${action} ${extra}
      order by a.id limit 1) a on true`;
  const actorJson = `jsonb_build_object('type', coalesce(a.actor_type, 'unknown'), 'userEmail', a.hubspot_user_email)`;
  await knex.raw(`
    insert into deal_events (portal_id, deal_id, invoice_id, kind, occurred_at, detail)
    select portal_id, deal_id, invoice_id, kind, occurred_at, detail from (
      select i.portal_id, i.deal_id, i.id as invoice_id, 'issued' as kind, i.issued_at as occurred_at,
             jsonb_build_object('number', i.number, 'currency', trim(i.currency), 'totalMinor', i.total_minor::text, 'dueDate', i.due_date::text, 'actor', ${actorJson}) as detail
      from invoices i ${actor(`in ('invoice.issue', 'invoice.create', 'invoice.edit')`, `and a.after->>'status' in ('open', 'paid')`)}
      where i.issued_at is not null and i.deleted_at is null
      union all
      select i.portal_id, i.deal_id, i.id, 'payment', p.created_at,
             jsonb_build_object('number', i.number, 'currency', trim(i.currency), 'totalMinor', i.total_minor::text, 'amountMinor', p.amount_minor::text, 'paidOn', p.paid_on::text,
                                'balanceMinor', (i.total_minor - (select coalesce(sum(q.amount_minor), 0) from payments q where q.invoice_id = i.id and q.id <= p.id))::text, 'actor', ${actorJson})
      from payments p join invoices i on i.id = p.invoice_id
      ${actor(`= 'invoice.payment'`, `and a.after->'payment'->>'id' = p.id::text`)}
      union all
      select i.portal_id, i.deal_id, i.id, 'voided', i.voided_at,
             jsonb_build_object('number', i.number, 'currency', trim(i.currency), 'totalMinor', i.total_minor::text, 'paidMinor', i.paid_minor::text, 'reason', i.void_reason, 'actor', ${actorJson})
      from invoices i ${actor(`in ('invoice.void', 'invoice.edit')`, `and a.after->>'status' = 'void'`)}
      where i.voided_at is not null
    ) e order by occurred_at, invoice_id`);
}
