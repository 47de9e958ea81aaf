// Zod schemas for orgs and memberships: request bodies, responses and the shared id parameters.
import { z } from '@hono/zod-openapi';
import { UuidSchema } from '../http/route.js';
import { isValidTimeZone } from '../metrics/zoned.js';

export const OrgParams = z.object({ orgId: UuidSchema.openapi({ param: { name: 'orgId', in: 'path' } }) });
export const MemberParams = OrgParams.extend({
  userId: UuidSchema.openapi({ param: { name: 'userId', in: 'path' } }),
});

export const TimezoneSchema = z
  .string()
  .refine(isValidTimeZone, 'must be an IANA time zone such as America/New_York')
  .openapi({ example: 'America/New_York' });

export const OrgSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    timezone: z.string(),
    slThresholdSeconds: z.number().int(),
    slTargetPct: z.number(),
    shortAbandonSeconds: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Org');
export type OrgView = z.infer<typeof OrgSchema>;

export const OrgListItemSchema = OrgSchema.extend({ memberCount: z.number().int() }).openapi('OrgListItem');

const Name = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
/** A whole number of seconds in [min, max], with a message that says the range. */
const seconds = (min: number, max: number) => {
  const range = `must be a whole number of seconds from ${min} to ${max}`;
  return z.number(range).int(range).min(min, range).max(max, range);
};
// A threshold or target of 0 would make every call count (or none matter): 0 is refused where it means nothing.
const Settings = {
  timezone: TimezoneSchema.optional(),
  slThresholdSeconds: seconds(1, 3600).optional(),
  slTargetPct: z
    .number('must be a percentage from 1 to 100')
    .min(1, 'must be a percentage from 1 to 100')
    .max(100, 'must be a percentage from 1 to 100')
    .optional(),
  /** 0 is meaningful here: no call is a short abandon. */
  shortAbandonSeconds: seconds(0, 600).optional(),
};
const Slug = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lowercase letters, digits and single hyphens')
  .max(80);

export const CreateOrgBody = z
  .object({ name: Name, slug: Slug.optional(), ...Settings })
  .strict()
  .openapi('CreateOrg');
export const UpdateOrgBody = z
  .object({ name: Name.optional(), slug: Slug.optional(), ...Settings })
  .strict()
  .openapi('UpdateOrg');
/** Org admins change their org's settings but not its slug. */
export const UpdateOrgSettingsBody = z
  .object({ name: Name.optional(), ...Settings })
  .strict()
  .openapi('UpdateOrgSettings');
export type OrgChanges = z.infer<typeof UpdateOrgBody>;

export const RoleSchema = z.enum(['org_admin', 'org_manager', 'agent']);
const Extension = z.string().regex(/^[0-9]{1,10}$/, 'must be 1–10 digits');

export const MemberSchema = z
  .object({
    userId: z.string(),
    email: z.string(),
    displayName: z.string(),
    role: RoleSchema,
    mightycallExtension: z.string().nullable(),
    status: z.enum(['active', 'invited', 'disabled']),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Member');
export type MemberView = z.infer<typeof MemberSchema>;

export const InviteSchema = z
  .object({
    token: z.string().openapi({ description: 'One-time token; shown only in this response.' }),
    url: z.string(),
    expiresAt: z.string(),
  })
  .openapi('Invite');

export const InvitationSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    role: RoleSchema,
    mightycallExtension: z.string().nullable(),
    delivery: z.enum(['link', 'email']).openapi({
      description: "'email': the link was sent to the address; 'link': the inviter passes the link on.",
    }),
    status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
    createdAt: z.string(),
    expiresAt: z.string(),
  })
  .openapi('Invitation');
export type InvitationView = z.infer<typeof InvitationSchema>;

export const IssuedInvitationSchema = z
  .object({
    invitation: InvitationSchema,
    url: z
      .string()
      .nullable()
      .openapi({ description: 'The one-time link, shown only here and only when it is not emailed.' }),
  })
  .openapi('IssuedInvitation');

export const InvitationParams = OrgParams.extend({
  invitationId: UuidSchema.openapi({ param: { name: 'invitationId', in: 'path' } }),
});

export const AddMemberBody = z
  .object({
    userId: UuidSchema.optional(),
    email: z.string().trim().toLowerCase().email('must be an email address').max(320).optional(),
    displayName: z.string().trim().min(1).max(200).optional(),
    role: RoleSchema,
    mightycallExtension: Extension.nullable().optional(),
  })
  .strict()
  .refine((b) => (b.userId === undefined) !== (b.email === undefined), {
    message: 'give exactly one of userId or email',
    path: ['userId'],
  })
  .openapi('AddMember');
export type AddMember = z.infer<typeof AddMemberBody>;

export const UpdateMemberBody = z
  .object({ role: RoleSchema.optional(), mightycallExtension: Extension.nullable().optional() })
  .strict()
  .openapi('UpdateMember');
export type MemberChanges = z.infer<typeof UpdateMemberBody>;
