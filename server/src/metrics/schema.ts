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
  compare: z
    .enum(['true', 'false'])
    .optional()
    .openapi({
      description:
        'Also answer the previous period (`previous`): on by default for KPIs (false omits it), off by default for ' +
        'the series and the breakdowns (true adds it)',
    }),
  tz: z
    .string()
    .max(64)
    .refine(isValidTimeZone, 'not an IANA time zone')
    .optional()
    .openapi({ description: 'Platform-wide views only: the time zone for buckets (default UTC)' }),
});
export type RangeQuery = z.infer<typeof RangeQuerySchema>;

export const RangeSchema = z
  .strictObject({
    from: z.string(),
    to: z.string(),
    periodEnd: z.string(),
    timezone: z.string(),
    interval: z.enum(['hour', 'day', 'week', 'month']),
  })
  .openapi('Range');

const count = z.number().int();

/** The figures of a range, each defined in docs/metrics.md; the order is the order of every answer. */
export const FiguresSchema = z.strictObject({
  totalCalls: count,
  offeredCalls: count,
  outboundCalls: count,
  answeredCalls: count,
  missedCalls: count,
  voicemailCalls: count,
  shortAbandonedCalls: count,
  answerRatePct: nullableNumber,
  serviceLevelPct: nullableNumber,
  abandonRatePct: nullableNumber,
  avgWaitSeconds: nullableNumber,
  longestWaitSeconds: nullableNumber,
  avgTalkSeconds: nullableNumber,
  outboundConnectedCalls: count,
  outboundAvgTalkSeconds: nullableNumber,
});
export type Figures = z.infer<typeof FiguresSchema>;
export type FigureName = keyof Figures;

/** The figures with the org they are of (null: platform-wide) and the service-level settings they used. */
export const KpiFiguresSchema = z
  .strictObject({
    orgId: z.string().nullable(),
    ...FiguresSchema.shape,
    serviceLevelThresholdSeconds: z.number(),
    serviceLevelTargetPct: z.number(),
  })
  .openapi('KpiFigures');
export type KpiFigures = z.infer<typeof KpiFiguresSchema>;

export const ChangeSchema = z
  .strictObject({
    delta: nullableNumber.openapi({ description: 'current − previous (percentage points for rates)' }),
    pct: nullableNumber.openapi({ description: 'relative change in %; null when the previous value is 0 or null' }),
  })
  .openapi('Change');
export type Change = z.infer<typeof ChangeSchema>;

/** The change of every figure; the zod shape is built from FiguresSchema's names, so the two cannot drift apart. */
export const KpiChangeSchema = z
  .strictObject(Object.fromEntries(FiguresSchema.keyof().options.map((name) => [name, ChangeSchema])))
  .openapi('KpiChange');
export type KpiChange = Record<FigureName, Change>;

export const KpisSchema = z
  .strictObject({
    range: RangeSchema,
    metrics: KpiFiguresSchema,
    previous: orNull(KpiFiguresSchema),
    change: orNull(KpiChangeSchema),
  })
  .openapi('Kpis');

const SeriesPointSchema = z.strictObject({
  bucketStart: z.string(),
  totalCalls: count,
  offered: count,
  outbound: count,
  answered: count,
  missed: count,
  voicemail: count,
  serviceLevelPct: nullableNumber,
  avgWaitSeconds: nullableNumber,
});

const PREVIOUS = 'The same answer for the previous period when asked with compare=true, else null';

/** Bucket i of the previous period is bucket i of the range, one period back. */
const previousPoints = orNull(z.strictObject({ range: RangeSchema, points: z.array(SeriesPointSchema) })).openapi({
  description: PREVIOUS,
});
const previousItems = <T extends z.ZodType>(item: T) =>
  orNull(z.strictObject({ range: RangeSchema, items: z.array(item) })).openapi({ description: PREVIOUS });

