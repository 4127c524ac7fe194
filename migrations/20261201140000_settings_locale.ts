import type { Knex } from 'knex';

// The portal's locale (a BCP 47 tag such as de-DE): how dates and numbers read on its invoices'
// PDFs. Unset, the service's documented default applies.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table portal_settings add column locale text check (locale is null or length(locale) <= 35)`);
}
