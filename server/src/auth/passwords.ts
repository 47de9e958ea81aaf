// Password hashing with scrypt (per-user salt, cost stored with the hash), timing-safe checks, rehash on upgrade.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/**
 * OWASP Password Storage Cheat Sheet: N=2^17, r=8, p=1. Each hash takes 128 MiB for about 0.4 s of one core,
 * on libuv's worker threads (4 by default, so at most 512 MiB at once however many sign-ins arrive).
 */
export const PASSWORD_COST: ScryptCost = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** A stored cost beyond this is refused, not run: a tampered row must not make one sign-in take gigabytes. */
const MAX_MEMORY = 1024 * 1024 * 1024;

interface StoredHash {
  cost: ScryptCost;
  salt: Buffer;
  key: Buffer;
}

function derive(password: string, salt: Buffer, cost: ScryptCost, keyLength = KEY_LENGTH): Promise<Buffer> {
  // scrypt needs 128·N·r bytes (plus a little per p); the default maxmem (32 MiB) is below OWASP's cost.
  const maxmem = 2 * 128 * cost.N * cost.r + 128 * cost.r * cost.p;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyLength, { ...cost, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

function validCost(cost: ScryptCost): boolean {
  const { N, r, p } = cost;
  return (
    Number.isSafeInteger(N) &&
    N >= 2 &&
    (N & (N - 1)) === 0 &&
    Number.isSafeInteger(r) &&
    r >= 1 &&
    Number.isSafeInteger(p) &&
    p >= 1 &&
    p <= 16 &&
    128 * N * r <= MAX_MEMORY
  );
}

/** Format: scrypt$N$r$p$salt(base64)$hash(base64); null for anything else. */
function parseHash(stored: string): StoredHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [, n, r, p, salt, key] = parts;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  const parsed = { cost, salt: Buffer.from(salt ?? '', 'base64'), key: Buffer.from(key ?? '', 'base64') };
  if (!validCost(cost) || parsed.salt.length < 8 || parsed.key.length < 16 || parsed.key.length > 64) return null;
  return parsed;
}

export async function hashPassword(password: string, cost: ScryptCost = PASSWORD_COST): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/**
 * Checks the password against the stored hash, at the cost recorded in it. With no hash (unknown user) or an
 * unreadable one, the same work is done at today's cost, so the answer takes as long as a real check.
 */
export async function verifyPassword(
  password: string,
  stored: string | null,
  cost: ScryptCost = PASSWORD_COST,
): Promise<boolean> {
  const parsed = stored === null ? null : parseHash(stored);
  if (!parsed) {
    await derive(password, Buffer.alloc(SALT_LENGTH), cost);
    return false;
  }
  const key = await derive(password, parsed.salt, parsed.cost, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** Whether a hash was made below today's cost (or is unreadable): it is replaced after the next successful check. */
export function needsRehash(stored: string, cost: ScryptCost = PASSWORD_COST): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return true;
  return parsed.cost.N < cost.N || parsed.cost.r < cost.r || parsed.cost.p < cost.p || parsed.key.length < KEY_LENGTH;
}

export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}
