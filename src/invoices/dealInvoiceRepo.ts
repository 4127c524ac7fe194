import { type Db, queryPrepared } from '../db/db.js';
import type { BillTo, Invoice } from './invoice.js';
import { type BillToColumns, type DbInvoice, toBillTo } from './invoiceRepo.js';

/**
 * The card's read model: a deal's invoices, most relevant first, as the card and the deal's
 * invoice list show them (one query per deal, or one for many deals: see card/cardReader.ts).
 */

/** What the card and the deal's invoice list show of each invoice. */
export type DealInvoice = Pick<Invoice, 'id' | 'number' | 'status' | 'currency' | 'issueDate' | 'dueDate' | 'totalMinor' | 'paidMinor' | 'voidReason'> & {
  billTo: BillTo | null;
};

export interface DealInvoicesPage {
  invoices: DealInvoice[];
  totalCount: number;
}

interface DbDealInvoice
  extends
    Pick<DbInvoice, 'id' | 'portal_id' | 'deal_id' | 'number' | 'status' | 'currency' | 'issue_date' | 'due_date' | 'total_minor' | 'paid_minor' | 'void_reason' | 'contact_external_id'>,
    BillToColumns {
  total_count: string;
}

// Relevance on a deal: overdue (most overdue first), open and partially paid (soonest due first),
// drafts (newest first), paid (latest first), void (latest first). `$3` is today.
const RELEVANCE = `
  case when i.status = 'open' and i.due_date < $3::date then 0
       when i.status = 'open' then 1
       when i.status = 'draft' then 2
       when i.status = 'paid' then 3
       else 4 end,
  case when i.status = 'open' then i.due_date end asc,
  coalesce(i.voided_at, i.paid_at, i.created_at) desc,
  i.id desc`;

const DEAL_COLUMNS = `
  i.id, i.portal_id, i.deal_id, i.number, i.status, i.currency, i.issue_date, i.due_date,
  i.total_minor, i.paid_minor, i.void_reason, i.contact_external_id,
  c.first_name as bill_to_first_name, c.last_name as bill_to_last_name,
  c.email as bill_to_email, c.company as bill_to_company`;

const DEAL_INVOICES_SQL = `
  select ${DEAL_COLUMNS}, count(*) over () as total_count
  from invoices i
  left join contacts c on c.external_id = i.contact_external_id
  where i.portal_id = $1 and i.deal_id = $2 and i.deleted_at is null
  order by ${RELEVANCE}
  limit $4 offset $5`;

// The first $4 invoices of each of several deals, in one round trip: the card reader batches the
// data fetches that arrive while a query is in flight into one of these.
const DEALS_INVOICES_SQL = `
  select x.* from (
    select ${DEAL_COLUMNS},
           row_number() over (partition by i.portal_id, i.deal_id order by ${RELEVANCE}) as rank,
           count(*) over (partition by i.portal_id, i.deal_id) as total_count
    from unnest($1::bigint[], $2::bigint[]) as k (portal_id, deal_id)
    join invoices i on i.portal_id = k.portal_id and i.deal_id = k.deal_id and i.deleted_at is null
    left join contacts c on c.external_id = i.contact_external_id
  ) x
  where x.rank <= $4
  order by x.portal_id, x.deal_id, x.rank`;

function toDealInvoice(r: DbDealInvoice): DealInvoice {
  return {
    id: String(r.id),
    number: r.number,
    status: r.status,
    currency: r.currency.trim(),
    issueDate: r.issue_date,
    dueDate: r.due_date,
    totalMinor: BigInt(r.total_minor),
    paidMinor: BigInt(r.paid_minor),
    voidReason: r.void_reason,
    billTo: toBillTo(r),
  };
}

/**
 * The deal's invoices, most relevant first (see RELEVANCE), one page plus the total count, in one
 * query run as a prepared statement. `today` decides what is overdue.
 */
