// Recent activity: the latest calls with agent names, local date and time, and status pills; rows open the call.
import { useState } from 'react';
import { Link } from 'react-router-dom';
import type { CallItem } from '../../api/types';
import { Button, ButtonLink } from '../../components/Button';
import { Card } from '../../components/Card';
import { Phone } from '../../components/Phone';
import { StatusPill } from '../../components/Pill';
import { type Column, Table } from '../../components/Table';
import { useMediaQuery } from '../../hooks/useMediaQuery';
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

/** On a phone each call is a block of labelled lines: the first few, and the rest on request. */
const PHONE_ROWS = 5;

export function RecentActivity({ orgId, timeZone, query }: { orgId: string; timeZone: string; query: RecentQuery }) {
  const phone = useMediaQuery('(max-width: 640px)');
  const [all, setAll] = useState(false);
  const items = query.data?.items;
  const hidden = phone && !all && items ? Math.max(0, items.length - PHONE_ROWS) : 0;
  return (
    <Card title="Recent activity" subtitle={`Latest calls, times in ${timeZone}`}>
      <Table
        caption="Recent calls"
        testId="recent-table"
        columns={callColumns(orgId, timeZone).filter((c) => c.key !== 'queue' && c.key !== 'talk')}
        rows={hidden > 0 ? items?.slice(0, PHONE_ROWS) : items}
        rowKey={(r) => r.id}
        isLoading={query.isLoading}
        error={query.error}
        onRetry={query.refetch}
        empty="No calls yet."
      />
      {hidden > 0 ? (
        <div className="row">
          <Button small onClick={() => setAll(true)}>
            Show {hidden} more
          </Button>
          <ButtonLink small to={`/orgs/${orgId}/calls`}>
            Call log
          </ButtonLink>
        </div>
      ) : null}
    </Card>
  );
}
