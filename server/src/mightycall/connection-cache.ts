// What the webhook receiver needs of a connection (its row, digests of its webhook token and api key), kept a
// few seconds per process so an event costs one transaction (the insert) instead of a lookup, three AES-GCM
// opens and the insert. Changes made through this process (connections.ts) drop the entry at once; other processes
// see them when their entry expires (ttlMs), like API keys.
import type { ConnectionRow } from './db-types.js';

export interface WebhookConnection {
  row: ConnectionRow;
  /** secretDigest of the webhook URL token and of the api key: the secrets themselves are not kept */
  webhookTokenDigest: Buffer;
  apiKeyDigest: Buffer;
}

export interface ConnectionCacheOptions {
  /** how long an entry is trusted (default 5 s): the most another process's change takes to show here */
  ttlMs?: number;
  /** entries kept at most (default 1,000); the oldest goes first */
  maxEntries?: number;
  /** a monotonic clock in ms (default performance.now; tests pass their own) */
  now?: () => number;
}

export interface ConnectionCacheStats {
  hits: number;
  misses: number;
  size: number;
}

/**
 * A change is announced from inside the transaction that makes it, before it commits: a lookup running then
 * still reads the old row. So for this long after a change, lookups of that connection are answered but not
 * kept (the admin transaction has long committed by the end of it).
 */
const SETTLE_MS = 10_000;

interface Entry {
  value: WebhookConnection;
  /** when the lookup that produced it started */
  loadedAt: number;
}

export class ConnectionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<WebhookConnection | null>>();
  /** id → when it last changed (pruned after a while) */
  private readonly changed = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly load: (id: string) => Promise<WebhookConnection | null>,
    options: ConnectionCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5_000;
    this.maxEntries = Math.max(1, options.maxEntries ?? 1_000);
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * The connection, or null when there is none. Unknown ids are not remembered (a stream of made-up ids must
   * not push real ones out); concurrent misses of one id share a single lookup.
   */
  get(id: string): Promise<WebhookConnection | null> {
    const now = this.now();
    const entry = this.entries.get(id);
    if (entry && now - entry.loadedAt < this.ttlMs) {
      this.hits++;
      return Promise.resolve(entry.value);
    }
    if (entry) this.entries.delete(id);
    const running = this.loading.get(id);
    if (running) {
      this.hits++;
      return running;
    }
    this.misses++;
    const lookup = this.load(id).then(
      (value) => {
        if (this.loading.get(id) === lookup) this.loading.delete(id);
        if (value && this.keepable(id, now)) this.keep(id, { value, loadedAt: now });
        return value;
      },
      (error: unknown) => {
        if (this.loading.get(id) === lookup) this.loading.delete(id);
        throw error;
      },
    );
    this.loading.set(id, lookup);
    return lookup;
  }

  /** Drops the connection now; lookups already running are not kept either. */
  forget(id: string): void {
    const now = this.now();
    this.entries.delete(id);
    this.loading.delete(id);
    this.changed.set(id, now);
    for (const [other, at] of this.changed) if (now - at > 6 * SETTLE_MS) this.changed.delete(other);
  }

  stats(): ConnectionCacheStats {
    return { hits: this.hits, misses: this.misses, size: this.entries.size };
  }

  private keepable(id: string, loadStartedAt: number): boolean {
    const changedAt = this.changed.get(id);
    return changedAt === undefined || loadStartedAt > changedAt + SETTLE_MS;
  }

  private keep(id: string, entry: Entry): void {
    this.entries.delete(id);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(id, entry);
  }
}
