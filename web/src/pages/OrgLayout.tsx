// Wraps every /orgs/:orgId screen: checks the caller may open the org, loads its settings, passes them down.
import { useEffect } from 'react';
import { Outlet, useParams } from 'react-router-dom';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { ErrorState, Loading } from '../components/States';
import { type OrgContext, rememberOrg, useOrgQuery } from '../hooks/org';
import { canAdministerOrg, canOpenOrg, isPlatformAdmin, roleIn, useMe } from '../hooks/session';
import { Forbidden } from './Errors';

export function OrgLayout() {
  const { orgId = '' } = useParams();
  const { data: me } = useMe();
  const allowed = canOpenOrg(me, orgId);
  const org = useOrgQuery(orgId, allowed);
  useEffect(() => {
    if (allowed && org.data) rememberOrg(orgId);
  }, [allowed, org.data, orgId]);

  if (!allowed) return <Forbidden what="This organization" />;
  if (org.isPending) return <Loading label="Loading organization…" />;
  if (org.isError)
    return <ErrorState error={org.error} title="Could not load this organization." onRetry={() => org.refetch()} />;
  const role = roleIn(me, orgId) ?? (isPlatformAdmin(me) ? 'platform_admin' : 'agent');
  const context: OrgContext = { org: org.data, role, canAdminister: canAdministerOrg(me, orgId) };
  return (
    <ErrorBoundary resetKey={orgId}>
      <Outlet context={context} />
    </ErrorBoundary>
  );
}
