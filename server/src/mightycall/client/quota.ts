// The daily request quota per MightyCall account: a rolling 24 h count in Postgres, shared by every process.
import { type Kysely, sql } from 'kysely';
import { systemPrincipal } from '../../auth/principal.js';
import type { Tx } from '../../db/tenant.js';
import { withPrincipal } from '../../db/tenant.js';
import type { DB } from '../../db/types.js';
import { type Clock, type Priority, QuotaDeferred, type RequestBudget } from './transport.js';

const DEFAULT_DAILY_LIMIT = 2500;
const WINDOW_MS = 86_400_000;
const BUCKET_MS = 60_000;
const SYSTEM = systemPrincipal('mightycall quota');

/**
 * The share of the daily limit each kind of work may spend before it waits. Fetching a finished call right
 * after its webhook (live) is a nicety the journal sync also covers, so it stops first, at 60 %; background
 * sync stops at 80 %; what is left stays for an admin's "test" and for other tools on the same key.
 */
const PRIORITY_SHARE: Readonly<Record<Priority, number>> = { live: 0.6, sync: 0.8, interactive: 0.98 };

export function capFor(limit: number, priority: Priority): number {
  return Math.max(1, Math.floor(limit * PRIORITY_SHARE[priority]));
}

export interface QuotaUsage {
  used: number;
  limit: number;
  /** what background sync may still spend now */
  syncRemaining: number;
  blockedUntil: Date | null;
  throttledCount: number;
}

/** Waiting requests and credits are kept per account and priority. */
const budgetKey = (account: string, priority: Priority) => `${account}\u0000${priority}`;

export class QuotaBudget implements RequestBudget {
  /** requests waiting to be counted, per account and priority */
  private readonly waiting = new Map<string, Array<{ resolve(): void; reject(error: unknown): void }>>();
  /** account-and-priority keys with a counting transaction under way */
  private readonly counting = new Set<string>();
  /** requests counted ahead of use (prefund) and not spent yet, per account and priority, by minute bucket */
  private readonly credits = new Map<string, Array<{ bucket: number; n: number }>>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
  ) {}

  /**
   * Counts one request against the account's share for `priority`, or throws QuotaDeferred. Requests asked for
   * while an earlier count is being written are counted together in the next transaction (one lock, one read of
   * the window, one write for all of them): concurrent fetches would otherwise queue one by one on the account's
   * lock. When fewer remain than were asked for, the first ones asked go on and the rest are deferred.
   */
  acquire(account: string, priority: Priority): Promise<void> {
    const key = budgetKey(account, priority);
    const credit = this.credits.get(key)?.find((c) => c.n > 0);
    if (credit) {
      // Counted already, by prefund().
      credit.n--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const queue = this.waiting.get(key);
      if (queue) queue.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      if (!this.counting.has(key)) void this.countQueued(key, account, priority);
    });
  }

  private async countQueued(key: string, account: string, priority: Priority): Promise<void> {
    this.counting.add(key);
    try {
      for (let queue = this.waiting.get(key); queue && queue.length > 0; queue = this.waiting.get(key)) {
        this.waiting.delete(key);
        try {
          const { granted, deferred } = await this.reserve(account, priority, queue.length);
          for (const [i, waiter] of queue.entries()) {
            if (i < granted) waiter.resolve();
            else waiter.reject(deferred);
          }
        } catch (error) {
          for (const waiter of queue) waiter.reject(error);
        }
      }
    } finally {
      this.counting.delete(key);
    }
  }

  /**
   * Counts up to `n` requests in one transaction, for the next acquire() calls of this account and priority to
   * spend without asking the database: a round of fetches costs one count instead of one per request. What is
   * not spent goes back with refund(). Counts what the share still allows (none while MightyCall asks us to
   * wait); the acquire() calls past it ask the database and are deferred there as usual.
   */
  async prefund(account: string, priority: Priority, n: number): Promise<number> {
    if (n <= 0) return 0;
    let reserved: { granted: number; bucket: number };
    try {
      reserved = await this.reserve(account, priority, n);
    } catch (error) {
      if (error instanceof QuotaDeferred) return 0;
      throw error;
    }
    if (reserved.granted > 0) {
      const key = budgetKey(account, priority);
      const list = this.credits.get(key) ?? [];
      list.push({ bucket: reserved.bucket, n: reserved.granted });
      this.credits.set(key, list);
    }
    return reserved.granted;
  }

  /** Gives back what prefund() counted and no request spent: the account's count goes down by as many. */
  async refund(account: string, priority: Priority): Promise<void> {
    const key = budgetKey(account, priority);
    const list = this.credits.get(key);
    this.credits.delete(key);
    const unspent = (list ?? []).filter((c) => c.n > 0);
    if (unspent.length === 0) return;
    await withPrincipal(this.db, SYSTEM, async (tx) => {
      for (const c of unspent) {
        await tx
          .updateTable('mightycall_quota_usage')
          .set({ requests: sql`greatest(0, requests - ${c.n})` })
          .where('provider_account', '=', account)
          .where('bucket', '=', new Date(c.bucket))
          .execute();
      }
    });
  }

  /** Counts up to `wanted` requests in one transaction; the ones that do not fit get `deferred`. */
  private reserve(
    account: string,
    priority: Priority,
    wanted: number,
  ): Promise<{ granted: number; deferred: QuotaDeferred | null; bucket: number }> {
    const now = this.clock.now();
    const bucket = Math.floor(now / BUCKET_MS) * BUCKET_MS;
    return withPrincipal(this.db, SYSTEM, async (tx) => {
      await lockAccount(tx, account);
      const state = await accountState(tx, account);
      if (state.blockedUntil && state.blockedUntil.getTime() > now) {
        throw new QuotaDeferred(state.blockedUntil.getTime(), 'MightyCall asked us to wait (429 "Retry after").');
      }
      const buckets = await windowBuckets(tx, account, now);
      const used = buckets.reduce((sum, b) => sum + b.requests, 0);
      const cap = capFor(state.limit, priority);
      const granted = Math.max(0, Math.min(wanted, cap - used));
      const deferred =
        granted < wanted
          ? new QuotaDeferred(
              resumeAt(buckets, used + granted, cap, now),
              `${priority} share of the daily quota is spent (${used + granted} of ${state.limit} requests in 24 h).`,
            )
          : null;
      if (granted > 0) {
        await tx
          .insertInto('mightycall_quota_usage')
          .values({ provider_account: account, bucket: new Date(bucket), requests: granted })
          .onConflict((oc) =>
            oc
              .columns(['provider_account', 'bucket'])
              .doUpdateSet({ requests: sql`mightycall_quota_usage.requests + ${granted}` }),
          )
          .execute();
      }
      return { granted, deferred, bucket };
    });
  }

  /**
   * A 429: block until `retryAt` and learn that the account's limit is no more than what was counted.
   * Returns when this priority may go on: the later of `retryAt` and the plan under the learned limit.
   */
  async throttled(account: string, retryAt: number, priority: Priority): Promise<number> {
    const now = this.clock.now();
    return withPrincipal(this.db, SYSTEM, async (tx) => {
      await lockAccount(tx, account);
      const state = await accountState(tx, account);
      const buckets = await windowBuckets(tx, account, now);
      const used = buckets.reduce((sum, b) => sum + b.requests, 0);
      // The refused request was counted too: the account allows fewer than `used`.
      const learned = Math.max(1, Math.min(state.limit, used - 1));
      const until = Math.max(retryAt, state.blockedUntil?.getTime() ?? 0);
      await tx
        .updateTable('mightycall_quota_accounts')
        .set({
          blocked_until: new Date(until),
          daily_limit: learned,
          throttled_count: sql`throttled_count + 1`,
          last_throttled_at: new Date(now),
        })
        .where('provider_account', '=', account)
        .execute();
      await tx
        .deleteFrom('mightycall_quota_usage')
        .where('provider_account', '=', account)
        .where('bucket', '<', new Date(now - 2 * WINDOW_MS))
        .execute();
      return Math.max(until, resumeAt(buckets, used, capFor(learned, priority), now));
    });
  }

  async usage(account: string): Promise<QuotaUsage> {
    const now = this.clock.now();
    return withPrincipal(this.db, SYSTEM, async (tx) => {
      const state = await accountState(tx, account);
      const used = (await windowBuckets(tx, account, now)).reduce((sum, b) => sum + b.requests, 0);
      const blocked = state.blockedUntil && state.blockedUntil.getTime() > now ? state.blockedUntil : null;
      return {
        used,
        limit: state.limit,
        syncRemaining: blocked ? 0 : Math.max(0, capFor(state.limit, 'sync') - used),
        blockedUntil: blocked,
        throttledCount: state.throttledCount,
      };
    });
  }

  /** Sets the account's daily limit (an admin knows their plan) and lifts a learned lower one. */
  async setLimit(account: string, limit: number): Promise<void> {
    await withPrincipal(this.db, SYSTEM, async (tx) => {
      await tx
        .insertInto('mightycall_quota_accounts')
        .values({ provider_account: account, daily_limit: limit })
        .onConflict((oc) => oc.column('provider_account').doUpdateSet({ daily_limit: limit }))
        .execute();
    });
  }

  async prune(): Promise<void> {
    await withPrincipal(this.db, SYSTEM, (tx) =>
      tx
        .deleteFrom('mightycall_quota_usage')
        .where('bucket', '<', new Date(this.clock.now() - 2 * WINDOW_MS))
        .execute(),
    );
  }
}

