import { describe, expect, it } from 'vitest';
import { type AppCardInvoiceSource, presentAppCardInvoices, presentAppCardInvoiceState } from './presentAppCard.js';

const TODAY = '2026-11-25';
const inv = (over: Partial<AppCardInvoiceSource> = {}): AppCardInvoiceSource => ({
  id: '42',
  number: 'INV-000042',
  status: 'open',
  currency: 'EUR',
  issueDate: '2026-11-01',
  dueDate: '2026-12-01',
  totalMinor: 12000n,
  paidMinor: 0n,
  ...over,
});
const link = (purpose: string, id: string | null) => `https://x.example/${purpose}/${id ?? '-'}?token=t`;

describe('presentAppCard', () => {
  it('lists the actions each status allows, in the card’s order, and when a void needs a reason', () => {
    const state = (over: Partial<AppCardInvoiceSource>) => presentAppCardInvoiceState(inv(over), TODAY);
    expect(state({ status: 'draft' })).toMatchObject({ actions: ['pdf', 'edit', 'issue', 'delete'], voidNeedsReason: false, displayStatus: 'draft' });
    expect(state({})).toMatchObject({ actions: ['pdf', 'payment', 'void'], voidNeedsReason: false, displayStatus: 'open', statusLabel: 'Open' });
    expect(state({ paidMinor: 2000n })).toMatchObject({ voidNeedsReason: true, displayStatus: 'partially_paid', balance: '100.00', paid: '20.00' });
    expect(state({ paidMinor: 2000n, dueDate: '2026-11-24' })).toMatchObject({ displayStatus: 'overdue', statusLabel: 'Overdue' });
    expect(state({ status: 'paid', paidMinor: 12000n })).toMatchObject({ actions: ['pdf', 'void'], voidNeedsReason: true, balance: '0.00' });
    expect(state({ status: 'void', paidMinor: 2000n })).toMatchObject({ actions: ['pdf'], voidNeedsReason: false, balance: '0.00' });
    expect(state({ status: 'draft', deleted: true }).actions).toEqual([]);
  });

  it('keeps every minor unit past 2^53 and writes each currency with its own exponent', () => {
    expect(presentAppCardInvoiceState(inv({ totalMinor: 9007199254740993n }), TODAY)).toMatchObject({ total: '90071992547409.93', exponent: 2 });
    expect(presentAppCardInvoiceState(inv({ currency: 'JPY', totalMinor: 12345n }), TODAY)).toMatchObject({ total: '12345', exponent: 0 });
    expect(presentAppCardInvoiceState(inv({ currency: 'KWD', totalMinor: 1234n, paidMinor: 4n }), TODAY)).toMatchObject({ total: '1.234', balance: '1.230', paid: '0.004', exponent: 3 });
  });

  it('links each row to the pages its actions open, and the deal to create and settings', () => {
    const out = presentAppCardInvoices(
      {
        dealId: '7',
        locale: null,
        totals: [{ currency: 'JPY', openMinor: 100n, overdueMinor: 0n, paidMinor: 5n }],
        invoices: [inv({ id: '1', status: 'draft' }), inv({ id: '2' }), inv({ id: '3', status: 'void' })],
        page: 2,
        totalCount: 13,
        today: TODAY,
      },
      link as never,
    );
    expect(out.invoices.map((r) => r.links)).toEqual([{ pdf: link('pdf', '1'), edit: link('edit', '1') }, { pdf: link('pdf', '2') }, { pdf: link('pdf', '3') }]);
    expect(out).toMatchObject({ dealId: '7', page: 2, pageSize: 10, totalCount: 13, createUrl: link('create', null) });
    expect(out.totals).toEqual([{ currency: 'JPY', exponent: 0, open: '100', overdue: '0', paid: '5' }]);
  });
});
