import type { Deps } from '../deps.js';
import * as dealInvoiceRepo from '../invoices/dealInvoiceRepo.js';
import { todayUtc } from '../invoices/invoice.js';
import { type CardContext, createCardLinks } from './cardLinks.js';
import { APP_CARD_PAGE_SIZE, type AppCardInvoicesResponse, presentAppCardInvoices } from './presentAppCard.js';

/**
 * One page of the deal's invoices for our app card, with the deal's totals per currency and freshly
 * minted page links. Two queries, side by side: the page (with the deal's invoice count) and the
 * totals (with the portal's locale). `gate` (the portal check) runs alongside them; a refusal from
 * it is thrown before any link is minted.
 */
export async function buildAppCardInvoices(deps: Deps, ctx: CardContext, page: number, tokenKey: Buffer, gate: Promise<void>): Promise<AppCardInvoicesResponse> {
  const now = deps.clock.now();
  const today = todayUtc(now);
  const [rows, summary] = await Promise.all([
    dealInvoiceRepo.listForDeal(deps.db, ctx.portalId, ctx.dealId, today, { limit: APP_CARD_PAGE_SIZE, offset: (page - 1) * APP_CARD_PAGE_SIZE }),
    dealInvoiceRepo.dealSummary(deps.db, ctx.portalId, ctx.dealId, today),
    gate,
  ]);
  const links = createCardLinks(deps.config.publicBaseUrl, tokenKey, ctx, now.getTime());
  return presentAppCardInvoices({ dealId: ctx.dealId, locale: summary.locale, totals: summary.totals, invoices: rows.invoices, page, totalCount: rows.totalCount, today }, (purpose, id) =>
    links.page(purpose, id),
  );
}