async function lockAccount(tx: Tx, account: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`mightycall-quota:${account}`}))`.execute(tx);
}

async function accountState(
  tx: Tx,
  account: string,
): Promise<{ limit: number; blockedUntil: Date | null; throttledCount: number }> {
  const row = await tx
    .selectFrom('mightycall_quota_accounts')
    .select(['daily_limit', 'blocked_until', 'throttled_count'])
    .where('provider_account', '=', account)
    .executeTakeFirst();
  if (row) return { limit: row.daily_limit, blockedUntil: row.blocked_until, throttledCount: row.throttled_count };
  await tx
    .insertInto('mightycall_quota_accounts')
    .values({ provider_account: account })
    .onConflict((oc) => oc.column('provider_account').doNothing())
    .execute();
  return { limit: DEFAULT_DAILY_LIMIT, blockedUntil: null, throttledCount: 0 };
}

/** Minute buckets that may still hold a request from the last 24 h (a whole bucket counts until it is out). */
async function windowBuckets(tx: Tx, account: string, now: number): Promise<Array<{ bucket: Date; requests: number }>> {
  return tx
    .selectFrom('mightycall_quota_usage')
    .select(['bucket', 'requests'])
    .where('provider_account', '=', account)
    .where('bucket', '>', new Date(now - WINDOW_MS - BUCKET_MS))
    .orderBy('bucket')
    .execute();
}

/** When enough old buckets have left the window for one more request within the cap. */
function resumeAt(buckets: Array<{ bucket: Date; requests: number }>, used: number, cap: number, now: number): number {
  let remaining = used;
  for (const b of buckets) {
    remaining -= b.requests;
    if (remaining + 1 <= cap) return b.bucket.getTime() + WINDOW_MS + BUCKET_MS;
  }
  return now + BUCKET_MS;
}
