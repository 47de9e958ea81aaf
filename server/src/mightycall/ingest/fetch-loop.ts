// The inbox worker's fetch loop: each finished call's history row (calls) from one GET /calls/{id}, claimed across
// processes, a round of calls at a time, retried with backoff while MightyCall lags or the quota is spent.
import { sql } from 'kysely';
import { type NormalizedCall, upsertCalls } from '../../calls/ingest.js';
import { withKnownQueues } from '../../calls/number-queues.js';
import type { Tx } from '../../db/tenant.js';
import { errorMessage } from '../../http/logger.js';
import { callFromCallsApi, callFromJournal, PROVIDER } from '../client/mapping.js';
import { QuotaDeferred } from '../client/transport.js';
import { type FetchTarget, keyOf, pairs, runDerived, standAside, type WorkerDeps } from './worker-deps.js';

const MAX_FETCH_ATTEMPTS = 6;
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

export class CallFetcher {
  /** true between start and stop: only then does kick start a loop */
  private started = false;
  private fetching: Promise<void> | null = null;
  private again = false;
  /** (connection, call) keys this process is fetching now */
  private readonly inFlight = new Set<string>();

  constructor(private readonly deps: WorkerDeps) {}

  private run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return runDerived(this.deps.db, work);
  }

  start(): void {
    this.started = true;
  }

  /** No loop starts after this; resolves once the running one is over. */
  async stop(): Promise<void> {
    this.started = false;
    this.again = false;
    await this.fetching;
  }

  /** The loop running now, if any. */
  get current(): Promise<void> | null {
    return this.fetching;
  }

  /** Runs the loop now, or again right after the current one; only once started. */
  kick(): void {
    if (!this.started) return;
    if (this.fetching) {
      this.again = true;
      return;
    }
    this.fetching = this.loop()
      .catch((error: unknown) => this.deps.logger.warn('mightycall fetch round failed', { error: errorMessage(error) }))
      .finally(() => {
        this.fetching = null;
        if (this.again && this.started) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Rounds until nothing is due (each claimed call leaves with a later fetch_after or a final state). */
  private async loop(): Promise<void> {
    await standAside(this.deps, () => this.started);
    while (this.started) {
      const round = await this.fetchRound();
      if (round.claimed === 0) return;
    }
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
            this.deps.logger.warn('mightycall quota refund failed', { account, error: errorMessage(error) }),
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
      if (found.length > 0) await upsertCalls(tx, await withKnownQueues(tx, found, this.deps.clock.now()));
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
            error: errorMessage(one),
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
        error: errorMessage(error),
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
}
