// HTTP routes of an org's scheduled reports: schedules (managers read, org admins write), "Send now" (a preview to
// the signed-in user only, throttled) and the history of sent reports.
import { createRoute, z } from '@hono/zod-openapi';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import type { App, AppDeps } from '../http/context.js';
import { AppError } from '../http/errors.js';
import { defineRoute, json } from '../http/route.js';
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  reportHistory,
  updateSchedule,
} from './schedules.js';
import {
  OrgParams,
  ReportHistoryQuerySchema,
  ReportScheduleInputSchema,
  ReportScheduleSchema,
  ScheduleParams,
  SendNowSchema,
  SentReportSchema,
} from './schema.js';
import { sendPreview } from './send.js';

const tags = ['Reports'];
const SYSTEM = systemPrincipal('reports');

export function registerReportRoutes(app: App, deps: AppDeps): void {
  const now = () => new Date(deps.mightycall.clock.now());
  const body = <T extends z.ZodType>(schema: T) => ({
    body: { content: { 'application/json': { schema } }, required: true },
  });
  const one = z.object({ schedule: ReportScheduleSchema });

  defineRoute(
    app,
    deps,
    {
      permission: 'reports:read',
      org: 'param',
      route: createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/reports/schedules',
        tags,
        summary: "The org's report schedules, each with its next send",
        request: { params: OrgParams },
        responses: { 200: json(z.object({ schedules: z.array(ReportScheduleSchema) }), 'Oldest first') },
      }),
    },
    async (c, ctx) =>
      c.json({ schedules: await ctx.tenant((tx) => listSchedules(tx, c.req.valid('param').orgId, now())) }, 200),
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'reports:write',
      org: 'param',
      route: createRoute({
        method: 'post',
        path: '/api/orgs/{orgId}/reports/schedules',
        tags,
        summary: 'Schedule a report',
        description:
          'Recipients are members of the org (by user id) and/or other addresses. The first send is the first ' +
          'scheduled one after this moment (docs/reports.md).',
        request: { params: OrgParams, ...body(ReportScheduleInputSchema) },
        responses: { 201: json(one, 'The new schedule') },
      }),
    },
    async (c, ctx) => {
      const { orgId } = c.req.valid('param');
      const input = c.req.valid('json');
      const userId = ctx.principal.kind === 'user' ? ctx.principal.userId : null;
      const schedule = await ctx.tenant(async (tx) => {
        const created = await createSchedule(tx, orgId, input, userId, now());
        await ctx.auditIn(tx, {
          action: 'report_schedule.create',
          targetType: 'report_schedule',
          targetId: created.id,
          after: input,
        });
        return created;
      });
      return c.json({ schedule }, 201);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'reports:write',
      org: 'param',
      route: createRoute({
        method: 'put',
        path: '/api/orgs/{orgId}/reports/schedules/{scheduleId}',
        tags,
        summary: "Replace a report schedule's settings",
        request: { params: ScheduleParams, ...body(ReportScheduleInputSchema) },
        responses: { 200: json(one, 'The schedule as it is now') },
      }),
    },
    async (c, ctx) => {
      const { orgId, scheduleId } = c.req.valid('param');
      const input = c.req.valid('json');
      const schedule = await ctx.tenant(async (tx) => {
        const updated = await updateSchedule(tx, orgId, scheduleId, input, now());
        await ctx.auditIn(tx, {
          action: 'report_schedule.update',
          targetType: 'report_schedule',
          targetId: scheduleId,
          after: input,
        });
        return updated;
      });
      return c.json({ schedule }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'reports:write',
      org: 'param',
      route: createRoute({
        method: 'delete',
        path: '/api/orgs/{orgId}/reports/schedules/{scheduleId}',
        tags,
        summary: 'Delete a report schedule (reports already sent stay in the history)',
        request: { params: ScheduleParams },
        responses: { 200: json(one, 'The deleted schedule') },
      }),
    },
    async (c, ctx) => {
      const { orgId, scheduleId } = c.req.valid('param');
      const schedule = await ctx.tenant(async (tx) => {
        const deleted = await deleteSchedule(tx, orgId, scheduleId, now());
        await ctx.auditIn(tx, {
          action: 'report_schedule.delete',
          targetType: 'report_schedule',
          targetId: scheduleId,
        });
        return deleted;
      });
      return c.json({ schedule }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'reports:read',
      org: 'param',
      route: createRoute({
        method: 'post',
        path: '/api/orgs/{orgId}/reports/schedules/{scheduleId}/send-now',
        tags,
        summary: "Send a preview of the schedule's most recent period to yourself",
        description:
          "The report of the period the schedule's latest send covered (or would have), sent to the signed-in " +
          "user's address only, whatever the schedule's recipients. Signed-in people only (an API key has no " +
          'address); at most 3 previews per user every 15 minutes (429 with Retry-After).',
        request: { params: ScheduleParams },
        responses: { 202: json(SendNowSchema, 'Queued for sending') },
      }),
    },
    async (c, ctx) => {
      const { orgId, scheduleId } = c.req.valid('param');
      const principal = ctx.principal;
      if (principal.kind !== 'user') {
        throw new AppError(403, 'forbidden', 'Send now mails the signed-in user: an API key has no address');
      }
      // The caller must reach the schedule as themselves (404 for another org's, or none).
      await ctx.tenant((tx) => getSchedule(tx, orgId, scheduleId, now()));
      const user = await withPrincipal(deps.database.db, SYSTEM, (tx) =>
        tx.selectFrom('users').select('email').where('id', '=', principal.userId).executeTakeFirstOrThrow(),
      );
      await ctx.auth.mailThrottle.admit(`report-preview:${principal.userId}`, ctx.ip);
      const sent = await sendPreview(
        { db: deps.database.db, clock: deps.mightycall.clock, logger: deps.logger, publicUrl: deps.config.publicUrl },
        scheduleId,
        user.email,
        principal.userId,
      );
      if (!sent) throw new AppError(404, 'report_schedule_not_found', 'Report schedule not found');
      await ctx.audit({
        action: 'report_schedule.send_now',
        targetType: 'report_schedule',
        targetId: scheduleId,
        after: { periodStart: sent.periodStart },
      });
      deps.jobs.kick();
      return c.json(
        { sentTo: sent.to, outboxId: sent.outboxId, periodStart: sent.periodStart, periodEnd: sent.periodEnd },
        202,
      );
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'reports:read',
      org: 'param',
      route: createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/reports/history',
        tags,
        summary: "The org's sent reports and previews, newest first",
        request: { params: OrgParams, query: ReportHistoryQuerySchema },
        responses: { 200: json(z.object({ reports: z.array(SentReportSchema) }), 'Newest first') },
      }),
    },
    async (c) => {
      const { orgId } = c.req.valid('param');
      const { limit } = c.req.valid('query');
      // The outbox is system work's to read; the route has checked the caller reaches this org's reports.
      const reports = await withPrincipal(deps.database.db, SYSTEM, (tx) => reportHistory(tx, orgId, limit));
      return c.json({ reports }, 200);
    },
  );
}
