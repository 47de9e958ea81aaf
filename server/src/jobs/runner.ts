// The one background job runner: queued jobs of registered kinds (retries with exponential back-off) and recurring
// work under leases (MightyCall sync), on one timer, safe across processes on PGlite and PostgreSQL.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { systemPrincipal } from '../auth/principal.js';
import { type Tx, withPrincipal } from '../db/tenant.js';
import type { DB } from '../db/types.js';
import { errorMessage, type Logger } from '../http/logger.js';
import {
  type ClaimedJob,
  claimDueJobs,
  claimLease,
  markJobDone,
  markJobFailed,
  pruneDoneJobs,
  releaseLease,
  renewLease,
} from './queue.js';

const SYSTEM = systemPrincipal('job runner');

export interface Clock {
  now(): number;
}

/** A job's attempt as its handler sees it. */
export interface JobAttempt<P> {
  id: string;
  key: string | null;
  payload: P;
  /** this attempt's number, from 1 */
  attempt: number;
  /** no retry follows if this attempt fails */
  finalAttempt: boolean;
}

/** A kind of queued job: how to read its payload and run it. A throw retries it later; PermanentJobError does not. */
export interface QueuedKind<P> {
  kind: string;
  parse(payload: unknown): P;
  run(job: JobAttempt<P>): Promise<void>;
  /** back-off after the n-th failure: baseMs · 2^(n-1), at most maxMs (defaults 30 s and 1 h) */
  backoff?: { baseMs: number; maxMs: number };
  /** how long a claim holds before another runner may take the job again (default 5 min) */
  lockMs?: number;
}

/** Recurring work that keeps its own schedule (the kind decides what is due): one holder per key at a time. */
export interface RecurringKind {
  kind: string;
  /** the keys with work due now */
  due(): Promise<string[]>;
  /** does the key's due work; `lease.renew()` keeps the lease while long work goes on */
  run(key: string, lease: LeaseHandle): Promise<void>;
  leaseMs: number;
}

export interface LeaseHandle {
  renew(tx: Tx): Promise<void>;
  /** true once the runner is stopping: long work ends at its next safe point */
  readonly stopping: boolean;
}

/** A failure that retrying cannot mend (a permanent SMTP refusal): the job ends failed at once. */
export class PermanentJobError extends Error {}

export interface RunnerDeps {
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
  /** ms between passes (default 5 s); kick() runs one sooner */
  tickMs?: number;
}

const BATCH = 20;
/** Done jobs are kept this long (what ran lately), then deleted; the check runs at most hourly. */
const KEEP_DONE_MS = 7 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;
const DEFAULT_BACKOFF = { baseMs: 30_000, maxMs: 3_600_000 };
const DEFAULT_LOCK_MS = 5 * 60_000;

export class JobRunner {
  readonly owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  // biome-ignore lint/suspicious/noExplicitAny: kinds of every payload type live in one registry
  private readonly queued = new Map<string, QueuedKind<any>>();
  private readonly recurring = new Map<string, RecurringKind>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopping = false;
  private prunedAt = Number.NEGATIVE_INFINITY;
  /** Leases this process holds but could not give back (the database was gone): given back on the next pass. */
  private readonly unreleased = new Map<string, { kind: string; key: string; owner: string }>();

  constructor(private readonly deps: RunnerDeps) {}

  /** Adds a kind of queued job; this runner claims jobs of registered kinds only. */
  register<P>(kind: QueuedKind<P>): void {
    if (this.queued.has(kind.kind) || this.recurring.has(kind.kind)) throw new Error(`job kind ${kind.kind} twice`);
    this.queued.set(kind.kind, kind);
  }

  registerRecurring(kind: RecurringKind): void {
    if (this.queued.has(kind.kind) || this.recurring.has(kind.kind)) throw new Error(`job kind ${kind.kind} twice`);
    this.recurring.set(kind.kind, kind);
  }

  get kinds(): string[] {
    return [...this.queued.keys(), ...this.recurring.keys()];
  }

