import type { Deps } from '../deps.js';
import { todayUtc } from '../invoices/invoice.js';
import { type CardContext, createCardLinks, type CreatePrefill } from './cardLinks.js';
import { cardReaderOf } from './cardReader.js';
import type { CardResponse } from './cardResponse.js';
import { presentInvoiceCard } from './presentInvoiceCard.js';

/**
 * The card for one deal: its most relevant invoices (read with coalescing) plus freshly minted
 * action links. `gate` (the portal check) runs alongside the read; a refusal from it is thrown
 * before any link is minted.
 */
export async function buildInvoiceCard(deps: Deps, ctx: CardContext, tokenKey: Buffer, prefill: CreatePrefill = {}, gate: Promise<void> = Promise.resolve()): Promise<CardResponse> {
  const now = deps.clock.now();
  const today = todayUtc(now);
  const [page] = await Promise.all([cardReaderOf(deps).read(ctx.portalId, ctx.dealId, today), gate]);
  const links = createCardLinks(deps.config.publicBaseUrl, tokenKey, ctx, now.getTime(), prefill);
  return presentInvoiceCard({ ...page, today }, links);
}
