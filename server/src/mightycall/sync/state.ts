// The sync-state repository: every read and write of a connection's job rows (mightycall_sync_state), by name.
// The scheduler decides; these statements record (the run's lease is the job runner's, in job_leases).
import { sql } from 'kysely';
import type { Tx } from '../../db/tenant.js';
import type { SyncJob, SyncStatus } from '../db-types.js';
import { backfillOf, type CallsState, newBackfill, type SaveProgress } from './sync-jobs.js';

export const SYNC_JOBS: readonly SyncJob[] = ['numbers', 'agents', 'calls'];

/** A new connection's job rows (the calls job starts its journal at callsFrom). */
export async function createSyncState(tx: Tx, connectionId: string, callsFrom: Date): Promise<void> {
  await tx
    .insertInto('mightycall_sync_state')
    .values(
      SYNC_JOBS.map((job) => ({ connection_id: connectionId, job, watermark: job === 'calls' ? callsFrom : null })),
    )
    .execute();
}

/** Asks for a run now: one job or all, optionally a calls backfill of N days. */
export async function requestSync(
  tx: Tx,
  connectionId: string,
  request: { job?: SyncJob | undefined; backfillDays?: number | undefined },
  now: number,
): Promise<SyncJob[]> {
  const jobs = request.job ? [request.job] : request.backfillDays ? ['calls' as const] : [...SYNC_JOBS];
  for (const job of jobs) {
    await tx
      .updateTable('mightycall_sync_state')
      .set({
        requested_at: new Date(now),
        ...(job === 'calls' && request.backfillDays
          ? { backfill: JSON.stringify(newBackfill(request.backfillDays, now)) }
          : {}),
      })
      .where('connection_id', '=', connectionId)
      .where('job', '=', job)
      .execute();
  }
  return jobs;
}

/** Enabled connections with a job due: asked for, never run, or past its next run. */
export async function connectionsDue(tx: Tx, now: Date): Promise<string[]> {
  const rows = await tx
    .selectFrom('mightycall_sync_state as s')
    .innerJoin('mightycall_connections as c', 'c.id', 's.connection_id')
    .select('s.connection_id')
    .distinct()
    .where('c.enabled', '=', true)
    // Keys MightyCall refused wait for new ones: every run would spend quota on the same refusal.
    .where('c.credentials_refused_at', 'is', null)
    .where((eb) =>
      eb.or([eb('s.requested_at', 'is not', null), eb('s.next_run_at', 'is', null), eb('s.next_run_at', '<=', now)]),
    )
    .execute();
  return rows.map((r) => r.connection_id);
}

export async function isJobDue(tx: Tx, connectionId: string, job: SyncJob, now: number): Promise<boolean> {
  const state = await tx
    .selectFrom('mightycall_sync_state')
    .select(['requested_at', 'next_run_at'])
    .where('connection_id', '=', connectionId)
    .where('job', '=', job)
    .executeTakeFirst();
  if (!state) return false;
  return state.requested_at !== null || state.next_run_at === null || state.next_run_at.getTime() <= now;
}

/** The job is running (one more run counted); returns where the calls journal stands. */
export async function markRunStarted(tx: Tx, connectionId: string, job: SyncJob, now: number): Promise<CallsState> {
  const row = await tx
    .updateTable('mightycall_sync_state')
    .set((eb) => ({ status: 'running', last_started_at: new Date(now), runs: eb('runs', '+', 1) }))
    .where('connection_id', '=', connectionId)
    .where('job', '=', job)
    .returning(['watermark', 'backfill'])
    .executeTakeFirstOrThrow();
  return { watermark: row.watermark, backfill: backfillOf(row.backfill) };
}

/** The calls job's progress (watermark, backfill) as it goes. */
export async function saveCallsProgress(
  tx: Tx,
  connectionId: string,
  patch: Parameters<SaveProgress>[0],
): Promise<void> {
  await tx
    .updateTable('mightycall_sync_state')
    .set({
      ...(patch.watermark ? { watermark: patch.watermark } : {}),
      ...(patch.backfill ? { backfill: JSON.stringify(patch.backfill) } : {}),
    })
    .where('connection_id', '=', connectionId)
    .where('job', '=', 'calls')
    .execute();
}

