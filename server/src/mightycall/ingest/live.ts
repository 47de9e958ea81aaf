// The live view of an org (calls in progress, agent states) and the per-process hub that tells streams to refresh.
import { type Kysely, sql } from 'kysely';
import { knownQueueOf } from '../../calls/number-queues.js';
import type { Tx } from '../../db/tenant.js';
import type { DB } from '../../db/types.js';
import type { Logger } from '../../http/logger.js';
import { callInOrg } from '../../metrics/scope.js';
import type { Clock } from '../client/transport.js';
import { STALE_CONNECTED_MS, STALE_RINGING_MS } from './live-store.js';

export interface LiveCallView {
  callId: string;
  state: 'ringing' | 'connected';
  from: string | null;
  to: string | null;
  extension: string | null;
  agentName: string | null;
  startedAt: string;
  answeredAt: string | null;
  /** an inbound call's queue: its number's, as the call history shows it (webhooks name none); null when unknown */
  queue: string | null;
}

export interface LiveAgentView {
  extension: string;
  name: string | null;
  state: 'available' | 'ringing' | 'on_call' | 'offline';
  since: string | null;
}

export interface LiveSnapshot {
  asOf: string;
  calls: LiveCallView[];
  agents: LiveAgentView[];
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());
const agentKey = (account: string, extension: string) => `${account}\u0000${extension}`;

/**
 * The org's calls in progress and its agents' states; runs as the caller, so row-level security applies too.
 * Agents are the org's linked agents only (vs_live_agent_states: a member of the org has the extension), each in
 * the state all its calls give it, the org's or not; a call of the org answered by someone else's agent names
 * no agent.
 */
export async function liveSnapshot(tx: Tx, orgId: string, now: number): Promise<LiveSnapshot> {
  const ringingAfter = new Date(now - STALE_RINGING_MS);
  const connectedAfter = new Date(now - STALE_CONNECTED_MS);
  const calls = await sql<{
    call_id: string;
    state: 'ringing' | 'connected';
    provider_account: string;
    from_party: string | null;
    to_party: string | null;
    extension: string | null;
    started_at: Date;
    answered_at: Date | null;
    agent_name: string | null;
    queue: string | null;
  }>`
    SELECT lc.call_id, lc.state, lc.provider_account, lc.from_party, lc.to_party, lc.extension, lc.started_at,
      lc.answered_at, ag.display_name AS agent_name,
      CASE WHEN lc.direction = 'inbound' THEN ${knownQueueOf(sql.raw('lc.business_number_id'), now)} END AS queue
    FROM mightycall_live_calls lc
    LEFT JOIN agents ag ON ag.provider = 'mightycall' AND ag.provider_account = lc.provider_account AND ag.extension = lc.extension
    WHERE ((lc.state = 'ringing' AND lc.last_event_at > ${ringingAfter})
        OR (lc.state = 'connected' AND lc.last_event_at > ${connectedAfter}))
      AND ${callInOrg(orgId, 'lc')}
    ORDER BY lc.started_at, lc.call_id`.execute(tx);

  const agents = await sql<{
    provider_account: string;
    extension: string;
    state: LiveAgentView['state'];
    since: Date | null;
    name: string | null;
  }>`
    SELECT s.provider_account, s.extension, s.state, s.since, ag.display_name AS name
    FROM vs_live_agent_states(${orgId}, ${ringingAfter}, ${connectedAfter}, ${new Date(now - 86_400_000)}) s
    LEFT JOIN agents ag ON ag.provider = 'mightycall' AND ag.provider_account = s.provider_account AND ag.extension = s.extension`.execute(
    tx,
  );
  const linked = new Set(agents.rows.map((a) => agentKey(a.provider_account, a.extension)));

  return {
    asOf: new Date(now).toISOString(),
    calls: calls.rows.map((r) => {
      // A shared number's call taken by another org's agent: the call is this org's too, the agent is not.
      const ours = r.extension !== null && linked.has(agentKey(r.provider_account, r.extension));
      return {
        callId: r.call_id,
        state: r.state,
        from: r.from_party,
        to: r.to_party,
        extension: ours ? r.extension : null,
        agentName: ours ? r.agent_name : null,
        startedAt: new Date(r.started_at).toISOString(),
        answeredAt: iso(r.answered_at),
        queue: r.queue,
      };
    }),
    agents: agents.rows
      .map((a): LiveAgentView => ({ extension: a.extension, name: a.name, state: a.state, since: iso(a.since) }))
      .sort((x, y) => x.extension.localeCompare(y.extension, 'en', { numeric: true })),
  };
}

type Listener = () => void;

/**
 * One poll of the change counter per process (state lives in Postgres, so every process sees every change):
 * streams refresh when it moves, and at least every `heartbeatMs` so timers and expiry show.
 */
export class LiveHub {
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | null = null;
  private version = -1;
  private lastBeat = 0;
  private polling = false;
  private readonly closing = new Set<() => void>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: { pollMs?: number; heartbeatMs?: number } = {},
  ) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), this.options.pollMs ?? 1000);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Calls back when the hub closes (shutdown), so open streams end; returns the unregister function. */
  onClose(callback: () => void): () => void {
    this.closing.add(callback);
    return () => this.closing.delete(callback);
  }

  close(): void {
    this.stop();
    this.listeners.clear();
    for (const callback of [...this.closing]) callback();
    this.closing.clear();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const row = await this.db.selectFrom('mightycall_live_version').select('version').executeTakeFirst();
      const version = row?.version ?? 0;
      const now = this.clock.now();
      if (version !== this.version || now - this.lastBeat >= (this.options.heartbeatMs ?? 10_000)) {
        this.version = version;
        this.lastBeat = now;
        for (const listener of this.listeners) listener();
      }
    } catch (error) {
      this.logger.warn('live poll failed', { error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.polling = false;
    }
  }
}
