import { mintPageToken, PAGE_TOKEN_TTL_SECONDS } from '../pages/pageToken.js';
import { cardPaths, fillPath } from './cardPaths.js';
import type { CardLinks } from './presentInvoiceCard.js';

/** Who is looking at which deal: the identity every page token minted for this card is bound to. */
export interface CardContext {
  portalId: string;
  dealId: string;
  userId: string;
  userEmail: string | null;
}

/** Builds the card's action URLs under the public base URL; page URLs get their own token each. */
export function createCardLinks(baseUrl: string, tokenKey: Buffer, ctx: CardContext, nowMs: number): CardLinks {
  const exp = Math.floor(nowMs / 1000) + PAGE_TOKEN_TTL_SECONDS;
  return {
    page(purpose, invoiceId) {
      const token = mintPageToken(tokenKey, { purpose, ...ctx, invoiceId, exp });
      return `${baseUrl}${fillPath(cardPaths.pages[purpose], invoiceId)}?token=${token}`;
    },
    hook(name, invoiceId) {
      return `${baseUrl}${fillPath(cardPaths.hooks[name], invoiceId)}`;
    },
  };
}
