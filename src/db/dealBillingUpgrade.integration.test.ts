import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../paths.js';
import { createDb } from './db.js';

/**
 * An install upgraded to the deal billing migration with invoices already in its books: every
 * deal with invoices is registered, and every issue, payment and void already recorded becomes a
 * timeline event, in order, with who did it from the audit log.
 */

const DIR = path.join(PROJECT_ROOT, 'migrations');
const DEAL_MIGRATION = '20261202100000_deal_billing.ts';
const db = createDb({});
afterAll(() => db.destroy());

async function run(file: string): Promise<void> {
  const mod = (await import(pathToFileURL(path.join(DIR, file)).href)) as { up(knex: Knex): Promise<void> };
  await mod.up(db);
}

describe('the deal billing migration on an install with invoices', () => {
  it('registers every deal with invoices and derives the events already in the books', async () => {
    const files = fs
      .readdirSync(DIR)
      .filter((f) => f.endsWith('.ts'))
      .sort();
    const at = files.indexOf(DEAL_MIGRATION);
    expect(at).toBeGreaterThan(0);
    for (const f of files.slice(0, at)) await run(f);

    const t = (iso: string) => new Date(iso);
    const invoice = (id: number, deal: number, over: Record<string, unknown>) => ({
      id,
      portal_id: 5150,
      deal_id: deal,
      number: `INV-${id}`,
      status: 'open',
      currency: 'EUR',
      issue_date: '2026-11-01',
      due_date: '2026-12-01',
      subtotal_minor: 10000,
      discount_minor: 0,
      tax_minor: 0,
      total_minor: 10000,
      ...over,
    });
    await db.raw(
      `insert into invoices (id, portal_id, deal_id, number, status, currency, issue_date, due_date, subtotal_minor, discount_minor, tax_minor, total_minor, paid_minor, issued_at, voided_at, void_reason, deleted_at)
      overriding system value select * from jsonb_to_recordset(?::jsonb) as x(id bigint, portal_id bigint, deal_id bigint, number text, status text, currency text, issue_date date, due_date date,
        subtotal_minor bigint, discount_minor bigint, tax_minor bigint, total_minor bigint, paid_minor bigint, issued_at timestamptz, voided_at timestamptz, void_reason text, deleted_at timestamptz)`,
      [
        JSON.stringify([
          invoice(1, 70, { paid_minor: 0, issued_at: t('2026-11-01T09:00:00Z') }),
          invoice(2, 70, { status: 'paid', paid_minor: 10000, issued_at: t('2026-11-02T09:00:00Z') }),
          invoice(3, 71, { status: 'void', paid_minor: 2500, issued_at: t('2026-11-03T09:00:00Z'), voided_at: t('2026-11-10T09:00:00Z'), void_reason: 'Billed twice' }),
          invoice(4, 72, { status: 'draft', paid_minor: 0 }),
          invoice(5, 73, { status: 'draft', paid_minor: 0, deleted_at: t('2026-11-04T09:00:00Z') }),
        ]),
      ],
    );
    await db.raw(`insert into payments (id, invoice_id, amount_minor, paid_on, created_at) overriding system value values
      (11, 2, 4000, '2026-11-05', '2026-11-05T10:00:00Z'), (12, 2, 6000, '2026-11-06', '2026-11-06T10:00:00Z'), (13, 3, 2500, '2026-11-07', '2026-11-07T10:00:00Z')`);
    const audit = (invoiceId: number, action: string, after: unknown, actor: 'api' | 'hubspot_user') =>
      db('audit_log').insert({
        occurred_at: new Date(),
        portal_id: 5150,
        deal_id: 70,
        invoice_id: invoiceId,
        actor_type: actor,
        hubspot_user_id: actor === 'hubspot_user' ? '4242' : null,
        hubspot_user_email: actor === 'hubspot_user' ? 'rep@seller.example' : null,
        action,
        after: JSON.stringify(after),
        outcome: 'ok',
      });
    await audit(1, 'invoice.issue', { status: 'open' }, 'hubspot_user');
    await audit(2, 'invoice.create', { status: 'open' }, 'api');
    await audit(2, 'invoice.payment', { status: 'open', payment: { id: '11' } }, 'hubspot_user');
    await audit(2, 'invoice.payment', { status: 'paid', payment: { id: '12' } }, 'api');

    await run(DEAL_MIGRATION);

    const deals = (await db('deal_billing').orderBy('deal_id').select('deal_id', 'version')) as Array<{ deal_id: string; version: string }>;
    expect(deals.map((d) => String(d.deal_id))).toEqual(['70', '71', '72', '73']);
    const events = (await db('deal_events').orderBy('id')) as Array<{ invoice_id: string; kind: string; detail: Record<string, unknown>; queued: boolean }>;
    expect(events.map((e) => [String(e.invoice_id), e.kind])).toEqual([
      ['1', 'issued'],
      ['2', 'issued'],
      ['3', 'issued'],
      ['2', 'payment'],
      ['2', 'payment'],
      ['3', 'payment'],
      ['3', 'voided'],
    ]);
    expect(events.every((e) => !e.queued)).toBe(true);
    expect(events[0]!.detail).toMatchObject({ number: 'INV-1', currency: 'EUR', totalMinor: '10000', dueDate: '2026-12-01', actor: { type: 'hubspot_user', userEmail: 'rep@seller.example' } });
    expect(events[1]!.detail).toMatchObject({ actor: { type: 'api', userEmail: null } });
    expect(events[3]!.detail).toMatchObject({ amountMinor: '4000', paidOn: '2026-11-05', balanceMinor: '6000', actor: { type: 'hubspot_user' } });
    expect(events[4]!.detail).toMatchObject({ amountMinor: '6000', balanceMinor: '0', actor: { type: 'api' } });
    expect(events[6]!.detail).toMatchObject({ paidMinor: '2500', reason: 'Billed twice', actor: { type: 'unknown', userEmail: null } });
  });
});
