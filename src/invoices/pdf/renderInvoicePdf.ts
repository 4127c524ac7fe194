import PDFDocument from 'pdfkit';
import type { PortalSettings } from '../../settings/settingsRepo.js';
import { currencyExponent } from '../../money/currencies.js';
import { balanceMinor, type DisplayStatus, displayStatus, type InvoiceDetail, STATUS_LABELS } from '../invoice.js';
import { formatDate, formatMoney, formatNumber as formatLocaleNumber, formatPercent, pickLocale } from '../../../public/locale.js';
import { type Decimal, formatDecimal, formatMinor } from '../../money/money.js';
import { pdfFonts } from './pdfFonts.js';
import { type DrawOptions, TextSetter } from './textSetter.js';

/** Bumped whenever the layout changes, so cached ETags of older renderings stop matching. */
export const PDF_LAYOUT_VERSION = 2;

export interface BillToDetails {
  name: string | null;
  company: string | null;
  email: string | null;
  phone: string | null;
  addressLines: string[];
}

export interface InvoicePdfInput {
  invoice: InvoiceDetail;
  billTo: BillToDetails | null;
  seller: PortalSettings;
  /** Decides whether an open invoice prints as overdue. */
  today: string;
}

const PAGE = { width: 595.28, height: 841.89 }; // A4
const MARGIN = 48;
const CONTENT = PAGE.width - 2 * MARGIN;
const BOTTOM = PAGE.height - MARGIN - 28; // room for the footer
const INK = '#1f2933';
const MUTED = '#616e7c';
const RULE = '#cbd2d9';
const BAND = '#f0f4f8';

const WATERMARK: Partial<Record<DisplayStatus, { text: string; color: string }>> = {
  draft: { text: 'DRAFT', color: '#7b8794' },
  void: { text: 'VOID', color: '#d64545' },
  paid: { text: 'PAID', color: '#2f8132' },
};

/**
 * Renders an invoice as a PDF a finance team would send: seller block, bill-to, number, dates and
 * terms, lines with quantity, unit price, discount and tax, totals with paid and balance, payment
 * instructions, and a DRAFT / VOID / PAID mark. The output is deterministic: the same invoice,
 * settings and day give the same bytes (dates in the PDF's info come from the invoice).
 */
