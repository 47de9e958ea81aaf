// Every environment variable the server reads, parsed and validated in one place.
import { z } from 'zod';
import { PASSWORD_COST, type ScryptCost } from './auth/passwords.js';
import { parseProxyEntry, TrustedProxies } from './http/client-address.js';

const flag = z
  .enum(['0', '1', 'true', 'false', ''])
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v === '1' || v === 'true'));

/** An http(s) origin: scheme, host and optional port, nothing else (a trailing slash is tolerated). */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      !value.includes('*') &&
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.pathname === '/' &&
      !url.search &&
      !url.hash &&
      !url.username &&
      !url.password
    );
  } catch {
    return false;
  }
}

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
    .optional(),
  DATABASE_READ_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_READ_URL must start with postgres:// or postgresql://')
    .optional(),
  DATABASE_PREPARED_STATEMENTS: flag,
  DATABASE_POOLER: z.enum(['none', 'transaction']).optional(),
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
  VICTORYSYNC_CORS_ORIGINS: z
    .string()
    .default('')
    .refine(
      (list) => list.split(',').every((entry) => entry.trim() === '' || isOrigin(entry.trim())),
      'VICTORYSYNC_CORS_ORIGINS must list origins such as https://app.example.com (scheme and host, no path, no *)',
    ),
  VICTORYSYNC_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  VICTORYSYNC_IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(200 * 1_048_576),
  VICTORYSYNC_SESSION_IDLE_HOURS: z.coerce
    .number()
    .min(0.1)
    .max(24 * 90)
    .default(72),
  VICTORYSYNC_SESSION_MAX_DAYS: z.coerce.number().min(0.1).max(365).default(30),
  VICTORYSYNC_KEY_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(600),
  VICTORYSYNC_KEY_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(5),
  VICTORYSYNC_DASHBOARD_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  VICTORYSYNC_SESSION_CACHE_SECONDS: z.coerce.number().min(0).max(60).default(5),
  VICTORYSYNC_TRUST_PROXY: flag,
  VICTORYSYNC_TRUSTED_PROXIES: z
    .string()
    .default('')
    .superRefine((list, ctx) => {
      for (const entry of list.split(',').map((s) => s.trim())) {
        const parsed = entry === '' ? null : parseProxyEntry(entry);
        if (parsed && 'problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
      }
    }),
  SUPABASE_URL: z.string().url().optional(),
  SUPABASE_JWT_SECRET: z.string().min(32, 'SUPABASE_JWT_SECRET must be at least 32 characters').optional(),
  SUPABASE_JWKS_URL: z.string().url().optional(),
  SUPABASE_JWT_AUDIENCE: z.string().default('authenticated'),
  MIGHTYCALL_SIM_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  VICTORYSYNC_SYNC_INTERVAL: z.coerce.number().int().min(30).max(86_400).default(300),
  VICTORYSYNC_WEBHOOK_MAX_AGE_SECONDS: z.coerce.number().int().min(60).max(2_592_000).default(86_400), // at most 30 days
  VICTORYSYNC_WEBHOOK_MAX_AHEAD_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  VICTORYSYNC_MIGHTYCALL_JOBS: flag,
  VICTORYSYNC_METRICS_TOKEN: z.string().min(24, 'VICTORYSYNC_METRICS_TOKEN must be at least 24 characters').optional(),
  VICTORYSYNC_LIVE_HEARTBEAT_SECONDS: z.coerce.number().min(0.2).max(60).default(10),
  VICTORYSYNC_SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().min(1).max(600).default(10),
  VICTORYSYNC_ALERT_INTERVAL_SECONDS: z.coerce.number().min(1).max(600).default(20),
  VICTORYSYNC_WEBHOOK_ALLOW_PRIVATE: flag,
  SMTP_URL: z
    .string()
    .optional()
    .refine(
      (value) => value === undefined || parseSmtpUrl(value) !== null,
      'SMTP_URL must look like smtps://user:password@smtp.example.com:465 or smtp://user:password@host:587',
    ),
  MAIL_FROM: z
    .string()
    .optional()
    .refine(
      (value) => value === undefined || MAIL_FROM_PATTERN.test(value),
      'MAIL_FROM must be an address, or a name and an address: VictorySync <reports@example.com>',
    ),
});

