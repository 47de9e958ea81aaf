// Recent activity: the latest calls with agent names, local date and time, and status pills; rows open the call.
import { Link } from 'react-router-dom';
import type { CallItem } from '../../api/types';
import { Card } from '../../components/Card';
import { Phone } from '../../components/Phone';
import { StatusPill } from '../../components/Pill';
import { type Column, Table } from '../../components/Table';
import { formatDateTime, formatSeconds } from '../../metrics/format';

export function agentLabel(call: Pick<CallItem, 'agentName' | 'agentExtension'>): string {
  if (call.agentName) return call.agentName;
  return call.agentExtension ? `Ext. ${call.agentExtension}` : '—';
}

export function callColumns(orgId: string, timeZone: string): Column<CallItem>[] {
  return [
    {
      key: 'when',
      header: 'Started',
      cell: (r) => <Link to={`/orgs/${orgId}/calls/${r.id}`}>{formatDateTime(r.startedAt, timeZone)}</Link>,
    },
    { key: 'dir', header: 'Direction', cell: (r) => (r.direction === 'inbound' ? 'In' : 'Out') },
    { key: 'status', header: 'Status', cell: (r) => <StatusPill status={r.status} /> },
    { key: 'from', header: 'From', cell: (r) => <Phone e164={r.fromNumber} /> },
    { key: 'to', header: 'To', cell: (r) => <Phone e164={r.toNumber} /> },
    { key: 'agent', header: 'Agent', cell: (r) => <span data-testid="agent-name">{agentLabel(r)}</span> },
    { key: 'queue', header: 'Queue', cell: (r) => r.queueName ?? '—' },
    { key: 'wait', header: 'Wait', numeric: true, cell: (r) => formatSeconds(r.waitSeconds) },
    { key: 'talk', header: 'Talk', numeric: true, cell: (r) => formatSeconds(r.talkSeconds) },
  ];
}

interface RecentQuery {
  data: { items: CallItem[] } | undefined;
  error: unknown;
  isLoading: boolean;
  refetch: () => void;
}

export function RecentActivity({ orgId, timeZone, query }: { orgId: string; timeZone: string; query: RecentQuery }) {
  return (
    <Card title="Recent activity" subtitle={`Latest calls, times in ${timeZone}`}>
      <Table
        caption="Recent calls"
        testId="recent-table"
        columns={callColumns(orgId, timeZone).filter((c) => c.key !== 'queue' && c.key !== 'talk')}
        rows={query.data?.items}
        rowKey={(r) => r.id}
        isLoading={query.isLoading}
        error={query.error}
        onRetry={query.refetch}
        empty="No calls yet."
      />
    </Card>
  );
}
