// One round trip per transaction on PostgreSQL: a transaction's opening, statements and ending share writes.
//
// Against a database a few milliseconds away the round trips are the cost of a request, not the statements. A
// transaction here goes out as: its opening script (BEGIN and settings) in the same write as its first statement;
// a one-statement transaction's COMMIT in that write too; a read-only transaction's ROLLBACK in the same write as
// whatever the connection sends next. PostgreSQL answers pipelined messages in order, so nothing waits on an
// answer it does not need. Behind a transaction-mode pooler the same writes go out (a pooler keeps a transaction
// on one server connection), with unnamed statements and the read-only ROLLBACK sent when the work ends. Elsewhere
// (PGlite, which has no socket; PostgreSQL with prepared statements turned off) the plan runs statement by statement.
import type { DatabaseConnection, Kysely, QueryResult } from 'kysely';
import { CompiledQuery } from 'kysely';
import type pg from 'pg';
import { DatabaseConnectionLost, isDatabaseUnavailable } from './unavailable.js';

/** How a transaction ends once its work succeeded (when the work fails, it rolls back). */
export type TransactionEnding =
  /** a COMMIT after the work's statements */
  | 'commit'
  /**
   * The work runs one statement at most, and the COMMIT goes out in the same write: opening, statement and commit
   * are one round trip. A second statement is refused on a pipelined connection (it would run after the commit,
   * outside the transaction); when the statement fails, the COMMIT ends the transaction as a ROLLBACK.
   */
  | 'commit-with-statement'
  /**
   * For read-only transactions: the ROLLBACK is not waited for. It goes out in the same write as the connection's
   * next statement, whoever sends it, or alone after END_FLUSH_MS so an idle connection holds no transaction.
   */
  | 'rollback-with-next-write';

export interface TransactionPlan {
  /** a parameterless script that opens the transaction: BEGIN and SET LOCAL-style settings */
  opening: string;
  ending: TransactionEnding;
}

/** How long a read-only transaction's ROLLBACK waits for the connection's next statement before going alone. */
export const END_FLUSH_MS = 20;

/**
 * Runs `work` as one transaction opened by `plan.opening` and ended by `plan.ending`, on one connection of `db`.
 * On a pipelined PostgreSQL connection (see PipelinedConnection) the opening costs no round trip of its own, nor
 * does a 'commit-with-statement' or 'rollback-with-next-write' ending; elsewhere each part is its own statement.
 */
export function runTransaction<D, T>(
  db: Kysely<D>,
  plan: TransactionPlan,
  work: (tx: Kysely<D>) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (tx) => {
    const connection = await connectionUnder(tx);
    return connection instanceof PipelinedConnection
      ? connection.transaction(plan, () => work(tx))
      : sequentially(tx, plan, work);
  });
}

/**
 * The driver's connection under a Kysely bound to one connection. Kysely hands it out only through its executor
 * (`getExecutor`, public in its typings though documented as internal); tests of this module fail if it changes.
 */
function connectionUnder<D>(tx: Kysely<D>): Promise<DatabaseConnection> {
  return tx.getExecutor().provideConnection(async (connection) => connection);
}

/** The plan as plain statements, each awaited: PGlite, and PostgreSQL without pipelining. */
async function sequentially<D, T>(tx: Kysely<D>, plan: TransactionPlan, work: (tx: Kysely<D>) => Promise<T>) {
  let result: T;
  try {
    await tx.executeQuery(CompiledQuery.raw(plan.opening));
    result = await work(tx);
  } catch (error) {
    await tx.executeQuery(CompiledQuery.raw('rollback')).catch(() => undefined);
    throw error;
  }
  await tx.executeQuery(CompiledQuery.raw(plan.ending === 'rollback-with-next-write' ? 'rollback' : 'commit'));
  return result;
}

/** The transaction a PipelinedConnection is running, and how much of it reached the database. */
interface OpenTransaction {
  /** the opening script until it goes out, with the first statement; null once sent */
  opening: string | null;
  /** the first statement carries the COMMIT */
  commitWithStatement: boolean;
  /** the COMMIT went out: the transaction is over, whatever the work does next */
  committed: boolean;
}

/**
 * One pooled PostgreSQL connection (pg in pipeline mode) as Kysely sees it. It holds back what need not be waited
 * for (a transaction's opening, a read-only transaction's ROLLBACK) and sends it in one write with the next
 * statement: the socket is corked while a batch of protocol messages is queued, so they leave in one write.
 */
export class PipelinedConnection implements DatabaseConnection {
  readonly #client: pg.PoolClient;
  readonly #configOf: (text: string, values: unknown[]) => pg.QueryConfig;
  #transaction: OpenTransaction | null = null;
  /** a read-only transaction's ROLLBACK not sent yet: it goes out before anything else this connection sends */
  #endPending = false;
  #endTimer: NodeJS.Timeout | null = null;
  /** why this connection must not be used again (it lost its server), once it is known */
  #broken: unknown = null;

  /** a read-only transaction's ROLLBACK waits for the next write (else it is sent, unawaited, when the work ends) */
  readonly #endWithNextWrite: boolean;

