// Runs due sync jobs: one run per connection at a time across processes (a lease row), status per job recorded.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { systemPrincipal } from '../auth/principal.js';
import { type Tx, withPrincipal } from '../db/tenant.js';
import type { DB } from '../db/types.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import type { Logger } from '../http/logger.js';
import type { MightyCallClient } from './client.js';
import { COLUMNS, type ConnectionRow, SYNC_JOBS } from './connections.js';
import type { SyncJob } from './db-types.js';
import {
  backfillOf,
  type CallsState,
  type JobContext,
  type JobOutcome,
  newBackfill,
  syncAgents,
  syncCalls,
  syncNumbers,
} from './sync-jobs.js';
import { type Clock, QuotaDeferred } from './transport.js';
import { messageOf } from './worker.js';

const SYSTEM = systemPrincipal('mightycall sync');
const LEASE_MS = 10 * 60_000;
/** numbers and agents change rarely: every 24 calls intervals, at most every 6 h */
const SLOW_FACTOR = 24;
const SLOW_MAX_MS = 6 * 3_600_000;

export interface SchedulerDeps {
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
  clientFor(connection: ConnectionRow): MightyCallClient;
  callsIntervalMs: number;
  tickMs?: number;
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

export class SyncScheduler {
  private readonly owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  /** set by stop(): a pass in progress claims no further connection (shutdown hands them to other processes) */
  private stopping = false;
  /** Ends of runs that could not be written (the database was gone): written first thing on the next pass. */
  private readonly unrecorded = new Map<string, { connectionId: string; job: SyncJob; message: string }>();
  /** Leases this process holds but could not give back. */
  private readonly unreleased = new Set<string>();

  constructor(private readonly deps: SchedulerDeps) {}

  private run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return withPrincipal(this.deps.db, SYSTEM, work);
  }

  private get slowIntervalMs(): number {
    return Math.min(SLOW_MAX_MS, this.deps.callsIntervalMs * SLOW_FACTOR);
  }

  start(): void {
    if (this.timer) return;
    this.stopping = false;
    this.timer = setInterval(() => this.kick(), this.deps.tickMs ?? 5000);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.again = false;
    this.stopping = true;
    await this.running;
  }

