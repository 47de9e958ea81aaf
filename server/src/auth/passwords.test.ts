// Password hashes: OWASP's scrypt cost by default, older costs still verified and flagged for rehash, bad rows refused.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { hashPassword, needsRehash, PASSWORD_COST, type ScryptCost, verifyPassword } from './passwords.js';

const OLD: ScryptCost = { N: 2 ** 14, r: 8, p: 1 };
const FAST: ScryptCost = { N: 2 ** 10, r: 8, p: 1 };

async function elapsed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

describe('password hashes', () => {
  it("hash at OWASP's scrypt cost in production: N=2^17, r=8, p=1", async () => {
    expect(PASSWORD_COST).toEqual({ N: 131_072, r: 8, p: 1 });
    expect(loadConfig({}).auth.passwordCost).toEqual(PASSWORD_COST);
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
    expect(needsRehash(hash)).toBe(false);
  });

  it('verify a hash made at an older cost at that cost, and flag it for rehash', async () => {
    const old = await hashPassword('pässword one', OLD);
    expect(old.startsWith('scrypt$16384$8$1$')).toBe(true);
    expect(await verifyPassword('pässword one', old)).toBe(true);
    // NFKC: the same password typed with a combining diaeresis.
    expect(await verifyPassword('pa\u0308ssword one', old)).toBe(true);
    expect(await verifyPassword('password one', old)).toBe(false);
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash(old, OLD)).toBe(false);
    // A hash above the current cost is kept: only a lower cost is upgraded.
    expect(needsRehash(old, FAST)).toBe(false);
    expect(needsRehash(await hashPassword('x', { N: 2 ** 14, r: 8, p: 2 }), { N: 2 ** 14, r: 8, p: 1 })).toBe(false);
    expect(needsRehash(await hashPassword('x', { N: 2 ** 14, r: 4, p: 1 }), OLD)).toBe(true);
  });

  it('refuse unreadable or absurd stored hashes without running them, and want them replaced', async () => {
    const good = await hashPassword('pw', FAST);
    const [, , , , salt, key] = good.split('$');
    for (const stored of [
      '',
      'bcrypt$2b$10$abc',
      `scrypt$abc$8$1$${salt}$${key}`,
      `scrypt$1000$8$1$${salt}$${key}`, // N not a power of two
      `scrypt$1073741824$8$1$${salt}$${key}`, // 2^30: a terabyte
      `scrypt$1024$8$1$$${key}`,
      `scrypt$1024$8$1$${salt}$`,
    ]) {
      expect(await verifyPassword('pw', stored, FAST), stored).toBe(false);
      expect(needsRehash(stored), stored).toBe(true);
    }
  });

  it('spend as long on an unknown user (no hash) as on a real check at the current cost', async () => {
    const real = await hashPassword('pw');
    let known = 0;
    let unknown = 0;
    // Interleaved, so a busy machine slows both alike.
    for (let i = 0; i < 3; i++) {
      known += await elapsed(() => verifyPassword('guess', real));
      unknown += await elapsed(() => verifyPassword('guess', null));
    }
    expect(unknown / known).toBeGreaterThan(0.5);
    expect(unknown / known).toBeLessThan(2);
    // And at whatever cost the caller passes (tests, or a future raise).
    expect(await elapsed(() => verifyPassword('guess', null, FAST))).toBeLessThan(known / 3);
  }, 30_000);
});
