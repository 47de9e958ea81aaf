// Secret tokens: random base62 strings, SHA-256 digests, and the API-key format with its checksum.
import { createHash, randomBytes } from 'node:crypto';
import type { KeyKind } from './permissions.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` uniformly random base62 characters (rejection sampling keeps every character equally likely). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** An opaque token for sessions and invites: 256 random bits, base64url. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export const KEY_PREFIX: Readonly<Record<KeyKind, string>> = { platform: 'vs_plat_', org: 'vs_org_' };
/** 32 base62 characters ≈ 190 bits of randomness. */
const BODY_LENGTH = 32;
const CHECK_LENGTH = 6;
const KEY_PATTERN = /^(vs_plat_|vs_org_)([0-9A-Za-z]{32})([0-9A-Za-z]{6})$/;

function checksum(prefixAndBody: string): string {
  let n = sha256(prefixAndBody).readUInt32BE(0);
  let out = '';
  for (let i = 0; i < CHECK_LENGTH; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

export interface NewApiKey {
  key: string;
  hash: Buffer;
  /** the kind prefix plus the first four random characters, safe to show */
  prefix: string;
  last4: string;
}

export function generateApiKey(kind: KeyKind): NewApiKey {
  const head = KEY_PREFIX[kind] + randomBase62(BODY_LENGTH);
  const key = head + checksum(head);
  return { key, hash: sha256(key), prefix: key.slice(0, KEY_PREFIX[kind].length + 4), last4: key.slice(-4) };
}

/** The kind of a well-formed key whose checksum matches, or null: malformed keys never reach the database. */
export function parseApiKey(candidate: string): KeyKind | null {
  const m = KEY_PATTERN.exec(candidate);
  if (!m) return null;
  const [, prefix = '', body = '', check = ''] = m;
  if (checksum(prefix + body) !== check) return null;
  return prefix === KEY_PREFIX.platform ? 'platform' : 'org';
}

export function looksLikeJwt(candidate: string): boolean {
  return /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(candidate);
}
