// The signed-in user and their memberships (GET /api/me), and what they may do in an org.
import { queryOptions, useQuery } from '@tanstack/react-query';
import { ApiError } from '../api/client';
import { auth } from '../api/endpoints';
import type { Me, OrgRole } from '../api/types';

export const ME_KEY = ['me'] as const;

/** null means signed out; an error means we could not tell (server down), which is shown, not treated as signed out. */
export const meQuery = () =>
  queryOptions<Me | null>({
    queryKey: ME_KEY,
    queryFn: async () => {
      try {
        return await auth.me();
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
    retry: false,
  });

export function useMe() {
  return useQuery(meQuery());
}

export function isPlatformAdmin(me: Me | null | undefined): boolean {
  return me?.user?.platformRole === 'platform_admin';
}

export function roleIn(me: Me | null | undefined, orgId: string): OrgRole | null {
  return me?.memberships.find((m) => m.orgId === orgId)?.role ?? null;
}

/** The server's own word on what the caller may do in an org (platform admins may do everything everywhere). */
export function can(me: Me | null | undefined, orgId: string, permission: string): boolean {
  if (isPlatformAdmin(me)) return true;
  return me?.memberships.find((m) => m.orgId === orgId)?.permissions.includes(permission) ?? false;
}

export function canOpenOrg(me: Me | null | undefined, orgId: string): boolean {
  return isPlatformAdmin(me) || (me?.memberships.some((m) => m.orgId === orgId) ?? false);
}

/** Org settings are offered to whoever may change settings, members or keys of the org. */
export function canAdministerOrg(me: Me | null | undefined, orgId: string): boolean {
  return ['settings:write', 'members:write', 'keys:manage'].some((p) => can(me, orgId, p));
}

export const ROLE_LABEL: Record<OrgRole, string> = {
  org_admin: 'Org admin',
  org_manager: 'Manager',
  agent: 'Agent',
};

/** A select's value as an org role (the role pickers of the member forms). */
export function isOrgRole(value: string): value is OrgRole {
  return value === 'org_admin' || value === 'org_manager' || value === 'agent';
}
