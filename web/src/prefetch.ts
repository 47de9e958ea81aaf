// The first screen's queries, started as the app script starts rather than after React has mounted and each screen
// has waited for the one above it (session → org → dashboard chunk → figures). Their requests mostly went out
// already from main.tsx; these queries take those answers over, so each URL is asked for once.
import type { QueryClient } from '@tanstack/react-query';
import { firstScreenOf } from './first-screen';
import { dashboardQueries } from './hooks/metrics';
import { orgQuery } from './hooks/org';
import { meQuery } from './hooks/session';
import { Dashboard } from './pages/lazy';

/**
 * Fills the query cache for the location about to render, with the very queries its screens run (same keys, same
 * fetches), so they find their answers there or in flight. Failures are left to the screens: a 401 or 403 lands in
 * the cache as the screen's own query would have, and the screen shows it as usual.
 */
export function prefetchFirstScreen(queryClient: QueryClient, location: { pathname: string; search: string }): void {
  void queryClient.prefetchQuery(meQuery());
  const screen = firstScreenOf(location);
  if (screen.kind !== 'dashboard') return;
  const { orgId, range } = screen;
  // The dashboard's code loads alongside its data, so it renders at once when they are in.
  void Dashboard.preload();
  void queryClient.prefetchQuery(orgQuery(orgId));
  void queryClient.prefetchQuery(dashboardQueries.kpis(orgId, range));
  void queryClient.prefetchQuery(dashboardQueries.series(orgId, range));
  void queryClient.prefetchQuery(dashboardQueries.queues(orgId, range));
  void queryClient.prefetchQuery(dashboardQueries.agents(orgId, range));
  void queryClient.prefetchQuery(dashboardQueries.numbers(orgId, range));
  void queryClient.prefetchQuery(dashboardQueries.recent(orgId, screen.recent));
}
