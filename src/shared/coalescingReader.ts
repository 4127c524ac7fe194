/**
 * Request coalescing for reads, the way group commit batches writes: when a read arrives and fewer
 * than `maxInFlight` batches are running, its batch starts at once; otherwise it waits for the
 * next batch, which then carries every read waiting at that moment (up to `maxBatch` distinct
 * keys, and only reads of one group: the day boundary, say). An idle service answers a lone read
 * with no added delay; a busy one makes one round trip for many reads instead of one each.
 *
 * Nothing is cached: every read is answered by a batch that started after it arrived.
 */
export interface CoalescingOptions<Q, R> {
  /** Reads with the same key share one answer within a batch. */
  key(q: Q): string;
  /** Only reads of one group go into a batch (e.g. the same "today"). */
  group(q: Q): string;
  /** Answers a batch of distinct reads; a key missing from the map gets `missing(q)`. */
  load(batch: Q[]): Promise<Map<string, R>>;
  missing(q: Q): R;
  maxInFlight?: number;
  maxBatch?: number;
}

interface Waiting<Q, R> {
  q: Q;
  key: string;
  group: string;
  resolve(r: R): void;
  reject(err: unknown): void;
}

export class CoalescingReader<Q, R> {
  private queue: Array<Waiting<Q, R>> = [];
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly maxBatch: number;
  /** Reads asked for and batches run to answer them (their ratio is the coalescing gain). */
  readonly stats = { reads: 0, queries: 0 };

  constructor(private readonly opts: CoalescingOptions<Q, R>) {
    this.maxInFlight = opts.maxInFlight ?? 2;
    this.maxBatch = opts.maxBatch ?? 64;
  }

  read(q: Q): Promise<R> {
    this.stats.reads += 1;
    return new Promise((resolve, reject) => {
      this.queue.push({ q, key: this.opts.key(q), group: this.opts.group(q), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const group = this.queue[0]!.group;
      const batch: Array<Waiting<Q, R>> = [];
      const rest: Array<Waiting<Q, R>> = [];
      const distinct = new Map<string, Q>();
      for (const w of this.queue) {
        if (w.group === group && (distinct.has(w.key) || distinct.size < this.maxBatch)) {
          if (!distinct.has(w.key)) distinct.set(w.key, w.q);
          batch.push(w);
        } else {
          rest.push(w);
        }
      }
      this.queue = rest;
      this.inFlight += 1;
      this.stats.queries += 1;
      void this.run([...distinct.values()], batch);
    }
  }

  private async run(distinct: Q[], batch: Array<Waiting<Q, R>>): Promise<void> {
    try {
      const answers = await this.opts.load(distinct);
      for (const w of batch) w.resolve(answers.has(w.key) ? answers.get(w.key)! : this.opts.missing(w.q));
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.inFlight -= 1;
      this.pump();
    }
  }
}
