import type { Db } from '../db/db.js';
import type { Deps } from '../deps.js';
import * as dealInvoiceRepo from '../invoices/dealInvoiceRepo.js';
import type { DealInvoicesPage } from '../invoices/dealInvoiceRepo.js';
import { CARD_RESULT_LIMIT } from './presentInvoiceCard.js';

/**
 * Reads the card's invoices with request coalescing, the way group commit batches writes: when a
 * data fetch arrives and fewer than MAX_IN_FLIGHT card queries are running, its query starts at
 * once; otherwise it waits for the next query, which then carries every deal waiting at that
 * moment (up to MAX_BATCH). An idle service answers a lone fetch with no added delay; a busy one
 * makes one round trip for many fetches instead of one each.
 *
 * Nothing is cached: every fetch is answered by a query that started after it arrived, so a card
 * never shows data older than the request.
 */
const MAX_IN_FLIGHT = 2;
const MAX_BATCH = 64;

interface Waiting {
  portalId: string;
  dealId: string;
  today: string;
  resolve(page: DealInvoicesPage): void;
  reject(err: unknown): void;
}

export class CardReader {
  private queue: Waiting[] = [];
  private inFlight = 0;
  /** Reads asked for and queries made to answer them (their ratio is the coalescing gain). */
  readonly stats = { reads: 0, queries: 0 };

  constructor(
    private readonly db: Db,
    private readonly limit: number,
  ) {}

  /** The deal's first `limit` invoices, most relevant first, and its invoice count. */
  read(portalId: string, dealId: string, today: string): Promise<DealInvoicesPage> {
    this.stats.reads += 1;
    return new Promise((resolve, reject) => {
      this.queue.push({ portalId, dealId, today, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      // One batch holds one "today" (the day boundary splits batches) and at most MAX_BATCH deals.
      const today = this.queue[0]!.today;
      const batch: Waiting[] = [];
      const rest: Waiting[] = [];
      const deals = new Map<string, { portalId: string; dealId: string }>();
      for (const w of this.queue) {
        const key = dealInvoiceRepo.dealKey(w.portalId, w.dealId);
        if (w.today === today && (deals.has(key) || deals.size < MAX_BATCH)) {
          deals.set(key, { portalId: w.portalId, dealId: w.dealId });
          batch.push(w);
        } else {
          rest.push(w);
        }
      }
      this.queue = rest;
      this.inFlight += 1;
      this.stats.queries += 1;
      void this.run([...deals.values()], today, batch);
    }
  }

  private async run(deals: Array<{ portalId: string; dealId: string }>, today: string, batch: Waiting[]): Promise<void> {
    try {
      const pages =
        deals.length === 1
          ? new Map([[dealInvoiceRepo.dealKey(deals[0]!.portalId, deals[0]!.dealId), await dealInvoiceRepo.listForDeal(this.db, deals[0]!.portalId, deals[0]!.dealId, today, { limit: this.limit })]])
          : await dealInvoiceRepo.listForDeals(this.db, deals, today, this.limit);
      for (const w of batch) w.resolve(pages.get(dealInvoiceRepo.dealKey(w.portalId, w.dealId)) ?? { invoices: [], totalCount: 0 });
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.inFlight -= 1;
      this.pump();
    }
  }
}

const CARD_READER = Symbol('card reader');

/** The card reader of these deps: one per deps, so its coalescing spans every data fetch they serve. */
export function cardReaderOf(deps: Pick<Deps, 'db' | 'state'>): CardReader {
  return deps.state.get(CARD_READER, () => new CardReader(deps.db, CARD_RESULT_LIMIT));
}
