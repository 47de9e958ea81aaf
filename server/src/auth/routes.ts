// HTTP routes for signing in and out: login (throttled), logout, /api/me, invite acceptance.
import { setTimeout as sleep } from 'node:timers/promises';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { type AuditEntry, recordAudit } from '../audit/audit.js';
import { withPrincipal } from '../db/tenant.js';
import type { App, AppDeps, RouteContext } from '../http/context.js';
import { AppError } from '../http/errors.js';
import { requestIsHttps } from '../http/middleware.js';
import { defineRoute, json, jsonBody } from '../http/route.js';
import { acceptInvitation, passwordRequired } from '../orgs/invitations.js';
import { redeemInvite } from '../users/invites.js';
import { EmailSchema, PasswordSchema } from '../users/schema.js';
import { type Caller, loadUserAccess, userCaller } from './caller.js';
import { assertSameOriginIfStated } from './csrf.js';
import { describeCaller, MeSchema } from './me.js';
import { hashPassword, needsRehash, type ScryptCost, verifyPassword } from './passwords.js';
import { systemPrincipal } from './principal.js';
import { clearSessionCookie, createSession, revokeSession, setSessionCookie } from './sessions.js';

const SIGN_IN = systemPrincipal('sign-in');
const tags = ['Auth'];

const LoginBody = z
  .object({ email: EmailSchema, password: z.string().min(1, 'required').max(200) })
  .strict()
  .openapi('Login');
const AcceptInviteBody = z
  .object({
    token: z.string().min(20).max(200),
    password: PasswordSchema.optional().openapi({
      description: "The new account's password; omit when signed in as the invited account.",
    }),
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
async function startSession(
  c: Context,
  deps: AppDeps,
  ctx: RouteContext,
  userId: string,
  action: string,
  detail: Pick<AuditEntry, 'orgId' | 'after'> = {},
) {
  const access = await withPrincipal(deps.database.db, SIGN_IN, (tx) => loadUserAccess(tx, userId));
  if (!access) throw invalidCredentials();
  const session = await createSession(
    deps.database.db,
    userId,
    { ip: ctx.ip, userAgent: c.req.header('user-agent') ?? null },
    deps.config.auth,
  );
  setSessionCookie(c, session.token, session.expiresAt, requestIsHttps(c, deps.config.auth.trustedProxies));
  const caller = userCaller(access, 'session', { sessionId: session.id });
  await auditAs(deps, ctx, caller, { action, targetType: 'user', targetId: userId, ...detail });
  return withPrincipal(deps.database.db, caller.principal, (tx) => describeCaller(tx, caller));
}

/**
 * Stores the password again at today's cost, the moment it is known (after a successful check). A password
 * changed meanwhile is left alone, and a failed write only leaves the old hash to be upgraded next time.
 */
async function upgradeHash(deps: AppDeps, userId: string, previous: string, password: string, cost: ScryptCost) {
  try {
    const hash = await hashPassword(password, cost);
    await withPrincipal(deps.database.db, SIGN_IN, (tx) =>
      tx
        .updateTable('users')
        .set({ password_hash: hash })
        .where('id', '=', userId)
        .where('password_hash', '=', previous)
        .execute(),
    );
  } catch (error) {
    deps.logger.warn('password rehash failed', {
      userId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
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
          'Every attempt counts against the account until it succeeds: repeated failures are slowed, then refused with 429 and Retry-After (the correct password too) until they age out. An address failing across many accounts is refused for the accounts that are failing too.',
        request: { body: jsonBody(LoginBody) },
        responses: { 200: json(MeSchema, 'Signed in: the user, platform role and memberships') },
      }),
    },
    async (c, ctx) => {
      // A login form posted from another site would sign the victim into the attacker's account.
      assertSameOriginIfStated(c, deps.config);
      const { email, password } = c.req.valid('json');
      // Reserved before the password is checked: concurrent guesses cannot all pass while the first is checked.
      const attempt = await ctx.auth.throttle.admit(email, ctx.ip);
      if (attempt.delayMs > 0) await sleep(attempt.delayMs);
      const user = await withPrincipal(deps.database.db, SIGN_IN, (tx) =>
        tx
          .selectFrom('users')
          .select(['id', 'password_hash', 'disabled_at'])
          .where((eb) => eb(eb.fn('lower', ['email']), '=', email))
          .executeTakeFirst(),
      );
      // The password is always checked (at today's cost for unknown emails): same answer, same time.
      const cost = deps.config.auth.passwordCost;
      const stored = user?.password_hash ?? null;
      const matches = await verifyPassword(password, stored, cost);
      if (!user || !matches || user.disabled_at) {
        // The reserved attempt stays counted as a failure.
        await auditAs(deps, ctx, ctx.caller, {
          action: 'auth.login_failed',
          ...(user ? { targetType: 'user', targetId: user.id } : {}),
          after: { email },
        });
        throw invalidCredentials();
      }
      await attempt.succeeded();
      if (stored && needsRehash(stored, cost)) await upgradeHash(deps, user.id, stored, password, cost);
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
        clearSessionCookie(c, requestIsHttps(c, deps.config.auth.trustedProxies));
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
        summary: 'Accept an invite: join the org (and set a password for a new account), signed in',
        description:
          'An org invitation for an address that already has an account needs the request to be signed in as that account (409 sign_in_required otherwise), unless the link was emailed and the account never proved its address: then the password is reset and its other sessions end.',
        request: { body: jsonBody(AcceptInviteBody) },
        responses: { 200: json(MeSchema, 'Signed in') },
      }),
    },
    async (c, ctx) => {
      assertSameOriginIfStated(c, deps.config);
      const { token, password, displayName } = c.req.valid('json');
      const p = ctx.principal;
      const signedIn = p.kind === 'user' && p.sessionId ? p.userId : null;
      const accepted = await withPrincipal(deps.database.db, SIGN_IN, async (tx) => {
        const org = await acceptInvitation(tx, token, { password, displayName }, signedIn);
        if (org) return org;
        if (!password) throw passwordRequired();
        return { userId: await redeemInvite(tx, token, password, displayName), outcome: 'created', orgId: null };
      });
      // Taking over an account nobody had proven ends every session it had, in this process's cache too.
      if (accepted.outcome === 'reset') ctx.auth.sessions.forgetUser(accepted.userId);
      if (accepted.userId === signedIn) {
        ctx.auth.sessions.forgetUser(accepted.userId);
        const access = await withPrincipal(deps.database.db, SIGN_IN, (tx) => loadUserAccess(tx, accepted.userId));
        if (!access) throw invalidCredentials();
        const caller = userCaller(access, 'session', { sessionId: p.kind === 'user' ? p.sessionId : null });
        await auditAs(deps, ctx, caller, {
          action: 'auth.accept_invite',
          orgId: accepted.orgId,
          targetType: 'user',
          targetId: accepted.userId,
          after: { outcome: accepted.outcome },
        });
        return c.json(await withPrincipal(deps.database.db, caller.principal, (tx) => describeCaller(tx, caller)), 200);
      }
      return c.json(
        await startSession(c, deps, ctx, accepted.userId, 'auth.accept_invite', {
          orgId: accepted.orgId,
          after: { outcome: accepted.outcome },
        }),
        200,
      );
    },
  );
}
