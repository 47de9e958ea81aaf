// Authentication state of a server: the key cache and rate windows, the sign-in throttle, the Supabase verifier.
// Built once by createServices (services.ts); its keys are closed on shutdown to write pending usage.

import type { LoginThrottle } from './login-throttle.js';
import type { MailThrottle } from './mail-throttle.js';
import type { ResolverParts } from './resolve.js';

export interface AuthRuntime extends ResolverParts {
  throttle: LoginThrottle;
  /** limits on requests that mail an address (password reset, verification) */
  mailThrottle: MailThrottle;
  /** orgs seen to exist recently, so a platform-wide caller naming one costs no lookup on every request */
  orgs: KnownOrgs;
}

/** Positive answers only, for the key cache time: an org deleted on another instance 404s within that time. */
export class KnownOrgs {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  has(orgId: string, now = Date.now()): boolean {
    const at = this.seen.get(orgId);
    if (at === undefined) return false;
    if (now - at < this.ttlMs) return true;
    this.seen.delete(orgId);
    return false;
  }

  add(orgId: string, now = Date.now()): void {
    if (this.ttlMs <= 0) return;
    if (this.seen.size >= this.maxEntries) this.seen.clear();
    this.seen.set(orgId, now);
  }

  forget(orgId: string): void {
    this.seen.delete(orgId);
  }
}
