// MightyCall sync on the job runner: one run per connection at a time across processes (the runner's lease),
// status, schedule and back-off per job in mightycall_sync_state.
import type { Kysely } from 'kysely';
import { systemPrincipal } from '../../auth/principal.js';
import { type Tx, withPrincipal } from '../../db/tenant.js';
import type { DB } from '../../db/types.js';
import { isDatabaseUnavailable } from '../../db/unavailable.js';
import { errorMessage, type Logger } from '../../http/logger.js';
import type { JobRunner, LeaseHandle, RecurringKind } from '../../jobs/runner.js';
import type { MightyCallClient } from '../client/client.js';
import { type Clock, MightyCallError, QuotaDeferred } from '../client/transport.js';
import { COLUMNS, setCredentialsRefused } from '../connections.js';
import type { ConnectionRow, SyncJob } from '../db-types.js';
import {
  connectionsDue,
  isJobDue,
  markLostRunFailed,
  markRunFailed,
  markRunStarted,
  markRunSucceeded,
  markRunWaitingQuota,
  SYNC_JOBS,
  saveCallsProgress,
  scheduleRetry,
} from './state.js';
import { type CallsState, type JobContext, type JobOutcome, syncAgents, syncCalls, syncNumbers } from './sync-jobs.js';

const SYSTEM = systemPrincipal('mightycall sync');
/** runJob's answer when MightyCall refused the keys: the connection's other jobs do not run either. */
const REFUSED = -1;
const LEASE_MS = 10 * 60_000;
/** numbers and agents change rarely: every 24 calls intervals, at most every 6 h */
const SLOW_FACTOR = 24;
const SLOW_MAX_MS = 6 * 3_600_000;

export const MIGHTYCALL_SYNC = 'mightycall.sync';

export interface SchedulerDeps {
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
  /** the process's one job runner: it holds each connection's lease (job_leases) while its sync runs */
  runner: JobRunner;
  clientFor(connection: ConnectionRow): MightyCallClient;
  callsIntervalMs: number;
}

/**
 * MightyCall sync as a recurring kind of the job runner: each enabled connection with a due job is a key, run under
 * its lease by one process at a time; its jobs' schedule, back-off and status live in mightycall_sync_state.
 */
export class SyncScheduler implements RecurringKind {
  readonly kind = MIGHTYCALL_SYNC;
  readonly leaseMs = LEASE_MS;
  /** Ends of runs that could not be written (the database was gone): written first thing on the next pass. */
  private readonly unrecorded = new Map<string, { connectionId: string; job: SyncJob; message: string }>();

  constructor(private readonly deps: SchedulerDeps) {}

