// Connection secrets at rest: AES-256-GCM under VICTORYSYNC_SECRET_KEY, bound to their row and field.
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { ConfigError } from '../config.js';
import type { Logger } from '../http/logger.js';

const VERSION = 'v1';

/** 32 bytes from 64 hex characters or base64(url); anything else is a configuration error. */
export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-f]{64}$/i.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length === 32 && /^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) return bytes;
  throw new ConfigError(
    'VICTORYSYNC_SECRET_KEY must be 32 random bytes as 64 hex characters or base64 (generate one with `openssl rand -base64 32`).',
  );
}

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
  }

  /** `context` (e.g. "<connection id>:api_key") is authenticated, so a ciphertext cannot be moved to another row. */
  seal(plain: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
  }

  open(sealed: string, context: string): string {
    const [version, payload] = sealed.split(':');
    if (version !== VERSION || !payload) throw new Error('unknown secret format');
    const bytes = Buffer.from(payload, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  }
}

/** What a secret is compared through (matchesSecret): its SHA-256, so a cache need not hold the secret itself. */
export function secretDigest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Whether `presented` is the secret of `digest` (secretDigest), in constant time; lengths leak nothing either. */
export function matchesSecret(presented: string, digest: Buffer): boolean {
  return timingSafeEqual(secretDigest(presented), digest);
}

/**
 * The key the server runs with. Outside demo mode it must be configured; in demo mode a missing key is
 * generated once and kept in the data directory, so stored secrets survive restarts.
 */
export async function resolveSecretKey(config: Config, logger: Logger): Promise<Buffer> {
  if (config.secretKey) return parseSecretKey(config.secretKey);
  if (!config.demo) {
    throw new ConfigError(
      'VICTORYSYNC_SECRET_KEY is not set. It encrypts the MightyCall credentials stored in the database; ' +
        'set it to 32 random bytes (`openssl rand -base64 32`) and keep it: without it they cannot be read.',
    );
  }
  const dataDir = config.database.kind === 'pglite' ? config.database.dataDir : './data';
  const path = join(dataDir, 'secret.key');
  try {
    const key = parseSecretKey(await readFile(path, 'utf8'));
    logger.info('VICTORYSYNC_SECRET_KEY not set: demo mode uses the generated key in the data directory', { path });
    return key;
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${path}: ${error.message}`);
  }
  const key = randomBytes(32);
  await mkdir(dataDir, { recursive: true });
  await writeFile(path, `${key.toString('base64')}\n`, { mode: 0o600 });
  logger.warn('VICTORYSYNC_SECRET_KEY not set: demo mode generated one and stored it in the data directory', { path });
  return key;
}
