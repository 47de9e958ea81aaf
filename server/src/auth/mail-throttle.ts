// Limits on requests that send mail to an address (password reset, verification): per address asked for, per client.
// The counts are the throttle store's (in the database), so the limits hold across every server process.
import { AppError } from '../http/errors.js';
import { type ThrottleStore, throttleKey } from './throttle-store.js';

export interface MailThrottleLimits {
  /** messages asked for one email address (or one account) within windowMs */
  perAccount: number;
  /** requests from one client address within windowMs */
  perClient: number;
  windowMs: number;
}

export const DEFAULT_MAIL_LIMITS: MailThrottleLimits = { perAccount: 3, perClient: 20, windowMs: 15 * 60_000 };

/**
 * Counts every request, whether or not the address has an account: the answer (admitted, or 429) never tells
 * which addresses exist. A request is counted under its keys' locks, so concurrent requests — in this process or
 * another — are counted one after the other and cannot all slip under the limit.
 */
export class MailThrottle {
  constructor(
    private readonly store: ThrottleStore,
    private readonly limits: MailThrottleLimits = DEFAULT_MAIL_LIMITS,
  ) {}

  /** Admits and counts the request, or refuses it with a 429 (Retry-After) and counts nothing. */
  async admit(account: string, client: string | null, now = Date.now()): Promise<void> {
    const keys = [{ key: throttleKey('mail_account', account.toLowerCase()), limit: this.limits.perAccount }];
    if (client !== null) keys.push({ key: throttleKey('mail_client', client), limit: this.limits.perClient });
    const retryAt = await this.store.locked(
      keys.map((k) => k.key),
      async (counts) => {
        const until: number[] = [];
        for (const { key, limit } of keys) {
          // At the limit: a slot frees when the oldest of the newest `limit` requests leaves the window.
          const oldest = (await counts.recent(key, now - this.limits.windowMs, limit))[limit - 1];
          if (oldest !== undefined) until.push(oldest + this.limits.windowMs);
        }
        if (until.length > 0) return Math.max(...until);
        await counts.add(
          keys.map((k) => k.key),
          now,
        );
        return null;
      },
    );
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
}
