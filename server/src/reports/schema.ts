// zod schemas of the reports API: an org's report schedules, "Send now" and the history of sent reports.
import { z } from '@hono/zod-openapi';
import { parseTime } from './schedule.js';

export const FREQUENCIES = ['daily', 'weekly', 'monthly'] as const;
export const MAX_SCHEDULES_PER_ORG = 20;
export const MAX_RECIPIENT_MEMBERS = 50;
export const MAX_RECIPIENT_EMAILS = 20;

export const OrgParams = z.object({ orgId: z.string().openapi({ param: { name: 'orgId', in: 'path' } }) });
export const ScheduleParams = OrgParams.extend({
  scheduleId: z
    .string()
    .uuid('must be a UUID')
    .openapi({ param: { name: 'scheduleId', in: 'path' } }),
});

export const ReportScheduleInputSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'name is required').max(120),
    frequency: z.enum(FREQUENCIES).openapi({ description: 'daily, weekly or monthly (docs/reports.md)' }),
    weekday: z.number().int().min(1).max(7).nullable().default(null).openapi({
      description: 'weekly: ISO weekday of the send day, 1 = Monday … 7 = Sunday (required there, null otherwise)',
    }),
    monthDay: z.number().int().min(1).max(31).nullable().default(null).openapi({
      description: "monthly: the day of the month (a day past the month's end sends on its last day)",
    }),
    time: z
      .string()
      .refine((t) => parseTime(t) !== null, 'time must be HH:MM on a 24-hour clock, e.g. 08:00')
      .openapi({ description: "The local time of day in the org's time zone", example: '08:00' }),
    recipientUserIds: z
      .array(z.string().uuid('must be a member id'))
      .max(MAX_RECIPIENT_MEMBERS)
      .default([])
      .openapi({ description: 'Members of the org to send to (their current address)' }),
    recipientEmails: z
      .array(z.string().trim().email('must be an email address').max(320))
      .max(MAX_RECIPIENT_EMAILS)
      .default([])
      .openapi({ description: 'Other addresses to send to' }),
    enabled: z.boolean().default(true),
  })
  .superRefine((s, ctx) => {
    if (s.frequency === 'weekly' && s.weekday === null) {
      ctx.addIssue({ code: 'custom', path: ['weekday'], message: 'weekday is required for a weekly report' });
    }
    if (s.frequency !== 'weekly' && s.weekday !== null) {
      ctx.addIssue({ code: 'custom', path: ['weekday'], message: 'weekday applies to weekly reports only' });
    }
    if (s.frequency === 'monthly' && s.monthDay === null) {
      ctx.addIssue({ code: 'custom', path: ['monthDay'], message: 'monthDay is required for a monthly report' });
    }
    if (s.frequency !== 'monthly' && s.monthDay !== null) {
      ctx.addIssue({ code: 'custom', path: ['monthDay'], message: 'monthDay applies to monthly reports only' });
    }
    if (s.recipientUserIds.length + s.recipientEmails.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['recipientEmails'],
        message: 'add at least one recipient (a member or an address)',
      });
    }
  })
  .openapi('ReportScheduleInput');
export type ReportScheduleInput = z.infer<typeof ReportScheduleInputSchema>;

export const ReportScheduleSchema = z
  .strictObject({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    frequency: z.enum(FREQUENCIES),
    weekday: z.number().int().nullable(),
    monthDay: z.number().int().nullable(),
    time: z.string().openapi({ example: '08:00' }),
    timezone: z.string().openapi({ description: "The org's time zone, in which `time` is read" }),
    recipientUserIds: z.array(z.string()),
    recipientEmails: z.array(z.string()),
    enabled: z.boolean(),
    createdBy: z.string().nullable(),
    nextSendAt: z.string().nullable().openapi({ description: 'The next send (ISO with offset); null when disabled' }),
    lastSentPeriod: z
      .string()
      .nullable()
      .openapi({ description: 'The first day (YYYY-MM-DD) of the last period sent' }),
    lastSentAt: z.string().nullable(),
  })
  .openapi('ReportSchedule');
export type ReportSchedule = z.infer<typeof ReportScheduleSchema>;

export const SendNowSchema = z
  .strictObject({
    sentTo: z.string().openapi({ description: "The signed-in user's address: a preview goes to nobody else" }),
    outboxId: z.string(),
    periodStart: z.string().openapi({ description: 'First day covered (YYYY-MM-DD)' }),
    periodEnd: z.string().openapi({ description: 'The day after the last day covered (YYYY-MM-DD)' }),
  })
  .openapi('ReportSendNow');

export const SentReportSchema = z
  .strictObject({
    id: z.string(),
    scheduleId: z.string().nullable(),
    preview: z.boolean(),
    to: z.string(),
    subject: z.string(),
    status: z.enum(['queued', 'sent', 'captured', 'failed']),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
  })
  .openapi('SentReport');
export type SentReport = z.infer<typeof SentReportSchema>;

export const ReportHistoryQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
