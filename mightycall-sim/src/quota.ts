// Per-api-key daily request quota (rolling 24 h) and request counters; the 429 answer is in throttle.ts.
export const DAY_MS = 86_400_000;
export const DEFAULT_DAILY_QUOTA = 2500;

export interface UsageStats {
  /** every request that named this api key (token requests and rejected ones included) */
  total: number;
  /** requests counted against the quota in the current rolling window */
  quotaUsed: number;
  quotaLimit: number;
  /** "METHOD /path" (path lower-cased, ids kept) → count */
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
}

export class QuotaTracker {
  private hits: number[] = [];
  private total = 0;
  private byEndpoint = new Map<string, number>();
  private byStatus = new Map<string, number>();

  constructor(public limit: number = DEFAULT_DAILY_QUOTA) {}

  /** Counts one authenticated request; returns when access reopens if the quota is spent. */
  consume(now: number): { ok: true } | { ok: false; retryAtMs: number } {
    this.prune(now);
    if (this.hits.length >= this.limit) {
      const oldest = this.hits[0] ?? now;
      return { ok: false, retryAtMs: oldest + DAY_MS };
    }
    this.hits.push(now);
    return { ok: true };
  }

  record(endpoint: string, status: number): void {
    this.total++;
    this.byEndpoint.set(endpoint, (this.byEndpoint.get(endpoint) ?? 0) + 1);
    this.byStatus.set(String(status), (this.byStatus.get(String(status)) ?? 0) + 1);
  }

  used(now: number): number {
    this.prune(now);
    return this.hits.length;
  }

  reset(): void {
    this.hits = [];
  }

  resetCounters(): void {
    this.total = 0;
    this.byEndpoint.clear();
    this.byStatus.clear();
  }

  stats(now: number): UsageStats {
    return {
      total: this.total,
      quotaUsed: this.used(now),
      quotaLimit: this.limit,
      byEndpoint: Object.fromEntries(this.byEndpoint),
      byStatus: Object.fromEntries(this.byStatus),
    };
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.hits.length && (this.hits[drop] ?? 0) <= now - DAY_MS) drop++;
    if (drop > 0) this.hits.splice(0, drop);
  }
}
