// The browser tab's title for each screen: "<Page> · <Org> · VictorySync", or "<Page> · VictorySync" outside an org.
import { useEffect } from 'react';
import { matchPath, useLocation } from 'react-router-dom';
import { useOrgQuery } from '../hooks/org';
import { canOpenOrg, useMe } from '../hooks/session';

export const APP_NAME = 'VictorySync';

/** Each screen's route (as in App.tsx) and the name its tab carries. */
const PAGES: ReadonlyArray<readonly [pattern: string, page: string]> = [
  ['/orgs/:orgId', 'Dashboard'],
  ['/orgs/:orgId/calls', 'Calls'],
  ['/orgs/:orgId/calls/:callId', 'Call detail'],
  ['/orgs/:orgId/live', 'Live wallboard'],
  ['/orgs/:orgId/settings', 'Org settings'],
  ['/orgs/:orgId/audit', 'Org audit log'],
  ['/orgs/:orgId/alerts', 'Alerts'],
  ['/orgs/:orgId/reports', 'Reports'],
  ['/admin/portfolio', 'Portfolio'],
  ['/admin/orgs', 'Organizations'],
  ['/admin/orgs/:orgId', 'Organization'],
  ['/admin/numbers', 'Phone numbers'],
  ['/admin/users', 'Users'],
  ['/admin/keys', 'Platform API keys'],
  ['/admin/audit', 'Audit log'],
  ['/admin/mightycall', 'MightyCall'],
  ['/admin/mail', 'Sent mail'],
  ['/admin/mail/:mailId', 'Mail message'],
  ['/sign-in', 'Sign in'],
  ['/accept-invite', 'Accept invitation'],
  ['/forgot-password', 'Forgot password'],
  ['/reset-password', 'Reset password'],
  ['/verify-email', 'Verify email'],
];

/** The screen at a path: its page name (null for "/", which only redirects) and the org it is about, if any. */
export function screenOf(pathname: string): { page: string | null; orgId?: string } {
  if (pathname === '/' || pathname === '') return { page: null };
  for (const [pattern, page] of PAGES) {
    const match = matchPath(pattern, pathname);
    if (match) return { page, orgId: match.params.orgId };
  }
  return { page: 'Page not found' };
}

/** "Calls · Harbor Dental Group · VictorySync"; the org's part appears once the org is loaded. */
export function documentTitle(page: string | null, orgName?: string): string {
  return [page, orgName, APP_NAME].filter(Boolean).join(' · ');
}

/** Keeps document.title in step with the route (the org's name comes from the query OrgLayout also uses). */
export function useDocumentTitle(): void {
  const { pathname } = useLocation();
  const { data: me } = useMe();
  const { page, orgId = '' } = screenOf(pathname);
  const org = useOrgQuery(orgId, orgId !== '' && canOpenOrg(me, orgId));
  const title = documentTitle(page, org.data?.name);
  useEffect(() => {
    document.title = title;
  }, [title]);
}
