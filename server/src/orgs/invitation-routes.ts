// HTTP routes for an org's pending invitations: list, revoke, and issue a fresh link (org admins).
import { createRoute, z } from '@hono/zod-openapi';
import { userIdOf } from '../auth/principal.js';
import type { App, AppDeps } from '../http/context.js';
import { publicOrigin } from '../http/public-origin.js';
import { defineRoute, json } from '../http/route.js';
import { issueInvitationByMail } from './invitation-mail.js';
import { listInvitations, revokeInvitation } from './invitations.js';
import { InvitationParams, InvitationSchema, IssuedInvitationSchema, OrgParams } from './schema.js';

const tags = ['Members'];

export function registerInvitationRoutes(app: App, deps: AppDeps): void {
  defineRoute(
    app,
    deps,
    {
      permission: 'members:write',
      org: 'param',
      route: createRoute({
        method: 'get',
        path: '/api/orgs/{orgId}/invitations',
        tags,
        summary: "The org's open invitations, and those that ended in the last 30 days",
        request: { params: OrgParams },
        responses: { 200: json(z.object({ invitations: z.array(InvitationSchema) }), 'Newest first') },
      }),
    },
    async (c, ctx) =>
      c.json({ invitations: await ctx.tenant((tx) => listInvitations(tx, c.req.valid('param').orgId)) }, 200),
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'members:write',
      org: 'param',
      route: createRoute({
        method: 'delete',
        path: '/api/orgs/{orgId}/invitations/{invitationId}',
        tags,
        summary: 'Revoke an invitation: its link stops working at once',
        request: { params: InvitationParams },
        responses: { 200: json(z.object({ invitation: InvitationSchema }), 'The revoked invitation') },
      }),
    },
    async (c, ctx) => {
      const { orgId, invitationId } = c.req.valid('param');
      const invitation = await ctx.tenant(async (tx) => {
        const revoked = await revokeInvitation(tx, orgId, invitationId);
        await ctx.auditIn(tx, {
          action: 'member.invite_revoke',
          targetType: 'invitation',
          targetId: invitationId,
          after: revoked,
        });
        return revoked;
      });
      return c.json({ invitation }, 200);
    },
  );

  defineRoute(
    app,
    deps,
    {
      permission: 'members:write',
      org: 'param',
      route: createRoute({
        method: 'post',
        path: '/api/orgs/{orgId}/invitations/{invitationId}/reissue',
        tags,
        summary: 'Re-send an open or expired invitation with a fresh link; the previous link stops working',
        request: { params: InvitationParams },
        responses: { 201: json(IssuedInvitationSchema, 'The new invitation, and its link when not emailed') },
      }),
    },
    async (c, ctx) => {
      const { orgId, invitationId } = c.req.valid('param');
      const issued = await issueInvitationByMail(
        deps.database.db,
        deps.mailer,
        ctx,
        { orgId, invite: { reissue: invitationId } },
        userIdOf(ctx.principal),
        publicOrigin(deps.config, c),
      );
      deps.jobs.kick();
      return c.json(
        { invitation: issued.invitation, url: issued.invitation.delivery === 'link' ? issued.url : null },
        201,
      );
    },
  );
}
