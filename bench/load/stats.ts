// Small numeric helpers for the load benchmark: percentiles over recorded samples, RSS summaries.

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export const round = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** Nearest-rank percentiles of the samples (milliseconds in, milliseconds out); NaN when there are none. */
export function percentiles(samples: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  if (n === 0) return { n, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const rank = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] ?? Number.NaN;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n,
    p50: round(rank(0.5)),
    p95: round(rank(0.95)),
    p99: round(rank(0.99)),
    max: round(sorted[n - 1] ?? Number.NaN),
    mean: round(sum / n),
  };
}

/** A growable list of samples without the per-element cost of a JS array of boxed numbers. */
export class Samples {
  private data = new Float64Array(1024);
  private size = 0;

  push(value: number): void {
    if (this.size === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.size++] = value;
  }

  get length(): number {
    return this.size;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.size);
  }
}

export interface RssSample {
  /** seconds since the sampler started */
  t: number;
  mb: number;
}

export interface RssSummary {
  minMb: number;
  maxMb: number;
  lastMb: number;
  samples: number;
}

export function rssSummary(samples: readonly RssSample[]): RssSummary {
  if (samples.length === 0) return { minMb: Number.NaN, maxMb: Number.NaN, lastMb: Number.NaN, samples: 0 };
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const s of samples) {
    min = Math.min(min, s.mb);
    max = Math.max(max, s.mb);
  }
  return {
    minMb: round(min, 1),
    maxMb: round(max, 1),
    lastMb: round(samples.at(-1)?.mb ?? 0, 1),
    samples: samples.length,
  };
}

export interface RssTrend {
  /** window length used for both means, seconds */
  windowSeconds: number;
  /** mean over [window, 2·window): after warm-up (for a 10-minute soak: minute 2) */
  earlyMeanMb: number;
  /** mean over the last window */
  lateMeanMb: number;
  growthPercent: number;
  /** least-squares slope after warm-up, MB per minute */
  slopeMbPerMin: number;
}

/** Compares the mean RSS of the second window with the last one; windows are 60 s, shorter for short runs. */
export function rssTrend(samples: readonly RssSample[], durationSeconds: number): RssTrend {
  const window = Math.max(2, Math.min(60, Math.floor(durationSeconds / 4)));
  const end = samples.at(-1)?.t ?? 0;
  const mean = (xs: readonly RssSample[]) => (xs.length ? xs.reduce((s, x) => s + x.mb, 0) / xs.length : Number.NaN);
  const early = mean(samples.filter((s) => s.t >= window && s.t < 2 * window));
  const late = mean(samples.filter((s) => s.t > end - window));
  const after = samples.filter((s) => s.t >= window);
  let slope = Number.NaN;
  if (after.length >= 2) {
    const mt = after.reduce((s, x) => s + x.t, 0) / after.length;
    const mm = mean(after);
    let num = 0;
    let den = 0;
    for (const x of after) {
      num += (x.t - mt) * (x.mb - mm);
      den += (x.t - mt) ** 2;
    }
    slope = den > 0 ? (num / den) * 60 : Number.NaN;
  }
  return {
    windowSeconds: window,
    earlyMeanMb: round(early, 1),
    lateMeanMb: round(late, 1),
    growthPercent: round(((late - early) / early) * 100, 1),
    slopeMbPerMin: round(slope, 2),
  };
}
