// GET /api/client-metrics, the first release's snake_case KPIs: a renaming adapter over the camelCase KPIs.
//
// Integrations read this endpoint with org API keys, so its answer is a contract: the same figures as
// GET /api/metrics/kpis, in the same order, under the names below, and nothing else (pinned byte for byte by
// server/test/client-metrics-v1.test.ts). New figures go to the KPI endpoint only; this map does not grow.
import { z } from '@hono/zod-openapi';
import { orNull } from '../http/or-null.js';
import { KpiChangeSchema, KpiFiguresSchema, RangeSchema } from './schema.js';
import type { Kpis } from './service.js';

/** Each KPI field's first-release name. */
export const V1_NAMES = {
  orgId: 'org_id',
  totalCalls: 'total_calls',
  offeredCalls: 'offered_calls',
  outboundCalls: 'outbound_calls',
  answeredCalls: 'answered_calls',
  missedCalls: 'missed_calls',
  voicemailCalls: 'voicemail_calls',
  shortAbandonedCalls: 'short_abandoned_calls',
  answerRatePct: 'answer_rate_pct',
  serviceLevelPct: 'service_level_pct',
  abandonRatePct: 'abandon_rate_pct',
  avgWaitSeconds: 'avg_wait_seconds',
  longestWaitSeconds: 'longest_wait_seconds',
  avgTalkSeconds: 'avg_talk_seconds',
  outboundConnectedCalls: 'outbound_connected_calls',
  outboundAvgTalkSeconds: 'outbound_avg_talk_seconds',
  serviceLevelThresholdSeconds: 'service_level_threshold_seconds',
  serviceLevelTargetPct: 'service_level_target_pct',
} as const satisfies Record<keyof typeof KpiFiguresSchema.shape, string>;

const v1Names = new Map<string, string>(Object.entries(V1_NAMES));

function v1Name(name: string): string {
  const renamed = v1Names.get(name);
  if (renamed === undefined) throw new Error(`client-metrics v1: no first-release name for ${name}`);
  return renamed;
}

/** The same object with its keys renamed, in the same order. */
function renamed<V>(object: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(object).map(([name, value]) => [v1Name(name), value]));
}

export const MetricsV1Schema = z.strictObject(renamed(KpiFiguresSchema.shape)).openapi('Metrics');

export const ClientMetricsV1Schema = z
  .strictObject({
    range: RangeSchema,
    metrics: MetricsV1Schema,
    previous: orNull(MetricsV1Schema),
    change: orNull(z.strictObject(renamed(KpiChangeSchema.shape))),
  })
  .openapi('ClientMetrics');

/** The KPIs under their first-release names. */
export function clientMetricsV1(kpis: Kpis) {
  return {
    range: kpis.range,
    metrics: renamed(kpis.metrics),
    previous: kpis.previous && renamed(kpis.previous),
    change: kpis.change && renamed(kpis.change),
  };
}