  /**
   * `configOf` turns a statement into pg's query (named when it should run as a prepared statement).
   * `endWithNextWrite: false` is for transaction-mode poolers: a transaction still open holds its server
   * connection, so a read-only transaction's ROLLBACK leaves at once (still not waited for).
   */
  constructor(
    client: pg.PoolClient,
    configOf: (text: string, values: unknown[]) => pg.QueryConfig,
    options: { endWithNextWrite?: boolean } = {},
  ) {
    this.#client = client;
    this.#configOf = configOf;
    this.#endWithNextWrite = options.endWithNextWrite ?? true;
    client.on('error', (error) => {
      this.#broken ??= error;
    });
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { command, rowCount, rows } = await this.#send(query.sql, [...query.parameters]);
    const writes = command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
    return { numAffectedRows: writes ? BigInt(rowCount ?? 0) : undefined, rows: rows as R[] };
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    // A cursor keeps a portal open across round trips, which a pipelined connection cannot share.
    throw new Error('streaming queries are not supported on a pipelined connection');
  }

  /** Runs `work` (whose statements come through executeQuery) as the transaction `plan` describes. */
  async transaction<T>(plan: TransactionPlan, work: () => Promise<T>): Promise<T> {
    if (this.#transaction) throw new Error('a transaction is already running on this connection');
    const tx: OpenTransaction = {
      opening: plan.opening,
      commitWithStatement: plan.ending === 'commit-with-statement',
      committed: false,
    };
    this.#transaction = tx;
    try {
      let result: T;
      try {
        result = await work();
      } catch (error) {
        await this.#abandon(tx);
        throw error;
      }
      await this.#end(tx, plan.ending);
      return result;
    } finally {
      this.#transaction = null;
    }
  }

  /** Back to the pool; a connection that lost its server is discarded there. */
  release(): void {
    if (this.#broken !== null) this.#client.release(this.#broken instanceof Error ? this.#broken : true);
    else this.#client.release();
  }

  /** After the work failed: a transaction that reached the database (and was not ended by its COMMIT) rolls back. */
  async #abandon(tx: OpenTransaction): Promise<void> {
    if (tx.opening !== null || tx.committed || this.#broken !== null) return;
    await this.#client.query('rollback').catch((error: unknown) => {
      this.#broken ??= error;
    });
  }

  async #end(tx: OpenTransaction, ending: TransactionEnding): Promise<void> {
    // No statement ran: nothing reached the database, nothing to end.
    if (tx.opening !== null) return;
    if (ending === 'commit') {
      await this.#client.query('commit').catch((error: unknown) => {
        throw this.#explain(error, 'unknown');
      });
    } else if (ending === 'rollback-with-next-write' && this.#broken === null) {
      if (!this.#endWithNextWrite) return this.#rollbackUnawaited();
      this.#endPending = true;
      this.#endTimer ??= setTimeout(() => this.#sendEndAlone(), END_FLUSH_MS);
      this.#endTimer.unref();
    }
    // 'commit-with-statement': the COMMIT went out with the statement.
  }

  /** Nobody used the connection in time: its pending ROLLBACK goes out by itself. */
  #sendEndAlone(): void {
    this.#endTimer = null;
    if (this.#takeEnd()) this.#rollbackUnawaited();
  }

  /** Whether a read-only transaction's ROLLBACK is waiting to go out (it is then the caller's to send). */
  #takeEnd(): boolean {
    if (this.#endTimer) clearTimeout(this.#endTimer);
    this.#endTimer = null;
    const pending = this.#endPending;
    this.#endPending = false;
    return pending;
  }

  #rollbackUnawaited(): void {
    // Its answer comes before the next statement's; a failure means the connection is broken.
    this.#client.query('rollback').catch((error: unknown) => {
      this.#broken ??= error;
    });
  }

  /** Queues messages on the pipelined client with the socket corked: they leave in one write. */
  #oneWrite<T>(queue: () => T): T {
    const stream = this.#client.connection.stream;
    stream.cork();
    try {
      return queue();
    } finally {
      stream.uncork();
    }
  }

  async #send(text: string, values: unknown[]): Promise<pg.QueryResult> {
    const tx = this.#transaction;
    // The statement would run after the COMMIT, outside the transaction, as the connection's own role.
    if (tx?.committed) throw new Error('a statement after its transaction was committed with the one before');
    const opening = tx?.opening ?? null;
    const commit = tx?.commitWithStatement === true;
    if (tx) {
      tx.opening = null;
      tx.committed = commit;
    }
    const end = this.#takeEnd();
    const config = this.#configOf(text, values);
    const sent = this.#oneWrite(() => {
      // A simple query's statements are answered in one packet: a pending ROLLBACK inside the opening's script
      // comes back with the opening's answer, one wake-up instead of two.
      let opened: Promise<unknown> | null = null;
      if (opening !== null) opened = this.#client.query(end ? `rollback; ${opening}` : opening);
      else if (end) this.#rollbackUnawaited();
      const answered = this.#client.query(config);
      const committed = commit ? this.#client.query('commit') : null;
      return { opened, answered, committed };
    });
    const [o, a, c] = await Promise.allSettled([sent.opened, sent.answered, sent.committed]);
    const outcome = commit ? 'unknown' : tx ? 'not committed' : 'no transaction';
    // The opening's error explains the statement's (which then ran in an aborted transaction, or none).
    if (o.status === 'rejected') throw this.#explain(o.reason, outcome);
    if (a.status === 'rejected') throw this.#explain(a.reason, outcome);
    if (c.status === 'rejected') throw this.#explain(c.reason, outcome);
    if (c.value !== null && c.value.command !== 'COMMIT') {
      throw new Error(`the transaction did not commit (${c.value.command})`);
    }
    return a.value;
  }

  /** A failure as the caller should see it: the statement's own error, or the connection's loss and its outcome. */
  #explain(error: unknown, outcome: DatabaseConnectionLost['outcome']): unknown {
    if (this.#broken === null && !isDatabaseUnavailable(error)) return error;
    this.#broken ??= error;
    return new DatabaseConnectionLost(outcome, error);
  }
}
