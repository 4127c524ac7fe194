import type { Knex } from 'knex';

// The accounting side's contacts, products and invoices, the rep-facing audit log and the
// idempotency keys of /api/v1. Raw SQL: it runs unchanged on PostgreSQL and on PGlite.
export async function up(knex: Knex): Promise<void> {
  // PGlite runs one statement per query, so each statement is its own raw call.
  const statements = [
    `create table contacts (
      external_id text primary key check (length(external_id) between 1 and 100),
      email text,
      first_name text,
      last_name text,
      phone text,
      company text,
      address jsonb,
      content_hash text not null,
      version bigint not null default 1,
      archived_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create index contacts_email_lower_idx on contacts (lower(email))`,
    `create table products (
      external_id text primary key check (length(external_id) between 1 and 100),
      sku text,
      name text not null,
      description text,
      price numeric(24, 6) not null,
      currency char(3) not null,
      type text not null check (type in ('service', 'inventory', 'non_inventory')),
      content_hash text not null,
      version bigint not null default 1,
      archived_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create index products_sku_idx on products (sku)`,
    `create table invoice_number_counters (
      portal_id bigint primary key,
      next_value bigint not null
    )`,
    `create table invoices (
      id bigint generated always as identity primary key,
      portal_id bigint not null,
      deal_id bigint not null,
      number text not null,
      status text not null check (status in ('draft', 'open', 'paid', 'void')),
      currency char(3) not null,
      issue_date date not null,
      due_date date not null,
      payment_terms_days integer check (payment_terms_days between 0 and 3650),
      contact_external_id text references contacts (external_id) on delete restrict,
      memo text,
      subtotal_minor bigint not null,
      discount_minor bigint not null,
      tax_minor bigint not null,
      total_minor bigint not null,
      paid_minor bigint not null default 0,
      issued_at timestamptz,
      paid_at timestamptz,
      voided_at timestamptz,
      void_reason text,
      deleted_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint invoices_portal_number_key unique (portal_id, number),
      constraint invoices_due_after_issue check (due_date >= issue_date),
      constraint invoices_paid_within_total check (paid_minor >= 0 and paid_minor <= total_minor),
      constraint invoices_deleted_only_drafts check (deleted_at is null or status = 'draft')
    )`,
    `create index invoices_portal_deal_idx on invoices (portal_id, deal_id) where deleted_at is null`,
    `create table invoice_lines (
      id bigint generated always as identity primary key,
      invoice_id bigint not null references invoices (id) on delete cascade,
      position integer not null,
      product_external_id text references products (external_id) on delete restrict,
      description text not null,
      quantity numeric(18, 6) not null,
      unit_price numeric(24, 6) not null,
      discount_type text check (discount_type in ('percent', 'amount')),
      discount_value numeric(24, 6),
      tax_rate numeric(9, 4) not null default 0,
      subtotal_minor bigint not null,
      discount_minor bigint not null,
      tax_minor bigint not null,
      total_minor bigint not null,
      constraint invoice_lines_position_key unique (invoice_id, position),
      constraint invoice_lines_discount_pair check ((discount_type is null) = (discount_value is null))
    )`,
    `create table payments (
      id bigint generated always as identity primary key,
      invoice_id bigint not null references invoices (id) on delete restrict,
      amount_minor bigint not null check (amount_minor > 0),
      paid_on date not null,
      method text,
      reference text,
      created_at timestamptz not null default now()
    )`,
    `create index payments_invoice_idx on payments (invoice_id)`,
    `create table idempotency_keys (
      id bigint generated always as identity primary key,
      scope text not null,
      key text not null,
      request_hash text not null,
      status_code integer,
      response_body jsonb,
      created_at timestamptz not null default now(),
      constraint idempotency_keys_scope_key unique (scope, key)
    )`,
    `create table audit_log (
      id bigint generated always as identity primary key,
      occurred_at timestamptz not null default now(),
      portal_id bigint,
      deal_id bigint,
      invoice_id bigint,
      actor_type text not null check (actor_type in ('hubspot_user', 'api', 'system')),
      hubspot_user_id text,
      hubspot_user_email text,
      action text not null,
      before jsonb,
      after jsonb,
      outcome text not null check (outcome in ('ok', 'rejected', 'error')),
      error_code text,
      request_id text
    )`,
    `create index audit_log_portal_invoice_idx on audit_log (portal_id, invoice_id)`,
  ];
  for (const statement of statements) await knex.raw(statement);
}
