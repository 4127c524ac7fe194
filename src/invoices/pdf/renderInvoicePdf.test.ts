import { describe, expect, it } from 'vitest';
import { pdfText } from '../../../test/pdfText.js';
import { emptySettings } from '../../settings/settingsRepo.js';
import type { InvoiceDetail, InvoiceLine } from '../invoice.js';
import { parseDecimal } from '../../money/money.js';
import { computeLine, sumLines } from '../totals.js';
import { type BillToDetails, renderInvoicePdf } from './renderInvoicePdf.js';

const d = (s: string) => parseDecimal(s, 6);

function invoice(lines: number, over: Partial<InvoiceDetail> = {}, currency = 'EUR'): InvoiceDetail {
  const ls: InvoiceLine[] = Array.from({ length: lines }, (_, i) => {
    const pricing = { quantity: d('2'), unitPrice: d('19.99'), discount: null, taxRate: d('20') };
    return { id: String(i), position: i + 1, productExternalId: null, description: `Line ${i + 1}: support hours`, ...pricing, ...computeLine(pricing, currency) };
  });
  const totals = sumLines(ls);
  return {
    id: '42',
    portalId: '1',
    dealId: '2',
    number: 'INV-004242',
    status: 'open',
    currency,
    issueDate: '2026-11-01',
    dueDate: '2026-12-01',
    paymentTermsDays: 30,
    contactExternalId: 'c-1',
    memo: null,
    ...totals,
    paidMinor: 0n,
    issuedAt: new Date('2026-11-01T09:00:00Z'),
    paidAt: null,
    voidedAt: null,
    voidReason: null,
    deletedAt: null,
    createdAt: new Date('2026-11-01T09:00:00Z'),
    updatedAt: new Date('2026-11-01T09:00:00Z'),
    lines: ls,
    payments: [],
    billTo: null,
    ...over,
  };
}

const seller = {
  ...emptySettings('1'),
  sellerName: 'Nordlicht Software GmbH',
  sellerAddress: 'Torstraße 1\n10119 Berlin',
  sellerTaxId: 'DE123456789',
  paymentInstructions: 'IBAN DE89 3704 0044 0532 0130 00',
};
const billTo: BillToDetails = { name: 'Ada Lovelace', company: 'Acme Ltd', email: 'ap@acme.example', phone: null, addressLines: ['1 Main Street', 'London'] };