/** `address@host` or `Name <address@host>` */
const MAIL_FROM_PATTERN = /^(?:[^<>\r\n]{1,100} <[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/;

/** Where mail goes: an SMTP server (credentials from the URL; the password is never logged or shown). */
export interface SmtpConfig {
  host: string;
  port: number;
  /** smtps: TLS from the first byte; smtp: STARTTLS when the server offers it */
  secure: boolean;
  user: string | null;
  password: string | null;
  /** the URL without its password, for logs and the Sent mail page */
  display: string;
}

export function parseSmtpUrl(value: string): SmtpConfig | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if ((url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname || url.pathname.length > 1) return null;
  const secure = url.protocol === 'smtps:';
  const port = url.port ? Number(url.port) : secure ? 465 : 587;
  const user = url.username ? decodeURIComponent(url.username) : null;
  const password = url.password ? decodeURIComponent(url.password) : null;
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    secure,
    user,
    password,
    display: `${url.protocol}//${user ? `${encodeURIComponent(user)}@` : ''}${url.host}`,
  };
}

export interface MailConfig {
  /** null: no SMTP_URL, so messages are captured and read on the Sent mail page (the demo) */
  smtp: SmtpConfig | null;
  /** the From header of every message */
  from: string;
}

export interface Config {
  port: number;
  host: string;
  database:
    | { kind: 'pglite'; dataDir: string }
    | {
        kind: 'postgres';
        url: string;
        poolSize: number;
        readUrl: string | null;
        prepare: boolean;
        /** 'transaction': the URLs lead to a transaction-mode pooler (see poolerOf) */
        pooler: 'none' | 'transaction';
      };
  /** demo data and the demo admin are created on an empty database */
  demo: boolean;
  admin: { email: string; password: string } | null;
  secretKey: string | null;
  publicUrl: string | null;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  corsOrigins: string[];
  maxBodyBytes: number;
  importMaxBytes: number;
  /** identical dashboard reads of one org within this many ms are computed once (0: never cached) */
  dashboardCacheMs: number;
  /** GET /metrics answers only a request bearing this token; null: no /metrics at all */
  metricsToken: string | null;
  /** after SIGTERM, how long in-flight requests and background work may take before the process exits anyway */
  shutdownTimeoutMs: number;
  auth: AuthConfig;
  mightycall: MightyCallConfig;
  mail: MailConfig;
  alerts: AlertsConfig;
}

export interface AlertsConfig {
  /** how often alert rules are evaluated (one process at a time, under a lease) */
  intervalMs: number;
  /** outgoing alert webhooks may reach private and loopback addresses (tests, a private network); off by default */
  webhookAllowPrivate: boolean;
}

export interface MightyCallConfig {
  /** background jobs (sync scheduler, webhook worker, live fan-out) run in this process */
  jobs: boolean;
  /** seconds between incremental calls syncs of a connection (numbers and agents: every 24 of these, at most 6 h) */
  syncIntervalSeconds: number;
  /** demo mode: the simulator's port (taken if free, else an ephemeral one) */
  simPort: number;
  /** webhook events stamped further from this server's clock are refused (mightycall/ingest/event-window.ts) */
  webhookWindow: { maxAgeMs: number; maxAheadMs: number };
  /** ms between a live stream's heartbeats: a keepalive line (proxies' idle timeouts) and an access re-check */
  liveHeartbeatMs: number;
}

export interface AuthConfig {
  sessionIdleMs: number;
  sessionMaxMs: number;
  /** requests per minute per API key */
  keyRateLimit: number;
  /** how long a verified key is trusted before it is looked up again (revocation on other instances) */
  keyCacheMs: number;
  /** how long a verified session is trusted before it is looked up again (sign-out on other instances) */
  sessionCacheMs: number;
  /** peers whose X-Forwarded-For / X-Forwarded-Proto are believed (client address, https) */
  trustedProxies: TrustedProxies;
  /** the scrypt cost sign-in upgrades older hashes to and checks unknown emails at: OWASP's (no env variable; tests lower it) */
  passwordCost: ScryptCost;
  /** Supabase access tokens are accepted when a secret or a JWKS URL is configured */
  supabase: { secret: string | null; jwksUrl: string | null; issuer: string | null; audience: string } | null;
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable (FOO= in an env file) means "not set".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if ((e.VICTORYSYNC_ADMIN_EMAIL === undefined) !== (e.VICTORYSYNC_ADMIN_PASSWORD === undefined)) {
    throw new ConfigError('Set both VICTORYSYNC_ADMIN_EMAIL and VICTORYSYNC_ADMIN_PASSWORD, or neither.');
  }
  if (e.DATABASE_READ_URL && !e.DATABASE_URL) {
    throw new ConfigError('DATABASE_READ_URL is for a read replica of DATABASE_URL; set DATABASE_URL too.');
  }
  if (e.SMTP_URL && !e.VICTORYSYNC_PUBLIC_URL) {
    // A link in a mail must not take its origin from a request's Host header (password-reset poisoning).
    throw new ConfigError('SMTP_URL needs VICTORYSYNC_PUBLIC_URL: the links in mail start with it.');
  }
  if (e.SMTP_URL && !e.MAIL_FROM) throw new ConfigError('SMTP_URL needs MAIL_FROM: the address mail is sent from.');
  const pooler = poolerOf(e);
  if (pooler === 'transaction' && e.DATABASE_PREPARED_STATEMENTS === true) {
    throw new ConfigError(
      'DATABASE_PREPARED_STATEMENTS=1 cannot work behind a transaction-mode pooler (DATABASE_POOLER=transaction, ' +
        'or a URL on port 6543): unset one of them.',
    );
  }
  const database: Config['database'] = e.DATABASE_URL
    ? {
        kind: 'postgres',
        url: e.DATABASE_URL,
        poolSize: e.DATABASE_POOL_SIZE,
        readUrl: e.DATABASE_READ_URL ?? null,
        prepare: pooler === 'none' && (e.DATABASE_PREPARED_STATEMENTS ?? true),
        pooler,
      }
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
    dashboardCacheMs: e.VICTORYSYNC_DASHBOARD_CACHE_MS,
    metricsToken: e.VICTORYSYNC_METRICS_TOKEN ?? null,
    shutdownTimeoutMs: e.VICTORYSYNC_SHUTDOWN_TIMEOUT_SECONDS * 1000,
    auth: {
      sessionIdleMs: e.VICTORYSYNC_SESSION_IDLE_HOURS * 3_600_000,
      sessionMaxMs: e.VICTORYSYNC_SESSION_MAX_DAYS * 86_400_000,
      keyRateLimit: e.VICTORYSYNC_KEY_RATE_LIMIT,
      keyCacheMs: e.VICTORYSYNC_KEY_CACHE_SECONDS * 1000,
      sessionCacheMs: e.VICTORYSYNC_SESSION_CACHE_SECONDS * 1000,
      trustedProxies: TrustedProxies.parse(e.VICTORYSYNC_TRUSTED_PROXIES, {
        loopback: e.VICTORYSYNC_TRUST_PROXY ?? false,
      }),
      passwordCost: PASSWORD_COST,
      supabase: supabaseConfig(e),
    },
    mightycall: {
      jobs: e.VICTORYSYNC_MIGHTYCALL_JOBS ?? true,
      syncIntervalSeconds: e.VICTORYSYNC_SYNC_INTERVAL,
      simPort: e.MIGHTYCALL_SIM_PORT,
      webhookWindow: {
        maxAgeMs: e.VICTORYSYNC_WEBHOOK_MAX_AGE_SECONDS * 1000,
        maxAheadMs: e.VICTORYSYNC_WEBHOOK_MAX_AHEAD_SECONDS * 1000,
      },
      liveHeartbeatMs: e.VICTORYSYNC_LIVE_HEARTBEAT_SECONDS * 1000,
    },
    mail: {
      smtp: e.SMTP_URL ? parseSmtpUrl(e.SMTP_URL) : null,
      from: e.MAIL_FROM ?? 'VictorySync <no-reply@victorysync.invalid>',
    },
    alerts: {
      intervalMs: e.VICTORYSYNC_ALERT_INTERVAL_SECONDS * 1000,
      webhookAllowPrivate: e.VICTORYSYNC_WEBHOOK_ALLOW_PRIVATE ?? false,
    },
  };
}

