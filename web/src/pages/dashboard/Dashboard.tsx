// Org dashboard: range and compare, KPI row, calls-over-time chart, queues, recent activity, agents and numbers.
import { useIsFetching, useQueryClient } from '@tanstack/react-query';
import { CallsChart, ChartPlaceholder } from '../../charts/CallsChart';
import { HeatmapChart } from '../../charts/HeatmapChart';
import { Button, ButtonLink } from '../../components/Button';
import { Card } from '../../components/Card';
import { EmptyState, ErrorState, LoadingRows } from '../../components/States';
import {
  REFRESH_SECONDS,
  useAgentStats,
  useHeatmap,
  useKpis,
  useNumberStats,
  useQueueSummary,
  useRecentCalls,
  useSeries,
} from '../../hooks/metrics';
import { useCurrentOrg } from '../../hooks/org';
import { useRange } from '../../hooks/useRange';
import { DEFINITIONS_VERSION } from '../../metrics/definitions';
import { formatDateTime, formatTime } from '../../metrics/format';
import { RangePicker } from '../RangePicker';
import { AgentTable, NumberTable, QueueSummary } from './Breakdowns';
import { DASHBOARD_RANGE, RECENT_CALLS } from './defaults';
import { KpiRow } from './KpiRow';
import { RangeStatusNotice, rangeName, useRangeStatus } from './RangeStatus';
import { RecentActivity } from './RecentActivity';

const INTERVAL_WORD = { hour: 'hourly', day: 'daily', week: 'weekly', month: 'monthly' } as const;

export default function Dashboard() {
  const { org } = useCurrentOrg();
  const tz = org.timezone;
  const range = useRange(DASHBOARD_RANGE, tz);
  const kpis = useKpis(org.id, range.query);
  const series = useSeries(org.id, range.query);
  const queues = useQueueSummary(org.id, range.query);
  const agents = useAgentStats(org.id, range.query);
  const numbers = useNumberStats(org.id, range.query);
  const heatmap = useHeatmap(org.id, range.query);
  const recent = useRecentCalls(org.id, RECENT_CALLS);
  const queryClient = useQueryClient();
  const fetching = useIsFetching({ predicate: (q) => q.queryKey[1] === org.id }) > 0;
  const status = useRangeStatus(rangeName(range), [kpis, series, queues, agents, numbers, heatmap]);
  const refetchAll = () => queryClient.refetchQueries({ predicate: (q) => q.queryKey[1] === org.id });

  const asOf = kpis.dataUpdatedAt ? formatTime(new Date(kpis.dataUpdatedAt).toISOString(), tz) : null;
  // The period line names the figures' range only once they are the chosen range's.
  const period = kpis.isPlaceholderData ? undefined : kpis.data?.range;

  return (
    <div className="stack" aria-busy={fetching}>
      <header className="page-header">
        <div>
          <h1>{org.name}</h1>
          <p className="page-header-meta" data-testid="data-as-of">
            {asOf ? `Data as of ${asOf}` : 'Loading data…'} · refreshes every {REFRESH_SECONDS} s · times in {tz}
          </p>
          {period ? (
            <p className="page-header-meta range-label" data-testid="range-label">
              {formatDateTime(period.from, tz)} – {formatDateTime(period.to, tz)}, {INTERVAL_WORD[period.interval]}{' '}
              buckets
            </p>
          ) : (
            <p className="page-header-meta range-label" aria-hidden="true" />
          )}
        </div>
        <div className="row">
          <Button small busy={fetching} onClick={refetchAll}>
            Refresh now
          </Button>
          <ButtonLink small to={`/orgs/${org.id}/calls`}>
            Call log
          </ButtonLink>
          <ButtonLink small to={`/orgs/${org.id}/live`}>
            Live wallboard
          </ButtonLink>
        </div>
      </header>
      <RangePicker range={range} />
      <RangeStatusNotice status={status} onRetry={refetchAll} />
      <div className="stack" data-testid="range-figures" data-stale={status.shown ? 'true' : undefined}>
        <KpiRow
          data={kpis.data}
          error={kpis.error}
          onRetry={() => kpis.refetch()}
          compare={range.query.compare !== false}
        />
        <p className="small muted">
          Definitions ({DEFINITIONS_VERSION}): hover or focus the “i” beside a figure. Colours compare with the previous
          period; for missed, voicemail, abandon rate and ASA lower is better.
        </p>
        {kpis.error && kpis.data ? <ErrorState error={kpis.error} title="The latest refresh failed." /> : null}
        <Card title="Calls over time" subtitle={`Inbound calls by outcome, buckets in ${tz}`}>
          {series.error ? (
            <ErrorState error={series.error} title="Could not load the chart." onRetry={() => series.refetch()} />
          ) : !series.data ? (
            <ChartPlaceholder />
          ) : series.data.points.length === 0 ? (
            <EmptyState>No buckets in this range.</EmptyState>
          ) : (
            <CallsChart points={series.data.points} interval={series.data.interval} timeZone={series.data.timezone} />
          )}
        </Card>
      </div>
      <RecentActivity orgId={org.id} timeZone={tz} query={recent} />
      <div className="stack" data-stale={status.shown ? 'true' : undefined}>
        {/* Full width each: side by side, half a card cannot hold their columns and they fall back to lists. */}
        <QueueSummary query={queues} />
        <AgentTable query={agents} />
        <NumberTable query={numbers} />
        <Card
          title="Busy hours"
          subtitle={`Offered and answered calls by weekday and hour of the day in ${tz}, over the selected range`}
        >
          {heatmap.error ? (
            <ErrorState error={heatmap.error} title="Could not load the heatmap." onRetry={() => heatmap.refetch()} />
          ) : !heatmap.data ? (
            <LoadingRows label="heatmap" rows={7} />
          ) : heatmap.data.totals.offered === 0 && heatmap.data.totals.answered === 0 ? (
            <EmptyState testId="heatmap-empty">No inbound calls in this range.</EmptyState>
          ) : (
            <HeatmapChart heatmap={heatmap.data} />
          )}
        </Card>
      </div>
    </div>
  );
}
