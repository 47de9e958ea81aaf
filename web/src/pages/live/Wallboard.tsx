// Live wallboard: calls ringing and in progress with timers, agents and their states, today's KPIs; TV-readable.
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { LiveAgent, LiveCall, LiveSnapshot } from '../../api/types';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { Kpi } from '../../components/Kpi';
import { Phone } from '../../components/Phone';
import { Pill, StatusPill } from '../../components/Pill';
import { ErrorState, Loading, Notice } from '../../components/States';
import { type Column, Table } from '../../components/Table';
import { useLive, useNow } from '../../hooks/live';
import { REFRESH_SECONDS, useKpis } from '../../hooks/metrics';
import { useCurrentOrg } from '../../hooks/org';
import { METRIC_DEFINITIONS } from '../../metrics/definitions';
import { answerRateBasis, formatTime, formatTimer } from '../../metrics/format';

const STREAM_TEXT = {
  connecting: { tone: 'neutral', text: 'Connecting to the live feed…' },
  open: { tone: 'good', text: 'Live' },
  reconnecting: { tone: 'warn', text: 'Live feed interrupted — reconnecting; polling every 5 s' },
  unavailable: { tone: 'warn', text: 'Live stream unavailable — polling every 5 s' },
  ended: { tone: 'bad', text: 'Access ended — sign in again' },
} as const;

const TODAY_KPIS = ['offeredCalls', 'answerRatePct', 'serviceLevelPct', 'avgWaitSeconds'] as const;
/** Busy agents first: that is what a supervisor looks for across the room. */
const AGENT_ORDER = { ringing: 0, on_call: 1, available: 2, offline: 3 } as const;

function Tile({ label, value, testId }: { label: string; value: string | number; testId?: string }) {
  return (
    <div className="card kpi wall-kpi">
      <span className="kpi-label">{label}</span>
      <span className="kpi-value" data-testid={testId}>
        {value}
      </span>
    </div>
  );
}

function TodayFigures({ orgId }: { orgId: string }) {
  const today = useKpis(orgId, { range: 'day', compare: false });
  if (today.isError && !today.data) return <ErrorState error={today.error} title="Today’s figures not loaded." />;
  return (
    <section className="kpi-grid" aria-label="Today">
      {TODAY_KPIS.map((field) => {
        const def = METRIC_DEFINITIONS[field];
        if (!def) return null;
        return (
          <Kpi
            key={field}
            id={field}
            className="wall-kpi"
            label={`${def.label} today`}
            value={today.data?.metrics[field] ?? null}
            format={def.format}
            lowerIsBetter={def.lowerIsBetter}
            definition={def.definition}
            compare={false}
            sub={field === 'answerRatePct' && today.data ? answerRateBasis(today.data.metrics) : undefined}
          />
        );
      })}
    </section>
  );
}

