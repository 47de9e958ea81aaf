// Zod schemas for users: the public view (never the password hash), creation and changes.
import { z } from '@hono/zod-openapi';
import { orNull } from '../http/or-null.js';
import { UuidSchema } from '../http/route.js';
import { InviteSchema, RoleSchema } from '../orgs/schema.js';

export const UserParams = z.object({ userId: UuidSchema.openapi({ param: { name: 'userId', in: 'path' } }) });

export const PlatformRoleSchema = z.enum(['none', 'platform_admin']);
export const UserStatusSchema = z.enum(['active', 'invited', 'disabled']);

export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    displayName: z.string(),
    platformRole: PlatformRoleSchema,
    status: UserStatusSchema,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('User');
export type UserView = z.infer<typeof UserSchema>;

export const UserListItemSchema = UserSchema.extend({
  memberships: z.array(z.object({ orgId: z.string(), orgName: z.string(), role: RoleSchema })),
}).openapi('UserListItem');
export type UserListItem = z.infer<typeof UserListItemSchema>;

export const PasswordSchema = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(200, 'must be at most 200 characters');
export const EmailSchema = z.string().trim().toLowerCase().email('must be an email address').max(320);
const DisplayName = z.string().trim().min(1, 'must not be empty').max(200);

export const CreateUserBody = z
  .object({
    email: EmailSchema,
    password: PasswordSchema.optional().openapi({ description: 'Omit to get a one-time invite token instead.' }),
    displayName: DisplayName,
    platformRole: PlatformRoleSchema.optional(),
  })
  .strict()
  .openapi('CreateUser');
export type CreateUser = z.infer<typeof CreateUserBody>;

export const UpdateUserBody = z
  .object({
    email: EmailSchema.optional(),
    displayName: DisplayName.optional(),
    platformRole: PlatformRoleSchema.optional(),
    disabled: z.boolean().optional().openapi({ description: 'true disables the user and ends their sessions' }),
    password: PasswordSchema.optional().openapi({ description: 'Sets a new password and ends their sessions' }),
  })
  .strict()
  .openapi('UpdateUser');
export type UserChanges = z.infer<typeof UpdateUserBody>;

export const UserWithInvite = z.object({
  user: UserSchema,
  /** the one-time link, when no password was given and no SMTP is configured (the message is captured) */
  invite: orNull(InviteSchema),
  /** where the invite was emailed, when no password was given and SMTP is configured */
  emailedTo: z.string().nullable(),
});

/** A new invite for an invited user: emailed where SMTP is configured (`emailedTo`), else its link (`invite`). */
export const ReissuedInvite = UserWithInvite.omit({ user: true });
