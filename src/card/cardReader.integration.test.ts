import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/setup.js';
import { createContact, createInvoice } from '../../test/factories.js';
import * as invoiceRepo from '../invoices/dealInvoiceRepo.js';
import type { DealCurrencyTotals, DealSummary } from '../invoices/dealInvoiceRepo.js';
import { AppCardReader } from './appCardReader.js';
import { CardReader } from './cardReader.js';
import { APP_CARD_PAGE_SIZE } from './presentAppCard.js';

const { tdb, app } = useTestApp();
const deals = ['101', '102', '103', '104', '105', '106'];

beforeAll(async () => {
  const contact = await createContact(app);
  // Deal i gets 2i + 1 invoices in a mix of states, spread over two portals.
  for (const [i, deal] of deals.entries()) {
    for (let k = 0; k <= 2 * i; k++) {
      // Three currencies of three exponents, so the sums per currency are compared too.
      const money = [
        { currency: 'EUR', unitPrice: '100.00' },
        { currency: 'JPY', unitPrice: '1234' },
        { currency: 'KWD', unitPrice: '12.345' },
      ][k % 3 === 2 ? 0 : (k + i) % 3]!;
      const inv = await createInvoice(app, {
        // Deal 106's eleven all on portal 88, so its second app card page has a row.
        portalId: deal === '106' || k % 2 === 0 ? '88' : '77',
        dealId: deal,
        issueDate: `2026-0${1 + (k % 9)}-15`,
        status: k % 3 ? 'open' : 'draft',
        contactExternalId: contact,
        currency: money.currency,
        lines: [{ description: 'Consulting', quantity: '2', unitPrice: money.unitPrice, taxRate: '20' }],
      });
      if (k === 4) await app.api('POST', `/invoices/${inv.id}/payments`, { amount: inv.total });
      if (k === 5) {
        // Paid in part, then voided: its payment counts for nothing in the totals.
        await app.api('POST', `/invoices/${inv.id}/payments`, { amount: '10.00' });
        expect((await app.api('PATCH', `/invoices/${inv.id}`, { status: 'void', voidReason: 'Billed twice' })).status).toBe(200);
      }
    }
  }
});

describe('CardReader', () => {
  it('answers concurrent reads of many deals exactly as one query per deal would', async () => {
    const reader = new CardReader(tdb.db, 3);
    const keys = deals.flatMap((d) => [
      { portalId: '77', dealId: d },
      { portalId: '88', dealId: d },
      { portalId: '99', dealId: d },
    ]);
    const requests = [...keys, ...keys.slice(0, 5)]; // duplicates share a batch
    const batched = await Promise.all(requests.map((k) => reader.read(k.portalId, k.dealId, '2026-11-25')));
    expect(reader.stats.reads).toBe(requests.length);
    expect(reader.stats.queries).toBeLessThan(5); // two started at once, the rest waited and shared
    for (const [i, k] of requests.entries()) {
      const single = await invoiceRepo.listForDeal(tdb.db, k.portalId, k.dealId, '2026-11-25', { limit: 3 });
      expect(batched[i], `${k.portalId}/${k.dealId}`).toEqual(single);
    }
    expect(batched.some((p) => p.totalCount > 3)).toBe(true);
    expect(batched.some((p) => p.totalCount === 0)).toBe(true);
  });

  it('keeps deals of different days apart', async () => {
    const reader = new CardReader(tdb.db, 5);
    const [before, after] = await Promise.all([reader.read('88', '106', '2026-01-01'), reader.read('88', '106', '2027-01-01')]);
    const statuses = (p: typeof before) => p.invoices.map((i) => i.status);
    expect(statuses(before)).toEqual(statuses(await invoiceRepo.listForDeal(tdb.db, '88', '106', '2026-01-01', { limit: 5 })));
    expect(statuses(after)).toEqual(statuses(await invoiceRepo.listForDeal(tdb.db, '88', '106', '2027-01-01', { limit: 5 })));
  });

  it('fails every waiting read when the query fails, and keeps working afterwards', async () => {
    const reader = new CardReader(tdb.db, 5);
    const bad = await Promise.allSettled([reader.read('1', '2', 'not-a-date'), reader.read('1', '3', 'not-a-date')]);
    expect(bad.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await reader.read('88', '101', '2026-11-25')).totalCount).toBe(1);
  });
});

