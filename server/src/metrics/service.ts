// The metrics views: each runs one query through the runner and shapes its sums into an answer (KPIs, series,
// queue summary, agent and number breakdowns), with the previous period beside it when the query asks.
import type { Tx } from '../db/tenant.js';
import { AGENT_FIGURES, deriveFigures, EMPTY_SUMS, FIGURES, mergeSums, round1, type Sums } from './definitions.js';
import type { ResolvedRange } from './range.js';
import { type Dimension, type DimensionKeys, type Group, type MetricsQuery, run } from './runner.js';
import type { Figures, KpiChange, KpiFigures } from './schema.js';
import type { OrgContext } from './settings.js';
import { isoWithOffset } from './zoned.js';

export type { MetricsQuery } from './runner.js';

export function describeRange(range: ResolvedRange) {
  return {
    from: isoWithOffset(range.from, range.timezone),
    to: isoWithOffset(range.to, range.timezone),
    periodEnd: isoWithOffset(range.periodEnd, range.timezone),
    timezone: range.timezone,
    interval: range.interval,
  };
}

/** Current minus previous; for rates the delta is in percentage points. */
export function compareFigures(current: Figures, previous: Figures): KpiChange {
  const out = {} as KpiChange;
  for (const key of Object.keys(current) as Array<keyof Figures>) {
    const now = current[key];
    const before = previous[key];
    if (now === null || before === null) {
      out[key] = { delta: null, pct: null };
      continue;
    }
    out[key] = { delta: round1(now - before), pct: before === 0 ? null : round1(((now - before) / before) * 100) };
  }
  return out;
}

export interface Kpis {
  range: ReturnType<typeof describeRange>;
  metrics: KpiFigures;
  previous: KpiFigures | null;
  change: KpiChange | null;
}

/** The KPIs of a range and, unless compare is false, of the previous period and the change between them. */
export async function kpis(tx: Tx, query: MetricsQuery, now = new Date()): Promise<Kpis> {
  const { ctx, range, groups } = await run(tx, { ...query, compare: query.compare !== false }, 'total', now);
  const [total] = groups;
  if (!total) throw new Error('kpis: no total');
  const decorate = (figures: Figures): KpiFigures => ({
    orgId: ctx.orgId,
    ...figures,
    serviceLevelThresholdSeconds: ctx.thresholds.slThresholdSeconds,
    serviceLevelTargetPct: ctx.slTargetPct,
  });
  const current = deriveFigures(total.current);
  if (!total.previous) return { range: describeRange(range), metrics: decorate(current), previous: null, change: null };
  const prior = deriveFigures(total.previous);
  return {
    range: describeRange(range),
    metrics: decorate(current),
    previous: decorate(prior),
    change: compareFigures(current, prior),
  };
}

/**
 * A breakdown and, when asked, the same breakdown of the previous period: `item` shapes one key's sums, `order`
 * sorts the items (the previous period's items follow the current order, then its own keys).
 */
async function breakdown<D extends Dimension, T>(
  tx: Tx,
  query: MetricsQuery,
  dimension: D,
  now: Date,
  item: (key: DimensionKeys[D], sums: Sums, ctx: OrgContext) => T,
  order: (a: Group<DimensionKeys[D]>, b: Group<DimensionKeys[D]>) => number,
) {
  const result = await run(tx, query, dimension, now);
  const groups = [...result.groups].sort(order);
  const current = groups.filter((g) => !isEmpty(g.current)).map((g) => item(g.key, g.current, result.ctx));
  const previous =
    result.previousRange === null
      ? null
      : {
          range: describeRange(result.previousRange),
          items: groups
            .filter((g) => g.previous && !isEmpty(g.previous))
            .map((g) => item(g.key, g.previous ?? EMPTY_SUMS, result.ctx)),
        };
  return { result, items: current, previous };
}

const isEmpty = (s: Sums) => s.offered === 0 && s.outbound === 0;

export interface SeriesPoint {
  bucketStart: string;
  totalCalls: number;
  offered: number;
  outbound: number;
  answered: number;
  missed: number;
  voicemail: number;
  serviceLevelPct: number | null;
  avgWaitSeconds: number | null;
}

/** Every bucket of the range, empty ones with zeros. */
function points(range: ResolvedRange, sumsOf: (bucket: number) => Sums): SeriesPoint[] {
  // The figures a point shows, each derived alone (hundreds of buckets: not every figure for each).
  return range.buckets.map((start, i) => {
    const s = sumsOf(i);
    return {
      bucketStart: isoWithOffset(start, range.timezone),
      totalCalls: FIGURES.totalCalls(s),
      offered: FIGURES.offeredCalls(s),
      outbound: FIGURES.outboundCalls(s),
      answered: FIGURES.answeredCalls(s),
      missed: FIGURES.missedCalls(s),
      voicemail: FIGURES.voicemailCalls(s),
      serviceLevelPct: FIGURES.serviceLevelPct(s),
      avgWaitSeconds: FIGURES.avgWaitSeconds(s),
    };
  });
}

export async function series(tx: Tx, query: MetricsQuery, now = new Date()) {
  const { ctx, range, previousRange, groups } = await run(tx, query, 'bucket', now);
  const byBucket = new Map(groups.map((g) => [g.key.bucket, g]));
  return {
    interval: range.interval,
    timezone: ctx.timezone,
    range: describeRange(range),
    points: points(range, (i) => byBucket.get(i)?.current ?? EMPTY_SUMS),
    previous: previousRange && {
      range: describeRange(previousRange),
      points: points(previousRange, (i) => byBucket.get(i)?.previous ?? EMPTY_SUMS),
    },
  };
}

