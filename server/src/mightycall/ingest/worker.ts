// The inbox worker: folds pending calls into live state in batches, fetches finished calls once (in a loop of
// its own), expires stale state.
//
// What "processed" means for an inbox event: it has been folded into its call's live state (the wallboard:
// mightycall_live_calls and _legs) and marked processed_at, in the same transaction. Folding a call refolds all
// of its events (old and new), so it is idempotent: a crash before the commit leaves the events unprocessed and
// the next cycle, here or in another process, folds them again exactly. The call's history row (calls) comes
// later and separately: when its GET /calls/{id} succeeds (the fetch loop below, retried with backoff while
// MightyCall lags or the quota is spent), or when the scheduled journal sync brings it in.
import { type Kysely, sql } from 'kysely';
import { systemPrincipal } from '../../auth/principal.js';
import { ensurePhoneNumbers, type NormalizedCall, upsertCalls } from '../../calls/ingest.js';
import { type Tx, withPrincipal } from '../../db/tenant.js';
import type { DB } from '../../db/types.js';
import type { Logger } from '../../http/logger.js';
import type { MightyCallClient } from '../client/client.js';
import { callFromCallsApi, callFromJournal, PROVIDER } from '../client/mapping.js';
import type { QuotaBudget } from '../client/quota.js';
import { type Clock, QuotaDeferred } from '../client/transport.js';
import { type CallFold, foldCall, type LiveEvent } from './live-fold.js';
import { bumpLiveVersion, expireStale, type FoldWrite, writeFolds } from './live-store.js';

const SYSTEM = systemPrincipal('mightycall webhooks');
const MAX_FETCH_ATTEMPTS = 6;
const INBOX_RETENTION_MS = 7 * 86_400_000;
/** calls folded per transaction */
const DEFAULT_BATCH = 200;
/** finished calls claimed per fetch round, and fetched at once */
const FETCH_ROUND = 64;
const DEFAULT_FETCH_CONCURRENCY = 8;
/**
 * A claimed fetch is not handed to another process for this long (its fetch_after moves this far ahead). It
 * bounds the delay when a process dies while fetching (the others, or its successor, pick those calls up after
 * it); a fetch outliving its claim (MightyCall slow, retries) may be repeated elsewhere, which costs a request
 * but writes the same row. Within a process, calls in flight are never fetched twice.
 */
const FETCH_CLAIM_MS = 15_000;

type FetchTarget = { client: MightyCallClient; account: string };

export interface WorkerHooks {
  /**
   * After a batch's live rows are written, before its events are marked processed, inside the batch's
   * transaction (tests inject a crash, or look at the transaction).
   */
  afterFoldWrite?(calls: number, tx: Tx): void | Promise<void>;
}

export interface WorkerDeps {
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
  /** the client of a connection, or null when it is gone or disabled */
  clientFor(connectionId: string): Promise<FetchTarget | null>;
  pollMs?: number;
  sweepMs?: number;
  /** calls folded per transaction (default 200) */
  batchSize?: number;
  /** GET /calls/{id} requests in flight at once (default 8) */
  fetchConcurrency?: number;
  /**
   * How long a wake-up waits before folding (default 50 ms), so a stream of events is folded in batches of
   * some size rather than in one small transaction per event.
   */
  gatherMs?: number;
  hooks?: WorkerHooks;
  /**
   * True while this process is busy acknowledging a burst of webhooks: background folding and fetching wait
   * (at most maxYieldMs at a time), so the acknowledgements get the thread first.
   */
  pressure?: () => boolean;
  /** the longest a background cycle or fetch loop waits for pressure to pass (default 1,000 ms) */
  maxYieldMs?: number;
  /** the quota budget the clients count against: a fetch round counts its requests at once (prefund) */
  budget?: Pick<QuotaBudget, 'prefund' | 'refund'>;
}

interface PendingFetch {
  connection_id: string;
  call_id: string;
  answered_at: Date | null;
  fetch_attempts: number;
}

type FetchPatch = { fetch_state?: 'done' | 'gave_up'; fetch_attempts?: number; fetch_after?: Date };

/** What a fetch came to: the call's row when it was found, and the claimed row's next fetch state. */
interface FetchOutcome {
  row: PendingFetch;
  call?: NormalizedCall;
  patch: FetchPatch;
}