export function renderInvoicePdf(input: InvoicePdfInput): Promise<Buffer> {
  const { invoice: inv, seller, billTo } = input;
  const status = displayStatus(inv, input.today);
  const exponent = currencyExponent(inv.currency);
  // Dates and numbers in the portal's locale (its settings), else the documented default (en-GB).
  // The labels stay English.
  const locale = pickLocale(seller.locale);
  const date = (iso: string) => formatDate(iso, locale);
  // Amounts exact, from integer minor units, by the rule the pages use too (public/locale.js).
  const money = (minor: bigint) => formatMoney(formatMinor(minor, inv.currency), inv.currency, exponent, locale);
  const number = (d: Decimal, minDigits: number) => formatLocaleNumber(formatDecimal(d), minDigits, 6, locale);
  const percent = (d: Decimal) => formatPercent(formatDecimal(d), 4, locale);
  const stamp = inv.updatedAt;
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    autoFirstPage: true,
    info: {
      Title: `Invoice ${inv.number}`,
      Author: seller.sellerName ?? '',
      Subject: `Invoice ${inv.number}`,
      Creator: 'hubspot-invoice-card',
      Producer: 'hubspot-invoice-card',
      CreationDate: stamp,
      ModDate: stamp,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const ts = new TextSetter(doc, pdfFonts());
  const text = (s: string, x: number, y: number, o: DrawOptions) => ts.draw(s, x, y, o);
  const mark = WATERMARK[status];
  const watermark = () => {
    if (!mark) return;
    doc.save();
    doc.rotate(-35, { origin: [PAGE.width / 2, PAGE.height / 2] });
    doc.fillOpacity(0.1);
    text(mark.text, 0, PAGE.height / 2 - 60, { size: 120, bold: true, color: mark.color, width: PAGE.width, align: 'center' });
    doc.restore();
    doc.fillOpacity(1);
  };
  watermark();
  doc.on('pageAdded', watermark);

  // Header: seller on the left, title and facts on the right.
  let y = MARGIN;
  const leftWidth = CONTENT * 0.55;
  if (seller.sellerName) y += text(seller.sellerName, MARGIN, y, { size: 16, bold: true, width: leftWidth, align: 'left' });
  const sellerLines = [seller.sellerAddress, [seller.sellerEmail, seller.sellerPhone].filter(Boolean).join(' · ') || null, seller.sellerTaxId ? `Tax ID ${seller.sellerTaxId}` : null].filter(
    (l): l is string => !!l,
  );
  for (const l of sellerLines) y += text(l, MARGIN, y + 2, { size: 9, color: MUTED, width: leftWidth, align: 'left' }) + 1;

  const rightX = MARGIN + CONTENT * 0.58;
  const rightWidth = CONTENT * 0.42;
  let ry = MARGIN;
  ry += text('INVOICE', rightX, ry, { size: 22, bold: true, width: rightWidth, align: 'right' }) + 4;
  const facts: Array<[string, string]> = [
    ['Invoice number', inv.number],
    // A draft was not issued: its date is the one it will carry, not an issue date.
    [inv.status === 'draft' ? 'Dated' : 'Issue date', date(inv.issueDate)],
    ['Due date', date(inv.dueDate)],
    ['Terms', inv.paymentTermsDays === null ? `Due ${date(inv.dueDate)}` : inv.paymentTermsDays === 0 ? 'Due on receipt' : `Net ${inv.paymentTermsDays} days`],
    ['Status', STATUS_LABELS[status]],
  ];
  for (const [label, value] of facts) {
    text(label, rightX, ry, { size: 9, color: MUTED, width: rightWidth * 0.45 });
    ry += text(value, rightX + rightWidth * 0.45, ry, { size: 9, bold: label === 'Invoice number', width: rightWidth * 0.55, align: 'right' });
  }

  // Bill to.
  y = Math.max(y, ry) + 22;
  text('BILL TO', MARGIN, y, { size: 8, bold: true, color: MUTED, width: leftWidth });
  y += 13;
  if (billTo) {
    const primary = billTo.company ?? billTo.name ?? billTo.email ?? '';
    // Left-aligned even for right-to-left names: the block lines up with the rest of the page.
    if (primary) y += text(primary, MARGIN, y, { size: 11, bold: true, width: leftWidth, align: 'left' });
    const rest = [billTo.company && billTo.name ? billTo.name : null, ...billTo.addressLines, billTo.email && billTo.email !== primary ? billTo.email : null, billTo.phone].filter(
      (l): l is string => !!l,
    );
    for (const l of rest) y += text(l, MARGIN, y, { size: 9, width: leftWidth, align: 'left' });
  } else {
    y += text('No customer set', MARGIN, y, { size: 9, color: MUTED, width: leftWidth });
  }

  // Lines.
  y += 20;
  const cols = [
    { key: 'description', label: 'Description', width: CONTENT * 0.4, align: 'left' as const },
    { key: 'quantity', label: 'Qty', width: CONTENT * 0.09, align: 'right' as const },
    { key: 'unitPrice', label: 'Unit price', width: CONTENT * 0.14, align: 'right' as const },
    { key: 'discount', label: 'Discount', width: CONTENT * 0.11, align: 'right' as const },
    { key: 'tax', label: 'Tax', width: CONTENT * 0.09, align: 'right' as const },
    { key: 'amount', label: `Amount (${inv.currency})`, width: CONTENT * 0.17, align: 'right' as const },
  ];
  const PAD = 6;
  const tableHeader = () => {
    doc.rect(MARGIN, y, CONTENT, 18).fill(BAND);
    let x = MARGIN;
    for (const c of cols) {
      text(c.label, x + PAD, y + 4.5, { size: 8, bold: true, color: MUTED, width: c.width - 2 * PAD, align: c.align });
      x += c.width;
    }
    y += 22;
  };
  tableHeader();
  for (const line of inv.lines) {
    const cells: Record<string, string> = {
      description: line.description,
      quantity: number(line.quantity, 0),
      unitPrice: number(line.unitPrice, exponent),
      discount: line.discount ? (line.discount.type === 'percent' ? percent(line.discount.value) : number(line.discount.value, exponent)) : '—',
      tax: line.taxRate.units === 0n ? '—' : percent(line.taxRate),
      amount: number({ units: line.subtotalMinor - line.discountMinor, scale: exponent }, exponent),
    };
    const height = Math.max(...cols.map((c) => ts.height(cells[c.key]!, { size: 9, width: c.width - 2 * PAD }))) + 8;
    if (y + height > BOTTOM) {
      doc.addPage();
      y = MARGIN;
      tableHeader();
    }
    let x = MARGIN;
    for (const c of cols) {
      text(cells[c.key]!, x + PAD, y + 3, { size: 9, width: c.width - 2 * PAD, align: c.align });
      x += c.width;
    }
    y += height;
    doc
      .moveTo(MARGIN, y)
      .lineTo(MARGIN + CONTENT, y)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
  }

  // Totals.
  const totals: Array<[string, string, boolean]> = [['Subtotal', money(inv.subtotalMinor), false]];
  if (inv.discountMinor > 0n) totals.push(['Discounts', `−${money(inv.discountMinor)}`, false]);
  totals.push(['Tax', money(inv.taxMinor), false]);
  totals.push([`Total (${inv.currency})`, money(inv.totalMinor), true]);
  if (inv.paidMinor > 0n) totals.push(['Paid', `−${money(inv.paidMinor)}`, false]);
  totals.push(['Balance due', money(balanceMinor(inv)), true]);
  const totalsHeight = totals.length * 16 + 16;
  if (y + totalsHeight > BOTTOM) {
    doc.addPage();
    y = MARGIN;
  }
  y += 10;
  const labelX = MARGIN + CONTENT * 0.5;
  for (const [label, value, strong] of totals) {
    if (label === 'Balance due') {
      doc.rect(labelX, y - 3, CONTENT * 0.5, 20).fill(BAND);
      y += 2;
    }
    text(label, labelX + PAD, y, { size: strong ? 10 : 9, bold: strong, color: strong ? INK : MUTED, width: CONTENT * 0.22 });
    text(value, labelX + CONTENT * 0.22, y, { size: strong ? 10 : 9, bold: strong, width: CONTENT * 0.28 - PAD, align: 'right' });
    y += 16;
  }

  // Payments, notes, how to pay.
  const block = (title: string, body: string) => {
    const h = ts.height(body, { size: 9, width: CONTENT }) + 30;
    if (y + h > BOTTOM) {
      doc.addPage();
      y = MARGIN;
    }
    y += 14;
    text(title, MARGIN, y, { size: 8, bold: true, color: MUTED, width: CONTENT });
    y += 13;
    y += text(body, MARGIN, y, { size: 9, width: CONTENT });
  };
  if (inv.payments.length > 0) {
    block('PAYMENTS RECEIVED', inv.payments.map((p) => [date(p.paidOn), money(p.amountMinor), p.method, p.reference ? `ref. ${p.reference}` : null].filter(Boolean).join('  ·  ')).join('\n'));
  }
  if (inv.status === 'void' && inv.voidReason) block('VOIDED', inv.voidReason);
  if (inv.memo) block('NOTES', inv.memo);
  if (seller.paymentInstructions && inv.status !== 'void') block('HOW TO PAY', seller.paymentInstructions);

  // Footer on every page: the footer text and "page n of m".
  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    const fy = PAGE.height - MARGIN - 10;
    doc
      .moveTo(MARGIN, fy - 6)
      .lineTo(MARGIN + CONTENT, fy - 6)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
    if (seller.invoiceFooter) text(seller.invoiceFooter, MARGIN, fy, { size: 7.5, color: MUTED, width: CONTENT * 0.75 });
    text(`${inv.number} · page ${i + 1} of ${range.count}`, MARGIN + CONTENT * 0.75, fy, { size: 7.5, color: MUTED, width: CONTENT * 0.25, align: 'right' });
  }
  doc.end();
  return done;
}