describe('renderInvoicePdf', () => {
  it('prints seller, bill-to, number, dates, terms, lines and totals', async () => {
    const pdf = await renderInvoicePdf({ invoice: invoice(3), billTo, seller, today: '2026-11-20' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const { text } = await pdfText(pdf);
    for (const s of [
      'Nordlicht Software GmbH',
      'DE123456789',
      'Acme Ltd',
      'Ada Lovelace',
      'INV-004242',
      '1 Nov 2026',
      '1 Dec 2026',
      'Net 30 days',
      'Line 3: support hours',
      '19.99',
      '€143.94',
      'Balance due',
      'IBAN DE89',
    ]) {
      expect(text, s).toContain(s);
    }
  });

  it('gives the same bytes for the same invoice', async () => {
    const input = { invoice: invoice(5), billTo, seller, today: '2026-11-20' };
    const [a, b] = await Promise.all([renderInvoicePdf(input), renderInvoicePdf(input)]);
    expect(a.equals(b)).toBe(true);
  });

  it('marks drafts, void and paid invoices', async () => {
    const text = async (over: Partial<InvoiceDetail>) => (await pdfText(await renderInvoicePdf({ invoice: invoice(1, over), billTo, seller, today: '2026-11-20' }))).text;
    expect(await text({ status: 'draft' })).toContain('DRAFT');
    expect(await text({ status: 'void', voidReason: 'Sent twice' })).toMatch(/VOID[\s\S]*Sent twice/);
    const paid = await text({ status: 'paid', paidMinor: 4798n, payments: [{ id: '1', amountMinor: 4798n, paidOn: '2026-11-05', method: 'card', reference: 'ch_9', createdAt: new Date() }] });
    expect(paid).toContain('PAID');
    expect(paid).toContain('5 Nov 2026');
    expect(await text({})).not.toMatch(/DRAFT|VOID|PAID/);
  });

  it('dates a draft instead of printing an issue date', async () => {
    const text = async (over: Partial<InvoiceDetail>) => (await pdfText(await renderInvoicePdf({ invoice: invoice(1, over), billTo, seller, today: '2026-11-20' }))).text;
    const draft = await text({ status: 'draft', issuedAt: null });
    expect(draft).toMatch(/Dated\s*1 Nov 2026/);
    expect(draft).not.toMatch(/Issue/);
    expect(await text({})).toMatch(/Issue date\s*1 Nov 2026/);
  });

  it("prints dates and numbers in the portal's locale, and in en-GB when it has none", async () => {
    const paid = { status: 'paid' as const, paidMinor: 4798n, payments: [{ id: '1', amountMinor: 4798n, paidOn: '2026-11-05', method: 'card', reference: null, createdAt: new Date() }] };
    const de = (
      await pdfText(
        await renderInvoicePdf({
          invoice: invoice(3, { ...paid, lines: invoice(3).lines.map((l) => ({ ...l, quantity: d('1234.5') })) }),
          billTo,
          seller: { ...seller, locale: 'de-DE' },
          today: '2026-11-20',
        }),
      )
    ).text;
    for (const s of ['01.11.2026', '01.12.2026', '05.11.2026', '1.234,5', '19,99', '20 %']) expect(de, s).toContain(s);
    expect(de).not.toContain('1 Nov 2026');
    const gb = (await pdfText(await renderInvoicePdf({ invoice: invoice(3, paid), billTo, seller, today: '2026-11-20' }))).text;
    for (const s of ['1 Nov 2026', '5 Nov 2026', '€143.94', '19.99', '20%']) expect(gb, s).toContain(s);
  });

  it('breaks long invoices over pages and numbers them', async () => {
    const { pages } = await pdfText(await renderInvoicePdf({ invoice: invoice(120), billTo, seller, today: '2026-11-20' }));
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages[0]).toContain(`page 1 of ${pages.length}`);
    expect(pages.at(-1)).toContain('Balance due');
    expect(pages.join('\n')).toContain('Line 120: support hours');
  });

  it('renders names in Latin, CJK, Korean, Arabic and Hebrew scripts with embedded fonts', async () => {
    const names: BillToDetails = { name: '山田花子 김민준', company: 'شركة الرياض', email: null, phone: null, addressLines: ['Zürich — Ærø', 'תל אביב', 'طريق الملك فهد'] };
    const pdf = await renderInvoicePdf({ invoice: invoice(1, { memo: '東京商事株式会社' }), billTo: names, seller, today: '2026-11-20' });
    const { text } = await pdfText(pdf);
    for (const s of ['山田花子', '김민준', '東京商事株式会社', 'Zürich', 'Ærø']) expect(text, s).toContain(s);
    // Right-to-left words come out in visual order; each word's letters must be there.
    for (const word of ['شركة', 'الرياض', 'תל', 'אביב']) expect(text.replace(/\s+/g, ' '), word).toMatch(new RegExp([...word].join('.?')));
    const fonts = pdf.toString('latin1').match(/\/BaseFont \/[A-Z]{6}\+[A-Za-z-]+/g) ?? [];
    expect(new Set(fonts.map((f) => f.split('+')[1]))).toEqual(
      new Set(['NotoSans-Regular', 'NotoSans-Bold', 'NotoSansSC-Regular', 'NotoSansKR-Regular', 'NotoSansArabic-Regular', 'NotoSansArabic-Bold', 'NotoSansHebrew-Regular']),
    );
  });

  it("formats money by the currency's minor unit", async () => {
    const jpy = (await pdfText(await renderInvoicePdf({ invoice: invoice(1, {}, 'JPY'), billTo, seller, today: '2026-11-20' }))).text;
    expect(jpy).toContain('¥48');
    const kwd = invoice(1, {}, 'KWD');
    expect((await pdfText(await renderInvoicePdf({ invoice: kwd, billTo, seller, today: '2026-11-20' }))).text).toContain('47.976');
  });
});