function LiveState({ data, children }: { data: LiveSnapshot | undefined; children: ReactNode }) {
  const now = useNow();
  const since = (iso: string | null) => (iso ? formatTimer(now - new Date(iso).getTime()) : '—');
  const ringing = data?.calls.filter((c) => c.state === 'ringing') ?? [];
  const connected = data?.calls.filter((c) => c.state === 'connected') ?? [];
  const oldest = ringing.reduce<LiveCall | null>((a, b) => (a === null || b.startedAt < a.startedAt ? b : a), null);
  const callColumns = (timer: (c: LiveCall) => string | null, label: string): Column<LiveCall>[] => [
    { key: 'from', header: 'Caller', cell: (c) => <Phone e164={c.from} fallback="Unknown" /> },
    { key: 'to', header: 'Number', cell: (c) => <Phone e164={c.to} /> },
    { key: 'queue', header: 'Queue', cell: (c) => c.queue ?? '—' },
    { key: 'agent', header: 'Agent', cell: (c) => c.agentName ?? (c.extension ? `Ext. ${c.extension}` : '—') },
    { key: 'state', header: 'State', cell: (c) => <StatusPill status={c.state} /> },
    { key: 'timer', header: label, numeric: true, cell: (c) => <span className="wall-timer">{since(timer(c))}</span> },
  ];
  const agentColumns: Column<LiveAgent>[] = [
    {
      key: 'name',
      header: 'Agent',
      cell: (a) => a.name ?? `Ext. ${a.extension}`,
      sortValue: (a) => a.name ?? a.extension,
    },
    { key: 'ext', header: 'Ext.', cell: (a) => a.extension },
    {
      key: 'state',
      header: 'State',
      cell: (a) => <StatusPill status={a.state} />,
      sortValue: (a) => AGENT_ORDER[a.state],
    },
    { key: 'since', header: 'For', numeric: true, cell: (a) => <span className="wall-timer">{since(a.since)}</span> },
  ];
  return (
    <>
      <section className="kpi-grid" aria-label="Now">
        <Tile label="Waiting" value={ringing.length} testId="live-waiting" />
        <Tile label="On calls" value={connected.length} testId="live-connected" />
        <Tile label="Agents available" value={data?.agents.filter((a) => a.state === 'available').length ?? 0} />
        <Tile label="Longest wait now" value={oldest ? since(oldest.startedAt) : '—'} />
      </section>
      {children}
      <div className="grid-2">
        <Card title={`Waiting (${ringing.length})`}>
          <Table
            caption="Calls ringing"
            testId="live-ringing"
            columns={callColumns((c) => c.startedAt, 'Waiting')}
            rows={data ? ringing : undefined}
            rowKey={(c) => c.callId}
            empty="Nobody is waiting."
          />
        </Card>
        <Card title={`In progress (${connected.length})`}>
          <Table
            caption="Calls in progress"
            testId="live-connected-table"
            columns={callColumns((c) => c.answeredAt, 'Talking')}
            rows={data ? connected : undefined}
            rowKey={(c) => c.callId}
            empty="No calls in progress."
          />
        </Card>
      </div>
      <Card title="Agents">
        <Table
          caption="Agents"
          testId="live-agents"
          columns={agentColumns}
          rows={data?.agents}
          rowKey={(a) => a.extension}
          initialSort={{ key: 'state', dir: 'asc' }}
          empty="No agents known for this org."
        />
      </Card>
    </>
  );
}

export default function Wallboard() {
  const { org } = useCurrentOrg();
  const { snapshot, stream, ended, unavailable, lastSeen } = useLive(org.id);
  const data = snapshot.data;
  const status = STREAM_TEXT[stream];
  // The feed's last word: a heartbeat between changes, a snapshot, or a poll while the stream is down.
  const asOf = [lastSeen, data?.asOf].reduce<string | null>(
    (a, b) => (b && (!a || Date.parse(b) > Date.parse(a)) ? b : a),
    null,
  );
  return (
    <div className="stack wall">
      <header className="page-header">
        <div>
          <h1>{org.name} — live</h1>
          {unavailable && !ended ? null : (
            <p className="page-header-meta" data-testid="live-status" data-stream={stream}>
              <Pill tone={status.tone}>{status.text}</Pill>{' '}
              {asOf ? (
                <span data-testid="live-as-of" data-at={asOf}>
                  {stream === 'open' ? 'as of' : 'last heard'} {formatTime(asOf, org.timezone)}
                </span>
              ) : null}
            </p>
          )}
        </div>
        <Button onClick={() => document.documentElement.requestFullscreen?.().catch(() => undefined)}>
          Full screen
        </Button>
      </header>
      {ended ? (
        <Notice>
          <strong>Your access to this live feed has ended.</strong> {ended.message}{' '}
          <Link to={`/sign-in?next=${encodeURIComponent(`/orgs/${org.id}/live`)}`}>Sign in again</Link> to watch it.
        </Notice>
      ) : unavailable ? (
        <Notice>
          <strong>Live feed unavailable.</strong> This server does not provide live call state yet (the live API
          answered 404). Today’s figures below still refresh every {REFRESH_SECONDS} s.
        </Notice>
      ) : null}
      {snapshot.isError && !unavailable ? (
        <ErrorState error={snapshot.error} title="Live state not loaded." onRetry={() => snapshot.refetch()} />
      ) : null}
      {!data && snapshot.isPending ? <Loading label="Loading live state…" /> : null}
      {unavailable ? (
        <TodayFigures orgId={org.id} />
      ) : (
        <LiveState data={data}>
          <TodayFigures orgId={org.id} />
        </LiveState>
      )}
    </div>
  );
}
