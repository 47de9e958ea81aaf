// HTTP routes for self-service accounts: forgot password → reset link by mail → new password; email verification.
import { createRoute, z } from '@hono/zod-openapi';
import { recordAudit } from '../audit/audit.js';
import { type Tx, withPrincipal } from '../db/tenant.js';
import type { App, AppDeps, RouteContext } from '../http/context.js';
import { AppError } from '../http/errors.js';
import { publicOrigin } from '../http/public-origin.js';
import { defineRoute, json, jsonBody } from '../http/route.js';
import { EmailSchema, PasswordSchema } from '../users/schema.js';
import { requestPasswordReset, resetPassword, sendVerification, verifyEmail } from './account-tokens.js';
import { assertSameOriginIfStated } from './csrf.js';
import { hashPassword } from './passwords.js';
import { systemPrincipal } from './principal.js';

const ACCOUNT = systemPrincipal('account self-service');
const tags = ['Auth'];

const ForgotPasswordBody = z.object({ email: EmailSchema }).strict().openapi('ForgotPassword');
const ResetPasswordBody = z
  .object({ token: z.string().min(20).max(200), password: PasswordSchema })
  .strict()
  .openapi('ResetPassword');
const VerifyEmailBody = z
  .object({ token: z.string().min(20).max(200) })
  .strict()
  .openapi('VerifyEmail');

/** The one answer to a reset request, whatever the address. */
const RESET_REQUESTED = {
  message: 'If an account uses this address, a link to reset its password is on its way. It works once, for 1 hour.',
};

export function registerAccountRoutes(app: App, deps: AppDeps): void {
  defineRoute(
    app,
    deps,
    {
      permission: 'public',
      org: 'none',
      route: createRoute({
        method: 'post',
        path: '/api/auth/forgot-password',
        tags,
        summary: 'Ask for a password reset link by email',
        description:
          'The answer is the same whether or not the address has an account. Limited per address asked for and per client (429 with Retry-After).',
        request: { body: jsonBody(ForgotPasswordBody) },
        responses: { 202: json(z.object({ message: z.string() }), 'Asked (the same answer for every address)') },
      }),
    },
    async (c, ctx) => {
      assertSameOriginIfStated(c, deps.config);
      const { email } = c.req.valid('json');
      await ctx.auth.mailThrottle.admit(email, ctx.ip);
      const base = publicOrigin(deps.config, c);
      await withPrincipal(deps.database.db, ACCOUNT, (tx) => requestPasswordReset(tx, email, base));
      deps.jobs.kick();
      return c.json(RESET_REQUESTED, 202);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'public',
      org: 'none',
      route: createRoute({
        method: 'post',
        path: '/api/auth/reset-password',
        tags,
        summary: 'Choose a new password with a reset link; every session of the account ends',
        request: { body: jsonBody(ResetPasswordBody) },
        responses: { 200: json(z.object({ reset: z.literal(true) }), 'Reset: sign in with the new password') },
      }),
    },
    async (c, ctx) => {
      assertSameOriginIfStated(c, deps.config);
      const { token, password } = c.req.valid('json');
      const hash = await hashPassword(password, deps.config.auth.passwordCost);
      const userId = await redeemAudited(deps, ctx, 'auth.password_reset', (tx) => resetPassword(tx, token, hash));
      ctx.auth.sessions.forgetUser(userId);
      return c.json({ reset: true as const }, 200);
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
        path: '/api/auth/verify-email/send',
        tags,
        summary: "Email a link that proves the signed-in user's address",
        responses: { 202: json(z.object({ sentTo: z.string() }), 'The link is on its way') },
      }),
    },
    async (c, ctx) => {
      const p = ctx.principal;
      if (p.kind !== 'user' || p.actingKeyId !== null) {
        throw new AppError(403, 'forbidden', 'Only a signed-in user can verify their own address.');
      }
      await ctx.auth.mailThrottle.admit(`verify:${p.userId}`, ctx.ip);
      const base = publicOrigin(deps.config, c);
      const sentTo = await withPrincipal(deps.database.db, ACCOUNT, async (tx) => {
        await sendVerification(tx, p.userId, base);
        const user = await tx.selectFrom('users').select('email').where('id', '=', p.userId).executeTakeFirstOrThrow();
        return user.email;
      });
      deps.jobs.kick();
      return c.json({ sentTo }, 202);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'public',
      org: 'none',
      route: createRoute({
        method: 'post',
        path: '/api/auth/verify-email',
        tags,
        summary: 'Prove an address with the link mailed to it',
        request: { body: jsonBody(VerifyEmailBody) },
        responses: { 200: json(z.object({ verified: z.literal(true) }), 'The address is proven') },
      }),
    },
    async (c, ctx) => {
      assertSameOriginIfStated(c, deps.config);
      const { token } = c.req.valid('json');
      await redeemAudited(deps, ctx, 'auth.email_verified', (tx) => verifyEmail(tx, token));
      return c.json({ verified: true as const }, 200);
    },
  );
}

/** Uses a mailed single-use token (as the system: the caller is signed out) and audits it on its user, together. */
function redeemAudited(
  deps: AppDeps,
  ctx: RouteContext,
  action: 'auth.password_reset' | 'auth.email_verified',
  redeem: (tx: Tx) => Promise<string>,
): Promise<string> {
  return withPrincipal(deps.database.db, ACCOUNT, async (tx) => {
    const userId = await redeem(tx);
    const origin = { caller: ctx.caller, ip: ctx.ip, requestId: ctx.requestId };
    await recordAudit(tx, origin, { action, targetType: 'user', targetId: userId });
    return userId;
  });
}
