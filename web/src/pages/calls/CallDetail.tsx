// One call: its timeline (started → answered → ended), agent, numbers, queue and recording link.
import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router-dom';
import { calls } from '../../api/endpoints';
import type { CallDetail } from '../../api/types';
import { ButtonLink } from '../../components/Button';
import { Card } from '../../components/Card';
import { Phone } from '../../components/Phone';
import { StatusPill } from '../../components/Pill';
import { ErrorState, Loading } from '../../components/States';
import { useCurrentOrg } from '../../hooks/org';
import { formatDateTime, formatSeconds } from '../../metrics/format';
import { agentLabel } from '../dashboard/RecentActivity';

function Recording({ call }: { call: CallDetail }) {
  const ref = call.recordingRef;
  if (!ref) return <span className="muted">No recording</span>;
  if (/^https?:\/\//.test(ref)) {
    return (
      <a href={ref} target="_blank" rel="noreferrer">
        Open recording ↗
      </a>
    );
  }
  return <span className="mono">{ref}</span>;
}

function Timeline({ call, tz }: { call: CallDetail; tz: string }) {
  return (
    <ol className="timeline" aria-label="Call timeline">
      <li>
        <strong>Started</strong> {formatDateTime(call.startedAt, tz, true)}
      </li>
      {call.answeredAt ? (
        <li>
          <strong>Answered</strong> {formatDateTime(call.answeredAt, tz, true)} — after{' '}
          {formatSeconds(call.waitSeconds)}
          {call.agentName || call.agentExtension ? ` by ${agentLabel(call)}` : ''}
        </li>
      ) : (
        <li>
          <strong>Not answered</strong> — {call.status}
        </li>
      )}
      <li>
        <strong>Ended</strong> {formatDateTime(call.endedAt, tz, true)}
        {call.answeredAt
          ? ` — talked ${formatSeconds(call.talkSeconds)}`
          : ` — waited ${formatSeconds(call.waitSeconds)}`}
      </li>
    </ol>
  );
}

export default function CallDetailPage() {
  const { org } = useCurrentOrg();
  const { callId = '' } = useParams();
  const query = useQuery({ queryKey: ['call', org.id, callId], queryFn: () => calls.get(org.id, callId) });
  const back = (
    <ButtonLink small to={`/orgs/${org.id}/calls`}>
      ← Back to calls
    </ButtonLink>
  );
  if (query.isPending) return <Loading label="Loading call…" />;
  if (query.isError) {
    return (
      <div className="stack">
        {back}
        <ErrorState error={query.error} title="Could not load this call." onRetry={() => query.refetch()} />
      </div>
    );
  }
  const call = query.data.call;
  return (
    <div className="stack">
      <header className="page-header">
        <div>
          <h1>
            {call.direction === 'inbound' ? 'Inbound' : 'Outbound'} call <StatusPill status={call.status} />
          </h1>
          <p className="page-header-meta">Times in {org.timezone}</p>
        </div>
        {back}
      </header>
      <div className="grid-2">
        <Card title="Timeline">
          <Timeline call={call} tz={org.timezone} />
        </Card>
        <Card title="Details">
          <dl className="definition-list">
            <dt>From</dt>
            <dd>
              <Phone e164={call.fromNumber} />
            </dd>
            <dt>To</dt>
            <dd>
              <Phone e164={call.toNumber} />
            </dd>
            <dt>Agent</dt>
            <dd>{agentLabel(call)}</dd>
            <dt>Queue</dt>
            <dd>{call.queueName ?? '—'}</dd>
            <dt>Wait</dt>
            <dd>{formatSeconds(call.waitSeconds)}</dd>
            <dt>Talk</dt>
            <dd>{formatSeconds(call.talkSeconds)}</dd>
            <dt>Recording</dt>
            <dd>
              <Recording call={call} />
            </dd>
            <dt>Call id</dt>
            <dd className="mono">{call.id}</dd>
          </dl>
        </Card>
      </div>
    </div>
  );
}
