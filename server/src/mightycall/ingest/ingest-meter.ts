// How fast webhook events are arriving in this process, so background work can stand aside during a burst.
// A sender waits for each acknowledgement (and may time out), while folding and fetching have seconds to spare:
// while events pour in, the inbox worker lets the acknowledgements have the one thread for a bounded time.

export interface IngestMeterOptions {
  /** the window arrivals are counted over, ms (default 200) */
  windowMs?: number;
  /** arrivals within the window above which the process counts as busy (default 300: 1,500 events/s) */
  busyAbove?: number;
  now?: () => number;
}

const BUCKETS = 4;

export class IngestMeter {
  private readonly bucketMs: number;
  private readonly busyAbove: number;
  private readonly now: () => number;
  /** arrivals per bucket, a ring indexed by bucket number modulo BUCKETS */
  private readonly counts = new Array<number>(BUCKETS).fill(0);
  private readonly stamps = new Array<number>(BUCKETS).fill(-1);

  constructor(options: IngestMeterOptions = {}) {
    this.bucketMs = Math.max(1, (options.windowMs ?? 200) / BUCKETS);
    this.busyAbove = options.busyAbove ?? 300;
    this.now = options.now ?? (() => performance.now());
  }

  /** One event arrived. */
  record(): void {
    const bucket = Math.floor(this.now() / this.bucketMs);
    const slot = bucket % BUCKETS;
    if (this.stamps[slot] !== bucket) {
      this.stamps[slot] = bucket;
      this.counts[slot] = 0;
    }
    this.counts[slot] = (this.counts[slot] ?? 0) + 1;
  }

  /** Arrivals within the last window (the current bucket and the ones before it). */
  recent(): number {
    const bucket = Math.floor(this.now() / this.bucketMs);
    let sum = 0;
    for (let slot = 0; slot < BUCKETS; slot++) {
      const stamp = this.stamps[slot] ?? -1;
      if (stamp > bucket - BUCKETS) sum += this.counts[slot] ?? 0;
    }
    return sum;
  }

  busy(): boolean {
    return this.recent() > this.busyAbove;
  }
}