  /** Looks for due work now (or right after the current pass); only once started. */
  kick(): void {
    if (!this.timer) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.tick()
      .catch((error: unknown) => this.deps.logger.warn('mightycall sync pass failed', { error: messageOf(error) }))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Waits until the current pass (and any it asked for) is over. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** One pass: every enabled connection with a due job runs its due jobs, if its lease is free. */
  async tick(): Promise<void> {
    await this.recordLostEnds();
    const now = new Date(this.deps.clock.now());
    const due = await this.run((tx) =>
      tx
        .selectFrom('mightycall_sync_state as s')
        .innerJoin('mightycall_connections as c', 'c.id', 's.connection_id')
        .select('s.connection_id')
        .distinct()
        .where('c.enabled', '=', true)
        .where((eb) =>
          eb.or([
            eb('s.requested_at', 'is not', null),
            eb('s.next_run_at', 'is', null),
            eb('s.next_run_at', '<=', now),
          ]),
        )
        .execute(),
    );
    for (const { connection_id } of due) {
      if (this.stopping) return;
      try {
        await this.runConnection(connection_id);
      } catch (error) {
        this.deps.logger.warn('mightycall sync run failed', { connectionId: connection_id, error: messageOf(error) });
      }
    }
  }

  /** Runs the connection's due jobs under its lease; false when another run holds it. */
  async runConnection(connectionId: string): Promise<boolean> {
    await this.recordLostEnds();
    if (!(await this.claim(connectionId))) return false;
    try {
      const connection = await this.run((tx) =>
        tx.selectFrom('mightycall_connections').select(COLUMNS).where('id', '=', connectionId).executeTakeFirst(),
      );
      if (!connection?.enabled) return true;
      let client: MightyCallClient;
      try {
        client = this.deps.clientFor(connection);
      } catch {
        await this.failDueJobs(
          connectionId,
          'The stored credentials cannot be decrypted: was VICTORYSYNC_SECRET_KEY changed?',
        );
        return true;
      }
      const ctx: JobContext = { db: this.deps.db, connection, client, clock: this.deps.clock };
      let waitUntil: number | null = null;
      for (const job of SYNC_JOBS) {
        if (!(await this.isDue(connectionId, job))) continue;
        if (waitUntil !== null) {
          // The account's quota stopped an earlier job: the rest wait for the same moment.
          await this.finish(connectionId, job, {
            status: 'waiting_quota',
            last_error: 'waiting for the daily request quota',
            next_run_at: new Date(waitUntil),
          });
          continue;
        }
        try {
          waitUntil = await this.runJob(ctx, job);
        } catch (error) {
          // runJob records its own failures; what escapes it is the database failing under it.
          this.unrecorded.set(`${connectionId}:${job}`, {
            connectionId,
            job,
            message: failureMessage(error),
          });
          throw error;
        }
      }
    } finally {
      await this.release(connectionId).catch((error: unknown) => {
        this.unreleased.add(connectionId);
        throw error;
      });
    }
    return true;
  }

  /**
   * A run the database failed under (restart, failover, network) ends as an error once it is back: status, message
   * and the usual back-off, so /status tells what happened and the next run resumes from the saved watermark.
   */
  private async recordLostEnds(): Promise<void> {
    for (const [key, lost] of [...this.unrecorded]) {
      // Only over the run's own 'running' state: another process may have run the job since.
      const row = await this.run((tx) =>
        tx
          .updateTable('mightycall_sync_state')
          .set((eb) => ({
            status: 'error',
            last_error: lost.message,
            last_finished_at: new Date(this.deps.clock.now()),
            requested_at: null,
            next_run_at: null,
            failures: eb('failures', '+', 1),
          }))
          .where('connection_id', '=', lost.connectionId)
          .where('job', '=', lost.job)
          .where('status', '=', 'running')
          .returning('failures')
          .executeTakeFirst(),
      );
      if (row) {
        await this.retryLater(lost.connectionId, lost.job, row.failures);
        this.deps.logger.warn('mightycall sync failed', {
          connectionId: lost.connectionId,
          job: lost.job,
          error: lost.message,
        });
      }
      this.unrecorded.delete(key);
    }
    for (const connectionId of [...this.unreleased]) {
      await this.release(connectionId);
      this.unreleased.delete(connectionId);
    }
  }

  private async failDueJobs(connectionId: string, message: string): Promise<void> {
    for (const job of SYNC_JOBS) {
      if (!(await this.isDue(connectionId, job))) continue;
      const failures = await this.finish(connectionId, job, {
        status: 'error',
        last_error: message,
        next_run_at: null,
      });
      await this.retryLater(connectionId, job, failures);
    }
  }

  private async isDue(connectionId: string, job: SyncJob): Promise<boolean> {
    const now = this.deps.clock.now();
    const state = await this.run((tx) =>
      tx
        .selectFrom('mightycall_sync_state')
        .select(['requested_at', 'next_run_at'])
        .where('connection_id', '=', connectionId)
        .where('job', '=', job)
        .executeTakeFirst(),
    );
    if (!state) return false;
    return state.requested_at !== null || state.next_run_at === null || state.next_run_at.getTime() <= now;
  }

  /** Runs one job and records how it went; when the account's quota says stop, when it may go on. */
  private async runJob(ctx: JobContext, job: SyncJob): Promise<number | null> {
    const id = ctx.connection.id;
    const started = this.deps.clock.now();
    const state = await this.run(async (tx) => {
      const row = await tx
        .updateTable('mightycall_sync_state')
        .set((eb) => ({ status: 'running', last_started_at: new Date(started), runs: eb('runs', '+', 1) }))
        .where('connection_id', '=', id)
        .where('job', '=', job)
        .returning(['watermark', 'backfill'])
        .executeTakeFirstOrThrow();
      return {
        watermark: row.watermark,
        backfill: backfillOf(row.backfill),
      } satisfies CallsState;
    });
    try {
      const outcome = await this.perform(ctx, job, state);
      const now = this.deps.clock.now();
      const interval = job === 'calls' ? this.deps.callsIntervalMs : this.slowIntervalMs;
      await this.finish(id, job, {
        status: 'ok',
        last_success_at: new Date(now),
        last_rows: outcome.rows,
        last_error: null,
        next_run_at: new Date(now + interval),
      });
      this.deps.logger.info('mightycall sync', { connectionId: id, job, rows: outcome.rows, ms: now - started });
      return null;
    } catch (error) {
      if (error instanceof QuotaDeferred) {
        await this.finish(id, job, {
          status: 'waiting_quota',
          last_error: error.message,
          next_run_at: new Date(error.resumeAt),
        });
        this.deps.logger.info('mightycall sync waits for quota', {
          connectionId: id,
          job,
          resumeAt: new Date(error.resumeAt),
        });
        return error.resumeAt;
      }
      const failures = await this.finish(id, job, {
        status: 'error',
        last_error: failureMessage(error),
        next_run_at: null,
      });
      await this.retryLater(id, job, failures);
      this.deps.logger.warn('mightycall sync failed', { connectionId: id, job, error: messageOf(error) });
      return null;
    }
  }

  /** Back off after repeated failures: 1, 2, 4 … intervals, at most 6 h. */
  private async retryLater(connectionId: string, job: SyncJob, failures: number): Promise<void> {
    const delay = Math.min(SLOW_MAX_MS, this.deps.callsIntervalMs * 2 ** Math.min(6, Math.max(0, failures - 1)));
    await this.run((tx) =>
      tx
        .updateTable('mightycall_sync_state')
        .set({ next_run_at: new Date(this.deps.clock.now() + delay) })
        .where('connection_id', '=', connectionId)
        .where('job', '=', job)
        .execute(),
    );
  }

  private perform(ctx: JobContext, job: SyncJob, state: CallsState): Promise<JobOutcome> {
    if (job === 'numbers') return syncNumbers(ctx);
    if (job === 'agents') return syncAgents(ctx);
    return syncCalls(ctx, state, async (patch) => {
      await this.run(async (tx) => {
        await tx
          .updateTable('mightycall_sync_state')
          .set({
            ...(patch.watermark ? { watermark: patch.watermark } : {}),
            ...(patch.backfill ? { backfill: JSON.stringify(patch.backfill) } : {}),
          })
          .where('connection_id', '=', ctx.connection.id)
          .where('job', '=', 'calls')
          .execute();
        await this.renew(tx, ctx.connection.id);
      });
    });
  }

  /** Records the end of a run; returns the failure count. */
  private async finish(
    connectionId: string,
    job: SyncJob,
    patch: {
      status: 'ok' | 'error' | 'waiting_quota';
      last_success_at?: Date;
      last_rows?: number;
      last_error: string | null;
      next_run_at: Date | null;
    },
  ): Promise<number> {
    const row = await this.run((tx) =>
      tx
        .updateTable('mightycall_sync_state')
        .set((eb) => ({
          ...patch,
          last_finished_at: new Date(this.deps.clock.now()),
          requested_at: null,
          failures: patch.status === 'error' ? eb('failures', '+', 1) : eb.val(0),
        }))
        .where('connection_id', '=', connectionId)
        .where('job', '=', job)
        .returning('failures')
        .executeTakeFirst(),
    );
    return row?.failures ?? 0;
  }

  private async claim(connectionId: string): Promise<boolean> {
    const now = this.deps.clock.now();
    const row = await this.run((tx) =>
      tx
        .updateTable('mightycall_sync_leases')
        .set({ owner: this.owner, expires_at: new Date(now + LEASE_MS) })
        .where('connection_id', '=', connectionId)
        .where((eb) =>
          eb.or([eb('owner', 'is', null), eb('expires_at', '<', new Date(now)), eb('owner', '=', this.owner)]),
        )
        .returning('connection_id')
        .executeTakeFirst(),
    );
    return row !== undefined;
  }

  private async renew(tx: Tx, connectionId: string): Promise<void> {
    await tx
      .updateTable('mightycall_sync_leases')
      .set({ expires_at: new Date(this.deps.clock.now() + LEASE_MS) })
      .where('connection_id', '=', connectionId)
      .where('owner', '=', this.owner)
      .execute();
  }

  private async release(connectionId: string): Promise<void> {
    await this.run((tx) =>
      tx
        .updateTable('mightycall_sync_leases')
        .set({ owner: null, expires_at: null })
        .where('connection_id', '=', connectionId)
        .where('owner', '=', this.owner)
        .execute(),
    );
  }
}

function failureMessage(error: unknown): string {
  const message = messageOf(error);
  return (isDatabaseUnavailable(error) ? `database unavailable: ${message}` : message).slice(0, 500);
}
