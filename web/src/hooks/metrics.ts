// Dashboard data: each metrics endpoint as a query keyed by org and range, refetched every REFRESH_SECONDS.
import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { calls, metrics, type RangeQuery } from '../api/endpoints';

/** The dashboard polls this often; the header says so. */
export const REFRESH_SECONDS = 30;
const refresh = { refetchInterval: REFRESH_SECONDS * 1000, placeholderData: keepPreviousData } as const;

/** The dashboard's queries by name: the hooks below and the first-load prefetch (prefetch.ts) share them. */
export const dashboardQueries = {
  kpis: (orgId: string, range: RangeQuery) =>
    queryOptions({ queryKey: ['kpis', orgId, range], queryFn: () => metrics.kpis(orgId, range) }),
  series: (orgId: string, range: RangeQuery) =>
    queryOptions({ queryKey: ['series', orgId, range], queryFn: () => metrics.series(orgId, range) }),
  queues: (orgId: string, range: RangeQuery) =>
    queryOptions({ queryKey: ['queues', orgId, range], queryFn: () => metrics.queues(orgId, range) }),
  agents: (orgId: string, range: RangeQuery) =>
    queryOptions({ queryKey: ['agents', orgId, range], queryFn: () => metrics.agents(orgId, range) }),
  numbers: (orgId: string, range: RangeQuery) =>
    queryOptions({ queryKey: ['numbers', orgId, range], queryFn: () => metrics.numbers(orgId, range) }),
  recent: (orgId: string, limit = 20) =>
    queryOptions({ queryKey: ['recent', orgId, limit], queryFn: () => calls.recent(orgId, limit) }),
};

export function useKpis(orgId: string, range: RangeQuery) {
  return useQuery({ ...dashboardQueries.kpis(orgId, range), ...refresh });
}

export function useSeries(orgId: string, range: RangeQuery) {
  return useQuery({ ...dashboardQueries.series(orgId, range), ...refresh });
}

export function useQueueSummary(orgId: string, range: RangeQuery) {
  return useQuery({ ...dashboardQueries.queues(orgId, range), ...refresh });
}

export function useAgentStats(orgId: string, range: RangeQuery) {
  return useQuery({ ...dashboardQueries.agents(orgId, range), ...refresh });
}

export function useNumberStats(orgId: string, range: RangeQuery) {
  return useQuery({ ...dashboardQueries.numbers(orgId, range), ...refresh });
}

export function useHeatmap(orgId: string, range: RangeQuery) {
  return useQuery({ queryKey: ['heatmap', orgId, range], queryFn: () => metrics.heatmap(orgId, range), ...refresh });
}

export function useRecentCalls(orgId: string, limit = 20) {
  return useQuery({ ...dashboardQueries.recent(orgId, limit), ...refresh });
}
