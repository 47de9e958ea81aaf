// Where a dashboard read runs when DATABASE_READ_URL names a streaming replica: on the replica, unless the caller
// has just written something the replica has not replayed yet (read-your-writes), or the replica is unreachable.
import { type Kysely, sql } from 'kysely';
import { errorMessage, type Logger } from '../http/logger.js';
import type { DB } from './types.js';
import { isDatabaseUnavailable } from './unavailable.js';

/** A WAL position (PostgreSQL's pg_lsn, "16/B374D848") as a number that compares. */
export type Lsn = bigint;

const LSN_TEXT = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i;

export function parseLsn(text: string | null | undefined): Lsn | null {
  const m = text ? LSN_TEXT.exec(text) : null;
  return m?.[1] && m[2] ? (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`) : null;
}

export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

export interface ReadRoutingOptions {
  primary: Kysely<DB>;
  /** the DATABASE_READ_URL connection; null (or the primary itself): every read runs on the primary */
  replica: Kysely<DB> | null;
  logger: Logger;
  now?: () => number;
  /** after the replica failed, reads go to the primary for this long before one read tries the replica again */
  retryMs?: number;
  /** how long a caller's write is remembered in this process (the cookie carries it to the others) */
  rememberMs?: number;
}

/** How many callers' last writes one process remembers; past that the oldest are forgotten first. */
const MAX_REMEMBERED = 10_000;

/**
 * The rule, in full: a read goes to the replica when the replica answered its last attempt (or `retryMs` has
 * passed since it failed) and has replayed every write the caller made through this API in the last
 * `rememberMs` (its position is read from the replica only when a caller needs more than it last showed).
 * Otherwise, or when the replica fails mid-read, the read runs on the primary.
 */
export class ReadRouting {
  private readonly primary: Kysely<DB>;
  private readonly replica: Kysely<DB> | null;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly retryMs: number;
  private readonly rememberMs: number;
  /** what the replica had replayed when last asked */
  private replayed: Lsn = 0n;
  private asking: Promise<Lsn> | null = null;
  /** when the replica last failed; null while it answers */
  private failedAt: number | null = null;
  /** each caller's last write: the primary's WAL position just after it committed */
  private readonly writes = new Map<string, { lsn: Lsn; at: number }>();
  /** reads served by each side, for /metrics */
  readonly served = { replica: 0, primary: 0 };

  constructor(options: ReadRoutingOptions) {
    this.primary = options.primary;
    this.replica = options.replica === options.primary ? null : options.replica;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.retryMs = options.retryMs ?? 2_000;
    this.rememberMs = options.rememberMs ?? 5 * 60_000;
  }

  /** whether there is a replica at all (without one, reads and writes need no bookkeeping) */
  get enabled(): boolean {
    return this.replica !== null;
  }

  /** whether the replica is taken to be reachable now */
  get replicaUp(): boolean {
    return this.replica !== null && this.failedAt === null;
  }

  /**
   * Records that `caller` (a user or key id) just committed a write on the primary; returns the position its later
   * reads must see. The caller's next reads on any process carry it back (a cookie) as `mustSee`.
   */
  async noteWrite(caller: string): Promise<Lsn | null> {
    if (!this.replica) return null;
    const row = await sql<{ lsn: string }>`select pg_current_wal_flush_lsn()::text as lsn`.execute(this.primary);
    const lsn = parseLsn(row.rows[0]?.lsn);
    if (lsn === null) return null;
    this.writes.delete(caller);
    this.writes.set(caller, { lsn, at: this.now() });
    if (this.writes.size > MAX_REMEMBERED) {
      const oldest = this.writes.keys().next().value;
      if (oldest !== undefined) this.writes.delete(oldest);
    }
    return lsn;
  }

  /** Runs a read: on the replica when the rule above allows, else (and when the replica fails) on the primary. */
  async read<T>(caller: string | null, carried: Lsn | null, work: (db: Kysely<DB>) => Promise<T>): Promise<T> {
    const replica = this.replica;
    if (!replica || !(await this.replicaMaySee(caller, carried))) {
      this.served.primary++;
      return work(this.primary);
    }
    try {
      const result = await work(replica);
      this.served.replica++;
      this.recovered();
      return result;
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      this.failed(err);
      this.served.primary++;
      return work(this.primary);
    }
  }

  /**
   * Whether the caller may still be waiting to see a write of its own: its answers must then be its own (no answer
   * shared with other callers through the dashboard cache, which may hold figures read before the write replayed).
   */
  awaitsOwnWrite(caller: string | null, carried: Lsn | null): boolean {
    if (!this.replica) return false;
    const mustSee = this.mustSee(caller, carried);
    return mustSee !== null && mustSee > this.replayed;
  }

  private async replicaMaySee(caller: string | null, carried: Lsn | null): Promise<boolean> {
    if (this.failedAt !== null && this.now() - this.failedAt < this.retryMs) return false;
    const mustSee = this.mustSee(caller, carried);
    if (mustSee === null || this.replayed >= mustSee) return true;
    try {
      return (await this.askReplayed()) >= mustSee;
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      this.failed(err);
      return false;
    }
  }

  /** The position the caller's reads must see: its last write here or the one its cookie carries, the later. */
  private mustSee(caller: string | null, carried: Lsn | null): Lsn | null {
    const own = caller === null ? undefined : this.writes.get(caller);
    let remembered: Lsn | null = null;
    if (own && caller !== null) {
      // Forgotten once old, or once the replica has shown it replayed it.
      if (this.now() - own.at > this.rememberMs || this.replayed >= own.lsn) this.writes.delete(caller);
      else remembered = own.lsn;
    }
    if (remembered === null) return carried;
    return carried === null || remembered > carried ? remembered : carried;
  }

  /** The replica's replayed position, asked once however many reads are waiting for it. */
  private askReplayed(): Promise<Lsn> {
    const replica = this.replica;
    if (!replica) return Promise.resolve(this.replayed);
    this.asking ??= sql<{ lsn: string | null }>`select pg_last_wal_replay_lsn()::text as lsn`
      .execute(replica)
      .then((r) => {
        const lsn = parseLsn(r.rows[0]?.lsn);
        if (lsn !== null && lsn > this.replayed) this.replayed = lsn;
        this.recovered();
        return this.replayed;
      })
      .finally(() => {
        this.asking = null;
      });
    return this.asking;
  }

  private failed(err: unknown): void {
    if (this.failedAt === null) {
      this.logger.warn('read replica unavailable: dashboard reads go to the primary', { error: errorMessage(err) });
    }
    this.failedAt = this.now();
  }

  private recovered(): void {
    if (this.failedAt === null) return;
    this.failedAt = null;
    this.logger.info('read replica answers again: dashboard reads go to it');
  }
}
