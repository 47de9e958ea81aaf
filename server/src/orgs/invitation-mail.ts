// The server's mail path for org invitations: the invitation and its message are made together, as the system.
import type { Kysely } from 'kysely';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import type { DB, OrgRole } from '../db/types.js';
import type { RouteContext } from '../http/context.js';
import type { Mailer } from '../mail/mailer.js';
import { enqueueMail } from '../mail/outbox.js';
import { invitationMail } from '../mail/templates.js';
import { type Delivery, type IssuedInvitation, inviteToOrg, reissueInvitation } from './invitations.js';

const MAIL = systemPrincipal('mail: invitation');

/**
 * How invitations reach people: emailed where SMTP is configured (the inviter never sees the link, so accepting it
 * proves the address); otherwise the message is captured for the Sent mail page and the inviter is shown the link,
 * which then proves nothing ('link').
 */
export function invitationDelivery(mailer: Pick<Mailer, 'mode'>): Delivery {
  return mailer.mode === 'smtp' ? 'email' : 'link';
}

export interface InvitationRequest {
  orgId: string;
  /** a new invitation for the address, or a fresh link for this existing one (the old link dies) */
  invite: { email: string; role: OrgRole; extension: string | null } | { reissue: string };
}

/**
 * Issues an invitation and writes its message to the outbox in one transaction, as the system principal: the
 * route has already checked that the caller may invite to the org. This is the only path that makes 'email'
 * invitations (the database refuses them to org admins), and it never makes one without its message.
 */
export async function issueInvitationByMail(
  db: Kysely<DB>,
  mailer: Pick<Mailer, 'mode'>,
  ctx: Pick<RouteContext, 'auditIn' | 'principal'>,
  request: InvitationRequest,
  inviter: string | null,
  publicBase: string,
): Promise<IssuedInvitation> {
  const delivery = invitationDelivery(mailer);
  return withPrincipal(db, MAIL, async (tx) => {
    const issued =
      'reissue' in request.invite
        ? await reissueInvitation(tx, request.orgId, request.invite.reissue, inviter, publicBase, delivery)
        : await inviteToOrg(tx, { orgId: request.orgId, ...request.invite, delivery }, inviter, publicBase);
    const org = await tx
      .selectFrom('organizations')
      .select('name')
      .where('id', '=', request.orgId)
      .executeTakeFirstOrThrow();
    const who = inviter
      ? await tx.selectFrom('users').select('display_name').where('id', '=', inviter).executeTakeFirst()
      : undefined;
    const mail = invitationMail({
      orgName: org.name,
      role: issued.invitation.role,
      inviterName: who?.display_name ?? null,
      url: issued.url,
      expiresAt: new Date(issued.invitation.expiresAt),
    });
    await enqueueMail(tx, {
      idempotencyKey: `invitation:${issued.invitation.id}`,
      purpose: 'invitation',
      orgId: request.orgId,
      to: issued.invitation.email,
      ...mail,
    });
    await ctx.auditIn(tx, {
      action: 'member.invite',
      targetType: 'invitation',
      targetId: issued.invitation.id,
      after: issued.invitation,
    });
    return issued;
  });
}
