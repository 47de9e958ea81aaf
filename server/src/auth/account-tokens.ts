// Single-use links mailed to an account's address: password reset (≤ 1 h) and email verification (24 h).
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { z } from 'zod';
import { type Tx, withPrincipal } from '../db/tenant.js';
import type { AccountTokenPurpose, DB } from '../db/types.js';
import { AppError } from '../http/errors.js';
import { enqueue } from '../jobs/queue.js';
import type { QueuedKind } from '../jobs/runner.js';
import { enqueueMail } from '../mail/outbox.js';
import { passwordResetMail, verificationMail } from '../mail/templates.js';
import { systemPrincipal } from './principal.js';
import { endSessionsOf } from './sessions.js';
import { randomToken, sha256 } from './tokens.js';

export const RESET_LIFETIME_MS = 60 * 60_000;
export const VERIFY_LIFETIME_MS = 24 * 3_600_000;
/** The job that looks the address up and mails a reset link if it has an account (off the request's path). */
export const PASSWORD_RESET_REQUEST = 'account.password_reset';

const ACCOUNT_MAIL = systemPrincipal('mail: account');

/** The link a token is mailed in: the token in the fragment, so it never reaches a server log or a Referer. */
export function accountLinkUrl(publicBase: string, page: 'reset-password' | 'verify-email', token: string): string {
  return `${publicBase.replace(/\/+$/, '')}/${page}#token=${token}`;
}

/**
 * Queues a reset for the address; the job decides whether it has an account. The request does the same work
 * (one insert) either way, so neither its answer nor its timing tells whether the address has an account.
 */
export async function requestPasswordReset(tx: Tx, email: string, publicBase: string): Promise<void> {
  await enqueue(tx, { kind: PASSWORD_RESET_REQUEST, payload: { email: email.toLowerCase(), publicBase } });
}

async function issueToken(
  tx: Tx,
  account: { userId: string; email: string },
  purpose: AccountTokenPurpose,
  lifetimeMs: number,
  now: Date,
): Promise<{ id: string; token: string }> {
  // One live link per purpose: an earlier one dies when a new one is sent.
  await tx
    .updateTable('account_tokens')
    .set({ expires_at: now })
    .where('user_id', '=', account.userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
  const token = randomToken();
  const row = await tx
    .insertInto('account_tokens')
    .values({
      user_id: account.userId,
      purpose,
      email: account.email.toLowerCase(),
      token_hash: sha256(token),
      expires_at: new Date(now.getTime() + lifetimeMs),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token };
}

const ResetPayload = z.object({ email: z.string().max(320), publicBase: z.string().max(2000) });

/** The 'account.password_reset' job kind: a link to the address's account, if there is one that is not disabled. */
export function passwordResetKind(db: Kysely<DB>): QueuedKind<z.infer<typeof ResetPayload>> {
  return {
    kind: PASSWORD_RESET_REQUEST,
    parse: (payload) => ResetPayload.parse(payload),
    async run(job) {
      await withPrincipal(db, ACCOUNT_MAIL, async (tx) => {
        const user = await tx
          .selectFrom('users')
          .select(['id', 'email'])
          .where(sql<string>`lower(email)`, '=', job.payload.email)
          .where('disabled_at', 'is', null)
          .executeTakeFirst();
        if (!user) return;
        const issued = await issueToken(
          tx,
          { userId: user.id, email: user.email },
          'password_reset',
          RESET_LIFETIME_MS,
          new Date(),
        );
        const url = accountLinkUrl(job.payload.publicBase, 'reset-password', issued.token);
        await enqueueMail(tx, {
          idempotencyKey: `password_reset:${issued.id}`,
          purpose: 'password_reset',
          orgId: null,
          to: user.email,
          ...passwordResetMail({ url, lifetimeMinutes: RESET_LIFETIME_MS / 60_000 }),
        });
      });
    },
  };
}

/** Mails a verification link to the signed-in user's address (runs as the system principal). */
export async function sendVerification(tx: Tx, userId: string, publicBase: string): Promise<void> {
  const user = await tx
    .selectFrom('users')
    .select(['id', 'email', 'email_verified_at'])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  if (user.email_verified_at) {
    throw new AppError(409, 'email_already_verified', 'This address is already verified.');
  }
  const issued = await issueToken(
    tx,
    { userId, email: user.email },
    'email_verification',
    VERIFY_LIFETIME_MS,
    new Date(),
  );
  await enqueueMail(tx, {
    idempotencyKey: `email_verification:${issued.id}`,
    purpose: 'email_verification',
    orgId: null,
    to: user.email,
    ...verificationMail({
      url: accountLinkUrl(publicBase, 'verify-email', issued.token),
      lifetimeHours: VERIFY_LIFETIME_MS / 3_600_000,
    }),
  });
}

export const invalidToken = () =>
  new AppError(400, 'token_invalid', 'body.token: the link is unknown, already used or expired', {
    issues: [{ path: 'body.token', message: 'unknown, used or expired' }],
  });

/**
 * Uses a token once: the live token of that purpose, whose account still has the address it was sent to and is
 * not disabled. Returns the account; throws token_invalid otherwise.
 */
async function redeem(tx: Tx, token: string, purpose: AccountTokenPurpose, now: Date): Promise<string> {
  const row = await tx
    .selectFrom('account_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.id', 't.user_id', 't.email', 'u.email as current_email', 'u.disabled_at'])
    .where('t.token_hash', '=', sha256(token))
    .where('t.purpose', '=', purpose)
    .where('t.used_at', 'is', null)
    .where('t.expires_at', '>', now)
    .forUpdate()
    .executeTakeFirst();
  if (!row || row.disabled_at || row.current_email.toLowerCase() !== row.email) throw invalidToken();
  await tx.updateTable('account_tokens').set({ used_at: now }).where('id', '=', row.id).execute();
  return row.user_id;
}

/**
 * Sets a new password (its hash, computed before the transaction) with a reset link: the link dies, every session
 * of the account ends, and the address counts as proven (the link reached it). Runs as the system principal.
 */
export async function resetPassword(tx: Tx, token: string, passwordHash: string): Promise<string> {
  const now = new Date();
  const userId = await redeem(tx, token, 'password_reset', now);
  await tx
    .updateTable('users')
    .set((eb) => ({
      password_hash: passwordHash,
      email_verified_at: eb.fn.coalesce('email_verified_at', eb.val(now)),
      updated_at: now,
    }))
    .where('id', '=', userId)
    .execute();
  await endSessionsOf(tx, userId, now);
  return userId;
}

/** Proves the address with a verification link. Runs as the system principal. */
export async function verifyEmail(tx: Tx, token: string): Promise<string> {
  const now = new Date();
  const userId = await redeem(tx, token, 'email_verification', now);
  await tx
    .updateTable('users')
    .set((eb) => ({ email_verified_at: eb.fn.coalesce('email_verified_at', eb.val(now)), updated_at: now }))
    .where('id', '=', userId)
    .execute();
  return userId;
}
