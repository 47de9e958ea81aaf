// Brute-force protection for sign-in: attempts are reserved per account and per address before any password check.
import { AppError } from '../http/errors.js';

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
  succeeded(): void;
}

/** Timestamps per key within a sliding window; the map is swept as it grows so one-off keys do not pile up. */
export class SlidingWindows {
  private readonly times = new Map<string, number[]>();
  private sweepAbove = 10_000;

  constructor(
    private readonly windowMs: number,
    /** only the newest this many matter: a count at the limit and the time the oldest of them expires */
    private readonly keep: number,
  ) {}

  recent(key: string, now: number): number[] {
    const list = (this.times.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length === 0) this.times.delete(key);
    else this.times.set(key, list);
    return list;
  }

  add(key: string, now: number): void {
    if (this.times.size > this.sweepAbove) {
      for (const k of [...this.times.keys()]) this.recent(k, now);
      this.sweepAbove = Math.max(10_000, this.times.size * 2);
    }
    const list = this.recent(key, now);
    list.push(now);
    this.times.set(key, list.slice(-this.keep));
  }

  /** When the count under `limit` frees a slot again: the moment the oldest of the newest `limit` expires. */
  freeAt(list: number[], limit: number, now: number): number {
    return (list[list.length - limit] ?? now) + this.windowMs;
  }

  removeOne(key: string, at: number): void {
    const list = this.times.get(key);
    const index = list?.indexOf(at) ?? -1;
    if (list && index >= 0) list.splice(index, 1);
  }

  clear(key: string): void {
    this.times.delete(key);
  }
}

export class LoginThrottle {
  private readonly accounts: SlidingWindows;
  private readonly addresses: SlidingWindows;

  constructor(private readonly limits: ThrottleLimits = DEFAULT_LIMITS) {
    this.accounts = new SlidingWindows(limits.accountWindowMs, limits.perAccount);
    this.addresses = new SlidingWindows(limits.addressWindowMs, limits.perAddress);
  }

  /**
   * Reserves an attempt, or refuses it (429 with Retry-After). Synchronous on purpose: the reservation is counted
   * before the caller awaits anything, so concurrent guesses cannot all pass while the first is still checking.
   */
  admit(email: string, address: string | null, now = Date.now()): LoginAttempt {
    const account = email.toLowerCase();
    const byAccount = this.accounts.recent(account, now);
    const byAddress = address === null ? [] : this.addresses.recent(address, now);
    const retryAt = this.refusedUntil(byAccount, byAddress, now);
    if (retryAt !== null) throw tooManyAttempts(retryAt, now);
    const earlier = byAccount.length;
    this.accounts.add(account, now);
    if (address !== null) this.addresses.add(address, now);
    const { slowAfter, delayStepMs } = this.limits;
    return {
      // Slowing follows the account's failures; a shared office address is never slowed.
      delayMs: Math.min(1000, Math.max(0, earlier - slowAfter + 1) * delayStepMs),
      succeeded: () => {
        this.accounts.clear(account);
        if (address !== null) this.addresses.removeOne(address, now);
      },
    };
  }

  /** When the attempt could be admitted, or null if it can be now. */
  private refusedUntil(byAccount: number[], byAddress: number[], now: number): number | null {
    const { perAccount, perAddress, restrictedAccountFailures } = this.limits;
    const until: number[] = [];
    if (byAccount.length >= perAccount) until.push(this.accounts.freeAt(byAccount, perAccount, now));
    if (byAddress.length >= perAddress && byAccount.length >= restrictedAccountFailures) {
      // Lifted when either the address calms down or the account's own failures age out.
      until.push(
        Math.min(
          this.addresses.freeAt(byAddress, perAddress, now),
          this.accounts.freeAt(byAccount, restrictedAccountFailures, now),
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