/** A deal's summary worked out here, invoice by invoice, from its rows: the reference for the reader's sums in SQL. */
async function summaryOf(portalId: string, dealId: string, today: string): Promise<DealSummary> {
  const rows = (await tdb.db('invoices').where({ portal_id: portalId, deal_id: dealId }).whereNull('deleted_at').orderBy('id')) as Array<Record<string, string>>;
  const settings = (await tdb.db('portal_settings').where({ portal_id: portalId }).first()) as { locale: string | null } | undefined;
  const byCurrency = new Map<string, DealCurrencyTotals>();
  for (const r of rows) {
    const currency = r.currency!.trim();
    const t = byCurrency.get(currency) ?? { currency, openMinor: 0n, overdueMinor: 0n, paidMinor: 0n };
    const balance = BigInt(r.total_minor!) - BigInt(r.paid_minor!);
    if (r.status === 'open') t.openMinor += balance;
    if (r.status === 'open' && r.due_date! < today) t.overdueMinor += balance;
    if (r.status === 'open' || r.status === 'paid') t.paidMinor += BigInt(r.paid_minor!);
    byCurrency.set(currency, t);
  }
  return { totals: [...byCurrency.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1)), invoiceCount: rows.length, locale: settings?.locale ?? null };
}

describe('AppCardReader', () => {
  it('answers concurrent reads of many deals and pages exactly as one page query and one summary each would', async () => {
    const reader = new AppCardReader(tdb.db);
    const reads = deals.flatMap((d) => [
      { portalId: '77', dealId: d, page: 1 },
      { portalId: '88', dealId: d, page: 1 },
      { portalId: '88', dealId: d, page: 2 },
      { portalId: '99', dealId: d, page: 1 },
    ]);
    const requests = [...reads, ...reads.slice(0, 6)]; // duplicates share a batch
    const batched = await Promise.all(requests.map((r) => reader.read(r.portalId, r.dealId, r.page, '2026-11-25')));
    expect(reader.stats.reads).toBe(requests.length);
    expect(reader.stats.queries).toBeLessThan(5);
    for (const [i, r] of requests.entries()) {
      const single = await invoiceRepo.listForDeal(tdb.db, r.portalId, r.dealId, '2026-11-25', { limit: APP_CARD_PAGE_SIZE, offset: (r.page - 1) * APP_CARD_PAGE_SIZE });
      const label = `${r.portalId}/${r.dealId} page ${r.page}`;
      // The app card shows no bill-to, so its read leaves it out; everything else is the same.
      expect(batched[i]!.invoices, label).toEqual(single.invoices.map((inv) => ({ ...inv, billTo: null })));
      expect(batched[i]!.summary, label).toEqual(await summaryOf(r.portalId, r.dealId, '2026-11-25'));
    }
    // Deal 106 has eleven invoices on portal 88: its second page holds the eleventh; deal 101's one
    // invoice there leaves its second page empty but counted.
    const at = (portalId: string, dealId: string, page: number) => batched[requests.findIndex((r) => r.portalId === portalId && r.dealId === dealId && r.page === page)]!;
    expect(at('88', '106', 1).invoices).toHaveLength(APP_CARD_PAGE_SIZE);
    expect(at('88', '106', 2).invoices).toHaveLength(1);
    expect(at('88', '106', 2).summary.invoiceCount).toBe(11);
    expect(at('88', '101', 2)).toMatchObject({ invoices: [], summary: { invoiceCount: 1 } });
    expect(batched.some((p) => p.summary.totals.length > 0 && p.summary.totals.some((t) => t.paidMinor > 0n))).toBe(true);
    expect(batched.some((p) => p.summary.totals.length === 3)).toBe(true);
    expect(batched.some((p) => p.summary.totals.some((t) => t.overdueMinor > 0n))).toBe(true);
    expect(batched.some((p) => p.invoices.some((inv) => inv.status === 'void' && inv.paidMinor > 0n))).toBe(true);
  });
});
