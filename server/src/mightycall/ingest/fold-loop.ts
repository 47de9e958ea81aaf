// The inbox worker's fold loop: folds pending calls into live state in batches and expires stale state; each
// batch nudges the fetch loop (fetch-loop.ts), which runs on its own.
//
// What "processed" means for an inbox event: it has been folded into its call's live state (the wallboard:
// mightycall_live_calls and _legs) and marked processed_at, in the same transaction. Folding a call refolds all
// of its events (old and new), so it is idempotent: a crash before the commit leaves the events unprocessed and
// the next cycle, here or in another process, folds them again exactly. The call's history row (calls) comes
// later and separately: when its GET /calls/{id} succeeds (the fetch loop, retried with backoff while
// MightyCall lags or the quota is spent), or when the scheduled journal sync brings it in.
import { sql } from 'kysely';
import { ensurePhoneNumbers } from '../../calls/ingest.js';
import type { Tx } from '../../db/tenant.js';
import { errorMessage } from '../../http/logger.js';
import { PROVIDER } from '../client/mapping.js';
import { CallFetcher } from './fetch-loop.js';
import { type CallFold, foldCall, type LiveEvent } from './live-fold.js';
import { bumpLiveVersion, expireStale, type FoldWrite, writeFolds } from './live-store.js';
import { keyOf, pairs, runDerived, standAside, type WorkerDeps } from './worker-deps.js';

const INBOX_RETENTION_MS = 7 * 86_400_000;
/** calls folded per transaction */
const DEFAULT_BATCH = 200;

interface StoredEvent {
  id: number;
  connection_id: string;
  call_id: string;
  event_type: string;
  extension: string | null;
  event_ts: string;
  event_at: Date;
  processed_at: Date | null;
  from_party: string | null;
  to_party: string | null;
}

