// HTTP routes for orgs: platform administration (/api/admin/orgs) and an org's own profile (/api/orgs/:orgId).
import { createRoute, z } from '@hono/zod-openapi';
import type { App, AppDeps } from '../http/context.js';
import { defineRoute, json, jsonBody } from '../http/route.js';
import {
  CreateOrgBody,
  OrgListItemSchema,
  OrgParams,
  OrgSchema,
  UpdateOrgBody,
  UpdateOrgSettingsBody,
} from './schema.js';
import { createOrg, deleteOrg, getOrg, listOrgs, updateOrg } from './service.js';

const OrgResponse = z.object({ org: OrgSchema });
const tags = ['Orgs'];

export function registerOrgRoutes(app: App, deps: AppDeps): void {
  defineRoute(
    app,
    deps,
    {
      permission: 'platform:orgs',
      org: 'none',
      route: createRoute({
        method: 'post',
        path: '/api/admin/orgs',
        tags,
        summary: 'Create an org (a signed-in creator becomes its org_admin)',
        request: { body: jsonBody(CreateOrgBody) },
        responses: { 201: json(OrgResponse, 'The new org') },
      }),
    },
    async (c, ctx) => {
      const body = c.req.valid('json');
      const org = await ctx.tenant(async (tx) => {
        const created = await createOrg(tx, body);
        const p = ctx.principal;
        if (p.kind === 'user') {
          await tx
            .insertInto('org_memberships')
            .values({ org_id: created.id, user_id: p.userId, role: 'org_admin' })
            .execute();
        }
        await ctx.auditIn(tx, {
          action: 'org.create',
          orgId: created.id,
          targetType: 'org',
          targetId: created.id,
          after: created,
        });
        return created;
      });
      if (ctx.principal.kind === 'user') ctx.auth.sessions.forgetUser(ctx.principal.userId);
      return c.json({ org }, 201);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'platform:orgs',
      org: 'none',
      route: createRoute({
        method: 'get',
        path: '/api/admin/orgs',
        tags,
        summary: 'List every org',
        responses: { 200: json(z.object({ orgs: z.array(OrgListItemSchema) }), 'All orgs, by name') },
      }),
    },
    async (c, ctx) => c.json({ orgs: await ctx.tenant((tx) => listOrgs(tx)) }, 200),
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'platform:orgs',
      org: 'param',
      route: createRoute({
        method: 'get',
        path: '/api/admin/orgs/{orgId}',
        tags,
        summary: 'Read an org',
        request: { params: OrgParams },
        responses: { 200: json(OrgResponse, 'The org') },
      }),
    },
    async (c, ctx) => c.json({ org: await ctx.tenant((tx) => getOrg(tx, c.req.valid('param').orgId)) }, 200),
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'platform:orgs',
      org: 'param',
      route: createRoute({
        method: 'patch',
        path: '/api/admin/orgs/{orgId}',
        tags,
        summary: "Change an org's name, slug, time zone or SLA settings",
        request: { params: OrgParams, body: jsonBody(UpdateOrgBody) },
        responses: { 200: json(OrgResponse, 'The changed org') },
      }),
    },
    async (c, ctx) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      const org = await ctx.tenant(async (tx) => {
        const { before, after } = await updateOrg(tx, orgId, body);
        await ctx.auditIn(tx, { action: 'org.update', targetType: 'org', targetId: orgId, before, after });
        return after;
      });
      return c.json({ org }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'platform:orgs',
      org: 'param',
      route: createRoute({
        method: 'delete',
        path: '/api/admin/orgs/{orgId}',
        tags,
        summary: 'Delete an org with its memberships, number assignments and keys (calls stay with their numbers)',
        request: { params: OrgParams },
        responses: { 204: { description: 'Deleted' } },
      }),
    },
    async (c, ctx) => {
      const { orgId } = c.req.valid('param');
      await ctx.tenant(async (tx) => {
        const before = await deleteOrg(tx, orgId);
        await ctx.auditIn(tx, { action: 'org.delete', targetType: 'org', targetId: orgId, before });
      });
      // Every cached session may hold a membership of the deleted org.
      ctx.auth.sessions.clear();
      ctx.auth.orgs.forget(orgId);
      return c.body(null, 204);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'org:read',
      org: 'param',
      route: createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}',
        tags,
        summary: "The org's profile and settings",
        request: { params: OrgParams },
        responses: { 200: json(OrgResponse, 'The org') },
      }),
    },
    async (c, ctx) => {
      const org = await ctx.tenant((tx) => getOrg(tx, c.req.valid('param').orgId));
      return c.json({ org }, 200);
    },
  );

  // `/settings` is the path the metrics issue named; both change the same settings.
  for (const path of ['/api/orgs/{orgId}', '/api/orgs/{orgId}/settings']) {
    defineRoute(
      app,
      deps,
      {
        permission: 'settings:write',
        org: 'param',
        route: createRoute({
          method: 'patch',
          path,
          tags,
          summary: "Change the org's name, time zone or SLA settings (org admins)",
          request: { params: OrgParams, body: jsonBody(UpdateOrgSettingsBody) },
          responses: { 200: json(OrgResponse, 'The changed org') },
        }),
      },
      async (c, ctx) => {
        const { orgId } = c.req.valid('param');
        const body = c.req.valid('json');
        const org = await ctx.tenant(async (tx) => {
          const { before, after } = await updateOrg(tx, orgId, body);
          await ctx.auditIn(tx, { action: 'org.settings', targetType: 'org', targetId: orgId, before, after });
          return after;
        });
        return c.json({ org }, 200);
      },
    );
  }
}
