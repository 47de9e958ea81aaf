// zod schemas of the alerts API: an org's rules (with their state), business hours, history and webhook.
import { z } from '@hono/zod-openapi';
import { orNull } from '../http/or-null.js';

export const ALERT_KINDS = [
  'service_level_below',
  'calls_waiting',
  'longest_wait',
  'missed_calls',
  'no_inbound',
] as const;
export type AlertKindName = (typeof ALERT_KINDS)[number];

/** The kinds that measure over a window of recent minutes (the others read the live queue now). */
export const WINDOWED_KINDS: readonly AlertKindName[] = ['service_level_below', 'missed_calls', 'no_inbound'];

export const MAX_RULES_PER_ORG = 50;

export const OrgParams = z.object({ orgId: z.string().openapi({ param: { name: 'orgId', in: 'path' } }) });
export const RuleParams = OrgParams.extend({
  ruleId: z
    .string()
    .uuid()
    .openapi({ param: { name: 'ruleId', in: 'path' } }),
});

export const AlertRuleInputSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120),
    kind: z.enum(ALERT_KINDS).openapi({ description: 'What the rule watches (docs/alerts.md)' }),
    threshold: z
      .number()
      .min(0)
      .max(1_000_000)
      .openapi({
        description:
          'service_level_below: the percentage (fires below it); calls_waiting: calls; longest_wait: seconds; ' +
          'missed_calls: calls; no_inbound: unused (0)',
      }),
    windowMinutes: z.number().int().min(1).max(1440).nullable().default(null).openapi({
      description: 'The last N minutes measured (service_level_below, missed_calls, no_inbound; required there)',
    }),
    minCalls: z.number().int().min(0).max(100_000).nullable().default(null).openapi({
      description: 'service_level_below: fewer handled calls than this in the window never fire',
    }),
    enabled: z.boolean().default(true),
    recipients: z
      .array(z.string().trim().email().max(320))
      .max(20)
      .default([])
      .openapi({ description: "Addresses to email; empty: the org's admins and managers" }),
    notifyEmail: z.boolean().default(true),
    notifyWebhook: z.boolean().default(true),
  })
  .superRefine((rule, ctx) => {
    if (WINDOWED_KINDS.includes(rule.kind) && rule.windowMinutes === null) {
      ctx.addIssue({ code: 'custom', path: ['windowMinutes'], message: `windowMinutes is required for ${rule.kind}` });
    }
    if (rule.kind === 'service_level_below' && rule.threshold > 100) {
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'a service level is at most 100 %' });
    }
    if (rule.kind !== 'service_level_below' && rule.kind !== 'no_inbound' && rule.threshold < 1) {
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'threshold must be at least 1' });
    }
  })
  .openapi('AlertRuleInput');
export type AlertRuleInput = z.infer<typeof AlertRuleInputSchema>;

export const AlertRuleSchema = z
  .strictObject({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    kind: z.enum(ALERT_KINDS),
    threshold: z.number(),
    windowMinutes: z.number().int().nullable(),
    minCalls: z.number().int().nullable(),
    enabled: z.boolean(),
    recipients: z.array(z.string()),
    notifyEmail: z.boolean(),
    notifyWebhook: z.boolean(),
    firing: z.boolean(),
    firingSince: z.string().nullable(),
    lastValue: z.number().nullable().openapi({ description: 'What the last evaluation measured' }),
    lastEvaluatedAt: z.string().nullable(),
  })
  .openapi('AlertRule');
export type AlertRule = z.infer<typeof AlertRuleSchema>;

const minuteOfDay = z.number().int().min(0).max(1440);

export const BusinessHoursRangeSchema = z
  .strictObject({
    weekday: z.number().int().min(1).max(7).openapi({ description: 'ISO weekday: 1 = Monday … 7 = Sunday' }),
    startMinute: minuteOfDay.openapi({ description: 'Minutes after local midnight the range opens' }),
    endMinute: minuteOfDay.openapi({ description: 'Minutes after local midnight the range closes (exclusive)' }),
  })
  .openapi('BusinessHoursRange');
export type BusinessHoursRange = z.infer<typeof BusinessHoursRangeSchema>;

export const BusinessHoursSchema = z
  .strictObject({
    timezone: z.string().openapi({ description: "The org's time zone, in which the ranges are read" }),
    ranges: z.array(BusinessHoursRangeSchema).max(50),
  })
  .openapi('BusinessHours');

export const BusinessHoursInputSchema = z
  .strictObject({ ranges: z.array(BusinessHoursRangeSchema).max(50) })
  .superRefine((input, ctx) => {
    const sorted = input.ranges
      .map((r, i) => ({ ...r, i }))
      .sort((a, b) => a.weekday - b.weekday || a.startMinute - b.startMinute);
    for (const [n, r] of sorted.entries()) {
      if (r.startMinute >= r.endMinute) {
        ctx.addIssue({
          code: 'custom',
          path: ['ranges', r.i, 'endMinute'],
          message: 'endMinute must be after startMinute',
        });
      }
      const prev = sorted[n - 1];
      if (prev && prev.weekday === r.weekday && prev.endMinute > r.startMinute) {
        ctx.addIssue({
          code: 'custom',
          path: ['ranges', r.i, 'startMinute'],
          message: 'ranges of one weekday overlap',
        });
      }
    }
  })
  .openapi('BusinessHoursInput');

export const AlertEventSchema = z
  .strictObject({
    id: z.string(),
    ruleId: z.string().nullable().openapi({ description: 'null once the rule was deleted' }),
    ruleName: z.string(),
    kind: z.enum(ALERT_KINDS),
    threshold: z.number(),
    windowMinutes: z.number().int().nullable(),
    firedAt: z.string(),
    firedValue: z.number().nullable().openapi({ description: 'The value that crossed the threshold' }),
    resolvedAt: z.string().nullable().openapi({ description: 'null while the alert is firing' }),
    resolvedValue: z.number().nullable(),
  })
  .openapi('AlertEvent');
export type AlertEvent = z.infer<typeof AlertEventSchema>;

export const AlertHistoryQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const AlertWebhookSchema = orNull(
  z.strictObject({ url: z.string(), createdAt: z.string() }).openapi('AlertWebhook'),
);

export const AlertWebhookInputSchema = z
  .strictObject({
    url: z
      .string()
      .trim()
      .max(2000)
      .url()
      .refine((u) => /^https?:\/\//i.test(u), 'url must be an http(s) URL')
      .openapi({ description: 'Where alerts are POSTed (http or https)' }),
  })
  .openapi('AlertWebhookInput');

export const CreatedWebhookSchema = z
  .strictObject({
    url: z.string(),
    createdAt: z.string(),
    secret: z.string().openapi({ description: 'The signing secret: shown this once, never again' }),
  })
  .openapi('CreatedAlertWebhook');
