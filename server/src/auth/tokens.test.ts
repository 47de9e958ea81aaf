// Key format, checksum, verification cache and rate windows, without HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../db/database.js';
import { createLogger } from '../http/logger.js';
import { KeyVerifier } from './key-verifier.js';
import { generateApiKey, parseApiKey } from './tokens.js';

describe('API key format', () => {
  it('is a kind prefix, 32 random base62 characters and a 6-character checksum', () => {
    const org = generateApiKey('org');
    const platform = generateApiKey('platform');
    expect(org.key).toMatch(/^vs_org_[0-9A-Za-z]{38}$/);
    expect(platform.key).toMatch(/^vs_plat_[0-9A-Za-z]{38}$/);
    expect(parseApiKey(org.key)).toBe('org');
    expect(parseApiKey(platform.key)).toBe('platform');
    expect(org.hash).toHaveLength(32);
    expect(new Set(Array.from({ length: 200 }, () => generateApiKey('org').key)).size).toBe(200);
  });

  it('rejects any single-character change, a wrong prefix, or a wrong length', () => {
    const { key } = generateApiKey('org');
    let accepted = 0;
    for (let i = 7; i < key.length; i++) {
      const ch = key[i] === 'x' ? 'y' : 'x';
      if (parseApiKey(key.slice(0, i) + ch + key.slice(i + 1))) accepted++;
    }
    expect(accepted).toBe(0);
    expect(parseApiKey(key.replace('vs_org_', 'vs_plat_'))).toBeNull();
    expect(parseApiKey(`${key}0`)).toBeNull();
    expect(parseApiKey('')).toBeNull();
  });
});

describe('KeyVerifier', () => {
  // No tables: any lookup would fail, so a malformed key provably never reaches the database.
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ kind: 'pglite', dataDir: null });
  });
  afterAll(async () => {
    await database.close();
  });

  it('answers malformed keys without a lookup, and looks up well-formed ones', async () => {
    const verifier = new KeyVerifier(database.db, { cacheMs: 1000, rateLimit: 5, logger: createLogger('silent') });
    const { key } = generateApiKey('org');
    await expect(verifier.verify(`${key.slice(0, -1)}!`)).resolves.toEqual({ ok: false, reason: 'malformed' });
    // This one goes to the (empty) database, which fails.
    await expect(verifier.verify(key)).rejects.toThrow(/does not exist/);
  });

  it('counts requests per key in one-minute windows', () => {
    const verifier = new KeyVerifier(database.db, { cacheMs: 1000, rateLimit: 2, logger: createLogger('silent') });
    const start = Date.UTC(2026, 2, 1, 12, 0, 10);
    expect(verifier.consume('k', start)).toMatchObject({ allowed: true, remaining: 1 });
    expect(verifier.consume('k', start + 1000)).toMatchObject({ allowed: true, remaining: 0 });
    expect(verifier.consume('k', start + 2000)).toMatchObject({
      allowed: false,
      resetAt: Date.UTC(2026, 2, 1, 12, 1, 0) / 1000,
      retryAfterSeconds: 48,
    });
    expect(verifier.consume('other', start + 2000).allowed).toBe(true);
    expect(verifier.consume('k', start + 50_000).allowed).toBe(true);
  });
});
