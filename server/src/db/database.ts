// Opens the database: embedded PGlite (data directory on disk) or PostgreSQL through a pg pool.
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import {
  Kysely,
  type PostgresCursor,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryResult,
} from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './pglite-dialect.js';
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
      /** named prepared statements (default on); off behind poolers that cannot keep them (pgbouncer transaction mode) */
      prepare?: boolean;
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
  close(): Promise<void>;
}

const INT8_OID = 20;

/**
 * Marks withPrincipal's opening script (BEGIN and the principal's settings). On PostgreSQL the preparing client
 * does not send it on its own: it goes out in one write with the transaction's first statement, pipelined, so
 * opening a transaction costs no round trip. Elsewhere (PGlite, prepared statements off) it is a comment.
 */
export const DEFERRED_OPENING = '/* vs:deferred-opening */ ';
/**
 * Marks the ROLLBACK that ends a read-only transaction. The preparing client answers at once and sends it in
 * the same write as whatever the connection's next user sends first, or alone after END_FLUSH_MS if nobody
 * does: a read-only transaction has nothing to lose, and a write and an answer on this machine cost more than
 * the statement they carry. Elsewhere it is awaited like any statement.
 */
export const DETACHED_END = '/* vs:detached-end */ rollback';
/**
 * Asks that a transaction's COMMIT go out with its next statement, in the same write: a transaction of one
 * statement then costs one round trip instead of two. The preparing client answers `attached: true`, and after
 * that statement takes none but a ROLLBACK (answered at once: the transaction has ended) until the connection
 * is released. Elsewhere (PGlite, prepared statements off) it is a plain select answering false, and the caller
 * commits as usual.
 */
