// Reads a range the fast way: whole local days from the org's daily rollups, partial days at the edges from raw calls.
import type { Kysely } from 'kysely';
import type { DB } from '../db/types.js';
import { bucketed, rollupBucketed, rollupTotals, type Sums, type Thresholds, totals } from './queries.js';
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

export async function rangeTotals(
  tx: Tx,
  orgId: string | null,
  window: Window,
  tz: string,
  t: Thresholds,
): Promise<Sums> {
  const plan = planRead(orgId, window, tz);
  const parts: Sums[] = [];
  if (plan.days && orgId) parts.push(await rollupTotals(tx, orgId, plan.days.fromDay, plan.days.toDay));
  for (const w of plan.raw) parts.push(await totals(tx, { orgId, from: w.from, to: w.to }, t));
  return parts.reduce(addSums);
}

export async function rangeBuckets(
  tx: Tx,
  orgId: string | null,
  range: ResolvedRange,
  t: Thresholds,
): Promise<Map<number, Sums>> {
  const out = new Map<number, Sums>();
  const merge = (rows: Array<Sums & { bucket: number }>) => {
    for (const { bucket, ...s } of rows) {
      const prev = out.get(bucket);
      out.set(bucket, prev ? addSums(prev, s) : s);
    }
  };
  // Daily rollups can fill day, week and month buckets, never hours.
  const plan =
    range.interval === 'hour'
      ? { days: null, raw: [{ from: range.from, to: range.to }] }
      : planRead(orgId, range, range.timezone);
  if (plan.days && orgId) {
    merge(await rollupBucketed(tx, orgId, plan.days.fromDay, plan.days.toDay, range.timezone, range.buckets));
  }
  for (const w of plan.raw) merge(await bucketed(tx, { orgId, from: w.from, to: w.to }, t, range.buckets));
  return out;
}
