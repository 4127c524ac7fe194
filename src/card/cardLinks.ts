import { PAGE_TOKEN_TTL_SECONDS, pageTokenMinter } from '../shared/pageToken.js';
import { fillPath, pagePaths } from '../shared/pagePaths.js';
import { cardPaths } from './cardPaths.js';
import type { CardLinks } from './presentInvoiceCard.js';

/** Who is looking at which deal: the identity every page token minted for this card is bound to. */
export interface CardContext {
  portalId: string;
  dealId: string;
  userId: string;
  userEmail: string | null;
}

/** Deal properties the create form starts from (HubSpot's propertiesToSend values); not security-relevant. */
export type CreatePrefill = Partial<Record<'dealname' | 'amount' | 'deal_currency_code', string>>;

/** Builds the card's action URLs under the public base URL; each page URL carries its own token. */
export function createCardLinks(baseUrl: string, tokenKey: Buffer, ctx: CardContext, nowMs: number, prefill: CreatePrefill = {}): CardLinks {
  const identity = { portalId: ctx.portalId, dealId: ctx.dealId, userId: ctx.userId, userEmail: ctx.userEmail };
  // This fetch starts the chain: every token derived from these links is bounded by its time.
  const origin = Math.floor(nowMs / 1000);
  const mint = pageTokenMinter(tokenKey, { ...identity, origin, exp: origin + PAGE_TOKEN_TTL_SECONDS }, nowMs);
  const prefillQuery = Object.entries(prefill)
    .filter(([, v]) => v)
    .map(([k, v]) => `&${k}=${encodeURIComponent(v.slice(0, 200))}`)
    .join('');
  return {
    page(purpose, invoiceId) {
      const url = `${baseUrl}${fillPath(pagePaths[purpose], invoiceId)}?token=${mint(purpose, invoiceId)}`;
      return purpose === 'create' ? url + prefillQuery : url;
    },
    hook(name, invoiceId) {
      return `${baseUrl}${fillPath(cardPaths.hooks[name], invoiceId)}`;
    },
  };
}
