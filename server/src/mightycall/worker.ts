// The inbox worker: folds each call's events into live state, fetches finished calls once, expires stale state.
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { systemPrincipal } from '../auth/principal.js';
import { ensurePhoneNumbers, type NormalizedCall, upsertCalls } from '../calls/ingest.js';
import { type Tx, withPrincipal } from '../db/tenant.js';
import type { DB } from '../db/types.js';
import type { Logger } from '../http/logger.js';
import type { MightyCallClient } from './client.js';
import { EnvelopeSchema } from './inbox.js';
import { foldCall, type LiveEvent } from './live-fold.js';
import { bumpLiveVersion, expireStale, writeFold } from './live-store.js';
import { callFromCallsApi, callFromJournal, PROVIDER } from './mapping.js';
import { type Clock, QuotaDeferred } from './transport.js';

const SYSTEM = systemPrincipal('mightycall webhooks');
const StoredBodySchema = z.object({ Body: EnvelopeSchema.shape.Body });
const MAX_FETCH_ATTEMPTS = 6;
const INBOX_RETENTION_MS = 7 * 86_400_000;

export interface WorkerDeps {
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
  /** the client of a connection, or null when it is gone or disabled */
  clientFor(connectionId: string): Promise<{ client: MightyCallClient; account: string } | null>;
  pollMs?: number;
  sweepMs?: number;
}

interface PendingFetch {
  connection_id: string;
  call_id: string;
  answered_at: Date | null;
  fetch_attempts: number;
}