  private system<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return withPrincipal(this.deps.db, SYSTEM, work);
  }

  private get slowIntervalMs(): number {
    return Math.min(SLOW_MAX_MS, this.deps.callsIntervalMs * SLOW_FACTOR);
  }

  /** Asks the runner to look for due work now (a sync was requested). */
  kick(): void {
    this.deps.runner.kick();
  }

  /** One pass of the runner (this kind's due connections among its work): tests drive it by hand. */
  tick(): Promise<void> {
    return this.deps.runner.tick();
  }

  /** Enabled connections with a due job (runs lost to a database failure are written down first). */
  async due(): Promise<string[]> {
    await this.recordLostEnds();
    const now = new Date(this.deps.clock.now());
    return this.system((tx) => connectionsDue(tx, now));
  }

  /** Runs the connection's due jobs under its lease now; false when another run holds it. */
  async runConnection(connectionId: string): Promise<boolean> {
    await this.recordLostEnds();
    return this.deps.runner.runLeased(MIGHTYCALL_SYNC, connectionId);
  }

  /** The connection's due jobs, one after another (the runner holds its lease). */
  async run(connectionId: string, lease: LeaseHandle): Promise<void> {
    const connection = await this.system((tx) =>
      tx.selectFrom('mightycall_connections').select(COLUMNS).where('id', '=', connectionId).executeTakeFirst(),
    );
    if (!connection?.enabled || connection.credentials_refused_at) return;
    let client: MightyCallClient;
    try {
      client = this.deps.clientFor(connection);
    } catch {
      await this.failDueJobs(
        connectionId,
        'The stored credentials cannot be decrypted: was VICTORYSYNC_SECRET_KEY changed?',
      );
      return;
    }
    const ctx: JobContext = { db: this.deps.db, connection, client, clock: this.deps.clock };
    let waitUntil: number | null = null;
    for (const job of SYNC_JOBS) {
      if (!(await this.isDue(connectionId, job))) continue;
      if (waitUntil === REFUSED) break;
      if (waitUntil !== null) {
        // The account's quota stopped an earlier job: the rest wait for the same moment.
        const wait = { message: 'waiting for the daily request quota', resumeAt: new Date(waitUntil) };
        await this.system((tx) => markRunWaitingQuota(tx, connectionId, job, wait, this.deps.clock.now()));
        continue;
      }
      try {
        waitUntil = await this.runJob(ctx, job, lease);
      } catch (error) {
        // runJob records its own failures; what escapes it is the database failing under it.
        this.unrecorded.set(`${connectionId}:${job}`, { connectionId, job, message: failureMessage(error) });
        throw error;
      }
    }
  }

  /**
   * A run the database failed under (restart, failover, network) ends as an error once it is back: status, message
   * and the usual back-off, so /status tells what happened and the next run resumes from the saved watermark.
   */
  private async recordLostEnds(): Promise<void> {
    for (const [key, lost] of [...this.unrecorded]) {
      const failures = await this.system((tx) =>
        markLostRunFailed(tx, lost.connectionId, lost.job, lost.message, this.deps.clock.now()),
      );
      if (failures !== null) {
        await this.retryLater(lost.connectionId, lost.job, failures);
        this.deps.logger.warn('mightycall sync failed', {
          connectionId: lost.connectionId,
          job: lost.job,
          error: lost.message,
        });
      }
      this.unrecorded.delete(key);
    }
  }

  private async failDueJobs(connectionId: string, message: string): Promise<void> {
    for (const job of SYNC_JOBS) {
      if (!(await this.isDue(connectionId, job))) continue;
      const failures = await this.system((tx) => markRunFailed(tx, connectionId, job, message, this.deps.clock.now()));
      await this.retryLater(connectionId, job, failures);
    }
  }

  private isDue(connectionId: string, job: SyncJob): Promise<boolean> {
    const now = this.deps.clock.now();
    return this.system((tx) => isJobDue(tx, connectionId, job, now));
  }

  /**
   * Runs one job and records how it went; when the account's quota says stop, when it may go on; REFUSED when
   * MightyCall refused the keys (the connection is then marked, and nothing more runs until new keys are saved).
   */
  private async runJob(ctx: JobContext, job: SyncJob, lease: LeaseHandle): Promise<number | null> {
    const id = ctx.connection.id;
    const started = this.deps.clock.now();
    const state = await this.system((tx) => markRunStarted(tx, id, job, started));
    try {
      const outcome = await this.perform(ctx, job, state, lease);
      const now = this.deps.clock.now();
      const interval = job === 'calls' ? this.deps.callsIntervalMs : this.slowIntervalMs;
      await this.system((tx) =>
        markRunSucceeded(tx, id, job, { rows: outcome.rows, nextRunAt: new Date(now + interval) }, now),
      );
      this.deps.logger.info('mightycall sync', { connectionId: id, job, rows: outcome.rows, ms: now - started });
      return null;
    } catch (error) {
      if (error instanceof QuotaDeferred) {
        const wait = { message: error.message, resumeAt: new Date(error.resumeAt) };
        await this.system((tx) => markRunWaitingQuota(tx, id, job, wait, this.deps.clock.now()));
        this.deps.logger.info('mightycall sync waits for quota', {
          connectionId: id,
          job,
          resumeAt: new Date(error.resumeAt),
        });
        return error.resumeAt;
      }
      const message = failureMessage(error);
      const now = this.deps.clock.now();
      const refused = error instanceof MightyCallError && error.kind === 'auth';
      const failures = await this.system(async (tx) => {
        if (refused) await setCredentialsRefused(tx, id, { message, at: new Date(now) });
        return markRunFailed(tx, id, job, message, now);
      });
      await this.retryLater(id, job, failures);
      this.deps.logger.warn('mightycall sync failed', { connectionId: id, job, error: errorMessage(error), refused });
      return refused ? REFUSED : null;
    }
  }

  /** Back off after repeated failures: 1, 2, 4 … intervals, at most 6 h. */
  private async retryLater(connectionId: string, job: SyncJob, failures: number): Promise<void> {
    const delay = Math.min(SLOW_MAX_MS, this.deps.callsIntervalMs * 2 ** Math.min(6, Math.max(0, failures - 1)));
    await this.system((tx) => scheduleRetry(tx, connectionId, job, new Date(this.deps.clock.now() + delay)));
  }

  private perform(ctx: JobContext, job: SyncJob, state: CallsState, lease: LeaseHandle): Promise<JobOutcome> {
    if (job === 'numbers') return syncNumbers(ctx);
    if (job === 'agents') return syncAgents(ctx);
    return syncCalls(ctx, state, async (patch) => {
      await this.system(async (tx) => {
        await saveCallsProgress(tx, ctx.connection.id, patch);
        await lease.renew(tx);
      });
    });
  }
}

function failureMessage(error: unknown): string {
  const message = errorMessage(error);
  return (isDatabaseUnavailable(error) ? `database unavailable: ${message}` : message).slice(0, 500);
}
