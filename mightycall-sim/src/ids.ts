// Identifiers: deterministic GUIDs and 24-hex journal ids from seeds, and random opaque tokens.
import { randomBytes } from 'node:crypto';
import { createRng, hashSeed } from '@victorysync/datagen';

/** A GUID that depends only on the parts. */
export function seededGuid(...parts: Array<string | number>): string {
  return createRng(hashSeed(...parts)).uuid();
}

/** A Mongo-style 24-hex id: 8 hex of seconds since the epoch, then 16 hex from the parts. */
export function journalIdFor(createdMs: number, ...parts: Array<string | number>): string {
  const rng = createRng(hashSeed('journal', ...parts));
  let tail = '';
  for (let i = 0; i < 16; i++) tail += Math.floor(rng.next() * 16).toString(16);
  const seconds = Math.max(0, Math.floor(createdMs / 1000)) % 0x1_0000_0000;
  return seconds.toString(16).padStart(8, '0') + tail;
}

export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const HEX24_RE = /^[0-9a-fA-F]{24}$/;

/** A long opaque access token (URL-safe, like the documented example). */
export function newAccessToken(): string {
  return randomBytes(160).toString('base64url');
}

/** A base64 refresh token that always holds '+', '/' or '=' so clients must form-encode it. */
export function newRefreshToken(): string {
  for (;;) {
    const token = randomBytes(32).toString('base64');
    if (/[+/]/.test(token)) return token;
  }
}

export function randomGuid(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
