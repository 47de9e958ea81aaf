// Writes of the live state: a folded call and its legs, closing calls the journal saw finish, the change counter.
import { sql } from 'kysely';
import type { NormalizedCall } from '../calls/ingest.js';
import type { Tx } from '../db/tenant.js';
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

/** Replaces the call's live row and legs with the fold; a call finished for the first time is queued for fetching. */
export async function writeFold(tx: Tx, target: FoldTarget, fold: CallFold, now: number): Promise<void> {
  const existing = await tx
    .selectFrom('mightycall_live_calls')
    .select(['closed_at', 'ended_at', 'fetch_state'])
    .where('connection_id', '=', target.connectionId)
    .where('call_id', '=', target.callId)
    .executeTakeFirst();
  // The journal (sync) may have closed the call already; events never reopen it.
  const closed = existing?.closed_at ?? (target.recordedEnd ? new Date(now) : null);
  const completed = fold.state === 'completed' || closed !== null;
  const endedMs =
    fold.endedMs ??
    existing?.ended_at?.getTime() ??
    target.recordedEnd?.getTime() ??
    (closed ? closed.getTime() : null);
  const fetchState = existing?.fetch_state ?? (target.recordedEnd ? 'done' : completed ? 'pending' : null);
  const newlyPending = fetchState === 'pending' && !existing?.fetch_state;
  const row = {
    connection_id: target.connectionId,
    call_id: target.callId,
    provider_account: target.providerAccount,
    direction: fold.direction,
    state: completed ? ('completed' as const) : fold.state,
    from_party: fold.from,
    to_party: fold.to,
    business_number_id: target.businessNumberId,
    extension: fold.extension,
    started_at: new Date(fold.startedMs),
    answered_at: fold.answeredMs === null ? null : new Date(fold.answeredMs),
    ended_at: endedMs === null ? null : new Date(endedMs),
    last_event_ts: fold.lastKey,
    last_event_at: new Date(fold.lastMs),
    closed_at: closed,
    fetch_state: fetchState,
    updated_at: new Date(now),
  };
  const fetchAfter = newlyPending ? { fetch_after: new Date(now) } : {};
  await tx
    .insertInto('mightycall_live_calls')
    .values({ ...row, ...fetchAfter })
    .onConflict((oc) => oc.columns(['connection_id', 'call_id']).doUpdateSet({ ...row, ...fetchAfter }))
    .execute();
  for (const leg of fold.legs) {
    const state = completed ? 'ended' : leg.state;
    const legRow = {
      connection_id: target.connectionId,
      call_id: target.callId,
      extension: leg.extension,
      provider_account: target.providerAccount,
      business_number_id: target.businessNumberId,
      call_started_at: new Date(fold.startedMs),
      state,
      since: new Date(state === leg.state ? leg.sinceMs : (endedMs ?? leg.sinceMs)),
      last_event_ts: leg.key,
      updated_at: new Date(now),
    };
    await tx
      .insertInto('mightycall_live_legs')
      .values(legRow)
      .onConflict((oc) => oc.columns(['connection_id', 'call_id', 'extension']).doUpdateSet(legRow))
      .execute();
  }
}

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
