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

type DbDealInvoiceCore = Pick<DbInvoice, 'id' | 'number' | 'status' | 'currency' | 'issue_date' | 'due_date' | 'total_minor' | 'paid_minor' | 'void_reason'>;

function toDealInvoice(r: DbDealInvoiceCore, billTo: BillTo | null): DealInvoice {
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
    billTo,
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
  return { invoices: rows.map((r) => toDealInvoice(r, toBillTo(r))), totalCount };
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
    page.invoices.push(toDealInvoice(r, toBillTo(r)));
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
  /**
   * Money paid on the deal's open and paid invoices. A voided invoice counts for nothing here, its
   * payments included, exactly as in the deal's "Amount paid" property (sync/dealProperties.ts): a
   * rep and a manager reading the card and the deal record see the same figure. The voided
   * invoice's own row still shows what was paid on it.
   */
  paidMinor: bigint;
}

export interface DealSummary {
  /** One entry per currency the deal's invoices (deleted drafts aside) use, by currency code. */
  totals: DealCurrencyTotals[];
  /** How many invoices the deal has (deleted drafts aside). */
  invoiceCount: number;
  /** The portal's locale setting (portal_settings.locale), or null. */
  locale: string | null;
}

/** A page of one deal's invoices: `limit` of them after the first `offset`, most relevant first. */
export interface DealPageRead {
  portalId: string;
  dealId: string;
  offset: number;
}

/** One page of a deal's invoices (without bill-to: `billTo` null) with the deal's summary. */
export interface DealPageWithSummary {
  invoices: DealInvoice[];
  summary: DealSummary;
}

/** The page of a deal without invoices (or past its last page), for a portal without settings. */
export const emptyDealPage = (): DealPageWithSummary => ({ invoices: [], summary: { totals: [], invoiceCount: 0, locale: null } });

// Several deals' pages (each with its own offset) and their summaries in one statement, one row
// per page asked for, in their order; `$3` is today. One statement reads one snapshot, so a page's
// rows and its deal's totals always agree (two queries on two connections could straddle a
// payment). Each row carries its page and its deal's totals as JSON text (money and ids as
// strings, so nothing passes through a float), built by the database. Only what the app card's
// list shows (no bill-to: no contacts join). The sums are exact: bigint minor units summed as
// numeric and handed over as text, per currency. The portal's locale rides along (one column of
// portal_settings, read by primary key).
const DEALS_PAGES_SQL = `
  select k.ord, s.locale,
    (select json_agg(json_build_array(p.id::text, p.number, p.status, p.currency, p.issue_date, p.due_date, p.total_minor::text, p.paid_minor::text, p.void_reason) order by p.rank)
     from (
       select i.id, i.number, i.status, i.currency, i.issue_date, i.due_date, i.total_minor, i.paid_minor, i.void_reason,
              row_number() over (order by ${RELEVANCE}) as rank
       from invoices i
       where i.portal_id = k.portal_id and i.deal_id = k.deal_id and i.deleted_at is null
     ) p
     where p.rank > k.off and p.rank <= k.off + $4)::text as page,
    (select json_agg(json_build_array(t.currency, t.n, t.open_minor, t.overdue_minor, t.paid_minor) order by t.currency)
     from (
       select i.currency,
              count(*)::text as n,
              sum(case when i.status = 'open' then i.total_minor - i.paid_minor else 0 end)::text as open_minor,
              sum(case when i.status = 'open' and i.due_date < $3::date then i.total_minor - i.paid_minor else 0 end)::text as overdue_minor,
              sum(case when i.status in ('open', 'paid') then i.paid_minor else 0 end)::text as paid_minor
       from invoices i
       where i.portal_id = k.portal_id and i.deal_id = k.deal_id and i.deleted_at is null
       group by i.currency
     ) t)::text as totals
  from unnest($1::bigint[], $2::bigint[], $5::int[]) with ordinality as k (portal_id, deal_id, off, ord)
  left join portal_settings s on s.portal_id = k.portal_id
  order by k.ord`;

type PageJson = Array<[string, string, Invoice['status'], string, string, string, string, string, string | null]>;
type TotalsJson = Array<[string, string, string, string, string]>;

/**
 * The pages asked for, in their order, each with its deal's summary (a page past a deal's end is
 * empty; its summary still counts every invoice), in one query. Without bill-to (`billTo` null).
 */
export async function pagesForDeals(db: Db, reads: readonly DealPageRead[], today: string, limit: number): Promise<DealPageWithSummary[]> {
  const rows = await queryPrepared<{ ord: string; locale: string | null; page: string | null; totals: string | null }>(db, 'deals_pages_v3', DEALS_PAGES_SQL, [
    reads.map((r) => r.portalId),
    reads.map((r) => r.dealId),
    today,
    limit,
    reads.map((r) => r.offset),
  ]);
  // Every read has its row (unnest … with ordinality); a page without one would still be empty, never undefined.
  const out: DealPageWithSummary[] = reads.map(emptyDealPage);
  for (const r of rows) {
    const page = r.page === null ? [] : (JSON.parse(r.page) as PageJson);
    const invoices = page.map(([id, number, status, currency, issue_date, due_date, total_minor, paid_minor, void_reason]) =>
      toDealInvoice({ id, number, status, currency, issue_date, due_date, total_minor, paid_minor, void_reason }, null),
    );
    const summary: DealSummary = { totals: [], invoiceCount: 0, locale: r.locale ?? null };
    for (const [currency, n, open, overdue, paid] of r.totals === null ? [] : (JSON.parse(r.totals) as TotalsJson)) {
      summary.invoiceCount += Number(n);
      summary.totals.push({ currency: currency.trim(), openMinor: BigInt(open), overdueMinor: BigInt(overdue), paidMinor: BigInt(paid) });
    }
    out[Number(r.ord) - 1] = { invoices, summary };
  }
  return out;
}
