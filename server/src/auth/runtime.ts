// Per-app authentication state: the key cache and rate windows, the sign-in throttle, the Supabase verifier.

import type { App, AppDeps } from '../http/context.js';
import { KeyVerifier } from './key-verifier.js';
import { LoginThrottle } from './login-throttle.js';
import type { ResolverParts } from './resolve.js';
import { SessionCache } from './sessions.js';
import { createSupabaseVerifier } from './supabase.js';

export interface AuthRuntime extends ResolverParts {
  throttle: LoginThrottle;
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

const runtimes = new WeakMap<App, AuthRuntime>();

/** The app's auth state, created on first use; every module of one app shares it. */
export function authRuntime(app: App, deps: AppDeps): AuthRuntime {
  let runtime = runtimes.get(app);
  if (!runtime) {
    const { config, database, logger } = deps;
    runtime = {
      deps,
      keys: new KeyVerifier(database.db, {
        cacheMs: config.auth.keyCacheMs,
        rateLimit: config.auth.keyRateLimit,
        logger,
      }),
      sessions: new SessionCache(config.auth.sessionCacheMs),
      supabase: config.auth.supabase ? createSupabaseVerifier(database.db, config.auth.supabase, logger) : null,
      throttle: new LoginThrottle(),
      orgs: new KnownOrgs(config.auth.keyCacheMs),
    };
    runtimes.set(app, runtime);
  }
  return runtime;
}

/** Writes pending key usage; call on shutdown (main.ts) and in tests before closing the database. */
export async function closeAuth(app: App): Promise<void> {
  await runtimes.get(app)?.keys.close();
}
