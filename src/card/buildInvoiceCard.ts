import type { Deps } from '../deps.js';
import { todayUtc } from '../invoices/invoice.js';
import * as invoiceRepo from '../invoices/invoiceRepo.js';
import { type CardContext, createCardLinks } from './cardLinks.js';
import type { CardResponse } from './cardResponse.js';
import { CARD_RESULT_LIMIT, presentInvoiceCard } from './presentInvoiceCard.js';

/** The card for one deal: its most relevant invoices (one query) plus freshly minted action links. */
export async function buildInvoiceCard(deps: Deps, ctx: CardContext, tokenKey: Buffer): Promise<CardResponse> {
  const now = deps.clock.now();
  const today = todayUtc(now);
  const page = await invoiceRepo.listForDeal(deps.db, ctx.portalId, ctx.dealId, today, { limit: CARD_RESULT_LIMIT });
  const links = createCardLinks(deps.config.publicBaseUrl, tokenKey, ctx, now.getTime());
  return presentInvoiceCard({ ...page, today }, links);
}