export class InboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private lastSweep = 0;

  constructor(private readonly deps: WorkerDeps) {}

  private run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return withPrincipal(this.deps.db, SYSTEM, work);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.wake(), this.deps.pollMs ?? 1000);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.again = false;
    await this.running;
  }

  /** Runs a cycle now (or right after the current one); only once started. */
  wake(): void {
    if (!this.timer) return;
    if (this.running) {
      this.again = true;
      return;
    }
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

  private async cycle(): Promise<void> {
    await this.processPending();
    await this.fetchCompleted();
    const now = this.deps.clock.now();
    if (now - this.lastSweep >= (this.deps.sweepMs ?? 60_000)) {
      this.lastSweep = now;
      await this.sweep();
    }
  }

  /** Until nothing is pending (tests, shutdown): inbox events and the fetches they queue. */
  async drain(maxRounds = 50): Promise<void> {
    await this.running;
    for (let i = 0; i < maxRounds; i++) {
      const folded = await this.processPending();
      const fetched = await this.fetchCompleted();
      if (folded === 0 && fetched === 0) return;
    }
  }

  /** Folds every call with unprocessed events, oldest first; `maxCalls` stops early (to test a crash halfway). */
  async processPending(options: { maxCalls?: number } = {}): Promise<number> {
    let done = 0;
    for (;;) {
      const groups = await this.run((tx) =>
        tx
          .selectFrom('mightycall_webhook_inbox')
          .select(['connection_id', 'call_id'])
          .where('processed_at', 'is', null)
          .groupBy(['connection_id', 'call_id'])
          .orderBy(sql`min(event_ts)`)
          .limit(100)
          .execute(),
      );
      if (groups.length === 0) return done;
      let progressed = false;
      for (const g of groups) {
        if (options.maxCalls !== undefined && done >= options.maxCalls) return done;
        if (await this.run((tx) => this.processCall(tx, g.connection_id, g.call_id))) {
          done++;
          progressed = true;
        }
      }
      // Everything left is locked by another process: it will fold those calls.
      if (!progressed) return done;
    }
  }

  /** One call, in one transaction: all its events (old and new) folded again, new ones marked processed. */
  private async processCall(tx: Tx, connectionId: string, callId: string): Promise<boolean> {
    const lock = await sql<{
      ok: boolean;
    }>`select pg_try_advisory_xact_lock(hashtext(${`mightycall-live:${connectionId}:${callId}`})) as ok`.execute(tx);
    if (!lock.rows[0]?.ok) return false;
    const rows = await tx
      .selectFrom('mightycall_webhook_inbox')
      .select(['id', 'event_type', 'extension', 'event_ts', 'event_at', 'body', 'processed_at'])
      .where('connection_id', '=', connectionId)
      .where('call_id', '=', callId)
      .orderBy('event_ts')
      .orderBy('id')
      .execute();
    const pending = rows.filter((r) => r.processed_at === null).map((r) => r.id);
    if (pending.length === 0) return false;
    const now = this.deps.clock.now();
    const events: LiveEvent[] = rows.map((r) => {
      const body = StoredBodySchema.safeParse(r.body);
      return {
        id: r.id,
        eventType: r.event_type,
        extension: r.extension,
        key: r.event_ts,
        ms: r.event_at.getTime(),
        from: body.success ? (body.data.Body.From ?? null) : null,
        to: body.success ? (body.data.Body.To ?? null) : null,
      };
    });
    const fold = foldCall(events);
    const connection = await tx
      .selectFrom('mightycall_connections')
      .select('provider_account')
      .where('id', '=', connectionId)
      .executeTakeFirst();
    if (fold && connection) {
      const account = connection.provider_account;
      const numberIds = fold.businessNumber
        ? await ensurePhoneNumbers(tx, [{ e164: fold.businessNumber, provider: PROVIDER, providerAccount: account }])
        : new Map<string, string>();
      const recorded = await tx
        .selectFrom('calls')
        .select('ended_at')
        .where('provider', '=', PROVIDER)
        .where('provider_call_id', '=', callId)
        .executeTakeFirst();
      const target = {
        connectionId,
        callId,
        providerAccount: account,
        businessNumberId: fold.businessNumber ? (numberIds.get(fold.businessNumber) ?? null) : null,
        recordedEnd: recorded?.ended_at ?? null,
      };
      await writeFold(tx, target, fold, now);
      await bumpLiveVersion(tx, now);
    }
    await tx
      .updateTable('mightycall_webhook_inbox')
      .set({ processed_at: new Date(now) })
      .where('id', 'in', pending)
      .execute();
    return true;
  }

  /** Finished calls not yet in calls: GET /calls/{id} once (retried with backoff while MightyCall lags). */
  async fetchCompleted(): Promise<number> {
    const now = this.deps.clock.now();
    const due = await this.run((tx) =>
      tx
        .selectFrom('mightycall_live_calls')
        .select(['connection_id', 'call_id', 'answered_at', 'fetch_attempts'])
        .where('fetch_state', '=', 'pending')
        .where('fetch_after', '<=', new Date(now))
        .orderBy('fetch_after')
        .limit(25)
        .execute(),
    );
    let handled = 0;
    for (const row of due) {
      if (await this.fetchOne(row)) handled++;
    }
    return handled;
  }

  private async fetchOne(row: PendingFetch): Promise<boolean> {
    const known = await this.run((tx) =>
      tx
        .selectFrom('calls')
        .select('id')
        .where('provider', '=', PROVIDER)
        .where('provider_call_id', '=', row.call_id)
        .executeTakeFirst(),
    );
    if (known) return this.markFetch(row, { fetch_state: 'done' });
    const target = await this.deps.clientFor(row.connection_id);
    if (!target) return this.markFetch(row, { fetch_state: 'gave_up' });
    try {
      const call = await target.client.callById(row.call_id, 'live');
      let normalized = call ? callFromCallsApi(call, target.account, row.answered_at?.getTime() ?? null) : null;
      // /calls has no answer time; when the Connected event was lost, the journal has it.
      if (normalized?.status === 'answered' && row.answered_at === null) {
        normalized = await this.fromJournal(target, row.call_id, normalized.startedAt.getTime());
      }
      if (!normalized) return this.retryLater(row);
      const found = normalized;
      await this.run(async (tx) => {
        await upsertCalls(tx, [found]);
        await this.setFetch(tx, row, { fetch_state: 'done' });
      });
      return true;
    } catch (error) {
      if (error instanceof QuotaDeferred) {
        await this.markFetch(row, { fetch_after: new Date(error.resumeAt) });
        return false;
      }
      this.deps.logger.warn('mightycall call fetch failed', {
        connectionId: row.connection_id,
        error: messageOf(error),
      });
      return this.retryLater(row);
    }
  }

  private async fromJournal(
    target: { client: MightyCallClient; account: string },
    callId: string,
    startedMs: number,
  ): Promise<NormalizedCall | null> {
    const window = { fromMs: startedMs - 60_000, toMs: startedMs + 60_000, pageSize: 100, priority: 'live' as const };
    for await (const page of target.client.journal(window)) {
      const request = page.requests.find((r) => (r.requestGuid ?? r.id).toLowerCase() === callId);
      if (request) return callFromJournal(request, target.account, page.raw.get(request.id));
    }
    return null;
  }

  private retryLater(row: PendingFetch): Promise<boolean> {
    const attempts = row.fetch_attempts + 1;
    if (attempts >= MAX_FETCH_ATTEMPTS)
      return this.markFetch(row, { fetch_state: 'gave_up', fetch_attempts: attempts });
    const delay = 15_000 * 2 ** (attempts - 1);
    return this.markFetch(row, { fetch_attempts: attempts, fetch_after: new Date(this.deps.clock.now() + delay) });
  }

  private async markFetch(
    row: PendingFetch,
    patch: { fetch_state?: 'done' | 'gave_up'; fetch_attempts?: number; fetch_after?: Date },
  ): Promise<boolean> {
    await this.run((tx) => this.setFetch(tx, row, patch));
    return patch.fetch_state !== undefined;
  }

  private async setFetch(
    tx: Tx,
    row: PendingFetch,
    patch: { fetch_state?: 'done' | 'gave_up'; fetch_attempts?: number; fetch_after?: Date },
  ): Promise<void> {
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
