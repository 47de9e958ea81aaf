// Opens the database: embedded PGlite (data directory on disk) or PostgreSQL through a pg pool.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { type Dialect, Kysely, type LogEvent, PostgresDialect } from 'kysely';
import pg from 'pg';
import { pgliteDialect } from './pglite-dialect.js';
import { pipelinedPostgresDialect } from './postgres-driver.js';
import type { DB } from './types.js';

export type DatabaseTarget =
  | { kind: 'pglite'; dataDir: string | null }
  | {
      kind: 'postgres';
      url: string;
      poolSize: number;
      searchPath?: string;
      /** a read replica (or a second role) for dashboard reads; its login role must be a member of victorysync_app */
      readUrl?: string;
      /** named prepared statements (default on); off: Kysely's plain driver, one statement per round trip */
      prepare?: boolean;
      /**
       * 'transaction': the URLs lead to a transaction-mode pooler (PgBouncer, Supabase's pooler on port 6543). The
       * pipelined driver then names no statement and holds no transaction open past its work; `prepare` is ignored.
       */
      pooler?: 'none' | 'transaction';
    };

export interface Database {
  kind: DatabaseTarget['kind'];
  /** Runs as the owner (migrations, bootstrap). Request code goes through withPrincipal instead. */
  db: Kysely<DB>;
  /**
   * Where dashboard reads go: the DATABASE_READ_URL connection when one is configured, else `db`. Reads run
   * there as the caller in READ ONLY transactions (RouteContext.read).
   */
  readDb: Kysely<DB>;
  /** the schema the tables live in (differs per test file on a shared server) */
  schema: string;
  /** for the /metrics endpoint: each pg pool's connections (none on PGlite) and statements that failed */
  stats: DatabaseStats;
  close(): Promise<void>;
}

export interface DatabaseStats {
  pools: Array<{ name: 'primary' | 'read'; pool: Pick<pg.Pool, 'totalCount' | 'idleCount' | 'waitingCount'> }>;
  queryErrors: number;
}

/** Kysely's log hook, counting failed statements into `stats` (errors are logged by whoever catches them). */
const countErrors =
  (stats: DatabaseStats) =>
  (event: LogEvent): void => {
    if (event.level === 'error') stats.queryErrors++;
  };

const INT8_OID = 20;

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'pglite') {
    if (target.dataDir) await mkdir(target.dataDir, { recursive: true });
    const pglite = await PGlite.create(target.dataDir ?? undefined);
    const stats: DatabaseStats = { pools: [], queryErrors: 0 };
    const db = new Kysely<DB>({ dialect: pgliteDialect(pglite), log: countErrors(stats) });
    return {
      kind: 'pglite',
      db,
      readDb: db,
      schema: 'public',
      stats,
      async close() {
        await db.destroy();
        await pglite.close();
      },
    };
  }
  // One-write transactions (pipeline.ts): with named prepared statements on a direct connection, with unnamed ones
  // behind a transaction-mode pooler (where a name prepared on one server connection is unknown, or already taken,
  // on the next). Prepared statements turned off without a pooler: Kysely's plain driver.
  const stats: DatabaseStats = { pools: [], queryErrors: 0 };
  const dialect = (url: string, name: 'primary' | 'read'): Dialect => {
    const pool = createPool(url, target);
    stats.pools.push({ name, pool });
    return target.pooler === 'transaction'
      ? pipelinedPostgresDialect(pool, { pooler: 'transaction' })
      : target.prepare === false
        ? new PostgresDialect({ pool })
        : pipelinedPostgresDialect(pool);
  };
  const log = countErrors(stats);
  const db = new Kysely<DB>({ dialect: dialect(target.url, 'primary'), log });
  const readDb = target.readUrl ? new Kysely<DB>({ dialect: dialect(target.readUrl, 'read'), log }) : db;
  return {
    kind: 'postgres',
    db,
    readDb,
    schema: target.searchPath ?? 'public',
    stats,
    async close() {
      await db.destroy();
      if (readDb !== db) await readDb.destroy();
    },
  };
}

function createPool(url: string, target: { poolSize: number; searchPath?: string }): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: target.poolSize,
    // Statements are written without waiting for the previous answer (PostgreSQL answers them in order): lets
    // a transaction's opening travel with its first statement (see pipeline.ts).
    pipeline: true,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    ...(target.searchPath ? { options: `-c search_path=${target.searchPath}` } : {}),
    // Same shapes as PGlite: bigint as number (counts and ids stay well below 2^53).
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its server (restart, failover) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // A checked-out client losing its server emits 'error' too, and the pool listens only while it is idle: without
  // this the process dies. The query in flight rejects with the same error; the pool drops the broken client.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}
