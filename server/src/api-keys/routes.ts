// HTTP routes for API keys: platform keys (/api/admin/platform-keys) and org keys (/api/orgs/:orgId/api-keys).
import { createRoute, z } from '@hono/zod-openapi';
import { permissionsOf } from '../auth/caller.js';
import { grantableScopes, type KeyKind, type Permission } from '../auth/permissions.js';
import { userIdOf } from '../auth/principal.js';
import type { App, AppDeps } from '../http/context.js';
import { defineRoute, json, jsonBody } from '../http/route.js';
import type { OrgSource } from '../http/route-table.js';
import { OrgParams } from '../orgs/schema.js';
import { ApiKeySchema, CreatedKey, CreateKeyBody, KeyParams, OrgKeyParams } from './schema.js';
import { createKey, listKeys, revokeKey } from './service.js';

const tags = ['API keys'];

interface KeyRoutes {
  kind: KeyKind;
  base: string;
  permission: Permission;
  org: OrgSource;
}

function registerKeyRoutes(app: App, deps: AppDeps, spec: KeyRoutes): void {
  const { kind, base, permission, org } = spec;
  const params = kind === 'org' ? { params: OrgParams } : {};

  defineRoute(
    app,
    deps,
    {
      permission,
      org,
      route: createRoute({
        method: 'post',
        path: base,
        tags,
        summary: `Create ${kind === 'org' ? 'an org' : 'a platform'} API key (the full key is shown only once)`,
        request: { ...params, body: jsonBody(CreateKeyBody) },
        responses: { 201: json(CreatedKey, 'The key record and the full key') },
      }),
    },
    async (c, ctx) => {
      const body = c.req.valid('json');
      const grantable = grantableScopes(kind, permissionsOf(ctx.caller, ctx.orgId));
      const created = await ctx.tenant(async (tx) => {
        const result = await createKey(tx, { kind, orgId: ctx.orgId }, body, {
          userId: userIdOf(ctx.principal),
          grantable,
        });
        await ctx.auditIn(tx, {
          action: 'api_key.create',
          targetType: 'api_key',
          targetId: result.apiKey.id,
          after: result.apiKey,
        });
        return result;
      });
      return c.json(created, 201);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission,
      org,
      route: createRoute({
        method: 'get',
        path: base,
        tags,
        summary: `List ${kind} API keys, newest first, revoked ones included`,
        request: params,
        responses: { 200: json(z.object({ apiKeys: z.array(ApiKeySchema) }), 'Keys (prefix and last four only)') },
      }),
    },
    async (c, ctx) => {
      // Usage times are batched in memory; write them first so the list is current.
      await ctx.auth.keys.flush();
      return c.json({ apiKeys: await ctx.tenant((tx) => listKeys(tx, kind, ctx.orgId)) }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission,
      org,
      route: createRoute({
        method: 'delete',
        path: `${base}/{keyId}`,
        tags,
        summary: `Revoke ${kind === 'org' ? 'an org' : 'a platform'} API key (takes effect at once)`,
        request: { params: kind === 'org' ? OrgKeyParams : KeyParams },
        responses: { 204: { description: 'Revoked' } },
      }),
    },
    async (c, ctx) => {
      const { keyId } = c.req.valid('param');
      await ctx.tenant(async (tx) => {
        const before = await revokeKey(tx, kind, ctx.orgId, keyId);
        await ctx.auditIn(tx, { action: 'api_key.revoke', targetType: 'api_key', targetId: keyId, before });
      });
      ctx.auth.keys.forget(keyId);
      return c.body(null, 204);
    },
  );
}

export function registerApiKeyRoutes(app: App, deps: AppDeps): void {
  registerKeyRoutes(app, deps, {
    kind: 'platform',
    base: '/api/admin/platform-keys',
    permission: 'platform:keys',
    org: 'none',
  });
  registerKeyRoutes(app, deps, {
    kind: 'org',
    base: '/api/orgs/{orgId}/api-keys',
    permission: 'keys:manage',
    org: 'param',
  });
}
