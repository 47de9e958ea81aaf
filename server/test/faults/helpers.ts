// Shared by the fault tests: polling with a deadline, a database behind the fault proxy, the real server process.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import type { PgProxy } from '../support/pg-proxy.js';

export const ROOT = new URL('../../..', import.meta.url).pathname;

/** Polls `probe` until it returns a value other than undefined/false, or throws naming `what` at the deadline. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let last: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 25));
  }
}

/** Settles within `ms` or rejects: a request that hangs fails the test instead of the whole run. */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export { freePort } from '../../../deploy/nginx.js';

export interface ProxiedDatabase {
  /** the app's database: every connection goes through the proxy */
  database: Database;
  /** the same schema, straight to the server: to look at the data while the proxy is cut */
  direct: Database;
  schema: string;
  cleanup(): Promise<void>;
}

/** A private, migrated schema on `url`, opened once through `proxy` (pool of `poolSize`) and once directly. */
export async function openProxiedDatabase(url: string, proxy: PgProxy, poolSize = 4): Promise<ProxiedDatabase> {
  const schema = `vs_fault_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const direct = await openDatabase({ kind: 'postgres', url, poolSize: 2, searchPath: schema });
  await migrate(direct.db, schema);
  const database = await openDatabase({ kind: 'postgres', url: proxy.urlThrough(url), poolSize, searchPath: schema });
  return {
    database,
    direct,
    schema,
    async cleanup() {
      await database.close().catch(() => undefined);
      await direct.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    },
  };
}

/** Creates a private schema for a server process; the URL carries its search_path. */
export async function createSchema(url: string): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const schema = `vs_fault_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  u.searchParams.set('application_name', schema);
  return {
    url: u.toString(),
    schema,
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    },
  };
}

export const SECRET_KEY = Buffer.alloc(32, 9).toString('base64');
export const ADMIN = { email: 'faults-admin@example.com', password: 'a-long-enough-password' };

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  base: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts server/src/main.ts: on a PGlite data dir, or on PostgreSQL when `databaseUrl` is given. No demo data. */
export function startServer(options: {
  port: number;
  dataDir?: string;
  databaseUrl?: string;
  env?: Record<string, string>;
  /** node's arguments (default: --import tsx server/src/main.ts), run in the repository's root */
  args?: string[];
}): ServerProcess {
  let out = '';
  const child = spawn(process.execPath, options.args ?? ['--import', 'tsx', join(ROOT, 'server/src/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      VICTORYSYNC_DATA_DIR: options.dataDir ?? '',
      DATABASE_URL: options.databaseUrl ?? '',
      VICTORYSYNC_ADMIN_EMAIL: ADMIN.email,
      VICTORYSYNC_ADMIN_PASSWORD: ADMIN.password,
      VICTORYSYNC_DEMO: '0',
      VICTORYSYNC_SECRET_KEY: SECRET_KEY,
      VICTORYSYNC_PUBLIC_URL: `http://127.0.0.1:${options.port}`,
      VICTORYSYNC_LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const base = `http://127.0.0.1:${options.port}`;
  return {
    child,
    port: options.port,
    base,
    output: () => out,
    exited,
    kill(signal) {
      child.kill(signal);
      return exited;
    },
  };
}

/** Waits until /health answers 200 (or the process exits, which fails with its output). */
export async function waitHealthy(server: ServerProcess, timeoutMs = 60_000): Promise<void> {
  let exited = false;
  void server.exited.then(() => {
    exited = true;
  });
  await waitFor(
    'the server to answer /health',
    async () => {
      if (exited) throw new Error(`server exited:\n${server.output()}`);
      const res = await fetch(`${server.base}/health`);
      await res.arrayBuffer();
      return res.status === 200;
    },
    { timeoutMs, intervalMs: 100 },
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}\n${server.output()}`);
  });
}

/** The `error.code` of an answer's body (null if it has none), or 'not json'. */
export function errorCode(body: string): string | null {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? null;
  } catch {
    return 'not json';
  }
}

/** Signs in as the bootstrap admin; returns the session cookie. */
export async function login(base: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify(ADMIN),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}
