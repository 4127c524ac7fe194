import { formatDate, formatMoney, pickLocale } from '../../public/locale.js';
import { escapeHtml } from '../html/html.js';
import type { DealEventDetail, DealEventKind } from '../invoices/dealMarks.js';
import { currencyExponent } from '../money/currencies.js';
import { formatMinor } from '../money/money.js';
import { fillPath, pagePaths } from '../shared/pagePaths.js';
import { mintRecordLink } from '../shared/pageToken.js';

/** One invoice event waiting for the deal's timeline (deal_events, claimed through sync_state). */
export interface DealEvent {
  id: string;
  portalId: string;
  dealId: string;
  invoiceId: string;
  kind: DealEventKind;
  occurredAt: Date;
  detail: DealEventDetail;
}

/**
 * The line every note ends with, naming its event: before writing again a note whose first write
 * may have landed unheard, the push reads the deal's notes and looks for it (HubSpot does not
 * deduplicate notes).
 */
export const eventReference = (e: Pick<DealEvent, 'portalId' | 'id'>): string => `Invoice card event ${e.portalId}-${e.id}`;

/** The reference as the note's body holds it, a paragraph of its own: event 1's is not found inside event 12's. */
export const referenceParagraph = (e: Pick<DealEvent, 'portalId' | 'id'>): string => `<p>${escapeHtml(eventReference(e))}</p>`;

export interface NoteContext {
  /** The portal's locale (its settings), or null for the service's default. */
  locale: string | null;
  publicBaseUrl: string;
  /** The page-token key; without one the note has no PDF link. */
  key: Buffer | undefined;
  nowMs: number;
}

const trimSlashes = (url: string) => {
  let end = url.length;
  while (end > 0 && url[end - 1] === '/') end--;
  return url.slice(0, end);
};

/**
 * A note's properties: when it happened, and an HTML body a rep reads on the timeline: what
 * happened, the amounts in the portal's locale, who did it, a link to the PDF, and the reference.
 */
export function noteProperties(e: DealEvent, ctx: NoteContext): Record<string, string> {
  const locale = pickLocale(ctx.locale ?? undefined);
  const d = e.detail;
  const money = (minor: string | undefined) => formatMoney(formatMinor(BigInt(minor ?? '0'), d.currency), d.currency, currencyExponent(d.currency), locale);
  const day = (iso: string | undefined) => (iso ? formatDate(iso, locale) : '');
  const number = escapeHtml(d.number);
  let headline: string;
  let line: string;
  if (e.kind === 'issued') {
    headline = `Invoice ${number} issued`;
    line = `${money(d.totalMinor)}${d.dueDate ? `, due ${day(d.dueDate)}` : ''}.`;
  } else if (e.kind === 'payment') {
    headline = `Payment recorded on invoice ${number}`;
    const balance = BigInt(d.balanceMinor ?? '0');
    line = `${money(d.amountMinor)} received${d.paidOn ? ` on ${day(d.paidOn)}` : ''}. ${balance === 0n ? 'The invoice is paid in full.' : `Balance still due: ${money(d.balanceMinor)} of ${money(d.totalMinor)}.`}`;
  } else {
    headline = `Invoice ${number} voided`;
    const paid = BigInt(d.paidMinor ?? '0');
    line = `${money(d.totalMinor)} is no longer due.${paid > 0n ? ` ${money(d.paidMinor)} had been paid on it.` : ''}${d.reason ? ` Reason: ${escapeHtml(d.reason)}` : ''}`;
  }
  const who =
    d.actor.type === 'hubspot_user'
      ? d.actor.userEmail
        ? `by ${escapeHtml(d.actor.userEmail)} from the deal's invoice card`
        : "from the deal's invoice card"
      : d.actor.type === 'unknown'
        ? ''
        : 'by the accounting system';
  const link = ctx.key
    ? `${trimSlashes(ctx.publicBaseUrl)}${fillPath(pagePaths.pdf, e.invoiceId)}?token=${encodeURIComponent(mintRecordLink(ctx.key, { portalId: e.portalId, dealId: e.dealId, invoiceId: e.invoiceId }, ctx.nowMs))}`
    : null;
  const body = [
    `<p><strong>${headline}</strong>${who ? ` ${who}` : ''}</p>`,
    `<p>${line}</p>`,
    link ? `<p><a href="${escapeHtml(link)}">Open invoice ${number} (PDF)</a></p>` : '',
    referenceParagraph(e),
  ].join('');
  return { hs_timestamp: e.occurredAt.toISOString(), hs_note_body: body };
}