  private system<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return withPrincipal(this.deps.db, SYSTEM, work);
  }

  start(): void {
    if (this.timer) return;
    this.stopping = false;
    this.timer = setInterval(() => this.kick(), this.deps.tickMs ?? 5000);
    this.timer.unref();
    this.kick();
  }

  /** No new claims; the pass in progress finishes and gives its leases back (other processes take over). */
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
      .catch((error: unknown) => this.deps.logger.warn('job runner pass failed', { error: errorMessage(error) }))
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

  /**
   * One pass: every recurring kind's due keys and, side by side, the queued jobs that are due (a long sync run
   * does not hold up an invitation's mail).
   */
  async tick(): Promise<void> {
    for (const [id, lease] of [...this.unreleased]) {
      await this.system((tx) => releaseLease(tx, lease));
      this.unreleased.delete(id);
    }
    const now = this.deps.clock.now();
    if (now - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = now;
      await this.system((tx) => pruneDoneJobs(tx, new Date(now - KEEP_DONE_MS)));
    }
    const [recurring, queued] = await Promise.allSettled([this.runRecurring(), this.runDueJobs()]);
    if (recurring.status === 'rejected') throw recurring.reason;
    if (queued.status === 'rejected') throw queued.reason;
  }

  private async runRecurring(): Promise<void> {
    for (const kind of this.recurring.values()) {
      if (this.stopping) return;
      let keys: string[];
      try {
        keys = await kind.due();
      } catch (error) {
        this.deps.logger.warn('job runner: due work unknown', { kind: kind.kind, error: errorMessage(error) });
        continue;
      }
      for (const key of keys) {
        if (this.stopping) return;
        try {
          await this.runLeased(kind.kind, key);
        } catch (error) {
          this.deps.logger.warn('job failed', { kind: kind.kind, key, error: errorMessage(error) });
        }
      }
    }
  }

  /**
   * Runs queued jobs until none is due (or the runner stops), each at most once (a job that fails waits for its
   * back-off, the next pass). Jobs enqueued meanwhile (mail a job wrote) run in the same call. Returns how many ran.
   */
  async runDueJobs(): Promise<number> {
    const done: string[] = [];
    while (!this.stopping) {
      const now = this.deps.clock.now();
      const lockMs = Math.max(...[...this.queued.values()].map((k) => k.lockMs ?? DEFAULT_LOCK_MS), 0);
      const claimed = await this.system((tx) =>
        claimDueJobs(tx, {
          kinds: [...this.queued.keys()],
          owner: this.owner,
          now: new Date(now),
          lockedUntil: new Date(now + lockMs),
          limit: BATCH,
          exclude: done,
        }),
      );
      if (claimed.length === 0) break;
      for (const job of claimed) {
        await this.runJob(job);
        done.push(job.id);
      }
    }
    return done.length;
  }

  private async runJob(job: ClaimedJob): Promise<void> {
    const kind = this.queued.get(job.kind);
    if (!kind) return;
    const finalAttempt = job.attempts >= job.max_attempts;
    try {
      await kind.run({
        id: job.id,
        key: job.key,
        payload: kind.parse(job.payload),
        attempt: job.attempts,
        finalAttempt,
      });
      await this.system((tx) => markJobDone(tx, job.id, this.owner, new Date(this.deps.clock.now())));
    } catch (error) {
      const message = errorMessage(error);
      const permanent = error instanceof PermanentJobError;
      const backoff = kind.backoff ?? DEFAULT_BACKOFF;
      const now = this.deps.clock.now();
      const retryAt =
        permanent || finalAttempt
          ? null
          : new Date(now + Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(20, job.attempts - 1)));
      await this.system((tx) => markJobFailed(tx, job.id, this.owner, { message, retryAt, now: new Date(now) }));
      this.deps.logger.warn('job failed', {
        kind: job.kind,
        id: job.id,
        attempt: job.attempts,
        error: message,
        retryAt: retryAt?.toISOString() ?? null,
      });
    }
  }

  /**
   * Runs a recurring kind's work for one key under its lease; false when another run (in any process) holds it.
   */
  async runLeased(kindName: string, key: string): Promise<boolean> {
    const kind = this.recurring.get(kindName);
    if (!kind) throw new Error(`no recurring job kind ${kindName}`);
    const lease = { kind: kindName, key, owner: this.owner };
    const now = this.deps.clock.now();
    const claimed = await this.system((tx) =>
      claimLease(tx, { ...lease, now: new Date(now), until: new Date(now + kind.leaseMs) }),
    );
    if (!claimed) return false;
    const runner = this;
    const handle: LeaseHandle = {
      renew: (tx) => renewLease(tx, { ...lease, until: new Date(runner.deps.clock.now() + kind.leaseMs) }),
      get stopping() {
        return runner.stopping;
      },
    };
    try {
      await kind.run(key, handle);
    } finally {
      await this.releaseWhenPossible(lease);
    }
    return true;
  }

  /** A lease that cannot be given back now (the database is gone) is given back on the next pass. */
  private async releaseWhenPossible(lease: { kind: string; key: string; owner: string }): Promise<void> {
    try {
      await this.system((tx) => releaseLease(tx, lease));
    } catch (error) {
      this.unreleased.set(`${lease.kind}:${lease.key}`, lease);
      this.deps.logger.warn('job lease not released', { kind: lease.kind, key: lease.key, error: errorMessage(error) });
    }
  }
}
