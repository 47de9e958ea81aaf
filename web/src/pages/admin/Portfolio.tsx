// Platform admin: every client org on one screen (today against its target, calls waiting now, seven days), worst
// first, sorted and filtered by the server, polled every few seconds.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type ReactNode, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { admin } from '../../api/endpoints';
import type { PortfolioDay, PortfolioOrg } from '../../api/types';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { Field, SelectField } from '../../components/Field';
import { Pill } from '../../components/Pill';
import { Notice } from '../../components/States';
import { type Column, Table } from '../../components/Table';
import { formatCount, formatDate, formatPct, formatTime, formatTimer, NO_DATA } from '../../metrics/format';

/**
 * Polled rather than streamed: the figures move with every stored call (the rollups) as well as with the live
 * state, and a poll of one bounded statement pair is as cheap as a stream's refresh, survives proxies, and stops
 * while the tab is hidden.
 */
export const PORTFOLIO_REFRESH_SECONDS = 5;
const FILTER_DELAY_MS = 300;

type SortKey =
  | 'name'
  | 'offeredCalls'
  | 'answerRatePct'
  | 'serviceLevelGapPts'
  | 'waitingNow'
  | 'longestWaitNowSeconds'
  | 'alertsFiring';

/** Each sortable column, and which direction shows its worst first (the first click). */
const SORTS: ReadonlyArray<{ key: SortKey; label: string; worst: 'asc' | 'desc' }> = [
  { key: 'name', label: 'Name', worst: 'asc' },
  { key: 'offeredCalls', label: 'Offered today', worst: 'desc' },
  { key: 'answerRatePct', label: 'Answer rate', worst: 'asc' },
  { key: 'serviceLevelGapPts', label: 'Service level vs target', worst: 'asc' },
  { key: 'waitingNow', label: 'Waiting now', worst: 'desc' },
  { key: 'longestWaitNowSeconds', label: 'Longest wait now', worst: 'desc' },
  { key: 'alertsFiring', label: 'Alerts firing', worst: 'desc' },
];

const SORT_OPTIONS = [
  { value: 'worst', label: 'Worst first' },
  ...SORTS.flatMap((s) =>
    s.key === 'name'
      ? [
          { value: 'name', label: 'Name, A to Z' },
          { value: '-name', label: 'Name, Z to A' },
        ]
      : [
          { value: `-${s.key}`, label: `${s.label}, highest first` },
          { value: s.key, label: `${s.label}, lowest first` },
        ],
  ),
];

function parseSort(sort: string): { key: string; dir: 'asc' | 'desc' } | null {
  if (sort === 'worst') return null;
  return sort.startsWith('-') ? { key: sort.slice(1), dir: 'desc' } : { key: sort, dir: 'asc' };
}

/** A header click: the same column turns around; another column starts with its worst first. */
function nextSort(current: string, key: string): string {
  const now = parseSort(current);
  if (now?.key === key) return now.dir === 'asc' ? `-${key}` : key;
  const worst = SORTS.find((s) => s.key === key)?.worst ?? 'asc';
  return worst === 'asc' ? key : `-${key}`;
}

const signed = (pts: number) => `${pts > 0 ? '+' : pts < 0 ? '−' : '±'}${Math.abs(pts).toFixed(1)} pts`;

function ServiceLevel({ org }: { org: PortfolioOrg }) {
  const gap = org.serviceLevelGapPts;
  return (
    <span className="portfolio-sl">
      <span>{formatPct(org.serviceLevelPct)}</span>
      <span className="muted small">of {formatPct(org.serviceLevelTargetPct)}</span>
      {gap === null ? null : <Pill tone={gap < 0 ? 'bad' : 'good'}>{signed(gap)}</Pill>}
    </span>
  );
}

