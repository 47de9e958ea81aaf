// HTTP routes for memberships: /api/orgs/:orgId/members (org admins) and /api/admin/orgs/:orgId/members (platform).
import { createRoute, z } from '@hono/zod-openapi';
import type { Permission } from '../auth/permissions.js';
import { systemPrincipal, userIdOf } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import type { App, AppDeps } from '../http/context.js';
import { AppError } from '../http/errors.js';
import { defineRoute, json, jsonBody, type RouteContext } from '../http/route.js';
import type { IssuedInvite } from '../users/invites.js';
import { createUser, findUserByEmail } from '../users/service.js';
import { addMember, listMembers, removeMember, updateMember } from './members.js';
import {
  type AddMember,
  AddMemberBody,
  InviteSchema,
  MemberParams,
  MemberSchema,
  OrgParams,
  UpdateMemberBody,
} from './schema.js';

const tags = ['Members'];
const AddedMember = z.object({ member: MemberSchema, invite: InviteSchema.nullable() });

/**
 * The user to add: by id (must be visible to the caller), or by email — an existing account is added,
 * an unknown address gets a new account with an invite (created by the system, recorded under the caller).
 */
async function memberTarget(
  ctx: RouteContext,
  deps: AppDeps,
  body: AddMember,
): Promise<{ userId: string; invite: IssuedInvite | null }> {
  if (body.userId) {
    const userId = body.userId;
    const visible = await ctx.tenant((tx) =>
      tx.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst(),
    );
    if (!visible) throw new AppError(404, 'user_not_found', 'body.userId: no such user');
    return { userId, invite: null };
  }
  const email = body.email ?? '';
  return withPrincipal(deps.database.db, systemPrincipal('member invite'), async (tx) => {
    const found = await findUserByEmail(tx, email);
    if (found) return { userId: found.id, invite: null };
    const displayName = body.displayName ?? email.split('@')[0] ?? email;
    const created = await createUser(tx, { email, displayName }, userIdOf(ctx.principal), deps.config.publicUrl);
    await ctx.auditIn(tx, {
      action: 'user.create',
      targetType: 'user',
      targetId: created.user.id,
      after: created.user,
    });
    return { userId: created.user.id, invite: created.invite };
  });
}

function registerMemberWrites(
  app: App,
  deps: AppDeps,
  base: string,
  permission: Permission,
  keepOneAdmin: boolean,
): void {
  const who = base.startsWith('/api/admin') ? 'platform admins' : 'org admins';

  defineRoute(
    app,
    deps,
    {
      permission,
      org: 'param',
      route: createRoute({
        method: 'post',
        path: `${base}/members`,
        tags,
        summary: `Add a member by userId or email (${who}); an unknown email gets an account and an invite`,
        request: { params: OrgParams, body: jsonBody(AddMemberBody) },
        responses: { 201: json(AddedMember, 'The membership, and the invite for a new account') },
      }),
    },
    async (c, ctx) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      const target = await memberTarget(ctx, deps, body);
      const member = await ctx.tenant(async (tx) => {
        const added = await addMember(tx, orgId, target.userId, body.role, body.mightycallExtension ?? null);
        await ctx.auditIn(tx, { action: 'member.add', targetType: 'user', targetId: target.userId, after: added });
        return added;
      });
      ctx.auth.sessions.forgetUser(target.userId);
      return c.json({ member, invite: target.invite }, 201);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission,
      org: 'param',
      route: createRoute({
        method: 'patch',
        path: `${base}/members/{userId}`,
        tags,
        summary: `Change a member's role or MightyCall extension (${who})`,
        request: { params: MemberParams, body: jsonBody(UpdateMemberBody) },
        responses: { 200: json(z.object({ member: MemberSchema }), 'The changed membership') },
      }),
    },
    async (c, ctx) => {
      const { orgId, userId } = c.req.valid('param');
      const body = c.req.valid('json');
      const member = await ctx.tenant(async (tx) => {
        const { before, after } = await updateMember(tx, orgId, userId, body, { keepOneAdmin });
        await ctx.auditIn(tx, { action: 'member.update', targetType: 'user', targetId: userId, before, after });
        return after;
      });
      ctx.auth.sessions.forgetUser(userId);
      return c.json({ member }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission,
      org: 'param',
      route: createRoute({
        method: 'delete',
        path: `${base}/members/{userId}`,
        tags,
        summary: `Remove a member from the org (${who})`,
        request: { params: MemberParams },
        responses: { 204: { description: 'Removed' } },
      }),
    },
    async (c, ctx) => {
      const { orgId, userId } = c.req.valid('param');
      await ctx.tenant(async (tx) => {
        const before = await removeMember(tx, orgId, userId, { keepOneAdmin });
        await ctx.auditIn(tx, { action: 'member.remove', targetType: 'user', targetId: userId, before });
      });
      ctx.auth.sessions.forgetUser(userId);
      return c.body(null, 204);
    },
  );
}

export function registerMemberRoutes(app: App, deps: AppDeps): void {
  defineRoute(
    app,
    deps,
    {
      permission: 'members:read',
      org: 'param',
      route: createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/members',
        tags,
        summary: "The org's members and their roles",
        request: { params: OrgParams },
        responses: { 200: json(z.object({ members: z.array(MemberSchema) }), 'Members by name') },
      }),
    },
    async (c, ctx) => c.json({ members: await ctx.tenant((tx) => listMembers(tx, c.req.valid('param').orgId)) }, 200),
  );
  registerMemberWrites(app, deps, '/api/orgs/{orgId}', 'members:write', true);
  registerMemberWrites(app, deps, '/api/admin/orgs/{orgId}', 'platform:orgs', false);
}
