// Group commit for the webhook inbox. Each event must be stored durably before it is acknowledged, and one
// transaction per event makes the database's commit the bottleneck of a burst. Events arriving while an insert
// is in flight wait for the next one and go in together: an idle server stores an event at once (a batch of
// one), a busy one stores hundreds per transaction. Every caller learns the outcome of its own event only after
// the transaction holding it committed, so nothing is acknowledged that is not stored.
import { isDatabaseUnavailable } from '../../db/unavailable.js';
import { type InboxRow, inboxKey } from './inbox.js';

export interface InboxWriterOptions {
  /** rows per transaction at most (default 500) */
  maxBatch?: number;
  /** transactions in flight at once (default 2) */
  maxInFlight?: number;
}

interface Pending {
  row: InboxRow;
  resolve(stored: boolean): void;
  reject(error: unknown): void;
}

/** `store` inserts rows with distinct keys in one transaction and answers the keys that were new. */
export type InboxStore = (rows: readonly InboxRow[]) => Promise<Set<string>>;

export class InboxWriter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  /** transactions and rows written, for tests and diagnostics */
  readonly stats = { batches: 0, rows: 0, largestBatch: 0, retriedAlone: 0 };

  constructor(
    private readonly store: InboxStore,
    options: InboxWriterOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 500);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 2);
  }

  /** Stores the row once; true when it is new, false for a duplicate (already stored, or earlier in the batch). */
  add(row: InboxRow): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    // The first event of a key is inserted; a repeat in the same batch is a duplicate of it.
    const groups = new Map<string, Pending[]>();
    for (const p of batch) {
      const key = inboxKey(p.row);
      const group = groups.get(key);
      if (group) group.push(p);
      else groups.set(key, [p]);
    }
    let stored: Set<string>;
    try {
      stored = await this.store([...groups.values()].map((g) => (g[0] as Pending).row));
    } catch (error) {
      if (groups.size === 1 || isDatabaseUnavailable(error)) {
        for (const p of batch) p.reject(error);
        return;
      }
      // One bad row must not cost the others their answer: each key alone, so each gets its own outcome.
      this.stats.retriedAlone += groups.size;
      await Promise.all([...groups.values()].map((g) => this.write(g)));
      return;
    }
    this.stats.batches++;
    this.stats.rows += groups.size;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, groups.size);
    for (const [key, group] of groups) {
      group.forEach((p, i) => {
        p.resolve(i === 0 && stored.has(key));
      });
    }
  }
}
