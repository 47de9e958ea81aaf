// HTTP routes for memberships: /api/orgs/:orgId/members (org admins) and /api/admin/orgs/:orgId/members (platform).
import { createRoute, z } from '@hono/zod-openapi';
import type { Permission } from '../auth/permissions.js';
import { userIdOf } from '../auth/principal.js';
import type { Tx } from '../db/tenant.js';
import type { App, AppDeps, RouteContext } from '../http/context.js';
import { AppError } from '../http/errors.js';
import { orNull } from '../http/or-null.js';
import { publicOrigin } from '../http/public-origin.js';
import { defineRoute, json, jsonBody } from '../http/route.js';
import { findUserByEmail } from '../users/service.js';
import { issueInvitationByMail } from './invitation-mail.js';
import { registerInvitationRoutes } from './invitation-routes.js';
import { addMember, listMembers, removeMember, updateMember } from './members.js';
import {
  type AddMember,
  AddMemberBody,
  InvitationSchema,
  MemberParams,
  MemberSchema,
  type MemberView,
  OrgParams,
  UpdateMemberBody,
} from './schema.js';

const tags = ['Members'];
const AddedMember = z.object({
  member: orNull(MemberSchema).openapi({ description: 'The membership, when it took effect at once.' }),
  invitation: orNull(InvitationSchema).openapi({ description: 'The pending invitation, when one was made.' }),
  url: z
    .string()
    .nullable()
    .openapi({ description: "The invitation's one-time link, shown only here and only when it is not emailed." }),
});

/**
 * Adds by id a user the caller can already see (a platform admin: any user; an org admin: someone in one of their
 * orgs), at once; a platform admin also adds an existing account by email at once. Otherwise null: the address
 * gets an invitation (issueInvitationByMail), whether or not it has an account, so an org admin learns nothing
 * about accounts outside their orgs.
 */
async function addDirectly(
  tx: Tx,
  ctx: RouteContext,
  orgId: string,
  body: AddMember,
  platform: boolean,
): Promise<MemberView | null> {
  const extension = body.mightycallExtension ?? null;
  let userId = body.userId ?? null;
  if (userId) {
    const id = userId;
    const visible = await tx.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst();
    if (!visible) throw new AppError(404, 'user_not_found', 'body.userId: no such user');
  } else if (platform) {
    userId = (await findUserByEmail(tx, body.email ?? ''))?.id ?? null;
  }
  if (!userId) return null;
  const member = await addMember(tx, orgId, userId, body.role, extension);
  await ctx.auditIn(tx, { action: 'member.add', targetType: 'user', targetId: userId, after: member });
  return member;
}

function registerMemberWrites(
  app: App,
  deps: AppDeps,
  base: string,
  permission: Permission,
  keepOneAdmin: boolean,
): void {
  const platform = base.startsWith('/api/admin');
  const who = platform ? 'platform admins' : 'org admins';

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
        summary: `Add a member by userId, or invite an email address (${who})`,
        description: platform
          ? 'By userId or by the email of an existing account the membership takes effect at once; an unknown address gets a pending invitation.'
          : 'By userId (someone already in one of your orgs) the membership takes effect at once. By email it is always a pending invitation, whether or not the address has an account; it becomes a membership when the invitee accepts it.',
        request: { params: OrgParams, body: jsonBody(AddMemberBody) },
        responses: { 201: json(AddedMember, 'The membership, or the pending invitation') },
      }),
    },
    async (c, ctx) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      const member = await ctx.tenant((tx) => addDirectly(tx, ctx, orgId, body, platform));
      if (member) {
        ctx.auth.sessions.forgetUser(member.userId);
        return c.json({ member, invitation: null, url: null }, 201);
      }
      const invite = { email: body.email ?? '', role: body.role, extension: body.mightycallExtension ?? null };
      const issued = await issueInvitationByMail(
        deps.database.db,
        deps.mailer,
        ctx,
        { orgId, invite },
        userIdOf(ctx.principal),
        publicOrigin(deps.config, c),
      );
      deps.jobs.kick();
      // The link is shown only where it was not emailed (no SMTP: the message was captured, not sent).
      const url = issued.invitation.delivery === 'link' ? issued.url : null;
      return c.json({ member: null, invitation: issued.invitation, url }, 201);
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
  registerInvitationRoutes(app, deps);
}
