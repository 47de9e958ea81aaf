// The org a screen is about: its settings (time zone, service level) loaded once by OrgLayout and shared below it.
import { queryOptions, useQuery } from '@tanstack/react-query';
import { useOutletContext } from 'react-router-dom';
import { orgs } from '../api/endpoints';
import type { Org, OrgRole } from '../api/types';

export interface OrgContext {
  org: Org;
  /** the caller's role here; platform admins without a membership act as org admins */
  role: OrgRole | 'platform_admin';
  canAdminister: boolean;
}

export const orgKey = (orgId: string) => ['org', orgId] as const;

export const orgQuery = (orgId: string) =>
  queryOptions({ queryKey: orgKey(orgId), queryFn: () => orgs.get(orgId).then((r) => r.org) });

export function useOrgQuery(orgId: string, enabled = true) {
  return useQuery({ ...orgQuery(orgId), enabled });
}

export function useCurrentOrg(): OrgContext {
  return useOutletContext<OrgContext>();
}

const LAST_ORG = 'victorysync.lastOrg';
export function rememberOrg(orgId: string): void {
  try {
    localStorage.setItem(LAST_ORG, orgId);
  } catch {
    // storage may be disabled (private mode); the choice is only a convenience
  }
}
export function lastOrg(): string | null {
  try {
    return localStorage.getItem(LAST_ORG);
  } catch {
    return null;
  }
}
