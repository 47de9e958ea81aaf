// One call: its timeline (started → answered → ended), agent, numbers, queue, its recording (played through the
// server's proxy) and a voicemail's transcript.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useParams } from 'react-router-dom';
import { calls } from '../../api/endpoints';
import type { CallDetail } from '../../api/types';
import { ButtonLink } from '../../components/Button';
import { Card } from '../../components/Card';
import { Phone } from '../../components/Phone';
import { StatusPill } from '../../components/Pill';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { useCurrentOrg } from '../../hooks/org';
import { formatDateTime, formatSeconds } from '../../metrics/format';
import { agentLabel } from '../dashboard/RecentActivity';

/** The recording's short answer in the details list; the player itself is in its own card. */
function RecordingSummary({ call }: { call: CallDetail }) {
  if (call.hasRecording) return <span>{call.status === 'voicemail' ? 'Voicemail message below' : 'Below'}</span>;
  const ref = call.recordingRef;
  // An imported call may name its recording by a link of the importer's own; MightyCall's links never reach here.
  if (ref && /^https?:\/\//.test(ref)) {
    return (
      <a href={ref} target="_blank" rel="noreferrer">
        Open recording ↗
      </a>
    );
  }
  return <span className="muted">No recording</span>;
}

/** An <audio> player on the server's recording proxy, with a clear message when the audio cannot be loaded. */
function RecordingPlayer({ orgId, call }: { orgId: string; call: CallDetail }) {
  const [failed, setFailed] = useState(false);
  const label = call.status === 'voicemail' ? 'Voicemail message' : 'Call recording';
  if (!call.hasRecording) {
    return <EmptyState testId="recording-none">No recording for this call.</EmptyState>;
  }
  return (
    <div className="stack">
      {/* biome-ignore lint/a11y/useMediaCaption: call recordings have no captions; a voicemail's transcript is shown beside it */}
      <audio
        controls
        preload="metadata"
        className="recording-player"
        aria-label={label}
        data-testid="recording-player"
        src={calls.recordingUrl(orgId, call.id)}
        onError={() => setFailed(true)}
        onLoadedMetadata={() => setFailed(false)}
      />
      {failed ? (
        <p className="state-error" role="alert" data-testid="recording-error">
          The recording could not be loaded: MightyCall may no longer have it, or the connection is not working.
        </p>
      ) : null}
    </div>
  );
}

function VoicemailTranscript({ call }: { call: CallDetail }) {
  if (call.status !== 'voicemail') return null;
  return (
    <section className="stack" aria-labelledby="voicemail-transcript-heading">
      <h3 id="voicemail-transcript-heading">Voicemail transcript</h3>
      {call.voicemailTranscript ? (
        <blockquote className="transcript" data-testid="voicemail-transcript">
          {call.voicemailTranscript}
        </blockquote>
      ) : (
        <EmptyState testId="voicemail-transcript-none">MightyCall has no transcript of this message.</EmptyState>
      )}
    </section>
  );
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
              <RecordingSummary call={call} />
            </dd>
            <dt>Call id</dt>
            <dd className="mono">{call.id}</dd>
          </dl>
        </Card>
      </div>
      <Card title={call.status === 'voicemail' ? 'Voicemail' : 'Recording'}>
        <div className="stack">
          <RecordingPlayer orgId={org.id} call={call} />
          <VoicemailTranscript call={call} />
        </div>
      </Card>
    </div>
  );
}