/** Offered calls per local day as bars, the day's answer rate in the label; today is the last (darker) bar. */
function Sparkline({ days, timezone }: { days: PortfolioDay[]; timezone: string }) {
  const max = Math.max(1, ...days.map((d) => d.offeredCalls));
  const bar = 8;
  const gap = 3;
  const height = 28;
  const described = days
    .map(
      (d) =>
        `${formatDate(`${d.day}T12:00:00Z`, 'UTC')}: ${formatCount(d.offeredCalls)} offered, ${formatPct(d.answerRatePct)} answered`,
    )
    .join('; ');
  return (
    <svg
      className="sparkline"
      role="img"
      aria-label={`Last 7 days (${timezone}): ${described}`}
      width={days.length * (bar + gap) - gap}
      height={height}
      viewBox={`0 0 ${days.length * (bar + gap) - gap} ${height}`}
    >
      <title>{described}</title>
      {days.map((d, i) => {
        const h = d.offeredCalls === 0 ? 1 : Math.max(2, Math.round((d.offeredCalls / max) * height));
        return (
          <rect
            key={d.day}
            x={i * (bar + gap)}
            y={height - h}
            width={bar}
            height={h}
            rx={1}
            className={i === days.length - 1 ? 'sparkline-today' : 'sparkline-day'}
          />
        );
      })}
    </svg>
  );
}

/** A figure as shown, with the API's value in data-value (the browser tests compare the two). */
function Figure({ field, value, children }: { field: string; value: number | null; children: ReactNode }) {
  return (
    <span data-field={field} data-value={value === null ? '' : String(value)}>
      {children}
    </span>
  );
}

const COLUMNS: Column<PortfolioOrg>[] = [
  {
    key: 'name',
    header: 'Organization',
    sortable: true,
    cell: (o) => (
      <Link to={`/orgs/${o.orgId}`} data-testid="portfolio-org">
        {o.name}
      </Link>
    ),
  },
  {
    key: 'offeredCalls',
    header: 'Offered today',
    numeric: true,
    sortable: true,
    cell: (o) => (
      <Figure field="offeredCalls" value={o.offeredCalls}>
        {formatCount(o.offeredCalls)}
      </Figure>
    ),
  },
  {
    key: 'answerRatePct',
    header: 'Answer rate',
    numeric: true,
    sortable: true,
    cell: (o) => (
      <Figure field="answerRatePct" value={o.answerRatePct}>
        {formatPct(o.answerRatePct)}
      </Figure>
    ),
  },
  {
    key: 'serviceLevelGapPts',
    header: 'Service level vs target',
    sortable: true,
    cell: (o) => (
      <Figure field="serviceLevelPct" value={o.serviceLevelPct}>
        <ServiceLevel org={o} />
      </Figure>
    ),
  },
  {
    key: 'waitingNow',
    header: 'Waiting now',
    numeric: true,
    sortable: true,
    cell: (o) => (
      <Figure field="waitingNow" value={o.waitingNow}>
        {o.waitingNow > 0 ? <Pill tone="warn">{formatCount(o.waitingNow)}</Pill> : '0'}
      </Figure>
    ),
  },
  {
    key: 'longestWaitNowSeconds',
    header: 'Longest wait now',
    numeric: true,
    sortable: true,
    cell: (o) => (
      <Figure field="longestWaitNowSeconds" value={o.longestWaitNowSeconds}>
        {o.longestWaitNowSeconds === null ? NO_DATA : formatTimer(o.longestWaitNowSeconds * 1000)}
      </Figure>
    ),
  },
  {
    key: 'alertsFiring',
    header: 'Alerts firing',
    numeric: true,
    sortable: true,
    cell: (o) => (
      <Figure field="alertsFiring" value={o.alertsFiring}>
        {o.alertsFiring > 0 ? (
          <Link to={`/orgs/${o.orgId}/alerts`} aria-label={`${o.alertsFiring} alerts firing at ${o.name}`}>
            <Pill tone="bad">{formatCount(o.alertsFiring)}</Pill>
          </Link>
        ) : (
          '0'
        )}
      </Figure>
    ),
  },
  {
    key: 'days',
    header: 'Last 7 days',
    cell: (o) => <Sparkline days={o.days} timezone={o.timezone} />,
  },
];

