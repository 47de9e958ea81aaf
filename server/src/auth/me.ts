// The /api/me description of a caller: user, platform role, memberships with what each allows, the key in use.
import { z } from '@hono/zod-openapi';
import type { Tx } from '../db/tenant.js';
import { orNull } from '../http/or-null.js';
import { RoleSchema } from '../orgs/schema.js';
import { UserSchema } from '../users/schema.js';
import { getUser } from '../users/service.js';
import { type Caller, permissionsOf } from './caller.js';

export const MeSchema = z
  .object({
    user: orNull(UserSchema),
    emailVerified: z.boolean().nullable().openapi({
      description:
        "Whether the user's address is proven (a link sent to it was followed); null for a key without a user",
    }),
    authenticatedVia: z.enum(['session', 'api_key', 'supabase_jwt']),
    apiKey: z
      .object({
        id: z.string(),
        kind: z.enum(['org', 'platform']),
        orgId: z.string().nullable(),
        scopes: z.array(z.string()),
      })
      .nullable(),
    /** true when a platform key with act_as is acting as `user` */
    actingAs: z.boolean(),
    /** permissions outside any org (platform permissions, self) */
    permissions: z.array(z.string()),
    memberships: z.array(
      z.object({
        orgId: z.string(),
        orgName: z.string(),
        orgSlug: z.string(),
        timezone: z.string(),
        role: RoleSchema.nullable(),
        mightycallExtension: z.string().nullable(),
        permissions: z.array(z.string()),
      }),
    ),
  })
  .openapi('Me');
export type Me = z.infer<typeof MeSchema>;

const listed = (set: ReadonlySet<string>) => [...set].filter((p) => p !== 'public').sort();

/** Runs as the caller: the memberships shown are the ones row-level security lets them see. */
export async function describeCaller(tx: Tx, caller: Caller): Promise<Me> {
  const p = caller.principal;
  const via = caller.via === 'anonymous' ? 'session' : caller.via;
  const key = caller.key
    ? { id: caller.key.id, kind: caller.key.kind, orgId: caller.key.orgId, scopes: [...caller.key.scopes] }
    : null;
  const rows = await membershipRows(tx, caller);
  const verified =
    p.kind === 'user'
      ? await tx.selectFrom('users').select('email_verified_at').where('id', '=', p.userId).executeTakeFirst()
      : undefined;
  return {
    user: p.kind === 'user' ? await getUser(tx, p.userId) : null,
    emailVerified: verified ? verified.email_verified_at !== null : null,
    authenticatedVia: via,
    apiKey: key,
    actingAs: p.kind === 'user' && p.actingKeyId !== null,
    permissions: listed(permissionsOf(caller, null)),
    memberships: rows.map((r) => ({
      orgId: r.id,
      orgName: r.name,
      orgSlug: r.slug,
      timezone: r.timezone,
      role: r.role,
      mightycallExtension: r.mightycall_extension,
      permissions: listed(permissionsOf(caller, r.id)),
    })),
  };
}

async function membershipRows(tx: Tx, caller: Caller) {
  const p = caller.principal;
  const orgs = tx.selectFrom('organizations as o').select(['o.id', 'o.name', 'o.slug', 'o.timezone']).orderBy('o.name');
  if (p.kind === 'user') {
    return orgs
      .innerJoin('org_memberships as m', 'm.org_id', 'o.id')
      .select(['m.role', 'm.mightycall_extension'])
      .where('m.user_id', '=', p.userId)
      .execute();
  }
  if (p.kind === 'org_key') {
    const rows = await orgs.where('o.id', '=', p.orgId).execute();
    return rows.map((r) => ({ ...r, role: null, mightycall_extension: null }));
  }
  return [];
}
