// Call log: range and filters in the URL, keyset paging through every call ("Load more"), CSV of the filtered set.
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { type CallFilters, calls, orgs } from '../../api/endpoints';
import { Button, ButtonAnchor } from '../../components/Button';
import { Card } from '../../components/Card';
import { Field, SelectField } from '../../components/Field';
import { LoadMore } from '../../components/LoadMore';
import { OrgPageHeader } from '../../components/OrgPageHeader';
import { Table } from '../../components/Table';
import { useAgentStats } from '../../hooks/metrics';
import { useCurrentOrg } from '../../hooks/org';
import { useFormErrors } from '../../hooks/useFormErrors';
import { useRange } from '../../hooks/useRange';
import { formatCount } from '../../metrics/format';
import { formatPhone } from '../../metrics/phone';
import { callColumns } from '../dashboard/RecentActivity';
import { RangePicker } from '../RangePicker';

const PAGE_SIZE = 100;
const FILTER_KEYS = ['direction', 'status', 'number', 'agent', 'q'] as const;

const DIRECTIONS = [
  { value: '', label: 'Any direction' },
  { value: 'inbound', label: 'Inbound' },
  { value: 'outbound', label: 'Outbound' },
];
const STATUSES = [
  { value: '', label: 'Any status' },
  { value: 'answered', label: 'Answered' },
  { value: 'missed', label: 'Missed' },
  { value: 'voicemail', label: 'Voicemail' },
];

/** "1,284 calls · 100 shown": every call matching the filters, and how many of them the pages so far hold. */
function callCount(shown: number, total: number | null): string {
  if (total === null) return `${formatCount(shown)} calls shown`;
  const all = `${formatCount(total)} ${total === 1 ? 'call' : 'calls'}`;
  return shown < total ? `${all} · ${formatCount(shown)} shown` : all;
}

export default function Calls() {
  const { org } = useCurrentOrg();
  const range = useRange('week', org.timezone);
  const [params, setParams] = useSearchParams();
  const filters = useMemo<CallFilters>(() => {
    const out: CallFilters = {};
    for (const key of FILTER_KEYS) {
      const value = params.get(key);
      if (value) out[key] = value;
    }
    return out;
  }, [params]);
  const [search, setSearch] = useState(filters.q ?? '');
  useEffect(() => setSearch(filters.q ?? ''), [filters.q]);

  const setFilter = (key: (typeof FILTER_KEYS)[number], value: string) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );

  const numbers = useQuery({ queryKey: ['org-numbers', org.id], queryFn: () => orgs.phoneNumbers(org.id) });
  const agents = useAgentStats(org.id, { ...range.query, compare: false });
  const rangeQuery = { ...range.query, compare: undefined };
  const log = useInfiniteQuery({
    queryKey: ['calls', org.id, rangeQuery, filters],
    // '' is the first page; a page without nextCursor is the last one (undefined stops paging).
    queryFn: ({ pageParam }) => calls.list(org.id, rangeQuery, filters, pageParam || null, PAGE_SIZE),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const rows = log.data?.pages.flatMap((p) => p.items);
  const total = log.data?.pages[0]?.total ?? null;
  // A search the server refused is named under the search field; the table says anything else.
  const errors = useFormErrors(log.error);
  const tableError = log.isError && !rows ? errors.rest(['q']) : null;
  const numberOptions = [
    { value: '', label: 'Any number' },
    ...(numbers.data?.phoneNumbers ?? []).map((n) => ({
      value: n.e164,
      label: n.label ? `${formatPhone(n.e164)} · ${n.label}` : formatPhone(n.e164),
    })),
  ];
  const agentOptions = [
    { value: '', label: 'Any agent' },
    ...(agents.data?.items ?? [])
      .filter((a) => a.agentExtension)
      .map((a) => ({
        value: a.agentExtension ?? '',
        label: a.agentName ? `${a.agentName} (${a.agentExtension})` : `Ext. ${a.agentExtension}`,
      })),
  ];
  if (filters.agent && !agentOptions.some((o) => o.value === filters.agent)) {
    agentOptions.push({ value: filters.agent, label: `Ext. ${filters.agent}` });
  }

  return (
    <div className="stack">
      <OrgPageHeader title="Calls" org={org} lead="Every call of">
        <ButtonAnchor href={calls.csvUrl(org.id, rangeQuery, filters)} download data-testid="csv-export">
          Export CSV (filtered)
        </ButtonAnchor>
      </OrgPageHeader>
      <RangePicker range={range} showCompare={false} showInterval={false} />
      <Card title="Filters">
        <div className="form-grid">
          <SelectField
            label="Direction"
            value={filters.direction ?? ''}
            options={DIRECTIONS}
            onChange={(e) => setFilter('direction', e.target.value)}
          />
          <SelectField
            label="Status"
            value={filters.status ?? ''}
            options={STATUSES}
            onChange={(e) => setFilter('status', e.target.value)}
          />
          <SelectField
            label="Number"
            value={filters.number ?? ''}
            options={numberOptions}
            onChange={(e) => setFilter('number', e.target.value)}
          />
          <SelectField
            label="Agent"
            value={filters.agent ?? ''}
            options={agentOptions}
            onChange={(e) => setFilter('agent', e.target.value)}
          />
          <form
            onSubmit={errors.submit(() => setFilter('q', search.trim()))}
            className="row row-bottom"
            {...errors.formProps}
          >
            <Field
              label="Search numbers"
              name="q"
              type="search"
              value={search}
              placeholder="e.g. 555 0142"
              maxLength={40}
              pattern=".*[0-9].*"
              title="digits of a phone number, such as 555 0142"
              error={errors.field('q')}
              onChange={(e) => setSearch(e.target.value)}
            />
            <Button type="submit">Search</Button>
          </form>
        </div>
      </Card>
      <Card
        title="Call log"
        subtitle={
          log.isPlaceholderData ? 'Updating for the new filters…' : rows ? callCount(rows.length, total) : undefined
        }
      >
        <Table
          caption="Calls"
          testId="calls-table"
          columns={callColumns(org.id, org.timezone)}
          rows={rows}
          rowKey={(r) => r.id}
          isLoading={log.isLoading}
          error={tableError}
          onRetry={() => log.refetch()}
          empty={log.isError ? 'Correct the search above to see calls.' : 'No calls match these filters.'}
        />
        <LoadMore pages={log} />
      </Card>
    </div>
  );
}