/** Nulls last, as PostgreSQL sorts ascending. */
const byText = (a: string | null, b: string | null) =>
  a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1;

export async function queueSummary(tx: Tx, query: MetricsQuery, now = new Date()) {
  const { result, items, previous } = await breakdown(
    tx,
    query,
    'queue',
    now,
    (key, sums) => {
      const m = deriveFigures(sums);
      return {
        queueName: key.queueName,
        totalCalls: m.offeredCalls,
        answered: m.answeredCalls,
        missed: m.missedCalls,
        voicemail: m.voicemailCalls,
        shortAbandoned: m.shortAbandonedCalls,
        answerRatePct: m.answerRatePct,
        serviceLevelPct: m.serviceLevelPct,
        avgWaitSeconds: m.avgWaitSeconds,
      };
    },
    (a, b) => b.current.offered - a.current.offered || byText(a.key.queueName, b.key.queueName),
  );
  return { range: describeRange(result.range), items, previous };
}

export async function numberBreakdown(tx: Tx, query: MetricsQuery, now = new Date()) {
  const { result, items, previous } = await breakdown(
    tx,
    query,
    'number',
    now,
    (key, sums) => {
      const m = deriveFigures(sums);
      return {
        phoneNumberId: key.phoneNumberId,
        e164: key.e164,
        label: key.label,
        totalCalls: m.totalCalls,
        offered: m.offeredCalls,
        answered: m.answeredCalls,
        missed: m.missedCalls,
        voicemail: m.voicemailCalls,
        outbound: m.outboundCalls,
        answerRatePct: m.answerRatePct,
        serviceLevelPct: m.serviceLevelPct,
        avgWaitSeconds: m.avgWaitSeconds,
      };
    },
    (a, b) =>
      b.current.offered + b.current.outbound - (a.current.offered + a.current.outbound) ||
      byText(a.key.e164, b.key.e164),
  );
  return { range: describeRange(result.range), items, previous };
}

export async function agentBreakdown(tx: Tx, query: MetricsQuery, now = new Date()) {
  const result = await run(tx, query, 'agent', now);
  // One row per extension even when calls came from several provider accounts; the first account's name.
  const merged = new Map<string, { name: string | null; current: Sums; previous: Sums | null }>();
  for (const g of result.groups) {
    const ext = g.key.agentExtension;
    const prev = merged.get(ext);
    merged.set(
      ext,
      prev
        ? {
            name: prev.name ?? g.key.agentName,
            current: mergeSums(prev.current, g.current),
            previous: g.previous && prev.previous ? mergeSums(prev.previous, g.previous) : null,
          }
        : { name: g.key.agentName, current: g.current, previous: g.previous },
    );
  }
  const item = (ext: string, name: string | null, s: Sums) => ({
    agentExtension: ext,
    agentName: name,
    answered: s.answered,
    outbound: s.outbound,
    outboundConnected: s.outboundConnected,
    avgWaitSeconds: deriveFigures(s).avgWaitSeconds,
    avgConnectedTalkSeconds: AGENT_FIGURES.avgConnectedTalkSeconds(s),
    totalTalkSeconds: AGENT_FIGURES.totalTalkSeconds(s),
  });
  const rows = [...merged.entries()].sort(([x, a], [y, b]) => b.current.answered - a.current.answered || byText(x, y));
  return {
    range: describeRange(result.range),
    items: rows.filter(([, r]) => !isEmpty(r.current)).map(([ext, r]) => item(ext, r.name, r.current)),
    previous: result.previousRange && {
      range: describeRange(result.previousRange),
      items: rows
        .filter(([, r]) => r.previous && !isEmpty(r.previous))
        .map(([ext, r]) => item(ext, r.name, r.previous ?? EMPTY_SUMS)),
    },
  };
}

/** All 168 cells (Monday 00 first) of one period's sums, and their totals. */
function heatmapCells(sumsOf: (weekday: number, hour: number) => Sums) {
  const cells = [];
  let total = EMPTY_SUMS;
  for (let weekday = 1; weekday <= 7; weekday++) {
    for (let hour = 0; hour < 24; hour++) {
      const s = sumsOf(weekday, hour);
      total = mergeSums(total, s);
      cells.push({
        weekday,
        hour,
        offered: FIGURES.offeredCalls(s),
        answered: FIGURES.answeredCalls(s),
        answerRatePct: FIGURES.answerRatePct(s),
      });
    }
  }
  return { cells, totals: { offered: FIGURES.offeredCalls(total), answered: FIGURES.answeredCalls(total) } };
}

/**
 * Offered and answered calls per local weekday and hour of the range (every cell, empty ones with zeros), with the
 * KPIs' definitions; with compare=true the same for the previous period.
 */
export async function heatmap(tx: Tx, query: MetricsQuery, now = new Date()) {
  const { ctx, range, previousRange, groups } = await run(tx, query, 'hourWeekday', now);
  const byCell = new Map(groups.map((g) => [`${g.key.weekday}:${g.key.hour}`, g]));
  const current = heatmapCells((w, h) => byCell.get(`${w}:${h}`)?.current ?? EMPTY_SUMS);
  return {
    range: describeRange(range),
    timezone: ctx.timezone,
    ...current,
    previous: previousRange && {
      range: describeRange(previousRange),
      ...heatmapCells((w, h) => byCell.get(`${w}:${h}`)?.previous ?? EMPTY_SUMS),
    },
  };
}
