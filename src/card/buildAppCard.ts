import type { Deps } from '../deps.js';
import { todayUtc } from '../invoices/invoice.js';
import { appCardReaderOf } from './appCardReader.js';
import { type CardContext, createCardLinks } from './cardLinks.js';
import { type AppCardInvoicesResponse, presentAppCardInvoices } from './presentAppCard.js';

/**
 * One page of the deal's invoices for our app card, with the deal's totals per currency and freshly
 * minted page links, read with coalescing (appCardReader.ts). `gate` (the portal check) runs
 * alongside the read; a refusal from it is thrown before any link is minted.
 */
export async function buildAppCardInvoices(deps: Deps, ctx: CardContext, page: number, tokenKey: Buffer, gate: Promise<void>): Promise<AppCardInvoicesResponse> {
  const now = deps.clock.now();
  const today = todayUtc(now);
  const [read] = await Promise.all([appCardReaderOf(deps).read(ctx.portalId, ctx.dealId, page, today), gate]);
  const links = createCardLinks(deps.config.publicBaseUrl, tokenKey, ctx, now.getTime());
  return presentAppCardInvoices(
    { dealId: ctx.dealId, locale: read.summary.locale, totals: read.summary.totals, invoices: read.invoices, page, totalCount: read.summary.invoiceCount, today },
    (purpose, id) => links.page(purpose, id),
  );
}
