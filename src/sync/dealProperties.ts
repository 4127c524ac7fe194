import type { DealCurrencyBilling } from '../invoices/dealBillingRepo.js';
import { formatMinor } from '../money/money.js';

/**
 * The deal properties that carry a deal's billing state in HubSpot, created once per portal in
 * their own group, and the values one deal gets. The type choices:
 * - money is `number` with `numberDisplayHint: "currency"` and `showCurrencySymbol`: HubSpot
 *   shows it as money and reports can sum, average and filter it ("greater than 0"). Values are
 *   decimal strings at the currency's exponent (JPY "5000", EUR "120.50", KWD "1.250"), never a
 *   float; HubSpot stores number properties as decimals;
 * - dates are `date` (a calendar day, sent as YYYY-MM-DD): filters such as "is before today" and
 *   "in the last 30 days" work on them;
 * - the billing status is an `enumeration` (`select`): a fixed list a view, a report or a
 *   workflow branch can pick from;
 * - counts are `number`;
 * - the currency the amounts are in is a `string`, and the per-currency balances a `string`
 *   (`textarea`): reports cannot sum those across currencies, so the numbers carry one currency.
 *
 * One currency per deal: the amounts are in the deal's main currency, the one most of its issued
 * invoices use (ties: the one invoiced first, then alphabetical); a deal billed in several
 * currencies lists every currency's balance in "Balances by currency". Counts and the status
 * cover every currency.
 */

/**
 * The scopes the deal side needs: deals read and written, deal properties read and made. Notes
 * go with the contacts scopes the app always asked for (HubSpot's notes API reference lists the
 * contacts object scopes for notes; not verified against a live portal).
 */
export const DEAL_SIDE_SCOPES = ['crm.objects.deals.read', 'crm.objects.deals.write', 'crm.schemas.deals.read', 'crm.schemas.deals.write', 'crm.objects.contacts.write'] as const;

export const DEAL_GROUP = { name: 'invoice_card_billing', label: 'Invoice card billing', displayOrder: -1 } as const;

export type BillingStatus = 'not_invoiced' | 'draft_only' | 'open' | 'partially_paid' | 'overdue' | 'paid' | 'void_only';

export const BILLING_STATUS_OPTIONS: ReadonlyArray<{ value: BillingStatus; label: string }> = [
  { value: 'not_invoiced', label: 'Not invoiced' },
  { value: 'draft_only', label: 'Draft only' },
  { value: 'open', label: 'Open' },
  { value: 'partially_paid', label: 'Partially paid' },
  { value: 'overdue', label: 'Overdue' },
  { value: 'paid', label: 'Paid' },
  { value: 'void_only', label: 'Void only' },
];

export interface DealPropertyDefinition {
  name: string;
  label: string;
  description: string;
  type: 'number' | 'date' | 'enumeration' | 'string';
  fieldType: 'number' | 'date' | 'select' | 'text' | 'textarea';
  groupName: string;
  displayOrder: number;
  options?: Array<{ value: string; label: string; displayOrder: number }>;
  numberDisplayHint?: 'currency' | 'unformatted';
  showCurrencySymbol?: boolean;
  formField: false;
}

const P = 'invoicecard_';
const money = (name: string, label: string, description: string) =>
  ({ name: P + name, label, description, type: 'number', fieldType: 'number', numberDisplayHint: 'currency', showCurrencySymbol: true }) as const;
const count = (name: string, label: string, description: string) => ({ name: P + name, label, description, type: 'number', fieldType: 'number', numberDisplayHint: 'unformatted' }) as const;
const day = (name: string, label: string, description: string) => ({ name: P + name, label, description, type: 'date', fieldType: 'date' }) as const;

const SET_BY = 'Set by the invoice card from the accounting system; changes there overwrite edits here.';

