// A real streaming replica for tests: a private PostgreSQL primary (initdb in a temporary directory) and a standby
// made from it with pg_basebackup, both run by this machine's PostgreSQL binaries on ports of their own. A private
// primary, not the shared server on 5432: a base backup copies the whole cluster (benchmark data included), and the
// shared server's replication settings are not the tests' to change.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePorts } from '../../../deploy/nginx.js';
import { formatLsn, type Lsn, parseLsn } from '../../src/db/read-routing.js';

const run = promisify(execFile);

/** The directory of PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup), or null where there are none. */
export function postgresBinaries(): string | null {
  const fromEnv = process.env.PG_BINDIR;
  if (fromEnv && existsSync(join(fromEnv, 'pg_basebackup'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_basebackup')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

export interface ReplicaPair {
  /** superuser URLs (trust authentication on 127.0.0.1) */
  primaryUrl: string;
  replicaUrl: string;
  /** the primary's WAL position now */
  primaryPosition(): Promise<Lsn>;
  /** waits until the replica has replayed everything the primary had written when called */
  waitCaughtUp(timeoutMs?: number): Promise<void>;
  /** stops applying WAL on the replica (it keeps receiving): its reads stay where they are */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  stopReplica(): Promise<void>;
  startReplica(): Promise<void>;
  close(): Promise<void>;
}

export async function startReplicaPair(bin: string): Promise<ReplicaPair> {
  const dir = await mkdtemp(join(tmpdir(), 'vs-replica-'));
  // initdb refuses to run as root: the clusters belong to the postgres user then.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await chown(dir, ...(await postgresIds()));
  const tool = (name: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, name), ...args]) : run(join(bin, name), args);
  const [primaryPort, replicaPort] = await freePorts(2);
  if (primaryPort === undefined || replicaPort === undefined) throw new Error('no free ports');
  const primaryDir = join(dir, 'primary');
  const replicaDir = join(dir, 'replica');
  const options = (port: number) =>
    `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c full_page_writes=off`;
  const start = (data: string, port: number, log: string) =>
    tool('pg_ctl', ['-D', data, '-o', options(port), '-l', join(dir, log), '-w', '-t', '60', 'start']);
  const stop = (data: string) => tool('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);

  await tool('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  await start(primaryDir, primaryPort, 'primary.log');
  // -R writes standby.signal and primary_conninfo: the copy starts as a streaming standby of the primary.
  await tool(
    'pg_basebackup',
    ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaDir].concat([
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
      '--no-sync',
    ]),
  );
  await start(replicaDir, replicaPort, 'replica.log');
  let replicaRunning = true;

  const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/postgres`;
  const replicaUrl = `postgres://postgres@127.0.0.1:${replicaPort}/postgres`;
  const once = async <T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<T>(text)).rows;
    } finally {
      await client.end();
    }
  };
  const position = async (url: string, fn: string): Promise<Lsn> => {
    const rows = await once<{ lsn: string | null }>(url, `SELECT ${fn}()::text AS lsn`);
    const lsn = parseLsn(rows[0]?.lsn);
    if (lsn === null) throw new Error(`${fn}() gave no position`);
    return lsn;
  };
  const primaryPosition = () => position(primaryUrl, 'pg_current_wal_flush_lsn');

  return {
    primaryUrl,
    replicaUrl,
    primaryPosition,
    async waitCaughtUp(timeoutMs = 30_000) {
      const target = await primaryPosition();
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if ((await position(replicaUrl, 'pg_last_wal_replay_lsn')) >= target) return;
        if (Date.now() > deadline) throw new Error(`the replica did not replay up to ${formatLsn(target)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async pauseReplay() {
      await once(replicaUrl, 'SELECT pg_wal_replay_pause()');
    },
    async resumeReplay() {
      await once(replicaUrl, 'SELECT pg_wal_replay_resume()');
    },
    async stopReplica() {
      await stop(replicaDir);
      replicaRunning = false;
    },
    async startReplica() {
      await start(replicaDir, replicaPort, 'replica.log');
      replicaRunning = true;
    },
    async close() {
      if (replicaRunning) await stop(replicaDir).catch(() => {});
      await stop(primaryDir).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function postgresIds(): Promise<[number, number]> {
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: group } = await run('id', ['-g', 'postgres']);
  return [Number(stdout.trim()), Number(group.trim())];
}
