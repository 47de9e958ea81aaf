// HTTP routes for signing in and out: login (throttled), logout, /api/me, invite acceptance.
import { setTimeout as sleep } from 'node:timers/promises';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { type AuditEntry, recordAudit } from '../audit/audit.js';
import { withPrincipal } from '../db/tenant.js';
import type { App, AppDeps } from '../http/context.js';
import { AppError } from '../http/errors.js';
import { defineRoute, json, jsonBody, type RouteContext } from '../http/route.js';
import { redeemInvite } from '../users/invites.js';
import { EmailSchema, PasswordSchema } from '../users/schema.js';
import { type Caller, loadUserAccess, userCaller } from './caller.js';
import { assertSameOrigin } from './csrf.js';
import { describeCaller, MeSchema } from './me.js';
import { verifyPassword } from './passwords.js';
import { systemPrincipal } from './principal.js';
import { clearSessionCookie, createSession, isHttps, revokeSession, setSessionCookie } from './sessions.js';

const SIGN_IN = systemPrincipal('sign-in');
const tags = ['Auth'];

const LoginBody = z
  .object({ email: EmailSchema, password: z.string().min(1, 'required').max(200) })
  .strict()
  .openapi('Login');
const AcceptInviteBody = z
  .object({
    token: z.string().min(20).max(200),
    password: PasswordSchema,
    displayName: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
  .openapi('AcceptInvite');

const invalidCredentials = () => new AppError(401, 'invalid_credentials', 'The email or password is incorrect.');

/** Audits as the given caller, in a transaction of the sign-in principal (there is no session yet). */
function auditAs(deps: AppDeps, ctx: RouteContext, caller: Caller, entry: AuditEntry): Promise<void> {
  return withPrincipal(deps.database.db, SIGN_IN, (tx) =>
    recordAudit(tx, { caller, ip: ctx.ip, requestId: ctx.requestId }, entry),
  );
}

/** Starts a session for the user: cookie set, sign-in audited, /api/me body returned. */
async function startSession(c: Context, deps: AppDeps, ctx: RouteContext, userId: string, action: string) {
  const access = await withPrincipal(deps.database.db, SIGN_IN, (tx) => loadUserAccess(tx, userId));
  if (!access) throw invalidCredentials();
  const session = await createSession(
    deps.database.db,
    userId,
    { ip: ctx.ip, userAgent: c.req.header('user-agent') ?? null },
    deps.config.auth,
  );
  setSessionCookie(c, session.token, session.expiresAt, isHttps(c));
  const caller = userCaller(access, 'session', { sessionId: session.id });
  await auditAs(deps, ctx, caller, { action, targetType: 'user', targetId: userId });
  return withPrincipal(deps.database.db, caller.principal, (tx) => describeCaller(tx, caller));
}

export function registerAuthRoutes(app: App, deps: AppDeps): void {
  defineRoute(
    app,
    deps,
    {
      permission: 'public',
      org: 'none',
      route: createRoute({
        method: 'post',
        path: '/api/auth/login',
        tags,
        summary: 'Sign in with email and password; sets the vs_session cookie',
        description:
          'Repeated failures for one email or one address are slowed, then refused with 429 and Retry-After.',
        request: { body: jsonBody(LoginBody) },
        responses: { 200: json(MeSchema, 'Signed in: the user, platform role and memberships') },
      }),
    },
    async (c, ctx) => {
      // A login form posted from another site would sign the victim into the attacker's account.
      if (c.req.header('origin') || c.req.header('referer')) assertSameOrigin(c, deps.config);
      const { email, password } = c.req.valid('json');
      const throttle = ctx.auth.throttle;
      const delay = throttle.admit(email, ctx.ip);
      if (delay > 0) await sleep(delay);
      const user = await withPrincipal(deps.database.db, SIGN_IN, (tx) =>
        tx
          .selectFrom('users')
          .select(['id', 'password_hash', 'disabled_at'])
          .where((eb) => eb(eb.fn('lower', ['email']), '=', email))
          .executeTakeFirst(),
      );
      // The password is always checked (against a dummy hash for unknown emails): same answer, same time.
      const matches = await verifyPassword(password, user?.password_hash ?? null);
      if (!user || !matches || user.disabled_at) {
        throttle.fail(email, ctx.ip);
        await auditAs(deps, ctx, ctx.caller, {
          action: 'auth.login_failed',
          ...(user ? { targetType: 'user', targetId: user.id } : {}),
          after: { email },
        });
        throw invalidCredentials();
      }
      throttle.succeed(email);
      return c.json(await startSession(c, deps, ctx, user.id, 'auth.login'), 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'self',
      org: 'none',
      route: createRoute({
        method: 'post',
        path: '/api/auth/logout',
        tags,
        summary: 'Sign out: ends the session and clears the cookie (no effect for API keys)',
        responses: { 204: { description: 'Signed out' } },
      }),
    },
    async (c, ctx) => {
      const p = ctx.principal;
      if (p.kind === 'user' && p.sessionId) {
        await revokeSession(deps.database.db, p.sessionId);
        ctx.auth.sessions.forgetSession(p.sessionId);
        await ctx.audit({ action: 'auth.logout', targetType: 'user', targetId: p.userId });
        clearSessionCookie(c, isHttps(c));
      }
      return c.body(null, 204);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'self',
      org: 'none',
      route: createRoute({
        method: 'get',
        path: '/api/me',
        tags,
        summary: 'Who is calling: the user, platform role, memberships and what each allows',
        responses: { 200: json(MeSchema, 'The caller') },
      }),
    },
    async (c, ctx) => c.json(await ctx.tenant((tx) => describeCaller(tx, ctx.caller)), 200),
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'public',
      org: 'none',
      route: createRoute({
        method: 'post',
        path: '/api/auth/accept-invite',
        tags,
        summary: 'Redeem a one-time invite: set the password and sign in',
        request: { body: jsonBody(AcceptInviteBody) },
        responses: { 200: json(MeSchema, 'Signed in') },
      }),
    },
    async (c, ctx) => {
      if (c.req.header('origin') || c.req.header('referer')) assertSameOrigin(c, deps.config);
      const { token, password, displayName } = c.req.valid('json');
      const userId = await withPrincipal(deps.database.db, SIGN_IN, (tx) =>
        redeemInvite(tx, token, password, displayName),
      );
      return c.json(await startSession(c, deps, ctx, userId, 'auth.accept_invite'), 200);
    },
  );
}
