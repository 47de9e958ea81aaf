// The throttles' shared counts: timestamps per (scope, key) in the database (throttle_hits, 0024), so the sign-in
// and mail limits hold across every server process; requests on one key serialize on an advisory lock.
import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { type Tx, withPrincipal } from '../db/tenant.js';
import type { DB, ThrottleHitsTable } from '../db/types.js';
import type { Clock, RecurringKind } from '../jobs/runner.js';
import { systemPrincipal } from './principal.js';

export type ThrottleScope = ThrottleHitsTable['scope'];

export const THROTTLE_PRUNE = 'throttle.prune';
const PRUNE_EVERY_MS = 10 * 60_000;
const SYSTEM = systemPrincipal('throttle');

/** One counted key: a hash, so the table holds no list of the addresses people asked about. */
export interface ThrottleKey {
  scope: ThrottleScope;
  hash: Buffer;
}

export function throttleKey(scope: ThrottleScope, key: string): ThrottleKey {
  return { scope, hash: createHash('sha256').update(`${scope}:${key}`).digest() };
}

/** A transaction holding the keys' locks, with the reads and writes a throttle needs. */
export interface LockedCounts {
  /** the times (ms) of the key's newest `limit` hits after `since`, newest first */
  recent(key: ThrottleKey, since: number, limit: number): Promise<number[]>;
  /** counts a hit of each key at `at`; returns the new rows' ids */
  add(keys: readonly ThrottleKey[], at: number): Promise<string[]>;
}

export class ThrottleStore {
  constructor(
    readonly db: Kysely<DB>,
    /** the longest window of any throttle: older hits are pruned */
    private readonly keepMs: number,
  ) {}

  /**
   * Runs `work` in one system transaction holding the keys' advisory locks, taken in one order (by scope and hash)
   * in every process, so two requests sharing a key are counted one after the other and never deadlock.
   */
  async locked<T>(keys: readonly ThrottleKey[], work: (counts: LockedCounts) => Promise<T>): Promise<T> {
    const names = [...new Set(keys.map((k) => `throttle:${k.scope}:${k.hash.toString('hex')}`))].sort();
    return withPrincipal(this.db, SYSTEM, async (tx) => {
      for (const name of names) await sql`select pg_advisory_xact_lock(hashtext(${name}))`.execute(tx);
      return work(countsIn(tx));
    });
  }

  /** Forgets every hit of a key (a successful sign-in clears its account's failures). */
  async clear(key: ThrottleKey): Promise<void> {
    await withPrincipal(this.db, SYSTEM, (tx) =>
      tx.deleteFrom('throttle_hits').where('scope', '=', key.scope).where('key_hash', '=', key.hash).execute(),
    );
  }

  /** Forgets the hits with these ids. */
  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await withPrincipal(this.db, SYSTEM, (tx) => tx.deleteFrom('throttle_hits').where('id', 'in', ids).execute());
  }

  /** Deletes the hits older than every window; returns how many. */
  async prune(now: number): Promise<number> {
    const before = new Date(now - this.keepMs);
    const result = await withPrincipal(this.db, SYSTEM, (tx) =>
      tx.deleteFrom('throttle_hits').where('at', '<=', before).executeTakeFirst(),
    );
    return Number(result.numDeletedRows);
  }
}

function countsIn(tx: Tx): LockedCounts {
  return {
    async recent(key, since, limit) {
      const rows = await tx
        .selectFrom('throttle_hits')
        .select('at')
        .where('scope', '=', key.scope)
        .where('key_hash', '=', key.hash)
        .where('at', '>', new Date(since))
        .orderBy('at', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => new Date(r.at).getTime());
    },
    async add(keys, at) {
      if (keys.length === 0) return [];
      const rows = await tx
        .insertInto('throttle_hits')
        .values(keys.map((k) => ({ scope: k.scope, key_hash: k.hash, at: new Date(at) })))
        .returning('id')
        .execute();
      return rows.map((r) => String(r.id));
    },
  };
}

/** The recurring prune on the job runner: every ten minutes, under a lease (one process at a time). */
export function throttlePruneKind(store: ThrottleStore, clock: Clock): RecurringKind {
  let lastRun = Number.NEGATIVE_INFINITY;
  return {
    kind: THROTTLE_PRUNE,
    leaseMs: 60_000,
    async due() {
      return clock.now() - lastRun >= PRUNE_EVERY_MS ? ['all'] : [];
    },
    async run() {
      lastRun = clock.now();
      await store.prune(clock.now());
    },
  };
}
