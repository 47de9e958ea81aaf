// Queue, agent and number breakdown tables of the dashboard, each straight from its endpoint.
import type { AgentStats, NumberStats, QueueSummaryItem } from '../../api/types';
import { Card } from '../../components/Card';
import { type Column, Table } from '../../components/Table';
import { formatCount, formatPct, formatSeconds } from '../../metrics/format';

interface Loaded<T> {
  data: { items: T[] } | undefined;
  error: unknown;
  isLoading: boolean;
  refetch: () => void;
}

const queueColumns: Column<QueueSummaryItem>[] = [
  { key: 'queue', header: 'Queue', cell: (r) => r.queueName ?? 'No queue', sortValue: (r) => r.queueName ?? '' },
  {
    key: 'total',
    header: 'Calls',
    numeric: true,
    cell: (r) => formatCount(r.totalCalls),
    sortValue: (r) => r.totalCalls,
  },
  {
    key: 'answered',
    header: 'Answered',
    numeric: true,
    cell: (r) => formatCount(r.answered),
    sortValue: (r) => r.answered,
  },
  { key: 'missed', header: 'Missed', numeric: true, cell: (r) => formatCount(r.missed), sortValue: (r) => r.missed },
  {
    key: 'vm',
    header: 'Voicemail',
    numeric: true,
    cell: (r) => formatCount(r.voicemail),
    sortValue: (r) => r.voicemail,
  },
  {
    key: 'ar',
    header: 'Answer rate',
    numeric: true,
    cell: (r) => formatPct(r.answerRatePct),
    sortValue: (r) => r.answerRatePct,
  },
  {
    key: 'sl',
    header: 'Service level',
    numeric: true,
    cell: (r) => formatPct(r.serviceLevelPct),
    sortValue: (r) => r.serviceLevelPct,
  },
  {
    key: 'asa',
    header: 'ASA',
    numeric: true,
    cell: (r) => formatSeconds(r.avgWaitSeconds),
    sortValue: (r) => r.avgWaitSeconds,
  },
];

export function QueueSummary({ query }: { query: Loaded<QueueSummaryItem> }) {
  return (
    <Card title="Queues" subtitle="Inbound calls per queue in the selected range">
      <Table
        caption="Queue summary"
        testId="queue-table"
        columns={queueColumns}
        rows={query.data?.items}
        rowKey={(r) => r.queueName ?? '(none)'}
        isLoading={query.isLoading}
        error={query.error}
        onRetry={query.refetch}
        initialSort={{ key: 'total', dir: 'desc' }}
        empty="No queued calls in this range."
      />
    </Card>
  );
}

const agentColumns: Column<AgentStats>[] = [
  {
    key: 'agent',
    header: 'Agent',
    cell: (r) => r.agentName ?? (r.agentExtension ? `Extension ${r.agentExtension}` : 'Unknown'),
    sortValue: (r) => r.agentName ?? r.agentExtension ?? '',
  },
  { key: 'ext', header: 'Ext.', cell: (r) => r.agentExtension ?? '—', sortValue: (r) => r.agentExtension ?? '' },
  {
    key: 'answered',
    header: 'Answered',
    numeric: true,
    cell: (r) => formatCount(r.answered),
    sortValue: (r) => r.answered,
  },
  {
    key: 'outbound',
    header: 'Outbound',
    numeric: true,
    cell: (r) => formatCount(r.outbound),
    sortValue: (r) => r.outbound,
  },
  {
    key: 'asa',
    header: 'ASA',
    numeric: true,
    cell: (r) => formatSeconds(r.avgWaitSeconds),
    sortValue: (r) => r.avgWaitSeconds,
  },
  {
    key: 'talk',
    header: 'Avg talk',
    numeric: true,
    cell: (r) => formatSeconds(r.avgTalkSeconds),
    sortValue: (r) => r.avgTalkSeconds,
  },
  {
    key: 'total',
    header: 'Total talk',
    numeric: true,
    cell: (r) => formatSeconds(r.totalTalkSeconds),
    sortValue: (r) => r.totalTalkSeconds,
  },
];

export function AgentTable({ query }: { query: Loaded<AgentStats> }) {
  return (
    <Card title="Agents" subtitle="Calls handled per agent">
      <Table
        caption="Per-agent figures"
        testId="agent-table"
        columns={agentColumns}
        rows={query.data?.items}
        rowKey={(r) => r.agentExtension ?? r.agentName ?? '(none)'}
        isLoading={query.isLoading}
        error={query.error}
        onRetry={query.refetch}
        initialSort={{ key: 'answered', dir: 'desc' }}
        empty="No agent handled a call in this range."
      />
    </Card>
  );
}

const numberColumns: Column<NumberStats>[] = [
  {
    key: 'number',
    header: 'Number',
    cell: (r) => (
      <span>
        <span className="mono">{r.e164}</span>
        {r.label ? <span className="muted small"> · {r.label}</span> : null}
      </span>
    ),
    sortValue: (r) => r.e164,
  },
  {
    key: 'offered',
    header: 'Offered',
    numeric: true,
    cell: (r) => formatCount(r.offered),
    sortValue: (r) => r.offered,
  },
  {
    key: 'answered',
    header: 'Answered',
    numeric: true,
    cell: (r) => formatCount(r.answered),
    sortValue: (r) => r.answered,
  },
  { key: 'missed', header: 'Missed', numeric: true, cell: (r) => formatCount(r.missed), sortValue: (r) => r.missed },
  {
    key: 'vm',
    header: 'Voicemail',
    numeric: true,
    cell: (r) => formatCount(r.voicemail),
    sortValue: (r) => r.voicemail,
  },
  {
    key: 'ar',
    header: 'Answer rate',
    numeric: true,
    cell: (r) => formatPct(r.answerRatePct),
    sortValue: (r) => r.answerRatePct,
  },
  {
    key: 'sl',
    header: 'SL',
    numeric: true,
    cell: (r) => formatPct(r.serviceLevelPct),
    sortValue: (r) => r.serviceLevelPct,
  },
  { key: 'out', header: 'Outbound', numeric: true, cell: (r) => formatCount(r.outbound), sortValue: (r) => r.outbound },
];

export function NumberTable({ query }: { query: Loaded<NumberStats> }) {
  return (
    <Card title="Numbers" subtitle="Calls per business number">
      <Table
        caption="Per-number figures"
        testId="number-table"
        columns={numberColumns}
        rows={query.data?.items}
        rowKey={(r) => r.phoneNumberId}
        isLoading={query.isLoading}
        error={query.error}
        onRetry={query.refetch}
        initialSort={{ key: 'offered', dir: 'desc' }}
        empty="No calls on this org's numbers in this range."
      />
    </Card>
  );
}