export const DEAL_PROPERTIES: readonly DealPropertyDefinition[] = [
  money('invoiced_total', 'Invoiced total', `The total of the deal's issued invoices (open and paid; voided ones excluded), in the billing currency. ${SET_BY}`),
  money('amount_paid', 'Amount paid', `What has been paid on the deal's issued invoices, in the billing currency. ${SET_BY}`),
  money('balance_due', 'Balance due', `What is still owed on the deal's open invoices, in the billing currency. ${SET_BY}`),
  money('overdue_amount', 'Overdue amount', `The part of the balance due whose due date has passed, in the billing currency. ${SET_BY}`),
  count('invoice_count', 'Number of invoices', `Every invoice of the deal: drafts, open, paid and void, in every currency. ${SET_BY}`),
  count('open_invoice_count', 'Open invoices', `Issued invoices not yet fully paid, overdue ones included. ${SET_BY}`),
  count('overdue_invoice_count', 'Overdue invoices', `Open invoices whose due date has passed. ${SET_BY}`),
  {
    name: P + 'billing_status',
    label: 'Billing status',
    description: `Where the deal's invoices stand: overdue, partially paid, open, paid, draft only, void only, or not invoiced. ${SET_BY}`,
    type: 'enumeration',
    fieldType: 'select',
    options: BILLING_STATUS_OPTIONS.map((o, i) => ({ ...o, displayOrder: i })),
  },
  day('next_due_date', 'Next invoice due date', `The earliest due date among the deal's open invoices (it is in the past when one is overdue). ${SET_BY}`),
  day('last_payment_date', 'Last payment date', `The date of the latest payment on the deal's issued invoices. ${SET_BY}`),
  { name: P + 'billing_currency', label: 'Billing currency', description: `The currency (ISO 4217 code) the deal's amounts are in. ${SET_BY}`, type: 'string', fieldType: 'text' },
  {
    name: P + 'balances_by_currency',
    label: 'Balances by currency',
    description: `Every currency's balance due, for a deal invoiced in several currencies (for example "EUR 120.00; JPY 5000"). ${SET_BY}`,
    type: 'string',
    fieldType: 'textarea',
  },
].map((p, i) => ({ ...p, groupName: DEAL_GROUP.name, displayOrder: i, formField: false }) as DealPropertyDefinition);

export const DEAL_PROPERTY_NAMES = DEAL_PROPERTIES.map((p) => p.name);

/** The currency most issued invoices use (ties: invoiced first, then alphabetical); drafts decide only when nothing is issued. */
function mainCurrency(billing: readonly DealCurrencyBilling[]): DealCurrencyBilling | undefined {
  const ranked = [...billing].sort((a, b) => b.issued - a.issued || (a.firstIssued ?? '9999').localeCompare(b.firstIssued ?? '9999') || b.drafts - a.drafts || a.currency.localeCompare(b.currency));
  return ranked[0];
}

function statusOf(billing: readonly DealCurrencyBilling[]): BillingStatus {
  const sum = (f: (b: DealCurrencyBilling) => number) => billing.reduce((n, b) => n + f(b), 0);
  if (sum((b) => b.invoices) === 0) return 'not_invoiced';
  if (sum((b) => b.overdue) > 0) return 'overdue';
  if (sum((b) => b.open) > 0) return billing.some((b) => b.open > 0 && b.paidMinor > 0n) ? 'partially_paid' : 'open';
  if (sum((b) => b.issued) > 0) return 'paid';
  if (sum((b) => b.drafts) > 0) return 'draft_only';
  return 'void_only';
}

/**
 * The property values of one deal, every property given ("" clears a value HubSpot holds, so a
 * deal whose last invoice was deleted reads "not invoiced" again, not its old amounts).
 */
export function dealPropertyValues(billing: readonly DealCurrencyBilling[]): Record<string, string> {
  const main = mainCurrency(billing);
  const amount = (f: (b: DealCurrencyBilling) => bigint) => (main && main.issued + main.drafts > 0 ? formatMinor(f(main), main.currency) : '');
  const total = (f: (b: DealCurrencyBilling) => number) => String(billing.reduce((n, b) => n + f(b), 0));
  const dates = (f: (b: DealCurrencyBilling) => string | null, pick: 'min' | 'max') => {
    const all = billing
      .map(f)
      .filter((d): d is string => d !== null)
      .sort();
    return (pick === 'min' ? all[0] : all[all.length - 1]) ?? '';
  };
  const several = billing.filter((b) => b.issued > 0).length > 1;
  return {
    [P + 'invoiced_total']: amount((b) => b.invoicedMinor),
    [P + 'amount_paid']: amount((b) => b.paidMinor),
    [P + 'balance_due']: amount((b) => b.balanceMinor),
    [P + 'overdue_amount']: amount((b) => b.overdueMinor),
    [P + 'invoice_count']: total((b) => b.invoices),
    [P + 'open_invoice_count']: total((b) => b.open),
    [P + 'overdue_invoice_count']: total((b) => b.overdue),
    [P + 'billing_status']: statusOf(billing),
    [P + 'next_due_date']: dates((b) => b.nextDue, 'min'),
    [P + 'last_payment_date']: dates((b) => b.lastPaid, 'max'),
    [P + 'billing_currency']: main && main.issued + main.drafts > 0 ? main.currency : '',
    [P + 'balances_by_currency']: several
      ? billing
          .filter((b) => b.issued > 0)
          .map((b) => `${b.currency} ${formatMinor(b.balanceMinor, b.currency)}`)
          .join('; ')
      : '',
  };
}