export default function Portfolio() {
  const [params, setParams] = useSearchParams();
  const sort = params.get('sort') || 'worst';
  const q = params.get('q') ?? '';
  const [search, setSearch] = useState(q);
  useEffect(() => setSearch(q), [q]);
  const setParam = (key: 'sort' | 'q', value: string) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value && !(key === 'sort' && value === 'worst')) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );
  // The filter follows typing after a short pause (one request per pause, not per key).
  // biome-ignore lint/correctness/useExhaustiveDependencies: setParam is rebuilt each render; the text is what matters
  useEffect(() => {
    const trimmed = search.trim();
    if (trimmed === q) return;
    const timer = setTimeout(() => setParam('q', trimmed), FILTER_DELAY_MS);
    return () => clearTimeout(timer);
  }, [search, q]);

  const portfolio = useQuery({
    queryKey: ['admin', 'portfolio', { sort, q }],
    queryFn: () => admin.portfolio({ sort, q: q || undefined }),
    refetchInterval: PORTFOLIO_REFRESH_SECONDS * 1000,
    placeholderData: keepPreviousData,
  });
  const data = portfolio.data;

  return (
    <div className="stack">
      <header className="page-header">
        <div>
          <h1>Portfolio</h1>
          <p className="page-header-meta">
            Every organization today, in its own time zone; updates every {PORTFOLIO_REFRESH_SECONDS} s.
          </p>
        </div>
        <p className="page-header-meta" data-testid="portfolio-as-of">
          {data ? `As of ${formatTime(data.asOf)}` : 'Loading…'}
        </p>
      </header>
      <Card title="Find and order">
        <div className="form-grid">
          <Field
            label="Filter by name"
            type="search"
            name="q"
            maxLength={100}
            value={search}
            placeholder="e.g. Dental"
            onChange={(e) => setSearch(e.target.value)}
          />
          <SelectField
            label="Sort by"
            value={sort}
            options={SORT_OPTIONS}
            onChange={(e) => setParam('sort', e.target.value)}
          />
          {sort !== 'worst' ? (
            <div className="row row-bottom">
              <Button onClick={() => setParam('sort', 'worst')}>Worst first</Button>
            </div>
          ) : null}
        </div>
        <p className="muted small">
          Worst first: service level furthest below the org’s own target, then the lowest answer rate, then the most
          calls waiting. Organizations with no answered or missed call today come last.
        </p>
      </Card>
      {portfolio.isError && data ? (
        <Notice>
          Could not refresh ({portfolio.error instanceof Error ? portfolio.error.message : 'unknown error'}); showing
          the figures as of {formatTime(data.asOf)}.
        </Notice>
      ) : null}
      {data?.truncated ? (
        <Notice>
          Showing {formatCount(data.orgs.length)} of {formatCount(data.total)} organizations in this order; filter by
          name to find the others.
        </Notice>
      ) : null}
      <Card
        title="Organizations"
        subtitle={
          portfolio.isPlaceholderData
            ? 'Updating for the new order or filter…'
            : data
              ? `${formatCount(data.total)} ${data.total === 1 ? 'organization' : 'organizations'}`
              : undefined
        }
      >
        <Table
          caption="Portfolio of organizations"
          testId="portfolio-table"
          columns={COLUMNS}
          rows={data?.orgs}
          rowKey={(o) => o.orgId}
          isLoading={portfolio.isLoading}
          error={data ? null : portfolio.error}
          onRetry={() => portfolio.refetch()}
          sortedBy={parseSort(sort)}
          onSort={(key) => setParam('sort', nextSort(sort, key))}
          empty={q ? `No organization’s name contains “${q}”.` : 'No organizations yet.'}
        />
      </Card>
    </div>
  );
}
