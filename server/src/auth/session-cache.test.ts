// The session cache: entries live for the cache time only, sign-out and user changes drop them, size is bounded.
import { describe, expect, it } from 'vitest';
import { SessionCache } from './sessions.js';

const found = (sessionId: string, userId: string) =>
  ({
    ok: true,
    sessionId,
    expiresAt: new Date(Date.now() + 3_600_000),
    access: { id: userId, email: `${userId}@x.example`, platformAdmin: false, disabled: false, memberships: new Map() },
  }) as const;

describe('SessionCache', () => {
  it('serves an entry until the cache time has passed, then forgets it', () => {
    const cache = new SessionCache(5_000);
    cache.set('h1', found('s1', 'u1'), 1_000);
    expect(cache.get('h1', 5_999)?.sessionId).toBe('s1');
    expect(cache.get('h1', 6_000)).toBeNull();
    expect(cache.get('h1', 1_000)).toBeNull();
  });

  it('drops entries by session and by user', () => {
    const cache = new SessionCache(5_000);
    cache.set('h1', found('s1', 'u1'), 0);
    cache.set('h2', found('s2', 'u1'), 0);
    cache.set('h3', found('s3', 'u2'), 0);
    cache.forgetSession('s1');
    expect(cache.get('h1', 1)).toBeNull();
    expect(cache.get('h2', 1)?.sessionId).toBe('s2');
    cache.forgetUser('u1');
    expect(cache.get('h2', 1)).toBeNull();
    expect(cache.get('h3', 1)?.sessionId).toBe('s3');
  });

  it('keeps nothing with a cache time of 0, and evicts the oldest entry beyond its size', () => {
    const off = new SessionCache(0);
    off.set('h1', found('s1', 'u1'), 0);
    expect(off.get('h1', 0)).toBeNull();
    const small = new SessionCache(5_000, 2);
    small.set('h1', found('s1', 'u1'), 0);
    small.set('h2', found('s2', 'u2'), 0);
    small.set('h3', found('s3', 'u3'), 0);
    expect(small.get('h1', 1)).toBeNull();
    expect(small.get('h2', 1)?.sessionId).toBe('s2');
    expect(small.get('h3', 1)?.sessionId).toBe('s3');
  });
});
