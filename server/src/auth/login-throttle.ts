// Brute-force protection for sign-in: attempts are reserved per account and per address before any password check.
import { AppError } from '../http/errors.js';
import { type ThrottleStore, throttleKey } from './throttle-store.js';

export interface ThrottleLimits {
  /** attempts on one account within accountWindowMs; the next is refused with 429, a correct password too */
  perAccount: number;
  accountWindowMs: number;
  /** failures from one address within addressWindowMs after which that address is restricted */
  perAddress: number;
  addressWindowMs: number;
  /**
   * A restricted address is refused only for accounts with at least this many failures of their own: an office
   * behind one NAT keeps signing in to healthy accounts, while a guesser there gets this many tries per account.
   */
  restrictedAccountFailures: number;
  /** failures of one account after which each further attempt on it is delayed */
  slowAfter: number;
  /** delay per failure beyond slowAfter, capped at one second */
  delayStepMs: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = {
  perAccount: 10,
  accountWindowMs: 15 * 60_000,
  perAddress: 100,
  addressWindowMs: 60_000,
  restrictedAccountFailures: 3,
  slowAfter: 3,
  delayStepMs: 100,
};

/** An admitted attempt: it counts as a failure unless it is marked succeeded. */
export interface LoginAttempt {
  /** wait this long before checking the password (the account has failed before) */
  readonly delayMs: number;
  /** the password matched: the account's failures are forgotten and this attempt no longer counts for the address */
  succeeded(): Promise<void>;
}

/**
 * Counts live in the throttle store (the database), so the limits hold across every server process: N processes
 * behind a load balancer do not give a guesser N times the attempts.
 */
export class LoginThrottle {
  constructor(
    private readonly store: ThrottleStore,
    private readonly limits: ThrottleLimits = DEFAULT_LIMITS,
  ) {}

  /**
   * Reserves an attempt, or refuses it (429 with Retry-After). The reservation is counted under the account's and
   * address's locks before the caller checks any password, so concurrent guesses — in this process or another —
   * cannot all pass while the first is still checking.
   */
  async admit(email: string, address: string | null, now = Date.now()): Promise<LoginAttempt> {
    const { perAccount, perAddress, accountWindowMs, addressWindowMs, slowAfter, delayStepMs } = this.limits;
    const account = throttleKey('login_account', email.toLowerCase());
    const client = address === null ? null : throttleKey('login_address', address);
    const outcome = await this.store.locked(client ? [account, client] : [account], async (counts) => {
      const byAccount = await counts.recent(account, now - accountWindowMs, perAccount);
      const byAddress = client ? await counts.recent(client, now - addressWindowMs, perAddress) : [];
      const retryAt = this.refusedUntil(byAccount, byAddress, now);
      if (retryAt !== null) return { retryAt, earlier: 0, ids: [] };
      const ids = await counts.add(client ? [account, client] : [account], now);
      return { retryAt: null, earlier: byAccount.length, ids };
    });
    if (outcome.retryAt !== null) throw tooManyAttempts(outcome.retryAt, now);
    const addressHit = client ? outcome.ids.slice(1) : [];
    return {
      // Slowing follows the account's failures; a shared office address is never slowed.
      delayMs: Math.min(1000, Math.max(0, outcome.earlier - slowAfter + 1) * delayStepMs),
      succeeded: async () => {
        await this.store.clear(account);
        await this.store.remove(addressHit);
      },
    };
  }

  /** When the attempt could be admitted, or null if it can be now (the lists are newest first, at most a limit). */
  private refusedUntil(byAccount: number[], byAddress: number[], now: number): number | null {
    const { perAccount, perAddress, restrictedAccountFailures, accountWindowMs, addressWindowMs } = this.limits;
    // A slot frees when the oldest of the newest `limit` hits leaves its window.
    const freeAt = (list: number[], limit: number, windowMs: number) => (list[limit - 1] ?? now) + windowMs;
    const until: number[] = [];
    if (byAccount.length >= perAccount) until.push(freeAt(byAccount, perAccount, accountWindowMs));
    if (byAddress.length >= perAddress && byAccount.length >= restrictedAccountFailures) {
      // Lifted when either the address calms down or the account's own failures age out.
      until.push(
        Math.min(
          freeAt(byAddress, perAddress, addressWindowMs),
          freeAt(byAccount, restrictedAccountFailures, accountWindowMs),
        ),
      );
    }
    return until.length === 0 ? null : Math.max(...until);
  }
}

function tooManyAttempts(retryAt: number, now: number): AppError {
  const retryAfter = Math.max(1, Math.ceil((retryAt - now) / 1000));
  return new AppError(
    429,
    'too_many_attempts',
    `Too many failed sign-in attempts. Try again in ${retryAfter} seconds.`,
    { retryAfterSeconds: retryAfter },
    { 'retry-after': String(retryAfter) },
  );
}
