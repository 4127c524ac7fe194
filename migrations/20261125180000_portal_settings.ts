import type { Knex } from 'knex';

// Per-portal settings: the seller block printed on PDFs and the defaults of new invoices.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table portal_settings (
      portal_id bigint primary key,
      seller_name text,
      seller_address text,
      seller_email text,
      seller_phone text,
      seller_tax_id text,
      payment_instructions text,
      invoice_footer text,
      default_currency char(3),
      default_payment_terms_days integer check (default_payment_terms_days between 0 and 3650),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
}