export const COMMIT_WITH_NEXT = '/* vs:commit-with-next */ select false as attached';

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'pglite') {
    if (target.dataDir) await mkdir(target.dataDir, { recursive: true });
    const pglite = await PGlite.create(target.dataDir ?? undefined);
    const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
    return {
      kind: 'pglite',
      db,
      readDb: db,
      schema: 'public',
      async close() {
        await db.destroy();
        await pglite.close();
      },
    };
  }
  const wrap = (pool: pg.Pool): PostgresPool => (target.prepare === false ? pool : preparing(pool));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: wrap(createPool(target.url, target)) }) });
  const readDb = target.readUrl
    ? new Kysely<DB>({ dialect: new PostgresDialect({ pool: wrap(createPool(target.readUrl, target)) }) })
    : db;
  return {
    kind: 'postgres',
    db,
    readDb,
    schema: target.searchPath ?? 'public',
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
    // a transaction's opening travel with its first statement (DEFERRED_OPENING).
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

/** Named statements one connection keeps at most; past it, statements are sent unnamed (planned each time). */
const MAX_PREPARED_PER_CONNECTION = 500;
const MAX_PREPARED_TEXT = 20_000;

/**
 * Every parameterized statement runs as a named prepared statement (name = hash of its text), so a
 * connection plans each distinct statement once instead of on every request. Row-level security makes
 * planning the larger part of a dashboard query (every policy is expanded into the plan); the cached plans
 * stay correct because policies read the principal at execution time, and PostgreSQL re-plans when the role,
 * search_path or schema changes. Statements without parameters (BEGIN scripts) stay on the simple protocol.
 */
function preparing(pool: pg.Pool): PostgresPool {
  const clients = new WeakMap<pg.PoolClient, PreparingClient>();
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (!name) {
      name = `vs_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
      if (names.size < 10_000) names.set(text, name);
    }
    return name;
  };
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let wrapper = clients.get(client);
      if (!wrapper) {
        wrapper = new PreparingClient(client, nameOf);
        clients.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

const COMMANDS = ['UPDATE', 'DELETE', 'INSERT', 'SELECT', 'MERGE'] as const;
const NOTHING: PostgresQueryResult<never> = { command: 'SELECT', rowCount: 0, rows: [] };
const ENDINGS = new Set(['commit', 'rollback', DETACHED_END]);

/** How long a read-only transaction's ROLLBACK may wait for the connection's next statement (DETACHED_END). */
const END_FLUSH_MS = 20;

/** One pooled connection, sending parameterized statements by name (see `preparing`). */
class PreparingClient implements PostgresPoolClient {
  private readonly prepared = new Set<string>();
  /** a withPrincipal opening not sent yet: it goes out with the next statement */
  private opening: string | null = null;
  /** COMMIT_WITH_NEXT was asked for: the next statement goes out with the transaction's COMMIT */
  private commitWithNext = false;
  /** the transaction was committed with its statement: nothing more may run on it */
  private ended = false;
  /** a read-only transaction's ROLLBACK not sent yet (DETACHED_END): it goes out before anything else */
  private endPending = false;
  private endTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly nameOf: (text: string) => string,
  ) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sql: string | PostgresCursor<R>,
    parameters: ReadonlyArray<unknown> = [],
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sql !== 'string') throw new Error('streaming queries are not used');
    if (this.ended) {
      // The statement that carried the COMMIT failed, and its transaction ended with it: nothing to roll back.
      if (sql === 'rollback') return Promise.resolve(NOTHING);
      // Anything else would run outside the transaction, as the connection's own role.
      return Promise.reject(new Error('a statement after its transaction was committed with the one before'));
    }
    if (sql === COMMIT_WITH_NEXT) {
      if (this.commitWithNext) throw new Error('a commit is already waiting for the next statement');
      this.commitWithNext = true;
      return Promise.resolve({ command: 'SELECT', rowCount: 1, rows: [{ attached: true } as R] });
    }
    if (sql.startsWith(DEFERRED_OPENING)) {
      if (this.opening !== null) throw new Error('a deferred opening is already pending on this connection');
      this.opening = sql;
      return Promise.resolve(NOTHING);
    }
    if (this.opening !== null && ENDINGS.has(sql)) {
      // The transaction never reached the database: there is nothing to end.
      this.opening = null;
      this.commitWithNext = false;
      return Promise.resolve(NOTHING);
    }
    if (sql === DETACHED_END) {
      // Sent before whatever the connection's next user sends, in the same write (see send), or alone soon, so
      // an idle connection does not sit in its transaction holding its locks.
      this.endPending = true;
      this.endTimer ??= setTimeout(() => this.flushEnd(), END_FLUSH_MS);
      this.endTimer.unref();
      return Promise.resolve(NOTHING);
    }
    return this.send<R>(sql, [...parameters]);
  }

  release(): void {
    const { opening, commitWithNext } = this;
    this.opening = null;
    this.commitWithNext = false;
    this.ended = false;
    if (opening !== null && !commitWithNext) {
      // Released in the middle of a transaction that never reached the database: not reusable as it is.
      this.client.release(new Error('released with a transaction opening still pending'));
      return;
    }
    if (opening === null && commitWithNext) {
      // Its transaction was opened and never ended: not reusable.
      this.client.release(new Error('released with a transaction waiting for its commit'));
      return;
    }
    // (An opening and a commit both still waiting: the transaction ran no statement and never reached the database.)
    this.client.release();
  }

  /** Sends a read-only transaction's pending ROLLBACK by itself (nobody used the connection in time). */
  private flushEnd(): void {
    this.endTimer = null;
    if (!this.endPending) return;
    this.endPending = false;
    // A failure means the connection is broken; the pool drops broken connections.
    this.client.query('rollback').catch(() => undefined);
  }

  /**
   * Runs `queue` (which queues statements on the pipelined connection) and sends every message it queued as one
   * buffer in one write (pg writes each protocol message as a piece of its own). `queue` is handed the pending
   * read-only end, if any, to send first: inside an opening's script when there is one (see send), else as a
   * statement of its own (endAlone).
   */
  private oneWrite<T>(queue: (end: string) => T): T {
    const end = this.endPending ? 'rollback; ' : '';
    if (end) {
      this.endPending = false;
      if (this.endTimer) clearTimeout(this.endTimer);
      this.endTimer = null;
    }
    const stream = this.client.connection?.stream;
    if (!stream) return queue(end);
    const chunks: Uint8Array[] = [];
    const own = Object.hasOwn(stream, 'write');
    const write = stream.write;
    stream.write = (chunk: Uint8Array) => {
      chunks.push(chunk);
      return true;
    };
    try {
      return queue(end);
    } finally {
      if (own) stream.write = write;
      else Reflect.deleteProperty(stream, 'write');
      const [only] = chunks;
      if (only) stream.write(chunks.length === 1 ? only : Buffer.concat(chunks));
    }
  }

  /** A pending read-only end (`end`, from oneWrite) sent by itself, ahead of what follows it. */
  private endAlone(end: string): void {
    // A failure means the connection is broken; the pool drops broken connections.
    if (end) this.client.query('rollback').catch(() => undefined);
  }

  private async send<R>(text: string, values: unknown[]): Promise<PostgresQueryResult<R>> {
    const config = this.namedIfPossible(text, values);
    const opening = this.opening;
    const commit = this.commitWithNext;
    let result: pg.QueryResult;
    if (opening === null && !commit) {
      result = await this.oneWrite((end) => {
        this.endAlone(end);
        return this.client.query(config);
      });
    } else {
      this.opening = null;
      this.commitWithNext = false;
      if (commit) this.ended = true;
      // One write for all; the pipelined connection does not wait for one answer before sending the next.
      let opened: Promise<unknown> = Promise.resolve();
      let committed: Promise<pg.QueryResult | null> = Promise.resolve(null);
      const answered = this.oneWrite((end) => {
        // PostgreSQL sends its answers to a simple query when that query ends: the ROLLBACK inside the opening's
        // script comes back in the same packet as the opening's, one wake-up of this process instead of two.
        if (opening !== null) opened = this.client.query(`${end}${opening}`);
        else this.endAlone(end);
        const a = this.client.query(config);
        // A failed statement leaves its transaction aborted, and this COMMIT then ends it as a ROLLBACK.
        if (commit) committed = this.client.query('commit');
        return a;
      });
      const [o, a, c] = await Promise.allSettled([opened, answered, committed]);
      // The opening's own error explains the statement's (which then ran in an aborted transaction).
      if (o.status === 'rejected') throw o.reason;
      if (a.status === 'rejected') throw a.reason;
      if (c.status === 'rejected') throw c.reason;
      if (c.value !== null && c.value.command !== 'COMMIT') {
        throw new Error(`the transaction did not commit (${c.value.command})`);
      }
      result = a.value;
    }
    return {
      command: COMMANDS.find((c) => c === result.command) ?? 'SELECT',
      rowCount: result.rowCount ?? 0,
      rows: result.rows,
    };
  }

  private namedIfPossible(text: string, values: unknown[]): pg.QueryConfig {
    if (values.length === 0 || text.length > MAX_PREPARED_TEXT) return { text, values };
    const name = this.nameOf(text);
    if (!this.prepared.has(name)) {
      if (this.prepared.size >= MAX_PREPARED_PER_CONNECTION) return { text, values };
      this.prepared.add(name);
    }
    return { name, text, values };
  }
}
