// Every environment variable the server reads, parsed and validated in one place.
import { z } from 'zod';

const flag = z
  .enum(['0', '1', 'true', 'false', ''])
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v === '1' || v === 'true'));

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  VICTORYSYNC_DATA_DIR: z.string().default('./data'),
  VICTORYSYNC_DEMO: flag,
  VICTORYSYNC_ADMIN_EMAIL: z.string().email().optional(),
  VICTORYSYNC_ADMIN_PASSWORD: z
    .string()
    .min(12, 'VICTORYSYNC_ADMIN_PASSWORD must be at least 12 characters')
    .optional(),
  VICTORYSYNC_SECRET_KEY: z.string().optional(),
  VICTORYSYNC_PUBLIC_URL: z.string().url().optional(),
  VICTORYSYNC_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  VICTORYSYNC_CORS_ORIGINS: z.string().default(''),
  VICTORYSYNC_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  VICTORYSYNC_IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(200 * 1_048_576),
});

export interface Config {
  port: number;
  host: string;
  database: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string; poolSize: number };
  /** demo data and the demo admin are created on an empty database */
  demo: boolean;
  admin: { email: string; password: string } | null;
  secretKey: string | null;
  publicUrl: string | null;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  corsOrigins: string[];
  maxBodyBytes: number;
  importMaxBytes: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if ((e.VICTORYSYNC_ADMIN_EMAIL === undefined) !== (e.VICTORYSYNC_ADMIN_PASSWORD === undefined)) {
    throw new ConfigError('Set both VICTORYSYNC_ADMIN_EMAIL and VICTORYSYNC_ADMIN_PASSWORD, or neither.');
  }
  const database: Config['database'] = e.DATABASE_URL
    ? { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
    : { kind: 'pglite', dataDir: e.VICTORYSYNC_DATA_DIR };
  return {
    port: e.PORT,
    host: e.HOST,
    database,
    demo: e.VICTORYSYNC_DEMO ?? database.kind === 'pglite',
    admin:
      e.VICTORYSYNC_ADMIN_EMAIL && e.VICTORYSYNC_ADMIN_PASSWORD
        ? { email: e.VICTORYSYNC_ADMIN_EMAIL, password: e.VICTORYSYNC_ADMIN_PASSWORD }
        : null,
    secretKey: e.VICTORYSYNC_SECRET_KEY ?? null,
    publicUrl: e.VICTORYSYNC_PUBLIC_URL ?? null,
    logLevel: e.VICTORYSYNC_LOG_LEVEL,
    corsOrigins: e.VICTORYSYNC_CORS_ORIGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    maxBodyBytes: e.VICTORYSYNC_MAX_BODY_BYTES,
    importMaxBytes: e.VICTORYSYNC_IMPORT_MAX_BYTES,
  };
}
