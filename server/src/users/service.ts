// User rules and SQL: create (password or invite), list, read, change role/status/password; never exposes hashes.
import { sql } from 'kysely';
import { hashPassword } from '../auth/passwords.js';
import { endSessionsOf } from '../auth/sessions.js';
import type { Tx } from '../db/tenant.js';
import type { OrgRole } from '../db/types.js';
import { AppError, notFound } from '../http/errors.js';
import { type IssuedInvite, issueInvite } from './invites.js';
import type { CreateUser, UserChanges, UserListItem, UserView } from './schema.js';

const COLUMNS = [
  'id',
  'email',
  'display_name',
  'platform_role',
  'password_hash',
  'auth_subject',
  'disabled_at',
  'created_at',
  'updated_at',
] as const;

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  platform_role: 'none' | 'platform_admin';
  password_hash: string | null;
  auth_subject: string | null;
  disabled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function toUserView(row: UserRow): UserView {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    platformRole: row.platform_role,
    status: row.disabled_at
      ? 'disabled'
      : row.password_hash === null && row.auth_subject === null
        ? 'invited'
        : 'active',
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export const userNotFound = () => notFound('User', 'user_not_found');
const emailTaken = (email: string) =>
  new AppError(409, 'email_taken', `body.email: ${email} already belongs to another user`);

async function emailInUse(tx: Tx, email: string, exceptId?: string): Promise<boolean> {
  let q = tx
    .selectFrom('users')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()));
  if (exceptId) q = q.where('id', '<>', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

/** Creates the user; without a password an invite is issued. Must run as a platform admin or the system. */
export async function createUser(
  tx: Tx,
  input: CreateUser,
  createdBy: string | null,
  publicUrl: string | null,
): Promise<{ user: UserView; invite: (IssuedInvite & { id: string }) | null }> {
  if (await emailInUse(tx, input.email)) throw emailTaken(input.email);
  const row = await tx
    .insertInto('users')
    .values({
      email: input.email,
      display_name: input.displayName,
      password_hash: input.password ? await hashPassword(input.password) : null,
      platform_role: input.platformRole ?? 'none',
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  const invite = input.password ? null : await issueInvite(tx, row.id, createdBy, publicUrl);
  return { user: toUserView(row), invite };
}

export async function findUserByEmail(tx: Tx, email: string): Promise<UserView | null> {
  const row = await tx
    .selectFrom('users')
    .select(COLUMNS)
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .executeTakeFirst();
  return row ? toUserView(row) : null;
}

export async function getUser(tx: Tx, userId: string): Promise<UserView> {
  const row = await tx.selectFrom('users').select(COLUMNS).where('id', '=', userId).executeTakeFirst();
  if (!row) throw userNotFound();
  return toUserView(row);
}

export async function listUsers(tx: Tx, search: string | undefined): Promise<UserListItem[]> {
  let q = tx.selectFrom('users').select(COLUMNS).orderBy('email').limit(2000);
  if (search) {
    const pattern = `%${search.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    q = q.where((eb) => eb.or([eb('email', 'ilike', pattern), eb('display_name', 'ilike', pattern)]));
  }
  const users = await q.execute();
  if (users.length === 0) return [];
  const memberships = await tx
    .selectFrom('org_memberships as m')
    .innerJoin('organizations as o', 'o.id', 'm.org_id')
    .select(['m.user_id', 'm.org_id', 'o.name', 'm.role'])
    .where(
      'm.user_id',
      'in',
      users.map((u) => u.id),
    )
    .orderBy('o.name')
    .execute();
  const byUser = new Map<string, Array<{ orgId: string; orgName: string; role: OrgRole }>>();
  for (const m of memberships) {
    const list = byUser.get(m.user_id) ?? [];
    list.push({ orgId: m.org_id, orgName: m.name, role: m.role });
    byUser.set(m.user_id, list);
  }
  return users.map((u) => ({ ...toUserView(u), memberships: byUser.get(u.id) ?? [] }));
}

async function otherActiveAdmins(tx: Tx, userId: string): Promise<number> {
  const row = await tx
    .selectFrom('users')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('platform_role', '=', 'platform_admin')
    .where('disabled_at', 'is', null)
    .where('id', '<>', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Applies the changes; disabling or a new password ends the user's sessions. Returns before and after. */
export async function updateUser(
  tx: Tx,
  userId: string,
  changes: UserChanges,
): Promise<{ before: UserView; after: UserView }> {
  const before = await getUser(tx, userId);
  if (changes.email !== undefined && (await emailInUse(tx, changes.email, userId))) throw emailTaken(changes.email);
  const losesAdmin =
    before.platformRole === 'platform_admin' &&
    before.status !== 'disabled' &&
    (changes.platformRole === 'none' || changes.disabled === true);
  if (losesAdmin && (await otherActiveAdmins(tx, userId)) === 0) {
    throw new AppError(409, 'last_platform_admin', 'This is the last active platform admin; promote another first.');
  }
  const now = new Date();
  const row = await tx
    .updateTable('users')
    .set({
      ...(changes.email === undefined ? {} : { email: changes.email }),
      ...(changes.displayName === undefined ? {} : { display_name: changes.displayName }),
      ...(changes.platformRole === undefined ? {} : { platform_role: changes.platformRole }),
      ...(changes.disabled === undefined ? {} : { disabled_at: changes.disabled ? now : null }),
      ...(changes.password === undefined ? {} : { password_hash: await hashPassword(changes.password) }),
      updated_at: now,
    })
    .where('id', '=', userId)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  if (changes.disabled === true || changes.password !== undefined) await endSessionsOf(tx, userId, now);
  return { before, after: toUserView(row) };
}