interface RunEnd {
  status: Exclude<SyncStatus, 'never' | 'running'>;
  last_success_at?: Date;
  last_rows?: number;
  last_error: string | null;
  next_run_at: Date | null;
}

/** Records the end of a run (the request it answered is cleared); returns the failure count. */
async function endRun(tx: Tx, connectionId: string, job: SyncJob, end: RunEnd, now: number): Promise<number> {
  const row = await tx
    .updateTable('mightycall_sync_state')
    .set((eb) => ({
      ...end,
      last_finished_at: new Date(now),
      requested_at: null,
      failures: end.status === 'error' ? eb('failures', '+', 1) : eb.val(0),
    }))
    .where('connection_id', '=', connectionId)
    .where('job', '=', job)
    .returning('failures')
    .executeTakeFirst();
  return row?.failures ?? 0;
}

export async function markRunSucceeded(
  tx: Tx,
  connectionId: string,
  job: SyncJob,
  run: { rows: number; nextRunAt: Date },
  now: number,
): Promise<void> {
  await endRun(
    tx,
    connectionId,
    job,
    { status: 'ok', last_success_at: new Date(now), last_rows: run.rows, last_error: null, next_run_at: run.nextRunAt },
    now,
  );
}

/** The account's daily quota stopped the job: it runs again at resumeAt. */
export async function markRunWaitingQuota(
  tx: Tx,
  connectionId: string,
  job: SyncJob,
  wait: { message: string; resumeAt: Date },
  now: number,
): Promise<void> {
  await endRun(
    tx,
    connectionId,
    job,
    { status: 'waiting_quota', last_error: wait.message, next_run_at: wait.resumeAt },
    now,
  );
}

/** Returns the failures in a row, this one included (the back-off counts them). */
export async function markRunFailed(
  tx: Tx,
  connectionId: string,
  job: SyncJob,
  message: string,
  now: number,
): Promise<number> {
  return endRun(tx, connectionId, job, { status: 'error', last_error: message, next_run_at: null }, now);
}

/**
 * A run whose end could not be written (the database was gone) fails now, but only over its own 'running'
 * state: another process may have run the job since. Returns the failures in a row, or null when it was not
 * running any more.
 */
export async function markLostRunFailed(
  tx: Tx,
  connectionId: string,
  job: SyncJob,
  message: string,
  now: number,
): Promise<number | null> {
  const row = await tx
    .updateTable('mightycall_sync_state')
    .set((eb) => ({
      status: 'error',
      last_error: message,
      last_finished_at: new Date(now),
      requested_at: null,
      next_run_at: null,
      failures: eb('failures', '+', 1),
    }))
    .where('connection_id', '=', connectionId)
    .where('job', '=', job)
    .where('status', '=', 'running')
    .returning('failures')
    .executeTakeFirst();
  return row ? row.failures : null;
}

/** The next attempt after a failure (the scheduler's back-off). */
export async function scheduleRetry(tx: Tx, connectionId: string, job: SyncJob, at: Date): Promise<void> {
  await tx
    .updateTable('mightycall_sync_state')
    .set({ next_run_at: at })
    .where('connection_id', '=', connectionId)
    .where('job', '=', job)
    .execute();
}

export interface JobStateRow {
  job: SyncJob;
  status: SyncStatus;
  last_started_at: Date | null;
  last_finished_at: Date | null;
  last_success_at: Date | null;
  last_rows: number;
  last_error: string | null;
  next_run_at: Date | null;
  requested_at: Date | null;
  runs: number;
  failures: number;
  watermark: Date | null;
  backfill: unknown;
}

/** The connection's job rows, in the order numbers, agents, calls (what /status shows). */
export async function jobStates(tx: Tx, connectionId: string): Promise<JobStateRow[]> {
  return tx
    .selectFrom('mightycall_sync_state')
    .select([
      'job',
      'status',
      'last_started_at',
      'last_finished_at',
      'last_success_at',
      'last_rows',
      'last_error',
      'next_run_at',
      'requested_at',
      'runs',
      'failures',
      'watermark',
      'backfill',
    ])
    .where('connection_id', '=', connectionId)
    .orderBy(sql`array_position(array['numbers','agents','calls'], job)`)
    .execute();
}
