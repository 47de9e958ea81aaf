// Org invitations: adding someone by email makes a pending invitation; only its acceptance makes a membership.
import { sql } from 'kysely';
import { hashPassword } from '../auth/passwords.js';
import { endSessionsOf } from '../auth/sessions.js';
import { randomToken, sha256 } from '../auth/tokens.js';
import type { Tx } from '../db/tenant.js';
import type { OrgRole } from '../db/types.js';
import { AppError, notFound } from '../http/errors.js';
import type { InvitationView } from './schema.js';

export const INVITATION_LIFETIME_MS = 7 * 86_400_000;

export type Delivery = 'link' | 'email';

export interface IssuedInvitation {
  invitation: InvitationView;
  /** the one-time token; the caller shows it only where the link is not emailed */
  token: string;
  url: string;
}

const COLUMNS = [
  'id',
  'org_id',
  'email',
  'role',
  'mightycall_extension',
  'delivery',
  'created_at',
  'expires_at',
  'accepted_at',
  'revoked_at',
] as const;

interface InvitationRow {
  id: string;
  email: string;
  role: OrgRole;
  mightycall_extension: string | null;
  delivery: Delivery;
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
}

function toView(row: InvitationRow, now = Date.now()): InvitationView {
  const status = row.accepted_at
    ? 'accepted'
    : row.revoked_at
      ? 'revoked'
      : row.expires_at.getTime() <= now
        ? 'expired'
        : 'pending';
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    mightycallExtension: row.mightycall_extension,
    delivery: row.delivery,
    status,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
  };
}

/** The link an invitee opens: whole when the routes pass the public origin (publicOrigin), a path without one. */
export function invitationUrl(publicUrl: string | null, token: string): string {
  // The token travels in the fragment, so it never reaches a server log or a Referer header.
  const base = publicUrl ? publicUrl.replace(/\/$/, '') : '';
  return `${base}/accept-invite#token=${token}`;
}

export const invitationNotFound = () => notFound('Invitation', 'invitation_not_found');

/**
 * Invites the address to the org, replacing an open invitation for it. Says nothing about whether the address
 * already has an account: the answer is the same either way. Runs as the inviting org admin (or platform admin).
 */
