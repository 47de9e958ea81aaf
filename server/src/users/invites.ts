// One-time invite tokens for users created without a password: issued hashed, redeemed once to set a password.
import { hashPassword } from '../auth/passwords.js';
import { randomToken, sha256 } from '../auth/tokens.js';
import type { Tx } from '../db/tenant.js';
import { AppError } from '../http/errors.js';
import type { Mailer } from '../mail/mailer.js';
import { enqueueMail } from '../mail/outbox.js';
import { accountInviteMail } from '../mail/templates.js';
import { invitationUrl } from '../orgs/invitations.js';

export const INVITE_LIFETIME_MS = 7 * 86_400_000;

export interface IssuedInvite {
  token: string;
  url: string;
  expiresAt: string;
}

/** Issues a fresh invite for the user; earlier unused invites stop working. Runs as an admin or the system. */
export async function issueInvite(
  tx: Tx,
  userId: string,
  createdBy: string | null,
  publicUrl: string | null,
): Promise<IssuedInvite & { id: string }> {
  await tx.deleteFrom('user_invites').where('user_id', '=', userId).where('accepted_at', 'is', null).execute();
  const token = randomToken();
  const expiresAt = new Date(Date.now() + INVITE_LIFETIME_MS);
  const row = await tx
    .insertInto('user_invites')
    .values({ user_id: userId, token_hash: sha256(token), created_by: createdBy, expires_at: expiresAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token, url: invitationUrl(publicUrl, token), expiresAt: expiresAt.toISOString() };
}

/** What the admin who issued an invite is answered: the link itself, or where it was emailed. */
export interface InviteAnswer {
  invite: IssuedInvite | null;
  emailedTo: string | null;
}

/**
 * Writes the invite's message to the outbox in the same transaction (as a platform admin or the system). With SMTP
 * configured the link goes only to the address, and the admin is told where it went; without SMTP the message is
 * captured for the Sent mail page and the admin gets the link to pass on.
 */
export async function mailInvite(
  tx: Tx,
  mailer: Pick<Mailer, 'mode'>,
  issued: IssuedInvite & { id: string },
  to: string,
  createdBy: string | null,
): Promise<InviteAnswer> {
  const inviter = createdBy
    ? await tx.selectFrom('users').select('display_name').where('id', '=', createdBy).executeTakeFirst()
    : undefined;
  await enqueueMail(tx, {
    idempotencyKey: `user-invite:${issued.id}`,
    purpose: 'account_invite',
    orgId: null,
    to,
    ...accountInviteMail({
      url: issued.url,
      inviterName: inviter?.display_name ?? null,
      expiresAt: new Date(issued.expiresAt),
    }),
  });
  const { id: _id, ...invite } = issued;
  return mailer.mode === 'smtp' ? { invite: null, emailedTo: to } : { invite, emailedTo: null };
}

/** Ends the user's pending invites: their links stop working at once. False when none was pending. */
export async function revokeInvites(tx: Tx, userId: string): Promise<boolean> {
  const gone = await tx
    .deleteFrom('user_invites')
    .where('user_id', '=', userId)
    .where('accepted_at', 'is', null)
    .executeTakeFirst();
  return Number(gone.numDeletedRows) > 0;
}

const invalidInvite = () =>
  new AppError(400, 'invite_invalid', 'body.token: the invite is unknown, already used or expired', {
    issues: [{ path: 'body.token', message: 'unknown, used or expired' }],
  });

/** Sets the password of the invited user and marks the invite used; returns the user id. Runs as the system. */
export async function redeemInvite(tx: Tx, token: string, password: string, displayName?: string): Promise<string> {
  const invite = await tx
    .selectFrom('user_invites as i')
    .innerJoin('users as u', 'u.id', 'i.user_id')
    .select(['i.id', 'i.user_id', 'i.expires_at', 'i.accepted_at', 'u.disabled_at'])
    .where('i.token_hash', '=', sha256(token))
    .forUpdate()
    .executeTakeFirst();
  if (!invite || invite.accepted_at || invite.disabled_at || invite.expires_at.getTime() <= Date.now()) {
    throw invalidInvite();
  }
  await tx.updateTable('user_invites').set({ accepted_at: new Date() }).where('id', '=', invite.id).execute();
  await tx
    .updateTable('users')
    .set({
      password_hash: await hashPassword(password),
      ...(displayName ? { display_name: displayName } : {}),
      updated_at: new Date(),
    })
    .where('id', '=', invite.user_id)
    .execute();
  return invite.user_id;
}
