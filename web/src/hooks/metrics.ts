// Dashboard data: each metrics endpoint as a query keyed by org and range, refetched every REFRESH_SECONDS.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { calls, metrics, type RangeQuery } from '../api/endpoints';

/** The dashboard polls this often; the header says so. */
export const REFRESH_SECONDS = 30;
const refresh = { refetchInterval: REFRESH_SECONDS * 1000, placeholderData: keepPreviousData } as const;

export function useKpis(orgId: string, range: RangeQuery) {
  return useQuery({ queryKey: ['kpis', orgId, range], queryFn: () => metrics.kpis(orgId, range), ...refresh });
}

export function useSeries(orgId: string, range: RangeQuery) {
  return useQuery({ queryKey: ['series', orgId, range], queryFn: () => metrics.series(orgId, range), ...refresh });
}

export function useQueueSummary(orgId: string, range: RangeQuery) {
  return useQuery({ queryKey: ['queues', orgId, range], queryFn: () => metrics.queues(orgId, range), ...refresh });
}

export function useAgentStats(orgId: string, range: RangeQuery) {
  return useQuery({ queryKey: ['agents', orgId, range], queryFn: () => metrics.agents(orgId, range), ...refresh });
}

export function useNumberStats(orgId: string, range: RangeQuery) {
  return useQuery({ queryKey: ['numbers', orgId, range], queryFn: () => metrics.numbers(orgId, range), ...refresh });
}

export function useHeatmap(orgId: string, range: RangeQuery) {
  return useQuery({ queryKey: ['heatmap', orgId, range], queryFn: () => metrics.heatmap(orgId, range), ...refresh });
}

export function useRecentCalls(orgId: string, limit = 20) {
  return useQuery({ queryKey: ['recent', orgId, limit], queryFn: () => calls.recent(orgId, limit), ...refresh });
}
