// Browser sessions: opaque random token in the vs_session cookie, stored as a SHA-256 hash, idle and absolute expiry.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Kysely } from 'kysely';
import type { AuthConfig } from '../config.js';
import { type Tx, withPrincipal } from '../db/tenant.js';
import type { DB } from '../db/types.js';
import { loadUserAccess, type UserAccess } from './caller.js';
import { systemPrincipal } from './principal.js';
import { randomToken, sha256 } from './tokens.js';

export const SESSION_COOKIE = 'vs_session';
const AUTH = systemPrincipal('session lookup');
/** last_seen_at is written at most this often per session */
const TOUCH_INTERVAL_MS = 60_000;

export interface SessionMeta {
  ip: string | null;
  userAgent: string | null;
}

export async function createSession(
  db: Kysely<DB>,
  userId: string,
  meta: SessionMeta,
  config: AuthConfig,
): Promise<{ token: string; id: string; expiresAt: Date }> {
  const token = randomToken();
  const expiresAt = new Date(Date.now() + config.sessionMaxMs);
  const row = await withPrincipal(db, AUTH, (tx) =>
    tx
      .insertInto('sessions')
      .values({
        token_hash: sha256(token),
        user_id: userId,
        expires_at: expiresAt,
        ip: meta.ip,
        user_agent: meta.userAgent?.slice(0, 400) ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
  return { token, id: row.id, expiresAt };
}

export type SessionLookup =
  | { ok: true; sessionId: string; access: UserAccess; expiresAt: Date }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'disabled' };

/**
 * Live sessions this instance verified recently, so a dashboard's burst of requests costs no lookups. Sign-out
 * and user changes on this instance drop entries at once; elsewhere they take effect within the cache time
 * (`VICTORYSYNC_SESSION_CACHE_SECONDS`), as revoked API keys do.
 */
export class SessionCache {
  private readonly entries = new Map<string, { found: SessionFound; fetchedAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(tokenHash: string, now: number): SessionFound | null {
    const entry = this.entries.get(tokenHash);
    if (!entry) return null;
    if (now - entry.fetchedAt >= this.ttlMs) {
      this.entries.delete(tokenHash);
      return null;
    }
    return entry.found;
  }

  set(tokenHash: string, found: SessionFound, now: number): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(tokenHash);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(tokenHash, { found, fetchedAt: now });
  }

  forgetSession(sessionId: string): void {
    for (const [hash, entry] of this.entries) if (entry.found.sessionId === sessionId) this.entries.delete(hash);
  }

  /** After a change to the user's standing, memberships or sessions. */
  forgetUser(userId: string): void {
    for (const [hash, entry] of this.entries) if (entry.found.access.id === userId) this.entries.delete(hash);
  }

  clear(): void {
    this.entries.clear();
  }
}

type SessionFound = Extract<SessionLookup, { ok: true }>;

/** Finds a live session for the token; refreshes last_seen_at when it is older than a minute. */
export async function lookupSession(
  db: Kysely<DB>,
  token: string,
  config: AuthConfig,
  cache?: SessionCache,
): Promise<SessionLookup> {
  const hash = sha256(token);
  const key = hash.toString('hex');
  const now = Date.now();
  const cached = cache?.get(key, now);
  // The cache never outlives the session: absolute expiry is checked on every hit; idle expiry cannot pass
  // within the cache time because a lookup refreshes last_seen_at at least every TOUCH_INTERVAL_MS.
  if (cached && cached.expiresAt.getTime() > now) return cached;
  const found = await withPrincipal(db, AUTH, async (tx) => {
    const session = await tx
      .selectFrom('sessions')
      .select(['id', 'user_id', 'expires_at', 'last_seen_at', 'revoked_at'])
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (!session) return { ok: false, reason: 'unknown' } as const;
    if (session.revoked_at) return { ok: false, reason: 'revoked' } as const;
    if (session.expires_at.getTime() <= now || session.last_seen_at.getTime() + config.sessionIdleMs <= now) {
      return { ok: false, reason: 'expired' } as const;
    }
    const access = await loadUserAccess(tx, session.user_id);
    if (!access || access.disabled) return { ok: false, reason: 'disabled' } as const;
    if (now - session.last_seen_at.getTime() > TOUCH_INTERVAL_MS) {
      await tx
        .updateTable('sessions')
        .set({ last_seen_at: new Date(now) })
        .where('id', '=', session.id)
        .execute();
    }
    return { ok: true, sessionId: session.id, access, expiresAt: session.expires_at } as const;
  });
  if (found.ok) cache?.set(key, found, now);
  return found;
}

/** Ends every open session of the user, inside the caller's transaction (disabling, a new password, a takeover). */
export async function endSessionsOf(tx: Tx, userId: string, at: Date): Promise<void> {
  await tx
    .updateTable('sessions')
    .set({ revoked_at: at })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}

export async function revokeSession(db: Kysely<DB>, sessionId: string): Promise<void> {
  await withPrincipal(db, AUTH, (tx) =>
    tx.updateTable('sessions').set({ revoked_at: new Date() }).where('id', '=', sessionId).execute(),
  );
}

export function readSessionCookie(c: Context): string | null {
  const value = getCookie(c, SESSION_COOKIE);
  return value && /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : null;
}

/** `secure` when the browser talks https (requestIsHttps: directly, or per a trusted proxy). */
export function setSessionCookie(c: Context, token: string, expiresAt: Date, secure: boolean): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure,
    path: '/',
    expires: expiresAt,
    maxAge: Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000)),
  });
}

export function clearSessionCookie(c: Context, secure: boolean): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Lax', secure });
}
