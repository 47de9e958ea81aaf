// The live view of an org (calls in progress, agent states) and the per-process hub that tells streams to refresh.
import { type Kysely, sql } from 'kysely';
import type { Tx } from '../db/tenant.js';
import type { DB } from '../db/types.js';
import type { Logger } from '../http/logger.js';
import { STALE_CONNECTED_MS, STALE_RINGING_MS } from './live-store.js';
import type { Clock } from './transport.js';

export interface LiveCallView {
  callId: string;
  state: 'ringing' | 'connected';
  from: string | null;
  to: string | null;
  extension: string | null;
  agentName: string | null;
  startedAt: string;
  answeredAt: string | null;
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

/** Agents who handled the org's calls this recently are on its wallboard even when idle. */
const ROSTER_DAYS = 7;

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** The org's calls in progress and its agents' states; runs as the caller, so row-level security applies too. */
export async function liveSnapshot(tx: Tx, orgId: string, now: number): Promise<LiveSnapshot> {
  const ringingAfter = new Date(now - STALE_RINGING_MS);
  const connectedAfter = new Date(now - STALE_CONNECTED_MS);
  const assigned = (numberCol: string, startCol: string) => sql`EXISTS (
    SELECT 1 FROM org_phone_numbers a WHERE a.org_id = ${orgId} AND a.phone_number_id = ${sql.ref(numberCol)}
      AND a.assigned_from <= ${sql.ref(startCol)} AND (a.assigned_until IS NULL OR ${sql.ref(startCol)} < a.assigned_until))`;
  const calls = await sql<{
    call_id: string;
    state: 'ringing' | 'connected';
    from_party: string | null;
    to_party: string | null;
    extension: string | null;
    started_at: Date;
    answered_at: Date | null;
    agent_name: string | null;
  }>`
    SELECT lc.call_id, lc.state, lc.from_party, lc.to_party, lc.extension, lc.started_at, lc.answered_at,
      ag.display_name AS agent_name
    FROM mightycall_live_calls lc
    LEFT JOIN agents ag ON ag.provider = 'mightycall' AND ag.provider_account = lc.provider_account AND ag.extension = lc.extension
    WHERE ((lc.state = 'ringing' AND lc.last_event_at > ${ringingAfter})
        OR (lc.state = 'connected' AND lc.last_event_at > ${connectedAfter}))
      AND ${assigned('lc.business_number_id', 'lc.started_at')}
    ORDER BY lc.started_at, lc.call_id`.execute(tx);

  const legs = await sql<{ provider_account: string; extension: string; state: string; since: Date }>`
    SELECT l.provider_account, l.extension, l.state, l.since
    FROM mightycall_live_legs l
    WHERE l.updated_at > ${new Date(now - 86_400_000)} AND ${assigned('l.business_number_id', 'l.call_started_at')}`.execute(
    tx,
  );

  const roster = await sql<{ provider_account: string; extension: string; name: string | null }>`
    WITH people AS (
      -- From the org's assignments into calls, so the (business_number_id, started_at) index does the work.
      SELECT DISTINCT c.provider_account, c.agent_extension AS extension
      FROM org_phone_numbers a
      JOIN calls c ON c.business_number_id = a.phone_number_id AND c.started_at >= a.assigned_from
        AND (a.assigned_until IS NULL OR c.started_at < a.assigned_until)
      WHERE a.org_id = ${orgId} AND c.started_at > ${new Date(now - ROSTER_DAYS * 86_400_000)}
        AND c.provider = 'mightycall' AND c.agent_extension IS NOT NULL
      UNION
      SELECT p.provider_account, m.mightycall_extension
      FROM org_memberships m
      CROSS JOIN (
        SELECT DISTINCT pn.provider_account FROM phone_numbers pn JOIN org_phone_numbers a ON a.phone_number_id = pn.id
        WHERE a.org_id = ${orgId} AND a.assigned_until IS NULL AND pn.provider = 'mightycall' AND pn.provider_account IS NOT NULL
      ) p
      WHERE m.org_id = ${orgId} AND m.mightycall_extension IS NOT NULL
    )
    SELECT people.provider_account, people.extension, ag.display_name AS name
    FROM people
    LEFT JOIN agents ag ON ag.provider = 'mightycall' AND ag.provider_account = people.provider_account AND ag.extension = people.extension`.execute(
    tx,
  );

  return {
    asOf: new Date(now).toISOString(),
    calls: calls.rows.map((r) => ({
      callId: r.call_id,
      state: r.state,
      from: r.from_party,
      to: r.to_party,
      extension: r.extension,
      agentName: r.agent_name,
      startedAt: new Date(r.started_at).toISOString(),
      answeredAt: iso(r.answered_at),
    })),
    agents: agentStates(roster.rows, legs.rows, now),
  };
}

function agentStates(
  roster: ReadonlyArray<{ provider_account: string; extension: string; name: string | null }>,
  legs: ReadonlyArray<{ provider_account: string; extension: string; state: string; since: Date }>,
  now: number,
): LiveAgentView[] {
  const agents = new Map<
    string,
    { extension: string; name: string | null; busy: number[]; ringing: number[]; ended: number[] }
  >();
  const entry = (account: string, extension: string) => {
    const key = `${account}\u0000${extension}`;
    let a = agents.get(key);
    if (!a) {
      a = { extension, name: null, busy: [], ringing: [], ended: [] };
      agents.set(key, a);
    }
    return a;
  };
  for (const r of roster) entry(r.provider_account, r.extension).name = r.name;
  for (const leg of legs) {
    const a = entry(leg.provider_account, leg.extension);
    const since = new Date(leg.since).getTime();
    if ((leg.state === 'connected' || leg.state === 'dialing') && since > now - STALE_CONNECTED_MS) a.busy.push(since);
    else if (leg.state === 'ringing' && since > now - STALE_RINGING_MS) a.ringing.push(since);
    else a.ended.push(since);
  }
  const named = new Map(roster.map((r) => [`${r.provider_account}\u0000${r.extension}`, r.name]));
  return [...agents.entries()]
    .map(([key, a]): LiveAgentView => {
      const name = a.name ?? named.get(key) ?? null;
      if (a.busy.length > 0)
        return { extension: a.extension, name, state: 'on_call', since: iso(new Date(Math.min(...a.busy))) };
      if (a.ringing.length > 0)
        return { extension: a.extension, name, state: 'ringing', since: iso(new Date(Math.min(...a.ringing))) };
      const last = a.ended.length > 0 ? new Date(Math.max(...a.ended)) : null;
      return { extension: a.extension, name, state: 'available', since: iso(last) };
    })
    .sort((x, y) => x.extension.localeCompare(y.extension, 'en', { numeric: true }));
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
