// Kysely's dialect for PostgreSQL through a pg pool in pipeline mode: named prepared statements (direct
// connections), and connections that send a transaction in as few writes as it allows (PipelinedConnection).
import { createHash } from 'node:crypto';
import { CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type TransactionSettings } from 'kysely';
import type pg from 'pg';
import { postgresDialectOver } from './dialect.js';
import { PipelinedConnection } from './pipeline.js';

/** Named statements one connection keeps at most; past it, statements are sent unnamed (planned each time). */
const MAX_PREPARED_PER_CONNECTION = 500;
const MAX_PREPARED_TEXT = 20_000;
/** Statement texts whose names are remembered (a name is a hash, cheap to compute again past this). */
const MAX_REMEMBERED_NAMES = 10_000;

/**
 * Every parameterized statement runs as a named prepared statement (name = hash of its text), so a connection
 * plans each distinct statement once instead of on every request. Row-level security makes planning the larger
 * part of a dashboard query (every policy is expanded into the plan); the cached plans stay correct because
 * policies read the principal at execution time, and PostgreSQL re-plans when the role, search_path or schema
 * changes. Statements without parameters (openings, scripts) stay on the simple protocol.
 */
class StatementNames {
  readonly #names = new Map<string, string>();

  nameOf(text: string): string {
    let name = this.#names.get(text);
    if (!name) {
      name = `vs_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
      if (this.#names.size < MAX_REMEMBERED_NAMES) this.#names.set(text, name);
    }
    return name;
  }

  /** pg's query for `text` on a connection that has prepared the statements named in `prepared` */
  configFor(prepared: Set<string>, text: string, values: unknown[]): pg.QueryConfig {
    if (values.length === 0 || text.length > MAX_PREPARED_TEXT) return { text, values };
    const name = this.nameOf(text);
    if (!prepared.has(name)) {
      if (prepared.size >= MAX_PREPARED_PER_CONNECTION) return { text, values };
      prepared.add(name);
    }
    return { name, text, values };
  }
}

export interface PipelinedOptions {
  /**
   * 'transaction': the URL is a transaction-mode pooler (PgBouncer, Supabase's pooler on port 6543), where each
   * transaction may run on another server connection. Statements are sent unnamed (parsed where they run, no name
   * another server connection could already hold or lack), and a read-only transaction's ROLLBACK is sent as soon
   * as its work is done instead of with the next write, so it holds no server connection past its work. The
   * transaction itself still goes out as on a direct connection: its opening, statement and COMMIT in one write.
   */
  pooler?: 'none' | 'transaction';
}

/** The pool must be created with `pipeline: true`: the connections write statements without awaiting answers. */
export function pipelinedPostgresDialect(pool: pg.Pool, options: PipelinedOptions = {}): Dialect {
  return postgresDialectOver(() => new PipelinedPostgresDriver(pool, options.pooler === 'transaction'));
}

/** A statement as pg's query without a name: parsed into the unnamed statement each time, on any connection. */
const unnamed = (text: string, values: unknown[]): pg.QueryConfig => ({ text, values });

class PipelinedPostgresDriver implements Driver {
  /** one connection per pg client, kept across checkouts with what it has prepared and what it holds back */
  readonly #connections = new WeakMap<pg.PoolClient, PipelinedConnection>();
  readonly #names = new StatementNames();

  constructor(
    private readonly pool: pg.Pool,
    /** behind a transaction-mode pooler (see PipelinedOptions) */
    private readonly pooled: boolean,
  ) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const client = await this.pool.connect();
    let connection = this.#connections.get(client);
    if (!connection) {
      if (this.pooled) {
        connection = new PipelinedConnection(client, unnamed, { endWithNextWrite: false });
      } else {
        const prepared = new Set<string>();
        connection = new PipelinedConnection(client, (text, values) => this.#names.configFor(prepared, text, values));
      }
      this.#connections.set(client, connection);
    }
    return connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const mode = [
      settings.isolationLevel ? `isolation level ${settings.isolationLevel}` : '',
      settings.accessMode ?? '',
    ].filter(Boolean);
    await connection.executeQuery(CompiledQuery.raw(mode.length > 0 ? `start transaction ${mode.join(' ')}` : 'begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (!(connection instanceof PipelinedConnection)) throw new Error('not a connection of this driver');
    connection.release();
  }

  async destroy(): Promise<void> {
    await this.pool.end();
  }
}
