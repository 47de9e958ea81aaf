// Limits on requests that send mail to an address (password reset, verification): per address asked for, per client.
import { AppError } from '../http/errors.js';
import { SlidingWindows } from './login-throttle.js';

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
 * which addresses exist. Synchronous, so concurrent requests are counted before any of them awaits.
 */
export class MailThrottle {
  private readonly accounts: SlidingWindows;
  private readonly clients: SlidingWindows;

  constructor(private readonly limits: MailThrottleLimits = DEFAULT_MAIL_LIMITS) {
    this.accounts = new SlidingWindows(limits.windowMs, limits.perAccount);
    this.clients = new SlidingWindows(limits.windowMs, limits.perClient);
  }

  admit(account: string, client: string | null, now = Date.now()): void {
    const key = account.toLowerCase();
    const byAccount = this.accounts.recent(key, now);
    const byClient = client === null ? [] : this.clients.recent(client, now);
    const until: number[] = [];
    if (byAccount.length >= this.limits.perAccount) {
      until.push(this.accounts.freeAt(byAccount, this.limits.perAccount, now));
    }
    if (byClient.length >= this.limits.perClient) {
      until.push(this.clients.freeAt(byClient, this.limits.perClient, now));
    }
    if (until.length > 0) {
      const retryAfter = Math.max(1, Math.ceil((Math.max(...until) - now) / 1000));
      throw new AppError(
        429,
        'too_many_requests',
        `Too many requests for this address. Try again in ${retryAfter} seconds.`,
        { retryAfterSeconds: retryAfter },
        { 'retry-after': String(retryAfter) },
      );
    }
    this.accounts.add(key, now);
    if (client !== null) this.clients.add(client, now);
  }
}
