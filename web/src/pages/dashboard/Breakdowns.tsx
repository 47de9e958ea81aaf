// Queue, agent and number breakdown tables of the dashboard, each straight from its endpoint.
import type { AgentStats, NumberStats, QueueSummaryItem } from '../../api/types';
import { Card } from '../../components/Card';
import { Phone } from '../../components/Phone';
import { type Column, Table } from '../../components/Table';
import { formatCount, formatPct, formatSeconds } from '../../metrics/format';

interface Loaded<T> {
  data: { items: T[] } | undefined;
  error: unknown;
  isLoading: boolean;
  refetch: () => void;
}

/** A right-aligned figure column, sorted by the raw value and shown with one of the metric formatters. */
function figure<Row>(
  key: string,
  header: string,
  value: (row: Row) => number | null,
  format: (value: number | null) => string,
): Column<Row> {
  return { key, header, numeric: true, cell: (r) => format(value(r)), sortValue: value };
}

const queueColumns: Column<QueueSummaryItem>[] = [
  { key: 'queue', header: 'Queue', cell: (r) => r.queueName ?? 'No queue', sortValue: (r) => r.queueName ?? '' },
  figure('total', 'Calls', (r) => r.totalCalls, formatCount),
  figure('answered', 'Answered', (r) => r.answered, formatCount),
  figure('missed', 'Missed', (r) => r.missed, formatCount),
  figure('vm', 'Voicemail', (r) => r.voicemail, formatCount),
  figure('ar', 'Answer rate', (r) => r.answerRatePct, formatPct),
  figure('sl', 'Service level', (r) => r.serviceLevelPct, formatPct),
  figure('asa', 'ASA', (r) => r.avgWaitSeconds, formatSeconds),
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
  figure('answered', 'Answered', (r) => r.answered, formatCount),
  figure('outbound', 'Outbound', (r) => r.outbound, formatCount),
  figure('asa', 'ASA', (r) => r.avgWaitSeconds, formatSeconds),
  figure('talk', 'Avg talk, in + out', (r) => r.avgConnectedTalkSeconds, formatSeconds),
  figure('total', 'Total talk', (r) => r.totalTalkSeconds, formatSeconds),
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
        <Phone e164={r.e164} />
        {r.label ? <span className="muted small"> · {r.label}</span> : null}
      </span>
    ),
    sortValue: (r) => r.e164,
  },
  figure('total', 'Calls', (r) => r.totalCalls, formatCount),
  figure('offered', 'Offered', (r) => r.offered, formatCount),
  figure('answered', 'Answered', (r) => r.answered, formatCount),
  figure('missed', 'Missed', (r) => r.missed, formatCount),
  figure('vm', 'Voicemail', (r) => r.voicemail, formatCount),
  figure('ar', 'Answer rate', (r) => r.answerRatePct, formatPct),
  figure('sl', 'SL', (r) => r.serviceLevelPct, formatPct),
  figure('out', 'Outbound', (r) => r.outbound, formatCount),
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
        initialSort={{ key: 'total', dir: 'desc' }}
        empty="No calls on this org's numbers in this range."
      />
    </Card>
  );
}
