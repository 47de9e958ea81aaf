// Limits on requests that send mail to an address (password reset, verification): per address asked for, per client.
// The counts live in the database (mail_throttle_hits, 0024), so the limits hold across every server process.
import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { withPrincipal } from '../db/tenant.js';
import type { DB } from '../db/types.js';
import { AppError } from '../http/errors.js';
import type { Clock, RecurringKind } from '../jobs/runner.js';
import { systemPrincipal } from './principal.js';

export interface MailThrottleLimits {
  /** messages asked for one email address (or one account) within windowMs */
  perAccount: number;
  /** requests from one client address within windowMs */
  perClient: number;
  windowMs: number;
}

export const DEFAULT_MAIL_LIMITS: MailThrottleLimits = { perAccount: 3, perClient: 20, windowMs: 15 * 60_000 };

export const MAIL_THROTTLE_PRUNE = 'mail.throttle.prune';
const PRUNE_EVERY_MS = 10 * 60_000;
const SYSTEM = systemPrincipal('mail throttle');

type Scope = 'account' | 'client';

/** The stored key: a hash, so the table holds no list of the addresses people asked about. */
function keyHash(scope: Scope, key: string): Buffer {
  return createHash('sha256').update(`${scope}:${key}`).digest();
}

/**
 * Counts every request, whether or not the address has an account: the answer (admitted, or 429) never tells
 * which addresses exist. Requests for one key serialize on a transaction-scoped advisory lock, so concurrent
 * requests — in this process or another — are counted one after the other and cannot all slip under the limit.
 */
export class MailThrottle {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly limits: MailThrottleLimits = DEFAULT_MAIL_LIMITS,
  ) {}

  /** Admits and counts the request, or refuses it with a 429 (Retry-After) and counts nothing. */
  async admit(account: string, client: string | null, now = Date.now()): Promise<void> {
    const keys: Array<{ scope: Scope; hash: Buffer; limit: number }> = [
      { scope: 'account', hash: keyHash('account', account.toLowerCase()), limit: this.limits.perAccount },
    ];
    if (client !== null) keys.push({ scope: 'client', hash: keyHash('client', client), limit: this.limits.perClient });
    const since = new Date(now - this.limits.windowMs);
    const retryAt = await withPrincipal(this.db, SYSTEM, async (tx) => {
      // Locks taken in one order (by hash) in every process: two requests sharing a key never deadlock.
      const ordered = [...keys].sort((a, b) => Buffer.compare(a.hash, b.hash));
      for (const k of ordered) {
        await sql`select pg_advisory_xact_lock(hashtext(${`mail-throttle:${k.scope}:${k.hash.toString('hex')}`}))`.execute(
          tx,
        );
      }
      const until: number[] = [];
      for (const k of keys) {
        const recent = await tx
          .selectFrom('mail_throttle_hits')
          .select('at')
          .where('scope', '=', k.scope)
          .where('key_hash', '=', k.hash)
          .where('at', '>', since)
          .orderBy('at', 'desc')
          .limit(k.limit)
          .execute();
        // At the limit: a slot frees when the oldest of the newest `limit` requests leaves the window.
        const oldest = recent[k.limit - 1];
        if (oldest) until.push(new Date(oldest.at).getTime() + this.limits.windowMs);
      }
      if (until.length > 0) return Math.max(...until);
      await tx
        .insertInto('mail_throttle_hits')
        .values(keys.map((k) => ({ scope: k.scope, key_hash: k.hash, at: new Date(now) })))
        .execute();
      return null;
    });
    if (retryAt !== null) {
      const retryAfter = Math.max(1, Math.ceil((retryAt - now) / 1000));
      throw new AppError(
        429,
        'too_many_requests',
        `Too many requests for this address. Try again in ${retryAfter} seconds.`,
        { retryAfterSeconds: retryAfter },
        { 'retry-after': String(retryAfter) },
      );
    }
  }

  /** Deletes the counts that have left the window; returns how many. */
  async prune(now = Date.now()): Promise<number> {
    const before = new Date(now - this.limits.windowMs);
    const result = await withPrincipal(this.db, SYSTEM, (tx) =>
      tx.deleteFrom('mail_throttle_hits').where('at', '<=', before).executeTakeFirst(),
    );
    return Number(result.numDeletedRows);
  }
}

/** The recurring prune on the job runner: every ten minutes, under a lease (one process at a time). */
export function mailThrottlePruneKind(throttle: MailThrottle, clock: Clock): RecurringKind {
  let lastRun = Number.NEGATIVE_INFINITY;
  return {
    kind: MAIL_THROTTLE_PRUNE,
    leaseMs: 60_000,
    async due() {
      return clock.now() - lastRun >= PRUNE_EVERY_MS ? ['all'] : [];
    },
    async run() {
      lastRun = clock.now();
      await throttle.prune(clock.now());
    },
  };
}