export class InboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private gathering: NodeJS.Timeout | null = null;
  private again = false;
  private lastSweep = 0;
  private readonly fetcher: CallFetcher;

  constructor(private readonly deps: WorkerDeps) {
    this.fetcher = new CallFetcher(deps);
  }

  private run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return runDerived(this.deps.db, work);
  }

  start(): void {
    if (this.timer) return;
    this.fetcher.start();
    this.timer = setInterval(() => {
      this.wake();
      this.fetcher.kick();
    }, this.deps.pollMs ?? 1000);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.gathering) clearTimeout(this.gathering);
    this.timer = null;
    this.gathering = null;
    this.again = false;
    const fetches = this.fetcher.stop();
    await this.running;
    await fetches;
  }

  /** Runs a cycle soon (gatherMs), or right after the current one; only once started. */
  wake(): void {
    if (!this.timer) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.gathering) return;
    this.gathering = setTimeout(() => {
      this.gathering = null;
      this.runCycle();
    }, this.deps.gatherMs ?? 50);
    this.gathering.unref();
  }

  private runCycle(): void {
    if (!this.timer || this.running) return;
    this.running = this.cycle()
      .catch((error: unknown) =>
        this.deps.logger.warn('mightycall worker cycle failed', { error: errorMessage(error) }),
      )
      .finally(() => {
        this.running = null;
        if (this.again && this.timer) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Folding never waits for fetches: those run in a loop of their own, nudged by each batch and the timer. */
  private async cycle(): Promise<void> {
    await standAside(this.deps, () => this.timer !== null);
    await this.processPending();
    const now = this.deps.clock.now();
    if (now - this.lastSweep >= (this.deps.sweepMs ?? 60_000)) {
      this.lastSweep = now;
      await this.sweep();
    }
  }

  /** Until nothing is pending (tests, shutdown): inbox events and the fetches they queue. */
  async drain(maxRounds = 50): Promise<void> {
    await this.running;
    await this.fetcher.current;
    for (let i = 0; i < maxRounds; i++) {
      const folded = await this.processPending();
      const fetched = await this.fetcher.fetchCompleted();
      if (folded === 0 && fetched === 0) {
        // Background work (when started) may still hold claims: wait for it, then look again.
        if (!this.running && !this.fetcher.current) return;
        await this.running;
        await this.fetcher.current;
      }
    }
  }

  /**
   * Folds every call with unprocessed events, oldest first, up to `batchSize` calls per transaction;
   * `maxCalls` stops after that many calls (to test a crash halfway). Returns the calls folded.
   */
  async processPending(options: { maxCalls?: number } = {}): Promise<number> {
    const batchSize = Math.max(1, this.deps.batchSize ?? DEFAULT_BATCH);
    let done = 0;
    for (;;) {
      const limit = options.maxCalls === undefined ? batchSize : Math.min(batchSize, options.maxCalls - done);
      if (limit <= 0) return done;
      const batch = await this.run((tx) => this.foldBatch(tx, limit));
      done += batch.folded;
      // Newly finished calls are due for their fetch (a no-op unless started: tests drive fetches by hand).
      if (batch.folded > 0) this.fetcher.kick();
      // Nothing pending, or everything pending is locked by another process (it folds those calls), or this was
      // all there was when the batch began (what came in since waits for the next wake-up, and gathers).
      if (batch.candidates < limit || batch.folded === 0) return done;
    }
  }

  /**
   * One transaction: the oldest pending calls, their advisory locks (calls another process holds are skipped),
   * all their events, folded in memory, then the live rows and legs, one version bump, and the events marked
   * processed. All of it commits together or not at all.
   */
  private async foldBatch(tx: Tx, limit: number): Promise<{ candidates: number; folded: number }> {
    const candidates = await tx
      .selectFrom('mightycall_webhook_inbox')
      .select(['connection_id', 'call_id'])
      .where('processed_at', 'is', null)
      .groupBy(['connection_id', 'call_id'])
      .orderBy(sql`min(event_ts)`)
      .limit(limit)
      .execute();
    if (candidates.length === 0) return { candidates: 0, folded: 0 };
    // The same lock key as a single-call fold always used, so processes of either version exclude each other.
    const locked = await sql<{ connection_id: string; call_id: string }>`
      SELECT k.connection_id, k.call_id
      FROM unnest(${candidates.map((c) => c.connection_id)}::text[], ${candidates.map((c) => c.call_id)}::text[])
        AS k(connection_id, call_id)
      WHERE pg_try_advisory_xact_lock(hashtext('mightycall-live:' || k.connection_id || ':' || k.call_id))`.execute(tx);
    if (locked.rows.length === 0) return { candidates: candidates.length, folded: 0 };
    const stored = await sql<StoredEvent>`
      SELECT i.id, i.connection_id, i.call_id, i.event_type, i.extension, i.event_ts, i.event_at, i.processed_at,
        CASE WHEN jsonb_typeof(i.body->'Body'->'From') = 'string' THEN i.body->'Body'->>'From' END AS from_party,
        CASE WHEN jsonb_typeof(i.body->'Body'->'To') = 'string' THEN i.body->'Body'->>'To' END AS to_party
      FROM mightycall_webhook_inbox i
      JOIN ${pairs(locked.rows)} ON i.connection_id = k.connection_id AND i.call_id = k.call_id`.execute(tx);
    const byCall = new Map<string, { connectionId: string; callId: string; events: StoredEvent[] }>();
    for (const e of stored.rows) {
      const group = byCall.get(keyOf(e));
      if (group) group.events.push(e);
      else byCall.set(keyOf(e), { connectionId: e.connection_id, callId: e.call_id, events: [e] });
    }
    // A call another process folded between the pick and the lock has nothing pending left: not ours to count.
    const calls = [...byCall.values()].filter((g) => g.events.some((e) => e.processed_at === null));
    if (calls.length === 0) return { candidates: candidates.length, folded: 0 };
    const now = this.deps.clock.now();

    const connections = await tx
      .selectFrom('mightycall_connections')
      .select(['id', 'provider_account'])
      .where(sql<boolean>`id = any(${[...new Set(calls.map((g) => g.connectionId))]}::uuid[])`)
      .execute();
    const accountOf = new Map(connections.map((c) => [c.id, c.provider_account]));
    // Events of a connection that is gone are marked processed with nothing to show.
    const folds: Array<{ connectionId: string; callId: string; account: string; fold: CallFold }> = [];
    for (const g of calls) {
      const account = accountOf.get(g.connectionId);
      const fold = foldCall(g.events.map(toLiveEvent));
      if (fold && account !== undefined) folds.push({ connectionId: g.connectionId, callId: g.callId, account, fold });
    }
    if (folds.length > 0) {
      const numberIds = await ensurePhoneNumbers(
        tx,
        folds.flatMap((f) =>
          f.fold.businessNumber
            ? [{ e164: f.fold.businessNumber, provider: PROVIDER, providerAccount: f.account }]
            : [],
        ),
      );
      const recorded = await tx
        .selectFrom('calls')
        .select(['provider_call_id', 'ended_at'])
        .where('provider', '=', PROVIDER)
        .where(sql<boolean>`provider_call_id = any(${folds.map((f) => f.callId)}::text[])`)
        .execute();
      const endOf = new Map(recorded.map((r) => [r.provider_call_id, r.ended_at]));
      const writes: FoldWrite[] = folds.map((f) => ({
        target: {
          connectionId: f.connectionId,
          callId: f.callId,
          providerAccount: f.account,
          businessNumberId: f.fold.businessNumber ? (numberIds.get(f.fold.businessNumber) ?? null) : null,
          recordedEnd: endOf.get(f.callId) ?? null,
        },
        fold: f.fold,
      }));
      await writeFolds(tx, writes, now);
      await this.deps.hooks?.afterFoldWrite?.(writes.length, tx);
      await bumpLiveVersion(tx, now);
    }
    const pending = calls.flatMap((g) => g.events.filter((e) => e.processed_at === null).map((e) => e.id));
    await tx
      .updateTable('mightycall_webhook_inbox')
      .set({ processed_at: new Date(now) })
      .where(sql<boolean>`id = any(${pending}::bigint[])`)
      .execute();
    return { candidates: candidates.length, folded: calls.length };
  }

  /** Expires stale live state and drops processed events older than a week. */
  async sweep(): Promise<void> {
    const now = this.deps.clock.now();
    await this.run(async (tx) => {
      await expireStale(tx, now);
      await tx
        .deleteFrom('mightycall_webhook_inbox')
        .where('processed_at', 'is not', null)
        .where('received_at', '<', new Date(now - INBOX_RETENTION_MS))
        .execute();
    });
  }
}

function toLiveEvent(r: StoredEvent): LiveEvent {
  return {
    id: Number(r.id),
    eventType: r.event_type,
    extension: r.extension,
    key: r.event_ts,
    ms: new Date(r.event_at).getTime(),
    from: r.from_party,
    to: r.to_party,
  };
}
