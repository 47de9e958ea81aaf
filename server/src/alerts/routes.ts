// HTTP routes of an org's alerts: rules (managers read, org admins write), business hours, history and webhook.
import { createRoute, z } from '@hono/zod-openapi';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import type { App, AppDeps } from '../http/context.js';
import { defineRoute, json } from '../http/route.js';
import {
  alertHistory,
  businessHours,
  createRule,
  deleteRule,
  listRules,
  replaceBusinessHours,
  updateRule,
} from './rules.js';
import {
  AlertEventSchema,
  AlertHistoryQuerySchema,
  AlertRuleInputSchema,
  AlertRuleSchema,
  AlertWebhookInputSchema,
  AlertWebhookSchema,
  BusinessHoursInputSchema,
  BusinessHoursSchema,
  CreatedWebhookSchema,
  OrgParams,
  RuleParams,
} from './schema.js';
import { newWebhookSecret, secretContext } from './webhook.js';

const tags = ['Alerts'];
const SYSTEM = systemPrincipal('alerts');

export function registerAlertRoutes(app: App, deps: AppDeps): void {
  const body = <T extends z.ZodType>(schema: T) => ({
    body: { content: { 'application/json': { schema } }, required: true },
  });

  defineRoute(
    app,
    deps,
    {
      permission: 'alerts:read',
      org: 'param',
      route: createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/alerts/rules',
        tags,
        summary: "The org's alert rules, each with whether it is firing now",
        request: { params: OrgParams },
        responses: { 200: json(z.object({ rules: z.array(AlertRuleSchema) }), 'Oldest first') },
      }),
    },
    async (c, ctx) => c.json({ rules: await ctx.tenant((tx) => listRules(tx, c.req.valid('param').orgId)) }, 200),
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'alerts:write',
      org: 'param',
      route: createRoute({
        method: 'post',
        path: '/api/orgs/{orgId}/alerts/rules',
        tags,
        summary: 'Create an alert rule',
        request: { params: OrgParams, ...body(AlertRuleInputSchema) },
        responses: { 201: json(z.object({ rule: AlertRuleSchema }), 'The new rule') },
      }),
    },
    async (c, ctx) => {
      const { orgId } = c.req.valid('param');
      const input = c.req.valid('json');
      const rule = await ctx.tenant(async (tx) => {
        const created = await createRule(tx, orgId, input);
        await ctx.auditIn(tx, {
          action: 'alert_rule.create',
          targetType: 'alert_rule',
          targetId: created.id,
          after: input,
        });
        return created;
      });
      return c.json({ rule }, 201);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'alerts:write',
      org: 'param',
      route: createRoute({
        method: 'put',
        path: '/api/orgs/{orgId}/alerts/rules/{ruleId}',
        tags,
        summary: "Replace an alert rule's settings",
        request: { params: RuleParams, ...body(AlertRuleInputSchema) },
        responses: { 200: json(z.object({ rule: AlertRuleSchema }), 'The rule as it is now') },
      }),
    },
    async (c, ctx) => {
      const { orgId, ruleId } = c.req.valid('param');
      const input = c.req.valid('json');
      const rule = await ctx.tenant(async (tx) => {
        const updated = await updateRule(tx, orgId, ruleId, input);
        await ctx.auditIn(tx, {
          action: 'alert_rule.update',
          targetType: 'alert_rule',
          targetId: ruleId,
          after: input,
        });
        return updated;
      });
      return c.json({ rule }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'alerts:write',
      org: 'param',
      route: createRoute({
        method: 'delete',
        path: '/api/orgs/{orgId}/alerts/rules/{ruleId}',
        tags,
        summary: 'Delete an alert rule (its history stays; an alert of it still firing ends now, unannounced)',
        request: { params: RuleParams },
        responses: { 200: json(z.object({ rule: AlertRuleSchema }), 'The deleted rule') },
      }),
    },
    async (c, ctx) => {
      const { orgId, ruleId } = c.req.valid('param');
      const rule = await ctx.tenant(async (tx) => {
        const deleted = await deleteRule(tx, orgId, ruleId);
        await ctx.auditIn(tx, { action: 'alert_rule.delete', targetType: 'alert_rule', targetId: ruleId });
        return deleted;
      });
      // The history is the evaluator's (system) to write: the open alert of the deleted rule ends here.
      await withPrincipal(deps.database.db, SYSTEM, (tx) =>
        tx
          .updateTable('alert_events')
          .set({ resolved_at: new Date(deps.mightycall.clock.now()) })
          .where('org_id', '=', orgId)
          .where('rule_id', 'is', null)
          .where('resolved_at', 'is', null)
          .execute(),
      );
      return c.json({ rule }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'alerts:read',
      org: 'param',
      route: createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/alerts/history',
        tags,
        summary: 'Fired and resolved alerts of the org, newest first',
        request: { params: OrgParams, query: AlertHistoryQuerySchema },
        responses: { 200: json(z.object({ events: z.array(AlertEventSchema) }), 'Newest first') },
      }),
    },
    async (c, ctx) => {
      const { orgId } = c.req.valid('param');
      const { limit } = c.req.valid('query');
      return c.json({ events: await ctx.tenant((tx) => alertHistory(tx, orgId, limit)) }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'alerts:read',
      org: 'param',
      route: createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/alerts/business-hours',
        tags,
        summary: "The org's business hours (weekday ranges in its time zone)",
        request: { params: OrgParams },
        responses: { 200: json(BusinessHoursSchema, 'The ranges, by weekday') },
      }),
    },
    async (c, ctx) => {
      const { orgId } = c.req.valid('param');
      const answer = await ctx.tenant(async (tx) => {
        const org = await tx
          .selectFrom('organizations')
          .select('timezone')
          .where('id', '=', orgId)
          .executeTakeFirstOrThrow();
        return { timezone: org.timezone, ranges: await businessHours(tx, orgId) };
      });
      return c.json(answer, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'alerts:write',
      org: 'param',
      route: createRoute({
        method: 'put',
        path: '/api/orgs/{orgId}/alerts/business-hours',
        tags,
        summary: "Replace the org's business hours",
        request: { params: OrgParams, ...body(BusinessHoursInputSchema) },
        responses: { 200: json(BusinessHoursSchema, 'The ranges now') },
      }),
    },
    async (c, ctx) => {
      const { orgId } = c.req.valid('param');
      const { ranges } = c.req.valid('json');
      const answer = await ctx.tenant(async (tx) => {
        const saved = await replaceBusinessHours(tx, orgId, ranges);
        await ctx.auditIn(tx, { action: 'alert.business_hours', targetType: 'org', targetId: orgId, after: saved });
        const org = await tx
          .selectFrom('organizations')
          .select('timezone')
          .where('id', '=', orgId)
          .executeTakeFirstOrThrow();
        return { timezone: org.timezone, ranges: saved };
      });
      return c.json(answer, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'alerts:write',
      org: 'param',
      route: createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/alerts/webhook',
        tags,
        summary: "The org's alert webhook (its URL; the secret is never shown again)",
        request: { params: OrgParams },
        responses: { 200: json(z.object({ webhook: AlertWebhookSchema }), 'null when none is set') },
      }),
    },
    async (c, ctx) => {
      const { orgId } = c.req.valid('param');
      const row = await ctx.tenant((tx) =>
        tx.selectFrom('alert_webhooks').select(['url', 'created_at']).where('org_id', '=', orgId).executeTakeFirst(),
      );
      return c.json({ webhook: row ? { url: row.url, createdAt: row.created_at.toISOString() } : null }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'alerts:write',
      org: 'param',
      route: createRoute({
        method: 'put',
        path: '/api/orgs/{orgId}/alerts/webhook',
        tags,
        summary: 'Set the alert webhook: a new signing secret is generated and shown in this answer only',
        request: { params: OrgParams, ...body(AlertWebhookInputSchema) },
        responses: { 201: json(z.object({ webhook: CreatedWebhookSchema }), 'The webhook and its secret, once') },
      }),
    },
    async (c, ctx) => {
      const { orgId } = c.req.valid('param');
      const { url } = c.req.valid('json');
      const secret = newWebhookSecret();
      const sealed = deps.mightycall.box().seal(secret, secretContext(orgId));
      const row = await ctx.tenant(async (tx) => {
        const saved = await tx
          .insertInto('alert_webhooks')
          .values({ org_id: orgId, url, secret_enc: sealed })
          .onConflict((oc) => oc.column('org_id').doUpdateSet({ url, secret_enc: sealed }))
          .returning(['url', 'created_at'])
          .executeTakeFirstOrThrow();
        // The URL's host only: a Slack-style URL carries its own secret in the path.
        await ctx.auditIn(tx, {
          action: 'alert.webhook_set',
          targetType: 'org',
          targetId: orgId,
          after: { host: new URL(url).host },
        });
        return saved;
      });
      return c.json({ webhook: { url: row.url, createdAt: row.created_at.toISOString(), secret } }, 201);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'alerts:write',
      org: 'param',
      route: createRoute({
        method: 'delete',
        path: '/api/orgs/{orgId}/alerts/webhook',
        tags,
        summary: 'Remove the alert webhook (deliveries not yet made are dropped)',
        request: { params: OrgParams },
        responses: { 200: json(z.object({ removed: z.boolean() }), 'Whether there was one') },
      }),
    },
    async (c, ctx) => {
      const { orgId } = c.req.valid('param');
      const removed = await ctx.tenant(async (tx) => {
        const r = await tx.deleteFrom('alert_webhooks').where('org_id', '=', orgId).executeTakeFirst();
        await ctx.auditIn(tx, { action: 'alert.webhook_remove', targetType: 'org', targetId: orgId });
        return Number(r.numDeletedRows) > 0;
      });
      return c.json({ removed }, 200);
    },
  );
}
