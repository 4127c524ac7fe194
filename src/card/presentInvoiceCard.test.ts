import { describe, expect, it } from 'vitest';
import { expectValidCard, prop } from '../../test/cardAssertions.js';
import type { InvoiceSummary } from '../invoices/invoiceRepo.js';
import { type CardLinks, presentInvoiceCard } from './presentInvoiceCard.js';

const BASE = 'https://x.example';
const links: CardLinks = {
  page: (purpose, id) => `${BASE}/hubspot/pages/${purpose}/${id ?? ''}?token=t`,
  hook: (name, id) => `${BASE}/hubspot/actions/${name}/${id}`,
};

function invoice(over: Partial<InvoiceSummary> = {}): InvoiceSummary {
  return {
    id: '1',
    portalId: '1',
    dealId: '2',
    number: 'INV-000001',
    status: 'open',
    currency: 'EUR',
    issueDate: '2026-11-01',
    dueDate: '2026-12-01',
    paymentTermsDays: 30,
    contactExternalId: 'c',
    memo: null,
    subtotalMinor: 10000n,
    discountMinor: 0n,
    taxMinor: 1900n,
    totalMinor: 11900n,
    paidMinor: 0n,
    issuedAt: new Date(),
    paidAt: null,
    voidedAt: null,
    voidReason: null,
    deletedAt: null,
    createdAt: new Date(),
    updatedAt: new Date(),
    billTo: { externalId: 'c', name: 'Ada Lovelace', email: 'ada@x.example', company: null },
    ...over,
  };
}

describe('presentInvoiceCard', () => {
  it('presents an invoice with status, dates, money and bill-to', () => {
    const card = presentInvoiceCard({ invoices: [invoice()], totalCount: 1, today: '2026-11-25' }, links);
    expectValidCard(card, BASE);
    const [r] = card.results;
    expect(r).toMatchObject({ objectId: 1, title: 'INV-000001', invoice_status: 'OPEN' });
    // The status is the one top-level property; the amounts come next, then the dates: HubSpot's
    // converter shows three before "View more".
    expect(r).not.toHaveProperty('issue_date');
    expect(r).not.toHaveProperty('due_date');
    expect(r!.properties).toEqual([
      { label: 'Total', dataType: 'CURRENCY', value: '119.00', currencyCode: 'EUR' },
      { label: 'Balance due', dataType: 'CURRENCY', value: '119.00', currencyCode: 'EUR' },
      { label: 'Issued', dataType: 'DATE', value: '2026-11-01' },
      { label: 'Due', dataType: 'DATE', value: '2026-12-01' },
      { label: 'Bill to', dataType: 'STRING', value: 'Ada Lovelace' },
    ]);
  });

  it('shows days overdue, what was paid and why an invoice was voided', () => {
    const overdue = presentInvoiceCard({ invoices: [invoice({ dueDate: '2026-11-20', paidMinor: 900n })], totalCount: 1, today: '2026-11-25' }, links).results[0]!;
    expect(overdue.invoice_status).toBe('OVERDUE');
    expect(prop(overdue, 'Days overdue')?.value).toBe('5');
    expect(prop(overdue, 'Paid so far')?.value).toBe('9.00');
    expect(prop(overdue, 'Balance due')?.value).toBe('110.00');
    const voided = presentInvoiceCard({ invoices: [invoice({ status: 'void', voidReason: 'Duplicate' })], totalCount: 1, today: '2026-11-25' }, links).results[0]!;
    expect(prop(voided, 'Balance due')?.value).toBe('0.00');
    expect(prop(voided, 'Void reason')?.value).toBe('Duplicate');
    expect(voided.actions.map((a) => a.label)).toEqual(['View PDF']);
  });

  it('dates a draft instead of calling it issued, and says when it would be due without a formatted date', () => {
    const card = presentInvoiceCard({ invoices: [invoice({ status: 'draft', issuedAt: null, issueDate: '2026-11-20', dueDate: '2026-12-20' })], totalCount: 1, today: '2026-11-25' }, links);
    expectValidCard(card, BASE);
    const [r] = card.results;
    // A draft was never issued: it carries "Dated", not "Issued".
    expect(r!.properties.find((p) => p.label === 'Issued')).toBeUndefined();
    expect(r!.properties.find((p) => p.label === 'Due')).toEqual({ label: 'Due', dataType: 'DATE', value: '2026-12-20' });
    expect(r!.properties.find((p) => p.label === 'Dated')).toEqual({ label: 'Dated', dataType: 'DATE', value: '2026-11-20' });
    expect(r!.properties.slice(0, 2).map((p) => p.label)).toEqual(['Total', 'Dated']);
    const issue = r!.actions.find((a) => a.label === 'Issue invoice') as { confirmationMessage: string };
    expect(issue.confirmationMessage).toBe('Issue INV-000001? It becomes an open invoice, due in 25 days, and can no longer be edited.');
    const late = presentInvoiceCard({ invoices: [invoice({ status: 'draft', issuedAt: null, dueDate: '2026-11-24' })], totalCount: 1, today: '2026-11-25' }, links).results[0]!;
    expect((late.actions.find((a) => a.label === 'Issue invoice') as { confirmationMessage: string }).confirmationMessage).toContain('overdue at once (1 day past its due date)');
    for (const status of ['open', 'paid', 'void'] as const) {
      const issued = presentInvoiceCard({ invoices: [invoice({ status })], totalCount: 1, today: '2026-11-25' }, links).results[0]!;
      expect(issued.properties.find((p) => p.label === 'Issued')?.value, status).toBe('2026-11-01');
      expect(
        issued.properties.find((p) => p.label === 'Dated'),
        status,
      ).toBeUndefined();
    }
  });

  it('never shows more than five and offers the full list when there are more', () => {
    const many = Array.from({ length: 8 }, (_, i) => invoice({ id: String(i + 1), number: `INV-00000${i + 1}` }));
    const card = presentInvoiceCard({ invoices: many, totalCount: 12, today: '2026-11-25' }, links);
    expect(card.results).toHaveLength(5);
    expect(card.secondaryActions).toEqual([{ type: 'IFRAME', width: 890, height: 748, uri: `${BASE}/hubspot/pages/list/?token=t`, label: 'View all 12 invoices' }]);
  });
});
