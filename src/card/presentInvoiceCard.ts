import { balanceMinor, daysBetween, type DisplayStatus, displayStatus, STATUS_LABELS } from '../invoices/invoice.js';
import type { DealInvoice } from '../invoices/dealInvoiceRepo.js';
import { formatMinor } from '../money/money.js';
import type { PagePurpose } from '../shared/pageToken.js';
import type { CardAction, CardObject, CardProperty, CardResponse, IframeAction, StatusOptionType } from './cardResponse.js';

/** Results shown on the card; HubSpot shows at most five. */
export const CARD_RESULT_LIMIT = 5;

/** HubSpot's default modal size for iframe actions. */
const MODAL = { width: 890, height: 748 } as const;

/**
 * The STATUS display property's options, in the order the card definition lists them. The names
 * are what `invoice_status` carries; hubspot-app.json must declare the same (a test checks it).
 */
export const STATUS_OPTIONS: Readonly<Record<DisplayStatus, { name: string; label: string; type: StatusOptionType }>> = {
  overdue: { name: 'OVERDUE', label: STATUS_LABELS.overdue, type: 'DANGER' },
  partially_paid: { name: 'PARTIALLY_PAID', label: STATUS_LABELS.partially_paid, type: 'WARNING' },
  open: { name: 'OPEN', label: STATUS_LABELS.open, type: 'INFO' },
  draft: { name: 'DRAFT', label: STATUS_LABELS.draft, type: 'DEFAULT' },
  paid: { name: 'PAID', label: STATUS_LABELS.paid, type: 'SUCCESS' },
  void: { name: 'VOID', label: STATUS_LABELS.void, type: 'DEFAULT' },
};

/** Builds action URLs; page URLs carry a freshly minted token, hook URLs are signed by HubSpot. */
export interface CardLinks {
  page(purpose: PagePurpose, invoiceId: string | null): string;
  hook(name: 'deleteDraft' | 'void' | 'issue', invoiceId: string): string;
}

export interface CardView {
  invoices: DealInvoice[];
  totalCount: number;
  today: string;
}

const iframe = (label: string, uri: string): IframeAction => ({ type: 'IFRAME', ...MODAL, uri, label });

/**
 * When a draft would be due if issued today, in words that need no locale: HubSpot's data fetch
 * says nothing of the rep's language or date format (it sends userId, userEmail, portalId and the
 * deal), so the card's own text carries no formatted date. Its DATE properties are formatted by
 * HubSpot itself, in each user's settings.
 */
function dueWhen(dueDate: string, today: string): string {
  const days = daysBetween(today, dueDate);
  if (days === 0) return 'due today';
  if (days === 1) return 'due tomorrow';
  if (days > 1) return `due in ${days} days`;
  return `overdue at once (${-days} day${days === -1 ? '' : 's'} past its due date)`;
}

function invoiceActions(inv: DealInvoice, links: CardLinks, today: string): CardAction[] {
  const pdf = iframe('View PDF', links.page('view', inv.id));
  switch (inv.status) {
    case 'draft':
      return [
        iframe('Edit draft', links.page('edit', inv.id)),
        {
          type: 'CONFIRMATION_ACTION_HOOK',
          httpMethod: 'POST',
          uri: links.hook('issue', inv.id),
          label: 'Issue invoice',
          confirmationMessage: `Issue ${inv.number}? It becomes an open invoice, ${dueWhen(inv.dueDate, today)}, and can no longer be edited.`,
          confirmButtonText: 'Issue',
          cancelButtonText: 'Cancel',
        },
        pdf,
        {
          type: 'CONFIRMATION_ACTION_HOOK',
          httpMethod: 'DELETE',
          uri: links.hook('deleteDraft', inv.id),
          label: 'Delete draft',
          confirmationMessage: `Delete draft ${inv.number}? It was never issued, so it is deleted rather than voided; it stays in the audit trail.`,
          confirmButtonText: 'Delete draft',
          cancelButtonText: 'Cancel',
        },
      ];
    case 'open':
      return [
        iframe('Record payment', links.page('payment', inv.id)),
        pdf,
        inv.paidMinor > 0n
          ? // Money was received: voiding needs a reason, which only the page can ask for.
            iframe('Void invoice…', links.page('void', inv.id))
          : {
              type: 'CONFIRMATION_ACTION_HOOK',
              httpMethod: 'POST',
              uri: links.hook('void', inv.id),
              label: 'Void invoice',
              confirmationMessage: `Void ${inv.number}? It was issued, so it is voided rather than deleted: it stays on record as void and cannot be reopened.`,
              confirmButtonText: 'Void invoice',
              cancelButtonText: 'Cancel',
            },
      ];
    case 'paid':
      return [pdf, iframe('Void invoice…', links.page('void', inv.id))];
    case 'void':
      return [pdf];
  }
}

function invoiceProperties(inv: DealInvoice, status: DisplayStatus, today: string): CardProperty[] {
  const money = (label: string, minor: bigint): CardProperty => ({
    label,
    dataType: 'CURRENCY',
    value: formatMinor(minor, inv.currency),
    currencyCode: inv.currency,
  });
  // Amounts first: HubSpot's converter app card shows the status and the first two of these before
  // "View more" (it puts the definition's top-level properties, only the status, before this list).
  const props: CardProperty[] = [money('Total', inv.totalMinor)];
  // A draft was never issued: it is "Dated", not "Issued".
  if (inv.status === 'draft') props.push({ label: 'Dated', dataType: 'DATE', value: inv.issueDate });
  else props.push(money('Balance due', balanceMinor(inv)), { label: 'Issued', dataType: 'DATE', value: inv.issueDate });
  props.push({ label: 'Due', dataType: 'DATE', value: inv.dueDate });
  if (inv.paidMinor > 0n && inv.status === 'open') props.push(money('Paid so far', inv.paidMinor));
  if (status === 'overdue') {
    props.push({ label: 'Days overdue', dataType: 'NUMERIC', value: String(daysBetween(inv.dueDate, today)) });
  }
  if (inv.billTo) {
    const who = inv.billTo.company ?? inv.billTo.name ?? inv.billTo.email ?? inv.billTo.externalId;
    props.push({ label: 'Bill to', dataType: 'STRING', value: who });
  }
  if (inv.status === 'void' && inv.voidReason) props.push({ label: 'Void reason', dataType: 'STRING', value: inv.voidReason });
  return props;
}

/** Presents a deal's invoices as HubSpot's card JSON (pure apart from the links it is handed). */
export function presentInvoiceCard(view: CardView, links: CardLinks): CardResponse {
  const results: CardObject[] = view.invoices.slice(0, CARD_RESULT_LIMIT).map((inv) => {
    const status = displayStatus(inv, view.today);
    return {
      objectId: Number(inv.id),
      title: inv.number,
      // HubSpot opens a result's link in a new window: the PDF itself, inline.
      link: links.page('pdf', inv.id),
      // The definition's one top-level property: the dates follow the amounts in `properties`.
      invoice_status: STATUS_OPTIONS[status].name,
      properties: invoiceProperties(inv, status, view.today),
      actions: invoiceActions(inv, links, view.today),
    };
  });
  const response: CardResponse = {
    results,
    primaryAction: iframe('Create invoice', links.page('create', null)),
    settingsAction: iframe('Invoice settings', links.page('settings', null)),
  };
  if (view.totalCount > results.length) {
    response.secondaryActions = [iframe(`View all ${view.totalCount} invoices`, links.page('list', null))];
  }
  return response;
}
