// The resolved caller of a request: the principal plus what the permission check needs (memberships, key).
import type { Tx } from '../db/tenant.js';
import type { OrgRole } from '../db/types.js';
import { ALL_PERMISSIONS, type Permission, ROLE_PERMISSIONS, scopePermissions } from './permissions.js';
import type { Principal } from './principal.js';

export interface VerifiedKey {
  id: string;
  kind: 'org' | 'platform';
  orgId: string | null;
  scopes: readonly string[];
  createdBy: string | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  /**
   * What the key's creator may do today (in the key's org, for org keys): a key never holds more, so
   * demoting, removing or disabling the creator narrows the key within the key cache time.
   */
  creatorAllows: ReadonlySet<Permission>;
}

export interface Caller {
  principal: Principal;
  /** org id → role, for user principals (empty otherwise) */
  memberships: ReadonlyMap<string, OrgRole>;
  via: 'anonymous' | 'session' | 'api_key' | 'supabase_jwt';
  /** the key that authenticated the request (also when acting as a user) */
  key: VerifiedKey | null;
}

export const ANONYMOUS_CALLER: Caller = {
  principal: { kind: 'anonymous' },
  memberships: new Map(),
  via: 'anonymous',
  key: null,
};

const EVERYTHING = new Set<Permission>(ALL_PERMISSIONS);
// A key acting as a user may do what that user does, except mint or revoke keys.
const NOT_WHILE_ACTING = new Set<Permission>(['keys:manage', 'platform:keys']);

/**
 * Every permission the caller holds for `orgId` (null: outside any org). The only place permissions
 * are computed; the route wrapper asks it, handlers may ask it through RouteContext.can.
 */
export function permissionsOf(caller: Caller, orgId: string | null): ReadonlySet<Permission> {
  const p = caller.principal;
  switch (p.kind) {
    case 'anonymous':
      return new Set(['public']);
    case 'system':
      return EVERYTHING;
    case 'platform_key':
      return keyPermissions(p.scopes, caller.key);
    case 'org_key':
      return orgId === p.orgId ? keyPermissions(p.scopes, caller.key) : new Set(['public', 'self']);
    case 'user': {
      const held = new Set<Permission>(['public', 'self']);
      if (p.platformAdmin) for (const perm of ALL_PERMISSIONS) held.add(perm);
      const role = orgId ? caller.memberships.get(orgId) : undefined;
      if (role) for (const perm of ROLE_PERMISSIONS[role]) held.add(perm);
      if (p.actingKeyId) {
        for (const perm of NOT_WHILE_ACTING) held.delete(perm);
        // Acting as someone never gives more than the key's creator may do today.
        const allows = caller.key?.creatorAllows ?? new Set<Permission>();
        for (const perm of held) if (perm !== 'public' && perm !== 'self' && !allows.has(perm)) held.delete(perm);
      }
      return held;
    }
  }
}

/**
 * A key's permissions, worked out once per verified key (the key cache hands out the same object until it
 * fetches the key again, so a changed scope or creator is seen within the key cache time, as before).
 */
const perKey = new WeakMap<VerifiedKey, ReadonlySet<Permission>>();
function keyPermissions(scopes: readonly string[], key: VerifiedKey | null): ReadonlySet<Permission> {
  if (!key) return withPublic(boundedByCreator(scopePermissions(scopes), key));
  let held = perKey.get(key);
  if (!held) {
    held = withPublic(boundedByCreator(scopePermissions(scopes), key));
    perKey.set(key, held);
  }
  return held;
}

/** 'self' comes with any working key; everything else, org:read included, must also be the creator's to give. */
function boundedByCreator(granted: Set<Permission>, key: VerifiedKey | null): Set<Permission> {
  const allows = key?.creatorAllows ?? new Set<Permission>();
  for (const perm of granted) if (perm !== 'self' && !allows.has(perm)) granted.delete(perm);
  return granted;
}

/** A key whose creator may do nothing today (disabled, deleted, removed from the key's org, no longer an admin). */
export function creatorGaveUp(key: VerifiedKey): boolean {
  return key.creatorAllows.size === 0;
}

/** Whether the key's creator is a platform admin today: only then may a key act as one. */
export function creatorIsPlatformAdmin(key: VerifiedKey): boolean {
  return ALL_PERMISSIONS.every((perm) => key.creatorAllows.has(perm));
}

/** The creator's current permissions a key may draw on; a deleted or disabled creator gives nothing. */
export function creatorAllows(
  creator: { platformAdmin: boolean; disabled: boolean; orgRole: OrgRole | null } | null,
): Set<Permission> {
  if (!creator || creator.disabled) return new Set();
  if (creator.platformAdmin) return new Set(ALL_PERMISSIONS);
  return new Set(creator.orgRole ? ROLE_PERMISSIONS[creator.orgRole] : []);
}

function withPublic(set: Set<Permission>): Set<Permission> {
  set.add('public');
  return set;
}

/** Platform admins and platform keys reach every org; others only their memberships or their key's org. */
export function reachesEveryOrg(caller: Caller): boolean {
  const p = caller.principal;
  return p.kind === 'platform_key' || p.kind === 'system' || (p.kind === 'user' && p.platformAdmin);
}

/** The orgs a caller reaches by membership or key (not counting platform-wide reach). */
export function ownOrgIds(caller: Caller): string[] {
  const p = caller.principal;
  if (p.kind === 'org_key') return [p.orgId];
  if (p.kind === 'user') return [...caller.memberships.keys()];
  return [];
}

export interface UserAccess {
  id: string;
  email: string;
  platformAdmin: boolean;
  disabled: boolean;
  memberships: Map<string, OrgRole>;
}

/** The user's standing and memberships, read in one query (run as the system principal). */
export async function loadUserAccess(tx: Tx, userId: string): Promise<UserAccess | null> {
  const user = await tx
    .selectFrom('users')
    .select(['id', 'email', 'platform_role', 'disabled_at'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user) return null;
  const rows = await tx
    .selectFrom('org_memberships')
    .select(['org_id', 'role'])
    .where('user_id', '=', userId)
    .execute();
  return {
    id: user.id,
    email: user.email,
    platformAdmin: user.platform_role === 'platform_admin',
    disabled: user.disabled_at !== null,
    memberships: new Map(rows.map((r) => [r.org_id, r.role])),
  };
}

export function userCaller(
  access: UserAccess,
  via: Caller['via'],
  extra: { sessionId?: string | null; key?: VerifiedKey | null } = {},
): Caller {
  // A key acting as a platform admin is one only while its own creator still is (the database sees the same).
  const platformAdmin = access.platformAdmin && (!extra.key || creatorIsPlatformAdmin(extra.key));
  return {
    principal: {
      kind: 'user',
      userId: access.id,
      platformAdmin,
      sessionId: extra.sessionId ?? null,
      actingKeyId: extra.key?.id ?? null,
    },
    memberships: access.memberships,
    via,
    key: extra.key ?? null,
  };
}
