// Writes of the live state: a folded call and its legs, closing calls the journal saw finish, the change counter.
import { sql } from 'kysely';
import type { NormalizedCall } from '../../calls/ingest.js';
import type { Tx } from '../../db/tenant.js';
import type { FetchState } from '../db-types.js';
import type { CallFold } from './live-fold.js';

/** Ringing nobody answered or stopped, and calls nobody ended, stop counting as live after these. */
export const STALE_RINGING_MS = 15 * 60_000;
export const STALE_CONNECTED_MS = 4 * 3_600_000;

export async function bumpLiveVersion(tx: Tx, now: number): Promise<void> {
  await tx
    .updateTable('mightycall_live_version')
    .set({ version: sql`version + 1`, changed_at: new Date(now) })
    .execute();
}

export interface FoldTarget {
  connectionId: string;
  callId: string;
  providerAccount: string;
  businessNumberId: string | null;
  /** the call's end when it is already in calls (the journal got there first): it is over, nothing to fetch */
  recordedEnd: Date | null;
}

export interface FoldWrite {
  target: FoldTarget;
  fold: CallFold;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * Replaces the live rows and legs of many calls (distinct (connection, call) pairs) with their folds, in three
 * statements: the existing rows read and row-locked in one (ordered, so two writers lock in the same order), then
 * one multi-row upsert of the calls and one of their legs. The lock keeps what the row already says (closed by the journal, fetch state moved by a
 * fetch) from changing between the read and the write. Semantics per call, as ever:
 * - the journal (sync) may have closed the call already; events never reopen it;
 * - a call already in calls (recordedEnd) is over and has nothing to fetch;
 * - fetch_state is set once (null → pending/done) and then left to the fetcher; a call finished for the first
 *   time becomes due for its fetch now (fetch_after), later folds leave fetch_after alone;
 * - legs of a completed call are ended (since = the call's end); legs are never removed.
 */
export async function writeFolds(tx: Tx, writes: readonly FoldWrite[], now: number): Promise<void> {
  if (writes.length === 0) return;
  const existing = await sql<{
    connection_id: string;
    call_id: string;
    closed_at: Date | null;
    ended_at: Date | null;
    fetch_state: FetchState | null;
  }>`
    SELECT lc.connection_id, lc.call_id, lc.closed_at, lc.ended_at, lc.fetch_state
    FROM mightycall_live_calls lc
    JOIN unnest(${writes.map((w) => w.target.connectionId)}::uuid[], ${writes.map((w) => w.target.callId)}::text[])
      AS k(connection_id, call_id) ON lc.connection_id = k.connection_id AND lc.call_id = k.call_id
    ORDER BY lc.connection_id, lc.call_id
    FOR UPDATE OF lc`.execute(tx);
  const before = new Map(existing.rows.map((r) => [`${r.connection_id}\u0000${r.call_id}`, r]));
  const nowIso = new Date(now).toISOString();
  const calls: Array<Record<CallColumn, string | null>> = [];
  const legs: Array<Record<LegColumn, string | null>> = [];
  for (const { target, fold } of writes) {
    const prior = before.get(`${target.connectionId}\u0000${target.callId}`);
    const closedMs = prior?.closed_at?.getTime() ?? (target.recordedEnd ? now : null);
    const completed = fold.state === 'completed' || closedMs !== null;
    const endedMs = fold.endedMs ?? prior?.ended_at?.getTime() ?? target.recordedEnd?.getTime() ?? closedMs;
    const fetchState = prior?.fetch_state ?? (target.recordedEnd ? 'done' : completed ? 'pending' : null);
    const newlyPending = fetchState === 'pending' && !prior?.fetch_state;
    calls.push({
      connection_id: target.connectionId,
      call_id: target.callId,
      provider_account: target.providerAccount,
      direction: fold.direction,
      state: completed ? 'completed' : fold.state,
      from_party: fold.from,
      to_party: fold.to,
      business_number_id: target.businessNumberId,
      extension: fold.extension,
      started_at: iso(fold.startedMs),
      answered_at: iso(fold.answeredMs),
      ended_at: iso(endedMs),
      last_event_ts: fold.lastKey,
      last_event_at: iso(fold.lastMs),
      closed_at: iso(closedMs),
      fetch_state: fetchState,
      // null keeps the row's fetch_after (see the upsert)
      fetch_after: newlyPending ? nowIso : null,
      updated_at: nowIso,
    });
    for (const leg of fold.legs) {
      const state = completed ? 'ended' : leg.state;
      legs.push({
        connection_id: target.connectionId,
        call_id: target.callId,
        extension: leg.extension,
        provider_account: target.providerAccount,
        business_number_id: target.businessNumberId,
        call_started_at: iso(fold.startedMs),
        state,
        since: iso(state === leg.state ? leg.sinceMs : (endedMs ?? leg.sinceMs)),
        last_event_ts: leg.key,
        updated_at: nowIso,
      });
    }
  }
  const callCol = (k: CallColumn) => calls.map((c) => c[k]);
  await sql`
    INSERT INTO mightycall_live_calls AS lc (connection_id, call_id, provider_account, direction, state, from_party,
      to_party, business_number_id, extension, started_at, answered_at, ended_at, last_event_ts, last_event_at,
      closed_at, fetch_state, fetch_after, updated_at)
    SELECT * FROM unnest(${callCol('connection_id')}::uuid[], ${callCol('call_id')}::text[],
      ${callCol('provider_account')}::text[], ${callCol('direction')}::text[], ${callCol('state')}::text[],
      ${callCol('from_party')}::text[], ${callCol('to_party')}::text[], ${callCol('business_number_id')}::uuid[],
      ${callCol('extension')}::text[], ${callCol('started_at')}::timestamptz[], ${callCol('answered_at')}::timestamptz[],
      ${callCol('ended_at')}::timestamptz[], ${callCol('last_event_ts')}::text[], ${callCol('last_event_at')}::timestamptz[],
      ${callCol('closed_at')}::timestamptz[], ${callCol('fetch_state')}::text[], ${callCol('fetch_after')}::timestamptz[],
      ${callCol('updated_at')}::timestamptz[])
    ON CONFLICT (connection_id, call_id) DO UPDATE SET
      provider_account = excluded.provider_account, direction = excluded.direction, state = excluded.state,
      from_party = excluded.from_party, to_party = excluded.to_party, business_number_id = excluded.business_number_id,
      extension = excluded.extension, started_at = excluded.started_at, answered_at = excluded.answered_at,
      ended_at = excluded.ended_at, last_event_ts = excluded.last_event_ts, last_event_at = excluded.last_event_at,
      closed_at = excluded.closed_at, fetch_state = excluded.fetch_state,
      fetch_after = coalesce(excluded.fetch_after, lc.fetch_after), updated_at = excluded.updated_at`.execute(tx);
  if (legs.length === 0) return;
  const legCol = (k: LegColumn) => legs.map((l) => l[k]);
  await sql`
    INSERT INTO mightycall_live_legs (connection_id, call_id, extension, provider_account, business_number_id,
      call_started_at, state, since, last_event_ts, updated_at)
    SELECT * FROM unnest(${legCol('connection_id')}::uuid[], ${legCol('call_id')}::text[], ${legCol('extension')}::text[],
      ${legCol('provider_account')}::text[], ${legCol('business_number_id')}::uuid[],
      ${legCol('call_started_at')}::timestamptz[], ${legCol('state')}::text[], ${legCol('since')}::timestamptz[],
      ${legCol('last_event_ts')}::text[], ${legCol('updated_at')}::timestamptz[])
    ON CONFLICT (connection_id, call_id, extension) DO UPDATE SET
      provider_account = excluded.provider_account, business_number_id = excluded.business_number_id,
      call_started_at = excluded.call_started_at, state = excluded.state, since = excluded.since,
      last_event_ts = excluded.last_event_ts, updated_at = excluded.updated_at`.execute(tx);
}

type CallColumn =
  | 'connection_id'
  | 'call_id'
  | 'provider_account'
  | 'direction'
  | 'state'
  | 'from_party'
  | 'to_party'
  | 'business_number_id'
  | 'extension'
  | 'started_at'
  | 'answered_at'
  | 'ended_at'
  | 'last_event_ts'
  | 'last_event_at'
  | 'closed_at'
  | 'fetch_state'
  | 'fetch_after'
  | 'updated_at';

type LegColumn =
  | 'connection_id'
  | 'call_id'
  | 'extension'
  | 'provider_account'
  | 'business_number_id'
  | 'call_started_at'
  | 'state'
  | 'since'
  | 'last_event_ts'
  | 'updated_at';

/**
 * Calls the journal has as finished are over, whatever the webhooks said (a dropped Completed): close their
 * live rows and legs. Their calls row exists now, so nothing is left to fetch.
 */
export async function closeLiveCalls(
  tx: Tx,
  connectionId: string,
  calls: readonly NormalizedCall[],
  now: number,
): Promise<number> {
  if (calls.length === 0) return 0;
  const ended = new Map(calls.map((c) => [c.providerCallId, c.endedAt]));
  const open = await tx
    .selectFrom('mightycall_live_calls')
    .select(['call_id', 'state', 'fetch_state'])
    .where('connection_id', '=', connectionId)
    .where('call_id', 'in', [...ended.keys()])
    .where((eb) => eb.or([eb('state', '<>', 'completed'), eb('fetch_state', '=', 'pending')]))
    // The fold batches lock live rows in (connection, call) order; locking in the same order cannot deadlock.
    .orderBy('call_id')
    .execute();
  for (const row of open) {
    const endedAt = ended.get(row.call_id) ?? new Date(now);
    await tx
      .updateTable('mightycall_live_calls')
      .set({
        state: 'completed',
        ended_at: sql`coalesce(ended_at, ${endedAt})`,
        closed_at: sql`coalesce(closed_at, ${new Date(now)})`,
        fetch_state: 'done',
        updated_at: new Date(now),
      })
      .where('connection_id', '=', connectionId)
      .where('call_id', '=', row.call_id)
      .execute();
    await tx
      .updateTable('mightycall_live_legs')
      .set({ state: 'ended', since: endedAt, updated_at: new Date(now) })
      .where('connection_id', '=', connectionId)
      .where('call_id', '=', row.call_id)
      .where('state', '<>', 'ended')
      .execute();
  }
  if (open.length > 0) await bumpLiveVersion(tx, now);
  return open.length;
}

/** Ends what has gone quiet for too long (a lost Completed with no journal yet) and forgets old state. */
export async function expireStale(tx: Tx, now: number): Promise<number> {
  const ringingBefore = new Date(now - STALE_RINGING_MS);
  const connectedBefore = new Date(now - STALE_CONNECTED_MS);
  const stale = await tx
    .updateTable('mightycall_live_calls')
    .set({
      state: 'completed',
      closed_at: new Date(now),
      fetch_state: sql`coalesce(fetch_state, 'pending')`,
      fetch_after: sql`coalesce(fetch_after, ${new Date(now)})`,
      updated_at: new Date(now),
    })
    .where((eb) =>
      eb.or([
        eb.and([eb('state', '=', 'ringing'), eb('last_event_at', '<', ringingBefore)]),
        eb.and([eb('state', '=', 'connected'), eb('last_event_at', '<', connectedBefore)]),
      ]),
    )
    .returning(['connection_id', 'call_id'])
    .execute();
  const legs = await tx
    .updateTable('mightycall_live_legs')
    .set({ state: 'ended', updated_at: new Date(now) })
    .where((eb) =>
      eb.or([
        eb.and([eb('state', '=', 'ringing'), eb('since', '<', ringingBefore)]),
        eb.and([eb('state', 'in', ['connected', 'dialing']), eb('since', '<', connectedBefore)]),
      ]),
    )
    .returning('call_id')
    .execute();
  await tx
    .deleteFrom('mightycall_live_calls')
    .where('state', '=', 'completed')
    .where('updated_at', '<', new Date(now - 86_400_000))
    .where((eb) => eb.or([eb('fetch_state', 'is', null), eb('fetch_state', '<>', 'pending')]))
    .execute();
  if (stale.length + legs.length > 0) await bumpLiveVersion(tx, now);
  return stale.length + legs.length;
}
