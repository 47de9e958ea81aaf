// API-key verification: format check, a short cache of verified keys, per-key rate limits, batched last_used_at.
import { type Kysely, sql } from 'kysely';
import { withPrincipal } from '../db/tenant.js';
import type { DB } from '../db/types.js';
import type { Logger } from '../http/logger.js';
import { creatorAllows, type VerifiedKey } from './caller.js';
import { systemPrincipal } from './principal.js';
import { parseApiKey, sha256 } from './tokens.js';

const AUTH = systemPrincipal('api key lookup');
const WINDOW_MS = 60_000;

export type KeyCheck =
  | { ok: true; key: VerifiedKey }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** epoch seconds when the window resets */
  resetAt: number;
  retryAfterSeconds: number;
}

interface CacheEntry {
  key: VerifiedKey;
  fetchedAt: number;
}

export class KeyVerifier {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly pendingUse = new Map<string, Date>();
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: { cacheMs: number; rateLimit: number; flushMs?: number; logger: Logger },
  ) {}

  async verify(candidate: string, now = Date.now()): Promise<KeyCheck> {
    // A key cached here was well-formed when it was verified, and it is the same string: parsed only on a miss.
    const digest = sha256(candidate);
    const hash = digest.toString('hex');
    let entry = this.cache.get(hash);
    if (!entry || now - entry.fetchedAt > this.options.cacheMs) {
      if (!parseApiKey(candidate)) return { ok: false, reason: 'malformed' };
      const key = await this.lookup(digest);
      if (!key) {
        this.cache.delete(hash);
        return { ok: false, reason: 'unknown' };
      }
      entry = { key, fetchedAt: now };
      this.cache.set(hash, entry);
    }
    if (entry.key.revokedAt) return { ok: false, reason: 'revoked' };
    if (entry.key.expiresAt && entry.key.expiresAt.getTime() <= now) return { ok: false, reason: 'expired' };
    this.recordUse(entry.key.id, new Date(now));
    return { ok: true, key: entry.key };
  }

  /** Drops a key from this instance's cache at once (revocation). */
  forget(keyId: string): void {
    for (const [hash, entry] of this.cache) if (entry.key.id === keyId) this.cache.delete(hash);
  }

  /** Fixed one-minute window per key. */
  consume(keyId: string, now = Date.now()): RateDecision {
    const limit = this.options.rateLimit;
    let window = this.windows.get(keyId);
    if (!window || now - window.start >= WINDOW_MS) {
      window = { start: now - (now % WINDOW_MS), count: 0 };
      this.windows.set(keyId, window);
    }
    const resetMs = window.start + WINDOW_MS;
    const allowed = window.count < limit;
    if (allowed) window.count++;
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - window.count),
      resetAt: Math.ceil(resetMs / 1000),
      retryAfterSeconds: Math.max(1, Math.ceil((resetMs - now) / 1000)),
    };
  }

  /** Writes the collected last_used_at times in one statement. */
  async flush(): Promise<void> {
    if (this.pendingUse.size === 0) return;
    const batch = [...this.pendingUse];
    this.pendingUse.clear();
    const ids = batch.map(([id]) => id);
    const times = batch.map(([, at]) => at.toISOString());
    try {
      await withPrincipal(this.db, AUTH, (tx) =>
        sql`update api_keys k set last_used_at = greatest(coalesce(k.last_used_at, u.at), u.at)
            from (select unnest(${ids}::uuid[]) as id, unnest(${times}::timestamptz[]) as at) u
            where k.id = u.id`.execute(tx),
      );
    } catch (error) {
      // Usage times are best effort; put them back for the next attempt.
      for (const [id, at] of batch) if (!this.pendingUse.has(id)) this.pendingUse.set(id, at);
      this.options.logger.warn('api key usage flush failed', { error: (error as Error).message });
    }
  }

  /** Stops the timer and writes what is pending (process shutdown). */
  async close(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.flush();
  }

  private recordUse(keyId: string, at: Date): void {
    this.pendingUse.set(keyId, at);
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, this.options.flushMs ?? 5_000);
    this.flushTimer.unref();
  }

  private async lookup(hash: Buffer): Promise<VerifiedKey | null> {
    const row = await withPrincipal(this.db, AUTH, (tx) =>
      tx
        .selectFrom('api_keys as k')
        .leftJoin('users as u', 'u.id', 'k.created_by')
        .leftJoin('org_memberships as m', (join) =>
          join.onRef('m.user_id', '=', 'k.created_by').onRef('m.org_id', '=', 'k.org_id'),
        )
        .select([
          'k.id',
          'k.kind',
          'k.org_id',
          'k.scopes',
          'k.created_by',
          'k.expires_at',
          'k.revoked_at',
          'u.id as creator_id',
          'u.platform_role',
          'u.disabled_at',
          'm.role as org_role',
        ])
        .where('k.key_hash', '=', hash)
        .executeTakeFirst(),
    );
    if (!row) return null;
    return {
      id: row.id,
      kind: row.kind,
      orgId: row.org_id,
      scopes: row.scopes,
      createdBy: row.created_by,
      expiresAt: row.expires_at,
      revokedAt: row.revoked_at,
      creatorAllows: creatorAllows(
        row.creator_id
          ? {
              platformAdmin: row.platform_role === 'platform_admin',
              disabled: row.disabled_at !== null,
              orgRole: row.org_role,
            }
          : null,
      ),
    };
  }
}