export async function listForDeal(db: Db, portalId: string, dealId: string, today: string, page: { limit: number; offset?: number }): Promise<DealInvoicesPage> {
  const offset = page.offset ?? 0;
  const rows = await queryPrepared<DbDealInvoice>(db, 'deal_invoices_v1', DEAL_INVOICES_SQL, [portalId, dealId, today, page.limit, offset]);
  let totalCount = rows.length > 0 ? Number(rows[0]!.total_count) : 0;
  if (rows.length === 0 && offset > 0) {
    const [c] = (await db('invoices').where({ portal_id: portalId, deal_id: dealId }).whereNull('deleted_at').count({ n: '*' })) as Array<{ n: string }>;
    totalCount = Number(c?.n ?? 0);
  }
  return { invoices: rows.map(toDealInvoice), totalCount };
}

/** Key of a deal in listForDeals' result. */
export const dealKey = (portalId: string, dealId: string) => `${portalId}:${dealId}`;

/**
 * The first `limit` invoices (most relevant first) and the count of each of several deals, in one
 * query. Deals without invoices are absent from the map.
 */
export async function listForDeals(db: Db, deals: ReadonlyArray<{ portalId: string; dealId: string }>, today: string, limit: number): Promise<Map<string, DealInvoicesPage>> {
  const rows = await queryPrepared<DbDealInvoice>(db, 'deals_invoices_v1', DEALS_INVOICES_SQL, [deals.map((d) => d.portalId), deals.map((d) => d.dealId), today, limit]);
  const pages = new Map<string, DealInvoicesPage>();
  for (const r of rows) {
    const key = dealKey(String(r.portal_id), String(r.deal_id));
    let page = pages.get(key);
    if (!page) {
      page = { invoices: [], totalCount: Number(r.total_count) };
      pages.set(key, page);
    }
    page.invoices.push(toDealInvoice(r));
  }
  return pages;
}

/** A deal's amounts in one currency, in its minor units. */
export interface DealCurrencyTotals {
  currency: string;
  /** Balance of every open invoice (partially paid and overdue ones included). */
  openMinor: bigint;
  /** Balance of the open invoices past their due date (a part of openMinor). */
  overdueMinor: bigint;
  /** Money received on the deal's invoices (a voided invoice's payments included: they were received). */
  paidMinor: bigint;
}

export interface DealSummary {
  /** One entry per currency the deal's invoices (deleted drafts aside) use, by currency code. */
  totals: DealCurrencyTotals[];
  /** The portal's locale setting (portal_settings.locale), or null. */
  locale: string | null;
}

interface DbDealSummary {
  currency: string | null;
  open_minor: string | null;
  overdue_minor: string | null;
  paid_minor: string | null;
  locale: string | null;
}

// Sums in SQL, exactly: bigint minor units summed as numeric and handed over as text. The portal's
// locale rides along (one column of portal_settings, read by primary key) so that the app card's
// invoice list costs two queries, this and its page. The outer `select 1` keeps one row when the
// deal has no invoices, to carry the locale. `$3` is today.
const DEAL_SUMMARY_SQL = `
  select t.currency, t.open_minor, t.overdue_minor, t.paid_minor,
         (select s.locale from portal_settings s where s.portal_id = $1::bigint) as locale
  from (select 1) as one
  left join (
    select i.currency,
           sum(case when i.status = 'open' then i.total_minor - i.paid_minor else 0 end)::text as open_minor,
           sum(case when i.status = 'open' and i.due_date < $3::date then i.total_minor - i.paid_minor else 0 end)::text as overdue_minor,
           sum(i.paid_minor)::text as paid_minor
    from invoices i
    where i.portal_id = $1::bigint and i.deal_id = $2::bigint and i.deleted_at is null
    group by i.currency
  ) t on true
  order by t.currency`;

/** The deal's open, overdue and paid amounts per currency, and the portal's locale, in one query. */
export async function dealSummary(db: Db, portalId: string, dealId: string, today: string): Promise<DealSummary> {
  const rows = await queryPrepared<DbDealSummary>(db, 'deal_summary_v1', DEAL_SUMMARY_SQL, [portalId, dealId, today]);
  const totals = rows
    .filter((r) => r.currency !== null)
    .map((r) => ({ currency: r.currency!.trim(), openMinor: BigInt(r.open_minor ?? 0), overdueMinor: BigInt(r.overdue_minor ?? 0), paidMinor: BigInt(r.paid_minor ?? 0) }));
  return { totals, locale: rows[0]?.locale ?? null };
}