export async function inviteToOrg(
  tx: Tx,
  input: { orgId: string; email: string; role: OrgRole; extension: string | null; delivery: Delivery },
  createdBy: string | null,
  publicUrl: string | null,
): Promise<IssuedInvitation> {
  const email = input.email.toLowerCase();
  const member = await tx
    .selectFrom('org_memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('m.role')
    .where('m.org_id', '=', input.orgId)
    .where(sql<string>`lower(u.email)`, '=', email)
    .executeTakeFirst();
  // Only the org's own members are matched: the caller sees them anyway.
  if (member) throw new AppError(409, 'already_member', `body.email: ${email} is already a member of this org.`);
  await tx
    .updateTable('org_invitations')
    .set({ revoked_at: new Date() })
    .where('org_id', '=', input.orgId)
    .where('email', '=', email)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
  const token = randomToken();
  const row = await tx
    .insertInto('org_invitations')
    .values({
      org_id: input.orgId,
      email,
      role: input.role,
      mightycall_extension: input.extension,
      token_hash: sha256(token),
      delivery: input.delivery,
      created_by: createdBy,
      expires_at: new Date(Date.now() + INVITATION_LIFETIME_MS),
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return { invitation: toView(row), token, url: invitationUrl(publicUrl, token) };
}

/** The org's invitations that are still open or ended in the last 30 days, newest first. */
export async function listInvitations(tx: Tx, orgId: string): Promise<InvitationView[]> {
  const since = new Date(Date.now() - 30 * 86_400_000);
  const rows = await tx
    .selectFrom('org_invitations')
    .select(COLUMNS)
    .where('org_id', '=', orgId)
    .where((eb) =>
      eb.or([eb.and([eb('accepted_at', 'is', null), eb('revoked_at', 'is', null)]), eb('created_at', '>=', since)]),
    )
    .orderBy('created_at', 'desc')
    .limit(500)
    .execute();
  return rows.map((r) => toView(r));
}

async function openInvitation(tx: Tx, orgId: string, id: string): Promise<InvitationRow> {
  const row = await tx
    .selectFrom('org_invitations')
    .select(COLUMNS)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw invitationNotFound();
  if (row.accepted_at) throw new AppError(409, 'invitation_accepted', 'This invitation was already accepted.');
  return row;
}

/** Ends an open invitation: its link stops working at once. */
export async function revokeInvitation(tx: Tx, orgId: string, id: string): Promise<InvitationView> {
  const row = await openInvitation(tx, orgId, id);
  if (row.revoked_at) return toView(row);
  const updated = await tx
    .updateTable('org_invitations')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return toView(updated);
}

/** A fresh link for the same address, role and extension; the old link stops working. */
export async function reissueInvitation(
  tx: Tx,
  orgId: string,
  id: string,
  createdBy: string | null,
  publicUrl: string | null,
  delivery: Delivery,
): Promise<IssuedInvitation> {
  const row = await openInvitation(tx, orgId, id);
  return inviteToOrg(
    tx,
    { orgId, email: row.email, role: row.role, extension: row.mightycall_extension, delivery },
    createdBy,
    publicUrl,
  );
}

export const invalidInvite = () =>
  new AppError(400, 'invite_invalid', 'body.token: the invite is unknown, already used, revoked or expired', {
    issues: [{ path: 'body.token', message: 'unknown, used, revoked or expired' }],
  });

const signInRequired = () =>
  new AppError(
    409,
    'sign_in_required',
    'This address already has a VictorySync account: sign in to it, then open the invite link again.',
  );

export const passwordRequired = () =>
  new AppError(400, 'invalid_request', 'body.password: choose a password to set up the account', {
    issues: [{ path: 'body.password', message: 'required' }],
  });

export interface Acceptance {
  userId: string;
  /** what acceptance did to the account: made it, joined an existing one, or reset one nobody had proven */
  outcome: 'created' | 'joined' | 'reset';
  orgId: string;
  invitationId: string;
}

/**
 * Accepts an org invitation. Runs as the system principal. The account for the address:
 * - none yet: created with the chosen password; its email counts as verified only if the link was emailed;
 * - exists, and the request is signed in as it: joins the org;
 * - exists, unverified, and the link was emailed (so the acceptor controls the address): its password is reset,
 *   its other sessions end, its email becomes verified, and it joins the org;
 * - otherwise: refused until the acceptor signs in as that account. A link shown to an inviter proves nothing
 *   about the address, so it can never attach an account somebody else may hold.
 */
export async function acceptInvitation(
  tx: Tx,
  token: string,
  input: { password?: string | undefined; displayName?: string | undefined },
  signedInUserId: string | null,
): Promise<Acceptance | null> {
  const invitation = await tx
    .selectFrom('org_invitations')
    .select(COLUMNS)
    .where('token_hash', '=', sha256(token))
    .forUpdate()
    .executeTakeFirst();
  if (!invitation) return null;
  if (invitation.accepted_at || invitation.revoked_at || invitation.expires_at.getTime() <= Date.now()) {
    throw invalidInvite();
  }
  const now = new Date();
  const proven = invitation.delivery === 'email';
  const account = await tx
    .selectFrom('users')
    .select(['id', 'disabled_at', 'email_verified_at'])
    .where(sql<string>`lower(email)`, '=', invitation.email)
    .forUpdate()
    .executeTakeFirst();
  let userId: string;
  let outcome: Acceptance['outcome'];
  if (!account) {
    if (!input.password) throw passwordRequired();
    const created = await tx
      .insertInto('users')
      .values({
        email: invitation.email,
        display_name: input.displayName ?? invitation.email.split('@')[0] ?? invitation.email,
        password_hash: await hashPassword(input.password),
        email_verified_at: proven ? now : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    userId = created.id;
    outcome = 'created';
  } else if (account.disabled_at) {
    throw invalidInvite();
  } else if (signedInUserId === account.id) {
    userId = account.id;
    outcome = 'joined';
    if (proven && !account.email_verified_at) {
      await tx.updateTable('users').set({ email_verified_at: now, updated_at: now }).where('id', '=', userId).execute();
    }
  } else if (proven && !account.email_verified_at) {
    if (!input.password) throw passwordRequired();
    userId = account.id;
    outcome = 'reset';
    await tx
      .updateTable('users')
      .set({
        password_hash: await hashPassword(input.password),
        email_verified_at: now,
        ...(input.displayName ? { display_name: input.displayName } : {}),
        updated_at: now,
      })
      .where('id', '=', userId)
      .execute();
    await endSessionsOf(tx, userId, now);
  } else {
    throw signInRequired();
  }
  await tx
    .insertInto('org_memberships')
    .values({
      org_id: invitation.org_id,
      user_id: userId,
      role: invitation.role,
      mightycall_extension: invitation.mightycall_extension,
    })
    .onConflict((oc) => oc.columns(['org_id', 'user_id']).doNothing())
    .execute();
  await tx
    .updateTable('org_invitations')
    .set({ accepted_at: now, accepted_by: userId })
    .where('id', '=', invitation.id)
    .execute();
  return { userId, outcome, orgId: invitation.org_id, invitationId: invitation.id };
}
