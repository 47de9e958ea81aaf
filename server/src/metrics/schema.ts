// zod schemas of the metrics API: the query every ranged endpoint takes and the shapes it answers with.
import { z } from '@hono/zod-openapi';
import { orNull } from '../http/or-null.js';
import { isValidTimeZone } from './zoned.js';

const nullableNumber = z.number().nullable();

export const RangeQuerySchema = z.object({
  org_id: z.string().max(64).optional().openapi({ description: 'The org; optional when the caller has exactly one' }),
  range: z.enum(['day', 'week', 'month', 'year']).optional().openapi({ description: 'A preset in the org time zone' }),
  from: z
    .string()
    .max(40)
    .optional()
    .openapi({ description: 'ISO date (whole local day) or instant', example: '2026-03-01' }),
  to: z.string().max(40).optional().openapi({ description: 'ISO date (inclusive) or instant', example: '2026-03-31' }),
  interval: z.enum(['hour', 'day', 'week', 'month']).optional(),
  compare: z.enum(['true', 'false']).optional().openapi({ description: 'false omits the previous period' }),
  tz: z
    .string()
    .max(64)
    .refine(isValidTimeZone, 'not an IANA time zone')
    .optional()
    .openapi({ description: 'Platform-wide views only: the time zone for buckets (default UTC)' }),
});
export type RangeQuery = z.infer<typeof RangeQuerySchema>;

export const RangeSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    periodEnd: z.string(),
    timezone: z.string(),
    interval: z.enum(['hour', 'day', 'week', 'month']),
  })
  .openapi('Range');

export const MetricsSchema = z
  .object({
    org_id: z.string().nullable(),
    total_calls: z.number().int(),
    offered_calls: z.number().int(),
    outbound_calls: z.number().int(),
    answered_calls: z.number().int(),
    missed_calls: z.number().int(),
    voicemail_calls: z.number().int(),
    short_abandoned_calls: z.number().int(),
    answer_rate_pct: nullableNumber,
    service_level_pct: nullableNumber,
    abandon_rate_pct: nullableNumber,
    avg_wait_seconds: nullableNumber,
    longest_wait_seconds: nullableNumber,
    avg_talk_seconds: nullableNumber,
    outbound_connected_calls: z.number().int(),
    outbound_avg_talk_seconds: nullableNumber,
    service_level_threshold_seconds: z.number(),
    service_level_target_pct: z.number(),
  })
  .openapi('Metrics');

const ChangeEntry = z.object({ delta: nullableNumber, pct: nullableNumber });

export const ClientMetricsSchema = z
  .object({
    range: RangeSchema,
    metrics: MetricsSchema,
    previous: orNull(MetricsSchema),
    change: z.record(z.string(), ChangeEntry).nullable(),
  })
  .openapi('ClientMetrics');

export const SeriesSchema = z
  .object({
    interval: z.enum(['hour', 'day', 'week', 'month']),
    timezone: z.string(),
    range: RangeSchema,
    points: z.array(
      z.object({
        bucketStart: z.string(),
        totalCalls: z.number().int(),
        offered: z.number().int(),
        outbound: z.number().int(),
        answered: z.number().int(),
        missed: z.number().int(),
        voicemail: z.number().int(),
        serviceLevelPct: nullableNumber,
        avgWaitSeconds: nullableNumber,
      }),
    ),
  })
  .openapi('Series');

export const QueueSummarySchema = z
  .object({
    range: RangeSchema,
    items: z.array(
      z.object({
        queueName: z.string().nullable(),
        totalCalls: z.number().int(),
        answered: z.number().int(),
        missed: z.number().int(),
        voicemail: z.number().int(),
        shortAbandoned: z.number().int(),
        answerRatePct: nullableNumber,
        serviceLevelPct: nullableNumber,
        avgWaitSeconds: nullableNumber,
      }),
    ),
  })
  .openapi('QueueSummary');

export const AgentBreakdownSchema = z
  .object({
    range: RangeSchema,
    items: z.array(
      z.object({
        agentExtension: z.string(),
        agentName: z.string().nullable(),
        answered: z.number().int(),
        outbound: z.number().int(),
        outboundConnected: z.number().int(),
        avgWaitSeconds: nullableNumber,
        avgTalkSeconds: nullableNumber,
        totalTalkSeconds: z.number(),
      }),
    ),
  })
  .openapi('AgentBreakdown');

export const NumberBreakdownSchema = z
  .object({
    range: RangeSchema,
    items: z.array(
      z.object({
        phoneNumberId: z.string(),
        e164: z.string(),
        label: z.string().nullable(),
        offered: z.number().int(),
        answered: z.number().int(),
        missed: z.number().int(),
        voicemail: z.number().int(),
        outbound: z.number().int(),
        answerRatePct: nullableNumber,
        serviceLevelPct: nullableNumber,
        avgWaitSeconds: nullableNumber,
      }),
    ),
  })
  .openapi('NumberBreakdown');

export const SortQuerySchema = z.object({
  sort: z.string().max(40).optional().openapi({ description: 'A numeric field of the items; prefix - for descending' }),
});
