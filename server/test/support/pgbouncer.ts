// PgBouncer in transaction mode in front of a PostgreSQL server, started for a test: Debian's `pgbouncer` binary,
// a config in a temp dir, a free loopback port, a few server connections so transactions move between them.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const CANDIDATES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'];

/** The pgbouncer binary, or null when it is not installed (`apt-get install pgbouncer`; .ci/run installs it). */
export function pgbouncerBinary(): string | null {
  const found = CANDIDATES.find((path) => existsSync(path));
  if (found) return found;
  try {
    return execFileSync('sh', ['-c', 'command -v pgbouncer'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

export interface PgBouncer {
  /** a postgres:// URL through the pooler, to the database `name` given to startPgBouncer */
  url: string;
  port: number;
  /** what pgbouncer printed (its log) */
  log(): string;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** the PostgreSQL server behind it, e.g. TEST_DATABASE_URL (user postgres, trust auth) */
  upstream: string;
  /** server connections per user and database (transactions move between them) */
  poolSize: number;
  /** run on each new server connection (pgbouncer's connect_query): how a test points search_path at its schema */
  connectQuery?: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts pgbouncer (pool_mode = transaction) and waits until a client can run a statement through it. */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const binary = pgbouncerBinary();
  if (!binary) throw new Error('pgbouncer is not installed');
  const upstream = new URL(options.upstream);
  const user = decodeURIComponent(upstream.username || 'postgres');
  const dbname = upstream.pathname.slice(1) || user;
  const dir = await mkdtemp(join(tmpdir(), 'vs-pgbouncer-'));
  // Run as root (CI), pgbouncer refuses to start unless told to drop to another user, which must read the files.
  const asRoot = process.getuid?.() === 0;
  await chmod(dir, 0o755);
  const port = await freePort();
  const entry = [
    `host=${upstream.hostname}`,
    `port=${upstream.port || 5432}`,
    `dbname=${dbname}`,
    `user=${user}`,
    ...(options.connectQuery ? [`connect_query='${options.connectQuery.replaceAll("'", "''")}'`] : []),
  ].join(' ');
  const ini = [
    '[databases]',
    `vs_pooled = ${entry}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = trust',
    `auth_file = ${join(dir, 'users.txt')}`,
    'pool_mode = transaction',
    `default_pool_size = ${options.poolSize}`,
    'min_pool_size = 0',
    'reserve_pool_size = 0',
    'max_client_conn = 200',
    'server_lifetime = 3600',
    'server_idle_timeout = 600',
    // pg sends these at start-up; the pooler cannot keep them per client in transaction mode
    'ignore_startup_parameters = extra_float_digits,options',
    ...(asRoot ? [`user = ${existsUser('postgres') ? 'postgres' : 'nobody'}`] : []),
  ].join('\n');
  await writeFile(join(dir, 'users.txt'), `"${user}" ""\n`, { mode: 0o644 });
  await writeFile(join(dir, 'pgbouncer.ini'), `${ini}\n`, { mode: 0o644 });
  const child: ChildProcess = spawn(binary, [join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/vs_pooled`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`pgbouncer exited (${child.exitCode}):\n${output}`);
    }
    const probe = new pg.Client({ connectionString: url });
    try {
      await probe.connect();
      await probe.query('select 1');
      await probe.end();
      break;
    } catch (error) {
      await probe.end().catch(() => undefined);
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`pgbouncer did not answer: ${(error as Error).message}\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { url, port, log: () => output, stop };
}

function existsUser(name: string): boolean {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
