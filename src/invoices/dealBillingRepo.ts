import type { Db } from '../db/db.js';

/**
 * A deal's invoices summed per currency, as the deal properties in HubSpot show them (see
 * sync/dealProperties.ts). Deleted drafts do not count. "Issued" means open or paid: a voided
 * invoice is neither invoiced nor paid (money received on it was given back, or is accounted for
 * elsewhere), so it counts only as a void.
 */
export interface DealCurrencyBilling {
  currency: string;
  invoices: number;
  drafts: number;
  voids: number;
  issued: number;
  open: number;
  overdue: number;
  invoicedMinor: bigint;
  paidMinor: bigint;
  balanceMinor: bigint;
  overdueMinor: bigint;
  /** The earliest due date of an open invoice (YYYY-MM-DD), overdue ones included. */
  nextDue: string | null;
  /** The latest payment date on an issued invoice. */
  lastPaid: string | null;
  /** The earliest issue of an issued invoice, to break ties when choosing the deal's currency. */
  firstIssued: string | null;
}

interface DbRow {
  deal_id: string;
  currency: string;
  invoices: string;
  drafts: string;
  voids: string;
  issued: string;
  open: string;
  overdue: string;
  invoiced: string | null;
  paid: string | null;
  balance: string | null;
  overdue_amount: string | null;
  next_due: string | null;
  last_paid: string | null;
  first_issued: string | null;
}

/** The billing of each deal asked for (deals without invoices get an empty list), with "overdue" as of `today` (UTC). */
export async function billingForDeals(db: Db, portalId: string, dealIds: readonly string[], today: string): Promise<Map<string, DealCurrencyBilling[]>> {
  const out = new Map<string, DealCurrencyBilling[]>(dealIds.map((d) => [d, []]));
  if (dealIds.length === 0) return out;
  const result = (await db.raw(
    `select i.deal_id::text as deal_id, trim(i.currency) as currency,
            count(*) as invoices,
            count(*) filter (where i.status = 'draft') as drafts,
            count(*) filter (where i.status = 'void') as voids,
            count(*) filter (where i.status in ('open', 'paid')) as issued,
            count(*) filter (where i.status = 'open') as open,
            count(*) filter (where i.status = 'open' and i.due_date < ?::date) as overdue,
            sum(i.total_minor) filter (where i.status in ('open', 'paid'))::text as invoiced,
            sum(i.paid_minor) filter (where i.status in ('open', 'paid'))::text as paid,
            sum(i.total_minor - i.paid_minor) filter (where i.status = 'open')::text as balance,
            sum(i.total_minor - i.paid_minor) filter (where i.status = 'open' and i.due_date < ?::date)::text as overdue_amount,
            to_char(min(i.due_date) filter (where i.status = 'open'), 'YYYY-MM-DD') as next_due,
            to_char(max((select max(p.paid_on) from payments p where p.invoice_id = i.id)) filter (where i.status in ('open', 'paid')), 'YYYY-MM-DD') as last_paid,
            to_char(min(i.issue_date) filter (where i.status in ('open', 'paid')), 'YYYY-MM-DD') as first_issued
     from invoices i
     where i.portal_id = ? and i.deal_id = any(?::bigint[]) and i.deleted_at is null
     group by i.deal_id, i.currency
     order by i.deal_id, i.currency`,
    [today, today, portalId, dealIds as string[]],
  )) as { rows: DbRow[] };
  for (const r of result.rows) {
    out.get(String(r.deal_id))?.push({
      currency: r.currency,
      invoices: Number(r.invoices),
      drafts: Number(r.drafts),
      voids: Number(r.voids),
      issued: Number(r.issued),
      open: Number(r.open),
      overdue: Number(r.overdue),
      invoicedMinor: BigInt(r.invoiced ?? 0),
      paidMinor: BigInt(r.paid ?? 0),
      balanceMinor: BigInt(r.balance ?? 0),
      overdueMinor: BigInt(r.overdue_amount ?? 0),
      nextDue: r.next_due,
      lastPaid: r.last_paid,
      firstIssued: r.first_issued,
    });
  }
  return out;
}
