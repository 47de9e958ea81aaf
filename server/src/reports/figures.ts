// A report's figures, read through the same functions the metrics API answers with (kpis, series, queue summary,
// agent and number breakdowns) for the same range, so every figure in the email equals the API's.
import { callsBetween } from '../calls/service.js';
import type { Tx } from '../db/tenant.js';
import type { Interval } from '../metrics/range.js';
import type { Figures, KpiChange, KpiFigures } from '../metrics/schema.js';
import {
  agentBreakdown,
  compareFigures,
  kpis,
  type MetricsQuery,
  numberBreakdown,
  queueSummary,
  series,
} from '../metrics/service.js';
import { addDays, type Frequency, formatDate, type ReportPeriod } from './schedule.js';

/** The calls of a period attached as CSV at most; a busier period links to the call log's export instead. */
export const REPORT_CSV_MAX_CALLS = 5000;
export const TOP_ROWS = 5;

/** The API query of a period: whole local days, `to` inclusive (as /api/client-metrics?from=…&to=… reads them). */
export function periodQuery(period: ReportPeriod, frequency: Frequency) {
  return {
    from: formatDate(period.start),
    to: formatDate(addDays(period.end, -1)),
    interval: (frequency === 'daily' ? 'hour' : 'day') as Interval,
  };
}

type CallsOf<T extends (...args: never[]) => Promise<{ items: unknown[] }>> = Awaited<ReturnType<T>>['items'];

export interface ReportFigures {
  query: ReturnType<typeof periodQuery>;
  previousQuery: ReturnType<typeof periodQuery>;
  metrics: KpiFigures;
  previous: KpiFigures;
  change: KpiChange;
  /** answered and missed per bucket of the period (the chart) */
  buckets: Array<{ bucketStart: string; answered: number; missed: number }>;
  queues: CallsOf<typeof queueSummary>;
  agents: CallsOf<typeof agentBreakdown>;
  numbers: CallsOf<typeof numberBreakdown>;
  /** the period's calls, newest first; null when more than REPORT_CSV_MAX_CALLS */
  calls: Awaited<ReturnType<typeof callsBetween>> | null;
}

const figuresOf = (k: KpiFigures): Figures => {
  const { orgId: _o, serviceLevelThresholdSeconds: _t, serviceLevelTargetPct: _p, ...figures } = k;
  return figures;
};

/** Reads everything a report shows for `period`, compared with `before`. `tx` may read the org's calls. */
export async function readReportFigures(
  tx: Tx,
  orgId: string,
  frequency: Frequency,
  period: ReportPeriod,
  before: ReportPeriod,
): Promise<ReportFigures> {
  const query = periodQuery(period, frequency);
  const previousQuery = periodQuery(before, frequency);
  const q: MetricsQuery = { orgId, ...query, compare: false };
  const current = await kpis(tx, q);
  const prior = await kpis(tx, { orgId, ...previousQuery, compare: false });
  const points = await series(tx, q);
  const top = <T>(items: T[]) => items.slice(0, TOP_ROWS);
  const total = current.metrics.totalCalls;
  return {
    query,
    previousQuery,
    metrics: current.metrics,
    previous: prior.metrics,
    change: compareFigures(figuresOf(current.metrics), figuresOf(prior.metrics)),
    buckets: points.points.map((p) => ({ bucketStart: p.bucketStart, answered: p.answered, missed: p.missed })),
    queues: top((await queueSummary(tx, q)).items),
    agents: top((await agentBreakdown(tx, q)).items),
    numbers: top((await numberBreakdown(tx, q)).items),
    calls:
      total > REPORT_CSV_MAX_CALLS
        ? null
        : await callsBetween(tx, { orgId, limit: REPORT_CSV_MAX_CALLS }, { orgId, from: period.from, to: period.to }),
  };
}