/** Supabase's transaction-mode pooler listens on 6543 (its session mode and direct connections on 5432). */
const TRANSACTION_POOLER_PORT = '6543';

/**
 * DATABASE_POOLER as set; unset, 'transaction' when DATABASE_URL or DATABASE_READ_URL is on port 6543
 * (Supabase's transaction pooler), else 'none'. PgBouncer on another port needs DATABASE_POOLER=transaction.
 */
function poolerOf(e: z.infer<typeof EnvSchema>): 'none' | 'transaction' {
  if (e.DATABASE_POOLER) return e.DATABASE_POOLER;
  const onPoolerPort = (url: string | undefined) => {
    try {
      return url !== undefined && new URL(url).port === TRANSACTION_POOLER_PORT;
    } catch {
      return false;
    }
  };
  return onPoolerPort(e.DATABASE_URL) || onPoolerPort(e.DATABASE_READ_URL) ? 'transaction' : 'none';
}

function supabaseConfig(e: z.infer<typeof EnvSchema>): AuthConfig['supabase'] {
  const issuer = e.SUPABASE_URL ? `${e.SUPABASE_URL.replace(/\/$/, '')}/auth/v1` : null;
  const jwksUrl = e.SUPABASE_JWKS_URL ?? (issuer && !e.SUPABASE_JWT_SECRET ? `${issuer}/.well-known/jwks.json` : null);
  if (!e.SUPABASE_JWT_SECRET && !jwksUrl) return null;
  return { secret: e.SUPABASE_JWT_SECRET ?? null, jwksUrl, issuer, audience: e.SUPABASE_JWT_AUDIENCE };
}
