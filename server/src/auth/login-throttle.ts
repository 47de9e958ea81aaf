// Brute-force protection for sign-in: failures per email and per address, slowed and then refused with 429.
import { AppError } from '../http/errors.js';

const WINDOW_MS = 60_000;

export interface ThrottleLimits {
  /** failures per email within a minute before refusing (the next attempt gets 429) */
  perEmail: number;
  /** failures per client address within a minute (higher: offices share one address) */
  perAddress: number;
  /** failures of one account after which each further attempt on it is delayed */
  slowAfter: number;
  /** delay per failure beyond slowAfter, capped at one second */
  delayStepMs: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = { perEmail: 10, perAddress: 30, slowAfter: 3, delayStepMs: 100 };

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limits: ThrottleLimits = DEFAULT_LIMITS) {}

  /** Refuses (429) when either counter is full, otherwise returns how long to wait before checking the password. */
  admit(email: string, address: string | null, now = Date.now()): number {
    const byEmail = this.recent(`e:${email.toLowerCase()}`, now);
    const byAddress = address ? this.recent(`a:${address}`, now) : [];
    const blocked = [
      { list: byEmail, limit: this.limits.perEmail },
      { list: byAddress, limit: this.limits.perAddress },
    ].filter((b) => b.list.length >= b.limit);
    if (blocked.length > 0) {
      const retryAt = Math.max(...blocked.map((b) => (b.list[b.list.length - b.limit] ?? now) + WINDOW_MS));
      const retryAfter = Math.max(1, Math.ceil((retryAt - now) / 1000));
      throw new AppError(
        429,
        'too_many_attempts',
        `Too many failed sign-in attempts. Try again in ${retryAfter} seconds.`,
        { retryAfterSeconds: retryAfter },
        { 'retry-after': String(retryAfter) },
      );
    }
    // Slowing follows the account's failures; a shared office address is refused late, never slowed.
    return Math.min(1000, Math.max(0, byEmail.length - this.limits.slowAfter + 1) * this.limits.delayStepMs);
  }

  fail(email: string, address: string | null, now = Date.now()): void {
    this.push(`e:${email.toLowerCase()}`, now);
    if (address) this.push(`a:${address}`, now);
  }

  /** A successful sign-in clears the account's counter (not the address's). */
  succeed(email: string): void {
    this.failures.delete(`e:${email.toLowerCase()}`);
  }

  private recent(bucket: string, now: number): number[] {
    const list = (this.failures.get(bucket) ?? []).filter((t) => now - t < WINDOW_MS);
    if (list.length === 0) this.failures.delete(bucket);
    else this.failures.set(bucket, list);
    return list;
  }

  private push(bucket: string, now: number): void {
    // Sprayed emails leave one-off buckets behind; sweep them once the map grows.
    if (this.failures.size > 10_000) for (const key of [...this.failures.keys()]) this.recent(key, now);
    const list = this.recent(bucket, now);
    list.push(now);
    this.failures.set(bucket, list);
  }
}
