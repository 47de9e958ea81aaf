// Reads a range the fast way: whole local days from the org's daily rollups, partial days at the edges from raw calls.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../db/types.js';
import { bucketedSql, rollupBucketedSql, rollupTotalsSql, type Sums, type Thresholds, totalsSql } from './queries.js';
import type { ResolvedRange } from './range.js';
import { advance, truncate } from './range.js';
import { localParts } from './zoned.js';

type Tx = Kysely<DB>;

interface Window {
  from: Date;
  to: Date;
}

export interface ReadPlan {
  /** whole local days served by rollups, as [fromDay, toDay) dates */
  days: { fromDay: string; toDay: string } | null;
  /** the rest, read from raw calls */
  raw: Window[];
}

const localDate = (d: Date, tz: string) => {
  const p = localParts(d, tz);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
};

export function planRead(orgId: string | null, window: Window, tz: string): ReadPlan {
  if (orgId === null) return { days: null, raw: [window] };
  const startOfFrom = truncate(window.from, 'day', tz);
  const firstMidnight = startOfFrom.getTime() === window.from.getTime() ? window.from : advance(startOfFrom, 'day', tz);
  const lastMidnight = truncate(window.to, 'day', tz);
  if (firstMidnight >= lastMidnight) return { days: null, raw: [window] };
  const raw: Window[] = [];
  if (window.from < firstMidnight) raw.push({ from: window.from, to: firstMidnight });
  if (lastMidnight < window.to) raw.push({ from: lastMidnight, to: window.to });
  return { days: { fromDay: localDate(firstMidnight, tz), toDay: localDate(lastMidnight, tz) }, raw };
}

export function addSums(a: Sums, b: Sums): Sums {
  return {
    offered: a.offered + b.offered,
    outbound: a.outbound + b.outbound,
    answered: a.answered + b.answered,
    voicemail: a.voicemail + b.voicemail,
    missed: a.missed + b.missed,
    shortAbandoned: a.shortAbandoned + b.shortAbandoned,
    slAnswered: a.slAnswered + b.slAnswered,
    waitSumAnswered: a.waitSumAnswered + b.waitSumAnswered,
    waitMax: a.waitMax === null ? b.waitMax : b.waitMax === null ? a.waitMax : Math.max(a.waitMax, b.waitMax),
    talkSumAnswered: a.talkSumAnswered + b.talkSumAnswered,
    outboundConnected: a.outboundConnected + b.outboundConnected,
    outboundTalkSum: a.outboundTalkSum + b.outboundTalkSum,
  };
}

/** UNION ALL of parts that return the same columns: one statement, one round trip. */
function unionAll<R>(parts: RawBuilder<R>[]): RawBuilder<R> {
  return sql<R>`${sql.join(parts, sql` UNION ALL `)}`;
}

/**
 * The sums of several windows (e.g. a range and its previous period) in one statement: each window's whole
 * local days from the rollups and its partial edge days from raw calls, one row per part tagged with its window.
 */
export function rangeTotalsSql(
  orgId: string | null,
  windows: Window[],
  tz: string,
  t: Thresholds,
): RawBuilder<Sums & { part: number }> {
  const parts: RawBuilder<Sums & { part: number }>[] = [];
  windows.forEach((window, i) => {
    const plan = planRead(orgId, window, tz);
    if (plan.days && orgId) parts.push(rollupTotalsSql(orgId, plan.days.fromDay, plan.days.toDay, i));
    for (const w of plan.raw) parts.push(totalsSql({ orgId, from: w.from, to: w.to }, t, i));
  });
  return unionAll(parts);
}

/** rangeTotalsSql's rows summed per window, in the windows' order. */
export function totalsOfWindows(rows: ReadonlyArray<Sums & { part: number }>, windows: number): Sums[] {
  return Array.from({ length: windows }, (_, i) =>
    rows
      .filter((r) => r.part === i)
      .map(({ part: _part, ...sums }) => sums)
      .reduce(addSums),
  );
}

export async function rangeTotalsMany(
  tx: Tx,
  orgId: string | null,
  windows: Window[],
  tz: string,
  t: Thresholds,
): Promise<Sums[]> {
  const rows = (await rangeTotalsSql(orgId, windows, tz, t).execute(tx)).rows;
  return totalsOfWindows(rows, windows.length);
}

/** Sums per bucket of the range, rollups and raw edges in one statement; `bucket` indexes `range.buckets`. */
export function rangeBucketsSql(
  orgId: string | null,
  range: ResolvedRange,
  t: Thresholds,
): RawBuilder<Sums & { bucket: number }> {
  // Daily rollups can fill day, week and month buckets, never hours.
  const plan =
    range.interval === 'hour'
      ? { days: null, raw: [{ from: range.from, to: range.to }] }
      : planRead(orgId, range, range.timezone);
  const parts: RawBuilder<Sums & { bucket: number }>[] = [];
  if (plan.days && orgId) {
    parts.push(rollupBucketedSql(orgId, plan.days.fromDay, plan.days.toDay, range.timezone, range.buckets));
  }
  for (const w of plan.raw) parts.push(bucketedSql({ orgId, from: w.from, to: w.to }, t, range.buckets));
  return unionAll(parts);
}

/** rangeBucketsSql's rows summed per bucket. */
export function sumsByBucket(rows: ReadonlyArray<Sums & { bucket: number }>): Map<number, Sums> {
  const out = new Map<number, Sums>();
  for (const { bucket, ...s } of rows) {
    const prev = out.get(bucket);
    out.set(bucket, prev ? addSums(prev, s) : s);
  }
  return out;
}
