// HTTP routes for platform user administration: /api/admin/users (create with password or invite, list, change).
import { createRoute, z } from '@hono/zod-openapi';
import { userIdOf } from '../auth/principal.js';
import type { App, AppDeps } from '../http/context.js';
import { AppError } from '../http/errors.js';
import { publicOrigin } from '../http/public-origin.js';
import { defineRoute, json, jsonBody } from '../http/route.js';
import { issueInvite, mailInvite, revokeInvites } from './invites.js';
import {
  CreateUserBody,
  ReissuedInvite,
  UpdateUserBody,
  UserListItemSchema,
  UserParams,
  UserSchema,
  UserWithInvite,
} from './schema.js';
import { createUser, getUser, listUsers, updateUser } from './service.js';

const tags = ['Users'];

export function registerUserRoutes(app: App, deps: AppDeps): void {
  defineRoute(
    app,
    deps,
    {
      permission: 'platform:users',
      org: 'none',
      route: createRoute({
        method: 'post',
        path: '/api/admin/users',
        tags,
        summary:
          'Create a user with an initial password, or without one: a one-time invite, emailed where SMTP is configured',
        request: { body: jsonBody(CreateUserBody) },
        responses: { 201: json(UserWithInvite, 'The new user, and the invite when no password was given') },
      }),
    },
    async (c, ctx) => {
      const body = c.req.valid('json');
      const created = await ctx.tenant(async (tx) => {
        const by = userIdOf(ctx.principal);
        const result = await createUser(tx, body, by, publicOrigin(deps.config, c));
        await ctx.auditIn(tx, {
          action: 'user.create',
          targetType: 'user',
          targetId: result.user.id,
          after: { ...result.user, invited: result.invite !== null },
        });
        const answer = result.invite
          ? await mailInvite(tx, deps.mailer, result.invite, result.user.email, by)
          : { invite: null, emailedTo: null };
        return { user: result.user, ...answer };
      });
      if (created.invite || created.emailedTo) deps.jobs.kick();
      return c.json(created, 201);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'platform:users',
      org: 'none',
      route: createRoute({
        method: 'get',
        path: '/api/admin/users',
        tags,
        summary: 'List users with their memberships',
        request: {
          query: z.object({ q: z.string().max(200).optional().openapi({ description: 'email or name contains' }) }),
        },
        responses: { 200: json(z.object({ users: z.array(UserListItemSchema) }), 'Users by email') },
      }),
    },
    async (c, ctx) => c.json({ users: await ctx.tenant((tx) => listUsers(tx, c.req.valid('query').q)) }, 200),
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'platform:users',
      org: 'none',
      route: createRoute({
        method: 'get',
        path: '/api/admin/users/{userId}',
        tags,
        summary: 'Read a user',
        request: { params: UserParams },
        responses: { 200: json(z.object({ user: UserSchema }), 'The user') },
      }),
    },
    async (c, ctx) => c.json({ user: await ctx.tenant((tx) => getUser(tx, c.req.valid('param').userId)) }, 200),
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'platform:users',
      org: 'none',
      route: createRoute({
        method: 'patch',
        path: '/api/admin/users/{userId}',
        tags,
        summary: 'Change a user: name, email, platform role, disabled, password',
        request: { params: UserParams, body: jsonBody(UpdateUserBody) },
        responses: { 200: json(z.object({ user: UserSchema }), 'The changed user') },
      }),
    },
    async (c, ctx) => {
      const { userId } = c.req.valid('param');
      const body = c.req.valid('json');
      const user = await ctx.tenant(async (tx) => {
        const { before, after } = await updateUser(tx, userId, body);
        await ctx.auditIn(tx, {
          action: body.password ? 'user.update_password' : 'user.update',
          targetType: 'user',
          targetId: userId,
          before,
          after,
        });
        return after;
      });
      ctx.auth.sessions.forgetUser(userId);
      return c.json({ user }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'platform:users',
      org: 'none',
      route: createRoute({
        method: 'post',
        path: '/api/admin/users/{userId}/invite',
        tags,
        summary: 'Issue a new invite for a user who has not set a password (earlier invites stop working)',
        request: { params: UserParams },
        responses: {
          201: json(
            ReissuedInvite,
            'The new invite: emailed to the user where SMTP is configured (`emailedTo`), else its link (`invite`)',
          ),
        },
      }),
    },
    async (c, ctx) => {
      const { userId } = c.req.valid('param');
      const invite = await ctx.tenant(async (tx) => {
        const user = await getUser(tx, userId);
        if (user.status !== 'invited') {
          throw new AppError(409, 'already_active', 'This user has already set a password or is disabled.');
        }
        const by = userIdOf(ctx.principal);
        const issued = await issueInvite(tx, userId, by, publicOrigin(deps.config, c));
        await ctx.auditIn(tx, { action: 'user.invite', targetType: 'user', targetId: userId });
        return mailInvite(tx, deps.mailer, issued, user.email, by);
      });
      deps.jobs.kick();
      return c.json(invite, 201);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'platform:users',
      org: 'none',
      route: createRoute({
        method: 'delete',
        path: '/api/admin/users/{userId}/invite',
        tags,
        summary: "Revoke a user's pending invite: its link stops working at once (a new one can be issued later)",
        request: { params: UserParams },
        responses: { 204: { description: 'Revoked' } },
      }),
    },
    async (c, ctx) => {
      const { userId } = c.req.valid('param');
      await ctx.tenant(async (tx) => {
        await getUser(tx, userId);
        if (!(await revokeInvites(tx, userId))) {
          throw new AppError(404, 'invite_not_found', 'This user has no pending invite.');
        }
        await ctx.auditIn(tx, { action: 'user.invite_revoke', targetType: 'user', targetId: userId });
      });
      return c.body(null, 204);
    },
  );
}
