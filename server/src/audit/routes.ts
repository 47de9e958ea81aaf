// HTTP routes for reading the audit log: everything for platform admins, an org's entries for its admins.
import { createRoute } from '@hono/zod-openapi';
import type { App, AppDeps } from '../http/context.js';
import { defineRoute, json, UuidSchema } from '../http/route.js';
import { OrgParams } from '../orgs/schema.js';
import { AuditPage, AuditQuery, listAudit } from './queries.js';

const tags = ['Audit'];

export function registerAuditRoutes(app: App, deps: AppDeps): void {
  defineRoute(
    app,
    deps,
    {
      permission: 'platform:audit',
      org: 'none',
      route: createRoute({
        method: 'get',
        path: '/api/admin/audit',
        tags,
        summary: 'The whole audit log, newest first, with filters and keyset paging',
        request: { query: AuditQuery.extend({ orgId: UuidSchema.optional() }) },
        responses: { 200: json(AuditPage, 'One page of entries; pass nextCursor as cursor for the next') },
      }),
    },
    async (c, ctx) => c.json(await ctx.tenant((tx) => listAudit(tx, c.req.valid('query'))), 200),
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'audit:read',
      org: 'param',
      route: createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/audit',
        tags,
        summary: "The org's audit log, newest first, with filters and keyset paging",
        request: { params: OrgParams, query: AuditQuery },
        responses: { 200: json(AuditPage, 'One page of entries; pass nextCursor as cursor for the next') },
      }),
    },
    async (c, ctx) => {
      const filters = { ...c.req.valid('query'), orgId: c.req.valid('param').orgId };
      return c.json(await ctx.tenant((tx) => listAudit(tx, filters)), 200);
    },
  );
}
