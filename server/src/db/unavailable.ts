// Telling "the database is not there" apart from "the statement was wrong": the first is retried or answered 503.

/**
 * The connection under a statement or a transaction went away (the server restarted, a failover, the backend was
 * terminated, the network cut). Says what became of the transaction; `cause` is the driver's own error. The pool
 * discards the connection, so the next request gets a fresh one.
 */
export class DatabaseConnectionLost extends Error {
  /** SQLSTATE connection_failure, so code that looks at codes sees what this is */
  readonly code = '08006';

  constructor(
    readonly outcome: 'not committed' | 'unknown' | 'no transaction',
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      outcome === 'not committed'
        ? `The connection to the database was lost before the transaction committed; nothing of it was stored (${reason})`
        : outcome === 'unknown'
          ? `The connection to the database was lost while the transaction's COMMIT was on its way; whether it committed is unknown (${reason})`
          : `The connection to the database was lost (${reason})`,
      { cause },
    );
    this.name = 'DatabaseConnectionLost';
  }
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '53300', // too many connections: the server is full for now
  '57P01',
  '57P02',
  '57P03',
  '57P05', // idle session timeout
  '08004', // the server rejected the connection
  '08006',
  '08001',
  '08003',
]);

/** Whether `err` says the database could not be reached or went away (not that a statement failed on it). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof DatabaseConnectionLost) return true;
  const code = (err as Error & { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    err.message,
  );
}
