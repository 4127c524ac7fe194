import type { Db } from '../db/db.js';
import type { Deps } from '../deps.js';
import * as dealInvoiceRepo from '../invoices/dealInvoiceRepo.js';
import type { DealPageWithSummary } from '../invoices/dealInvoiceRepo.js';
import { CoalescingReader } from '../shared/coalescingReader.js';
import { APP_CARD_PAGE_SIZE } from './presentAppCard.js';

/** One page of a deal's invoices with the deal's totals, count and locale: what the app card's list shows. */
export type AppCardPage = DealPageWithSummary;

interface AppCardRead {
  portalId: string;
  dealId: string;
  /** 1-based. */
  page: number;
  today: string;
}

/**
 * Reads our app card's invoice list with request coalescing (shared/coalescingReader.ts): the
 * reads that arrive while others are in flight share the next batch, which is one query whatever its
 * size: each page (each deal with its own offset) with its deal's totals (dealInvoiceRepo.pagesForDeals).
 */
export class AppCardReader {
  private readonly reader: CoalescingReader<AppCardRead, AppCardPage>;

  constructor(db: Db) {
    this.reader = new CoalescingReader<AppCardRead, AppCardPage>({
      key: (q) => `${dealInvoiceRepo.dealKey(q.portalId, q.dealId)}:${q.page}`,
      group: (q) => q.today,
      missing: dealInvoiceRepo.emptyDealPage,
      load: async (batch) => {
        const pages = await dealInvoiceRepo.pagesForDeals(
          db,
          batch.map((q) => ({ portalId: q.portalId, dealId: q.dealId, offset: (q.page - 1) * APP_CARD_PAGE_SIZE })),
          batch[0]!.today,
          APP_CARD_PAGE_SIZE,
        );
        return new Map(batch.map((q, i) => [`${dealInvoiceRepo.dealKey(q.portalId, q.dealId)}:${q.page}`, pages[i]!]));
      },
    });
  }

  get stats(): { reads: number; queries: number } {
    return this.reader.stats;
  }

  read(portalId: string, dealId: string, page: number, today: string): Promise<AppCardPage> {
    return this.reader.read({ portalId, dealId, page, today });
  }
}

const APP_CARD_READER = Symbol('app card reader');

/** The app card reader of these deps: one per deps, so its coalescing spans every request they serve. */
export function appCardReaderOf(deps: Pick<Deps, 'db' | 'state'>): AppCardReader {
  return deps.state.get(APP_CARD_READER, () => new AppCardReader(deps.db));
}
