// The first screen's requests, sent as the app script starts rather than after React has mounted and each screen
// has waited for the one above it (session → org → dashboard chunk → figures): they all go out at once.
import type { QueryClient } from '@tanstack/react-query';
import { dashboardQueries } from './hooks/metrics';
import { orgQuery } from './hooks/org';
import { meQuery } from './hooks/session';
import { rangeStateOf } from './hooks/useRange';
import { DASHBOARD_RANGE, RECENT_CALLS } from './pages/dashboard/defaults';
import { Dashboard } from './pages/lazy';

/** An org's dashboard: /orgs/<id> with nothing after it (a trailing slash allowed). */
const DASHBOARD_PATH = /^\/orgs\/([^/]+)\/?$/;

/**
 * Fills the query cache for the location about to render, with the very queries its screens run (same keys, same
 * fetches), so they find their answers there or in flight. Failures are left to the screens: a 401 or 403 lands in
 * the cache as the screen's own query would have, and the screen shows it as usual.
 */
export function prefetchFirstScreen(queryClient: QueryClient, location: { pathname: string; search: string }): void {
  void queryClient.prefetchQuery(meQuery());
  const orgId = DASHBOARD_PATH.exec(location.pathname)?.[1];
  if (!orgId) return;
  // The dashboard's code loads alongside its data, so it renders at once when they are in.
  void Dashboard.preload();
  void queryClient.prefetchQuery(orgQuery(orgId));
  const range = rangeStateOf(new URLSearchParams(location.search), DASHBOARD_RANGE).query;
  void queryClient.prefetchQuery(dashboardQueries.kpis(orgId, range));
  void queryClient.prefetchQuery(dashboardQueries.series(orgId, range));
  void queryClient.prefetchQuery(dashboardQueries.queues(orgId, range));
  void queryClient.prefetchQuery(dashboardQueries.agents(orgId, range));
  void queryClient.prefetchQuery(dashboardQueries.numbers(orgId, range));
  void queryClient.prefetchQuery(dashboardQueries.recent(orgId, RECENT_CALLS));
}
