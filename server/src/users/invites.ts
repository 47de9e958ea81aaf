// One-time invite tokens for users created without a password: issued hashed, redeemed once to set a password.
import { hashPassword } from '../auth/passwords.js';
import { randomToken, sha256 } from '../auth/tokens.js';
import type { Tx } from '../db/tenant.js';
import { AppError } from '../http/errors.js';
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
): Promise<IssuedInvite> {
  await tx.deleteFrom('user_invites').where('user_id', '=', userId).where('accepted_at', 'is', null).execute();
  const token = randomToken();
  const expiresAt = new Date(Date.now() + INVITE_LIFETIME_MS);
  await tx
    .insertInto('user_invites')
    .values({ user_id: userId, token_hash: sha256(token), created_by: createdBy, expires_at: expiresAt })
    .execute();
  return { token, url: invitationUrl(publicUrl, token), expiresAt: expiresAt.toISOString() };
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