export const SeriesSchema = z
  .strictObject({
    interval: z.enum(['hour', 'day', 'week', 'month']),
    timezone: z.string(),
    range: RangeSchema,
    points: z.array(SeriesPointSchema),
    previous: previousPoints,
  })
  .openapi('Series');

const QueueSummaryItemSchema = z.strictObject({
  queueName: z.string().nullable(),
  totalCalls: count.openapi({
    description: 'Inbound calls of the queue (the summary counts inbound calls only)',
  }),
  answered: count,
  missed: count,
  voicemail: count,
  shortAbandoned: count,
  answerRatePct: nullableNumber,
  serviceLevelPct: nullableNumber,
  avgWaitSeconds: nullableNumber,
});

export const QueueSummarySchema = z
  .strictObject({
    range: RangeSchema,
    items: z.array(QueueSummaryItemSchema),
    previous: previousItems(QueueSummaryItemSchema),
  })
  .openapi('QueueSummary');

const AgentBreakdownItemSchema = z.strictObject({
  agentExtension: z.string(),
  agentName: z.string().nullable(),
  answered: count,
  outbound: count,
  outboundConnected: count,
  avgWaitSeconds: nullableNumber,
  avgConnectedTalkSeconds: nullableNumber.openapi({
    description:
      "Mean talk time of the agent's connected calls: answered inbound and connected outbound " +
      '(the KPI avgTalkSeconds counts answered inbound calls only)',
  }),
  totalTalkSeconds: z.number().openapi({ description: "Talk time of the agent's connected calls, summed" }),
});

export const AgentBreakdownSchema = z
  .strictObject({
    range: RangeSchema,
    items: z.array(AgentBreakdownItemSchema),
    previous: previousItems(AgentBreakdownItemSchema),
  })
  .openapi('AgentBreakdown');

const NumberBreakdownItemSchema = z.strictObject({
  phoneNumberId: z.string(),
  e164: z.string(),
  label: z.string().nullable(),
  totalCalls: count.openapi({ description: 'offered + outbound' }),
  offered: count,
  answered: count,
  missed: count,
  voicemail: count,
  outbound: count,
  answerRatePct: nullableNumber,
  serviceLevelPct: nullableNumber,
  avgWaitSeconds: nullableNumber,
});

export const NumberBreakdownSchema = z
  .strictObject({
    range: RangeSchema,
    items: z.array(NumberBreakdownItemSchema),
    previous: previousItems(NumberBreakdownItemSchema),
  })
  .openapi('NumberBreakdown');

export const SortQuerySchema = z.object({
  sort: z.string().max(40).optional().openapi({ description: 'A numeric field of the items; prefix - for descending' }),
});

const HeatmapCellSchema = z.strictObject({
  weekday: z.number().int().min(1).max(7).openapi({ description: 'ISO weekday in the time zone: 1 Monday … 7 Sunday' }),
  hour: z.number().int().min(0).max(23).openapi({ description: 'Hour of the day on the local clock, 0–23' }),
  offered: count.openapi({ description: 'Offered calls (inbound), as the KPI offeredCalls counts them' }),
  answered: count.openapi({ description: 'Answered inbound calls, as the KPI answeredCalls counts them' }),
  answerRatePct: nullableNumber.openapi({ description: 'As the KPI answerRatePct (short abandons excluded)' }),
});

const HeatmapTotalsSchema = z.strictObject({ offered: count, answered: count });

export const HeatmapSchema = z
  .strictObject({
    range: RangeSchema,
    timezone: z.string(),
    cells: z.array(HeatmapCellSchema).openapi({
      description:
        'All 168 cells (7 weekdays × 24 hours, Monday 00 first), empty ones with zeros; each sums every day of the ' +
        'range with that weekday. The cells add up to the KPIs of the same range.',
    }),
    totals: HeatmapTotalsSchema,
    previous: orNull(
      z.strictObject({ range: RangeSchema, cells: z.array(HeatmapCellSchema), totals: HeatmapTotalsSchema }),
    ).openapi({ description: PREVIOUS }),
  })
  .openapi('Heatmap');