/** Not there yet (MightyCall lags) or failed: again later with backoff, until the attempts run out. */
function retryPatch(row: PendingFetch, now: number): FetchPatch {
  const attempts = row.fetch_attempts + 1;
  if (attempts >= MAX_FETCH_ATTEMPTS) return { fetch_state: 'gave_up', fetch_attempts: attempts };
  return { fetch_attempts: attempts, fetch_after: new Date(now + 15_000 * 2 ** (attempts - 1)) };
}

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

const keyOf = (r: { connection_id: string; call_id: string }) => `${r.connection_id}\u0000${r.call_id}`;

/** (connection, call) pairs as a relation `k(connection_id, call_id)`: one statement text whatever their number. */
const pairs = (list: ReadonlyArray<{ connection_id: string; call_id: string }>) =>
  sql`unnest(${list.map((p) => p.connection_id)}::uuid[], ${list.map((p) => p.call_id)}::text[]) AS k(connection_id, call_id)`;

export class InboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private gathering: NodeJS.Timeout | null = null;
  private again = false;
  private fetching: Promise<void> | null = null;
  private fetchAgain = false;
  /** (connection, call) keys this process is fetching now */
  private readonly inFlight = new Set<string>();
  private lastSweep = 0;

  constructor(private readonly deps: WorkerDeps) {}

  /**
   * The worker's transactions write state derived from the inbox (live state, processed marks, fetched calls,
   * claims): their commits need not wait for the disk, since a lost one is redone from the inbox (`derived`).
   * Their statements read the inbox and live tables, which go from empty to thousands of rows in a burst, so
   * they are planned afresh each time (`freshPlans`).
   */
  private run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return withPrincipal(this.deps.db, SYSTEM, work, { derived: true, freshPlans: true });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.wake();
      this.kickFetches();
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
    this.fetchAgain = false;
    await this.running;
    await this.fetching;
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
      .catch((error: unknown) => this.deps.logger.warn('mightycall worker cycle failed', { error: messageOf(error) }))
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
    await this.standAside();
    await this.processPending();
    const now = this.deps.clock.now();
    if (now - this.lastSweep >= (this.deps.sweepMs ?? 60_000)) {
      this.lastSweep = now;
      await this.sweep();
    }
  }

  private kickFetches(): void {
    if (!this.timer) return;
    if (this.fetching) {
      this.fetchAgain = true;
      return;
    }
    this.fetching = this.fetchLoop()
      .catch((error: unknown) => this.deps.logger.warn('mightycall fetch round failed', { error: messageOf(error) }))
      .finally(() => {
        this.fetching = null;
        if (this.fetchAgain && this.timer) {
          this.fetchAgain = false;
          this.kickFetches();
        }
      });
  }

  /** Rounds until nothing is due (each claimed call leaves with a later fetch_after or a final state). */
  private async fetchLoop(): Promise<void> {
    await this.standAside();
    while (this.timer) {
      const round = await this.fetchRound();
      if (round.claimed === 0) return;
    }
  }

  /**
   * Waits while the process is under webhook pressure, for maxYieldMs at most: the work then runs to its end
   * however busy the process is, so a sustained flood delays folding by that much and no more.
   */
  private async standAside(): Promise<void> {
    const pressure = this.deps.pressure;
    if (!pressure) return;
    const until = performance.now() + (this.deps.maxYieldMs ?? 1000);
    while (this.timer && pressure() && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
  }

  /** Until nothing is pending (tests, shutdown): inbox events and the fetches they queue. */
  async drain(maxRounds = 50): Promise<void> {
    await this.running;
    await this.fetching;
    for (let i = 0; i < maxRounds; i++) {
      const folded = await this.processPending();
      const fetched = await this.fetchCompleted();
      if (folded === 0 && fetched === 0) {
        // Background work (when started) may still hold claims: wait for it, then look again.
        if (!this.running && !this.fetching) return;
        await this.running;
        await this.fetching;
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
      if (batch.folded > 0) this.kickFetches();
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

  /**
   * One round of finished calls not yet in calls: GET /calls/{id} once each (retried with backoff while
   * MightyCall lags). Returns the calls settled (stored, already known, or given up).
   */
  async fetchCompleted(): Promise<number> {
    return (await this.fetchRound()).handled;
  }

  /**
   * Claims up to FETCH_ROUND due calls (moving their fetch_after ahead, skipping rows a fold holds), settles the
   * ones calls already has in one statement, and fetches the rest a few at a time. The quota budget and the token
   * cache are safe to share: quota use is counted under a per-account lock, token minting is single-flight.
   */
  private async fetchRound(): Promise<{ claimed: number; handled: number }> {
    const now = this.deps.clock.now();
    const claimed = await this.run(async (tx) => {
      const rows = await sql<PendingFetch>`
        UPDATE mightycall_live_calls lc SET fetch_after = ${new Date(now + FETCH_CLAIM_MS)}
        FROM (
          SELECT connection_id, call_id FROM mightycall_live_calls
          WHERE fetch_state = 'pending' AND fetch_after <= ${new Date(now)}
          ORDER BY fetch_after
          LIMIT ${FETCH_ROUND}
          FOR UPDATE SKIP LOCKED
        ) due
        WHERE lc.connection_id = due.connection_id AND lc.call_id = due.call_id
        RETURNING lc.connection_id, lc.call_id, lc.answered_at, lc.fetch_attempts`.execute(tx);
      return rows.rows;
    });
    if (claimed.length === 0) return { claimed: 0, handled: 0 };
    // A claim that ran out while this process still fetches the call (a slow MightyCall) was claimed again: the
    // fetch under way settles it.
    const mine = claimed.filter((r) => !this.inFlight.has(keyOf(r)));
    for (const r of mine) this.inFlight.add(keyOf(r));
    try {
      return { claimed: claimed.length, handled: await this.fetchClaimed(mine) };
    } finally {
      for (const r of mine) this.inFlight.delete(keyOf(r));
    }
  }

  private async fetchClaimed(claimed: readonly PendingFetch[]): Promise<number> {
    if (claimed.length === 0) return 0;
    const known = await this.run(async (tx) => {
      const rows = await sql<{ connection_id: string; call_id: string }>`
        UPDATE mightycall_live_calls lc SET fetch_state = 'done'
        FROM ${pairs(claimed)}
        WHERE lc.connection_id = k.connection_id AND lc.call_id = k.call_id AND lc.fetch_state = 'pending'
          AND EXISTS (SELECT 1 FROM calls c WHERE c.provider = ${PROVIDER} AND c.provider_call_id = lc.call_id)
        RETURNING lc.connection_id, lc.call_id`.execute(tx);
      return new Set(rows.rows.map(keyOf));
    });
    const rest = claimed.filter((r) => !known.has(keyOf(r)));
    if (rest.length === 0) return known.size;
    const targets = new Map<string, FetchTarget | null>();
    for (const id of new Set(rest.map((r) => r.connection_id))) targets.set(id, await this.deps.clientFor(id));
    /** connection → when its quota lets it go on: its other calls wait without asking */
    const deferred = new Map<string, number>();
    const outcomes: FetchOutcome[] = [];
    let next = 0;
    const lane = async () => {
      for (let row = rest[next++]; row; row = rest[next++]) {
        outcomes.push(await this.fetchOne(row, targets.get(row.connection_id) ?? null, deferred));
      }
    };
    const lanes = Math.max(1, Math.min(this.deps.fetchConcurrency ?? DEFAULT_FETCH_CONCURRENCY, rest.length));
    // The round's requests are counted against each account's quota at once, one request per call; a call that
    // needs more (a retry, the journal) counts its extra requests as it goes, and what is not spent goes back.
    const perAccount = new Map<string, number>();
    for (const row of rest) {
      const account = targets.get(row.connection_id)?.account;
      if (account !== undefined) perAccount.set(account, (perAccount.get(account) ?? 0) + 1);
    }
    const budget = this.deps.budget;
    if (budget) await Promise.all([...perAccount].map(([account, n]) => budget.prefund(account, 'live', n)));
    // Every lane finishes before the round does (an error in one must not leave the others running unseen).
    const settled = await Promise.allSettled(Array.from({ length: lanes }, lane));
    if (budget) {
      for (const account of perAccount.keys()) {
        await budget
          .refund(account, 'live')
          .catch((error: unknown) =>
            this.deps.logger.warn('mightycall quota refund failed', { account, error: messageOf(error) }),
          );
      }
    }
    // What was fetched is written even when a lane failed: those calls' claims run out and they are fetched again.
    await this.settle(outcomes);
    for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
    return known.size + outcomes.filter((o) => o.patch.fetch_state !== undefined).length;
  }

  /**
   * Writes a round's outcomes in one transaction: the calls fetched, and every claimed row's new fetch state.
   * When that transaction fails (one call the database refuses), each outcome is written on its own, so the
   * others still land and only the refused one is retried.
   */
  private async settle(outcomes: readonly FetchOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const write = async (tx: Tx, list: readonly FetchOutcome[]) => {
      const found = list.flatMap((o) => (o.call ? [o.call] : []));
      if (found.length > 0) await upsertCalls(tx, found);
      const done = list.filter((o) => o.patch.fetch_state === 'done' && Object.keys(o.patch).length === 1);
      if (done.length > 0) {
        await sql`
          UPDATE mightycall_live_calls lc SET fetch_state = 'done'
          FROM ${pairs(done.map((o) => o.row))}
          WHERE lc.connection_id = k.connection_id AND lc.call_id = k.call_id`.execute(tx);
      }
      for (const o of list) if (!done.includes(o)) await this.setFetch(tx, o.row, o.patch);
    };
    try {
      await this.run((tx) => write(tx, outcomes));
    } catch (error) {
      if (outcomes.length === 1) throw error;
      for (const o of outcomes) {
        try {
          await this.run((tx) => write(tx, [o]));
        } catch (one) {
          this.deps.logger.warn('mightycall fetched call not stored', {
            connectionId: o.row.connection_id,
            error: messageOf(one),
          });
          await this.run((tx) => this.setFetch(tx, o.row, retryPatch(o.row, this.deps.clock.now())));
        }
      }
    }
  }

  /** Fetches one claimed call; what to write for it is left to the round (settle). */
  private async fetchOne(
    row: PendingFetch,
    target: FetchTarget | null,
    deferred: Map<string, number>,
  ): Promise<FetchOutcome> {
    if (!target) return { row, patch: { fetch_state: 'gave_up' } };
    const resumeAt = deferred.get(row.connection_id);
    if (resumeAt !== undefined) return { row, patch: { fetch_after: new Date(resumeAt) } };
    try {
      const call = await target.client.callById(row.call_id, 'live');
      let normalized = call ? callFromCallsApi(call, target.account, row.answered_at?.getTime() ?? null) : null;
      // /calls has no answer time; when the Connected event was lost, the journal has it.
      if (normalized?.status === 'answered' && row.answered_at === null) {
        normalized = await this.fromJournal(target, row.call_id, normalized.startedAt.getTime());
      }
      if (!normalized) return { row, patch: retryPatch(row, this.deps.clock.now()) };
      return { row, call: normalized, patch: { fetch_state: 'done' } };
    } catch (error) {
      if (error instanceof QuotaDeferred) {
        deferred.set(row.connection_id, Math.max(error.resumeAt, deferred.get(row.connection_id) ?? 0));
        return { row, patch: { fetch_after: new Date(error.resumeAt) } };
      }
      this.deps.logger.warn('mightycall call fetch failed', {
        connectionId: row.connection_id,
        error: messageOf(error),
      });
      return { row, patch: retryPatch(row, this.deps.clock.now()) };
    }
  }

  private async fromJournal(target: FetchTarget, callId: string, startedMs: number): Promise<NormalizedCall | null> {
    const window = { fromMs: startedMs - 60_000, toMs: startedMs + 60_000, pageSize: 100, priority: 'live' as const };
    for await (const page of target.client.journal(window)) {
      const request = page.requests.find((r) => (r.requestGuid ?? r.id).toLowerCase() === callId);
      if (request) return callFromJournal(request, target.account, page.raw.get(request.id));
    }
    return null;
  }

  private async setFetch(tx: Tx, row: PendingFetch, patch: FetchPatch): Promise<void> {
    await tx
      .updateTable('mightycall_live_calls')
      .set(patch)
      .where('connection_id', '=', row.connection_id)
      .where('call_id', '=', row.call_id)
      .execute();
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

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
