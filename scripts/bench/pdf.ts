import os from 'node:os';
import PDFDocument from 'pdfkit';
import type { InvoiceDetail, InvoiceLine } from '../../src/invoices/invoice.js';
import { parseDecimal } from '../../src/money/money.js';
import { type BillToDetails, renderInvoicePdf } from '../../src/invoices/pdf/renderInvoicePdf.js';
import { computeLine, sumLines } from '../../src/invoices/totals.js';
import { emptySettings } from '../../src/settings/settingsRepo.js';

/**
 * bench:pdf — render time of a 50-line invoice (p50 and p95 over BENCH_PDF_RUNS renders after a
 * warm-up), next to a baseline measured in the same run: bare pdfkit writing the same 50 lines of
 * text in its built-in Helvetica (no layout, no embedded fonts). A mixed-script invoice (Latin,
 * CJK, Arabic) is measured too, because it embeds four fonts instead of two.
 */

const RUNS = Number(process.env.BENCH_PDF_RUNS ?? 200);
const WARMUP = 20;
const d = (s: string) => parseDecimal(s, 6);

function invoice(descriptions: (i: number) => string): InvoiceDetail {
  const lines: InvoiceLine[] = Array.from({ length: 50 }, (_, i) => {
    const pricing = { quantity: d(String(1 + (i % 7))), unitPrice: d('149.95'), discount: i % 3 ? null : { type: 'percent' as const, percent: d('10') }, taxRate: d('19') };
    const amounts = computeLine(pricing, 'EUR');
    return {
      id: String(i),
      position: i + 1,
      productExternalId: null,
      description: descriptions(i),
      quantity: pricing.quantity,
      unitPrice: pricing.unitPrice,
      discount: pricing.discount ? { type: 'percent', value: pricing.discount.percent } : null,
      taxRate: pricing.taxRate,
      ...amounts,
    };
  });
  return {
    id: '1',
    portalId: '1',
    dealId: '1',
    number: 'INV-000050',
    status: 'open',
    currency: 'EUR',
    issueDate: '2026-11-01',
    dueDate: '2026-12-01',
    paymentTermsDays: 30,
    contactExternalId: 'c',
    memo: 'Thank you for your business.',
    ...sumLines(lines),
    paidMinor: 0n,
    issuedAt: new Date(),
    paidAt: null,
    voidedAt: null,
    voidReason: null,
    deletedAt: null,
    createdAt: new Date('2026-11-01T00:00:00Z'),
    updatedAt: new Date('2026-11-01T00:00:00Z'),
    lines,
    payments: [],
    billTo: null,
  };
}

const seller = {
  ...emptySettings('1'),
  sellerName: 'Nordlicht Software GmbH',
  sellerAddress: 'Torstraße 1\n10119 Berlin\nGermany',
  sellerEmail: 'billing@nordlicht.example',
  sellerTaxId: 'DE123456789',
  paymentInstructions: 'IBAN DE89 3704 0044 0532 0130 00',
  invoiceFooter: 'Nordlicht Software GmbH · HRB 12345',
};
const billTo: BillToDetails = { name: 'Ada Lovelace', company: 'Acme Ltd', email: 'ap@acme.example', phone: null, addressLines: ['1 Main Street', 'London EC1A 1AA'] };
const latin = invoice((i) => `Consulting, sprint ${i + 1}: backend, integration and review work`);
const mixed = invoice((i) => [`Consulting sprint ${i + 1}`, `導入支援 第${i + 1}回`, `خدمات استشارية ${i + 1}`][i % 3]!);

function bare(inv: InvoiceDetail): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 48 });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.font('Helvetica').fontSize(9);
  for (const l of inv.lines) doc.text(`${l.description}    ${l.quantity.units}    149.95    ${l.totalMinor}`);
  doc.end();
  return done;
}

async function measure(render: () => Promise<Buffer>): Promise<{ p50: number; p95: number; bytes: number }> {
  let bytes = 0;
  for (let i = 0; i < WARMUP; i++) bytes = (await render()).length;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await render();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { p50: at(0.5), p95: at(0.95), bytes };
}

async function main(): Promise<void> {
  const started = performance.now();
  const baseline = await measure(() => bare(latin));
  const invoicePdf = await measure(() => renderInvoicePdf({ invoice: latin, billTo, seller, today: '2026-11-20' }));
  const mixedPdf = await measure(() => renderInvoicePdf({ invoice: mixed, billTo: { ...billTo, company: '東京商事株式会社' }, seller, today: '2026-11-20' }));
  const row = (r: { p50: number; p95: number; bytes: number }) => ({ 'p50 ms': Number(r.p50.toFixed(1)), 'p95 ms': Number(r.p95.toFixed(1)), 'PDF bytes': r.bytes });
  console.log(`bench:pdf — 50-line invoice, ${RUNS} renders after ${WARMUP} warm-up, ${os.cpus().length} CPUs, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.table({
    'bare pdfkit, Helvetica, text only (baseline)': row(baseline),
    'invoice PDF, Latin': row(invoicePdf),
    'invoice PDF, Latin + CJK + Arabic': row(mixedPdf),
  });
  console.log(`invoice / baseline at p50: ${(invoicePdf.p50 / baseline.p50).toFixed(1)}×`);
  const met = invoicePdf.p95 < 100;
  console.log(`p95 of the 50-line invoice: ${invoicePdf.p95.toFixed(1)} ms (target < 100 ms): ${met ? 'target met' : 'TARGET MISSED'}`);
  process.exit(met ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
