import type { Db } from '../db/db.js';
import type { Deps } from '../deps.js';
import * as dealInvoiceRepo from '../invoices/dealInvoiceRepo.js';
import type { DealInvoicesPage } from '../invoices/dealInvoiceRepo.js';
import { CoalescingReader } from '../shared/coalescingReader.js';
import { CARD_RESULT_LIMIT } from './presentInvoiceCard.js';

/**
 * Reads the data fetch's invoices with request coalescing (shared/coalescingReader.ts): a lone
 * fetch is one query for its deal; fetches that arrive while queries are in flight share the next
 * one, up to 64 deals of the same day. Nothing is cached.
 */
interface CardRead {
  portalId: string;
  dealId: string;
  today: string;
}

export class CardReader {
  private readonly reader: CoalescingReader<CardRead, DealInvoicesPage>;

  constructor(db: Db, limit: number) {
    this.reader = new CoalescingReader<CardRead, DealInvoicesPage>({
      key: (q) => dealInvoiceRepo.dealKey(q.portalId, q.dealId),
      group: (q) => q.today,
      missing: () => ({ invoices: [], totalCount: 0 }),
      load: async (batch) => {
        const today = batch[0]!.today;
        if (batch.length > 1) return dealInvoiceRepo.listForDeals(db, batch, today, limit);
        const { portalId, dealId } = batch[0]!;
        return new Map([[dealInvoiceRepo.dealKey(portalId, dealId), await dealInvoiceRepo.listForDeal(db, portalId, dealId, today, { limit })]]);
      },
    });
  }

  /** Reads asked for and queries made to answer them. */
  get stats(): { reads: number; queries: number } {
    return this.reader.stats;
  }

  /** The deal's first `limit` invoices, most relevant first, and its invoice count. */
  read(portalId: string, dealId: string, today: string): Promise<DealInvoicesPage> {
    return this.reader.read({ portalId, dealId, today });
  }
}

const CARD_READER = Symbol('card reader');

/** The card reader of these deps: one per deps, so its coalescing spans every data fetch they serve. */
export function cardReaderOf(deps: Pick<Deps, 'db' | 'state'>): CardReader {
  return deps.state.get(CARD_READER, () => new CardReader(deps.db, CARD_RESULT_LIMIT));
}
