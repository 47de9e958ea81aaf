// Membership rules and SQL: list, add, change role or MightyCall extension, remove; an org keeps one admin.
import { sql } from 'kysely';
import type { Tx } from '../db/tenant.js';
import type { OrgRole } from '../db/types.js';
import { AppError, notFound } from '../http/errors.js';
import type { MemberChanges, MemberView } from './schema.js';

export const memberNotFound = () => notFound('Member', 'member_not_found');

function baseQuery(tx: Tx, orgId: string) {
  return tx
    .selectFrom('org_memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select([
      'm.user_id',
      'u.email',
      'u.display_name',
      'm.role',
      'm.mightycall_extension',
      'u.disabled_at',
      'u.password_hash',
      'u.auth_subject',
      'm.created_at',
      'm.updated_at',
    ])
    .where('m.org_id', '=', orgId);
}

type MemberRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['executeTakeFirstOrThrow']>>;

function toMemberView(r: MemberRow): MemberView {
  return {
    userId: r.user_id,
    email: r.email,
    displayName: r.display_name,
    role: r.role,
    mightycallExtension: r.mightycall_extension,
    status: r.disabled_at ? 'disabled' : r.password_hash === null && r.auth_subject === null ? 'invited' : 'active',
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export async function listMembers(tx: Tx, orgId: string): Promise<MemberView[]> {
  const rows = await baseQuery(tx, orgId).orderBy('u.display_name').orderBy('u.email').execute();
  return rows.map(toMemberView);
}

export async function getMember(tx: Tx, orgId: string, userId: string): Promise<MemberView> {
  const row = await baseQuery(tx, orgId).where('m.user_id', '=', userId).executeTakeFirst();
  if (!row) throw memberNotFound();
  return toMemberView(row);
}

export async function addMember(
  tx: Tx,
  orgId: string,
  userId: string,
  role: OrgRole,
  extension: string | null,
): Promise<MemberView> {
  const existing = await tx
    .selectFrom('org_memberships')
    .select('role')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (existing) {
    throw new AppError(
      409,
      'already_member',
      `This user is already a member (${existing.role}); change the role with PATCH.`,
    );
  }
  await tx
    .insertInto('org_memberships')
    .values({ org_id: orgId, user_id: userId, role, mightycall_extension: extension })
    .execute();
  return getMember(tx, orgId, userId);
}

async function assertAnotherAdmin(tx: Tx, orgId: string, userId: string): Promise<void> {
  const row = await tx
    .selectFrom('org_memberships')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('org_id', '=', orgId)
    .where('role', '=', 'org_admin')
    .where('user_id', '<>', userId)
    .executeTakeFirstOrThrow();
  if (Number(row.n) === 0) {
    throw new AppError(409, 'last_org_admin', 'This is the last org admin; make someone else org_admin first.');
  }
}

export interface MemberWriteOptions {
  /** refuse to demote or remove the org's last org_admin (org-level routes) */
  keepOneAdmin: boolean;
}

export async function updateMember(
  tx: Tx,
  orgId: string,
  userId: string,
  changes: MemberChanges,
  options: MemberWriteOptions,
): Promise<{ before: MemberView; after: MemberView }> {
  const before = await getMember(tx, orgId, userId);
  if (
    options.keepOneAdmin &&
    before.role === 'org_admin' &&
    changes.role !== undefined &&
    changes.role !== 'org_admin'
  ) {
    await assertAnotherAdmin(tx, orgId, userId);
  }
  const updated = await tx
    .updateTable('org_memberships')
    .set({
      ...(changes.role === undefined ? {} : { role: changes.role }),
      ...(changes.mightycallExtension === undefined ? {} : { mightycall_extension: changes.mightycallExtension }),
      updated_at: new Date(),
    })
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (updated.numUpdatedRows === 0n) throw new AppError(403, 'forbidden', 'You may not change this membership.');
  return { before, after: await getMember(tx, orgId, userId) };
}

export async function removeMember(
  tx: Tx,
  orgId: string,
  userId: string,
  options: MemberWriteOptions,
): Promise<MemberView> {
  const before = await getMember(tx, orgId, userId);
  if (options.keepOneAdmin && before.role === 'org_admin') await assertAnotherAdmin(tx, orgId, userId);
  const deleted = await tx
    .deleteFrom('org_memberships')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (deleted.numDeletedRows === 0n) throw new AppError(403, 'forbidden', 'You may not remove this membership.');
  return before;
}
