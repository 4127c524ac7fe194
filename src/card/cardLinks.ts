import { PAGE_TOKEN_TTL_SECONDS, pageTokenMinter } from '../pages/pageToken.js';
import { cardPaths, fillPath } from './cardPaths.js';
import type { CardLinks } from './presentInvoiceCard.js';

/** Who is looking at which deal: the identity every page token minted for this card is bound to. */
export interface CardContext {
  portalId: string;
  dealId: string;
  userId: string;
  userEmail: string | null;
}

/** Builds the card's action URLs under the public base URL; each page URL carries its own token. */
export function createCardLinks(baseUrl: string, tokenKey: Buffer, ctx: CardContext, nowMs: number): CardLinks {
  const mint = pageTokenMinter(tokenKey, { ...ctx, exp: Math.floor(nowMs / 1000) + PAGE_TOKEN_TTL_SECONDS }, nowMs);
  return {
    page(purpose, invoiceId) {
      return `${baseUrl}${fillPath(cardPaths.pages[purpose], invoiceId)}?token=${mint(purpose, invoiceId)}`;
    },
    hook(name, invoiceId) {
      return `${baseUrl}${fillPath(cardPaths.hooks[name], invoiceId)}`;
    },
  };
}
