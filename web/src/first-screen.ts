// The screen a location opens first and the GET requests it makes, without React: read both by the entry script
// (main.tsx, which sends the requests before the app has loaded) and by the app's first-load prefetch (prefetch.ts).
import { auth, calls, metrics, orgs, type RangeQuery } from './api/endpoints';
import { rangeStateOf } from './metrics/range-state';
import { DASHBOARD_RANGE, RECENT_CALLS } from './pages/dashboard/defaults';

/** An org's dashboard: /orgs/<id> with nothing after it (a trailing slash allowed). */
const DASHBOARD_PATH = /^\/orgs\/([^/]+)\/?$/;

export type FirstScreen = { kind: 'dashboard'; orgId: string; range: RangeQuery; recent: number } | { kind: 'other' };

export function firstScreenOf(location: { pathname: string; search: string }): FirstScreen {
  const orgId = DASHBOARD_PATH.exec(location.pathname)?.[1];
  if (!orgId) return { kind: 'other' };
  const range = rangeStateOf(new URLSearchParams(location.search), DASHBOARD_RANGE).query;
  return { kind: 'dashboard', orgId, range, recent: RECENT_CALLS };
}

/**
 * The first screen's GET requests, as the screens' queries make them (the same endpoint calls, so the same URLs),
 * the KPIs before the rest: every screen needs the session, the dashboard its org and then its figures.
 */
export function sendFirstScreenRequests(screen: FirstScreen): void {
  void auth.me();
  if (screen.kind !== 'dashboard') return;
  const { orgId, range } = screen;
  void orgs.get(orgId);
  void metrics.kpis(orgId, range);
  void metrics.series(orgId, range);
  void metrics.queues(orgId, range);
  void metrics.agents(orgId, range);
  void metrics.numbers(orgId, range);
  void calls.recent(orgId, screen.recent);
}
