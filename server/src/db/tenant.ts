// Runs work as a principal: one transaction, the principal's settings, and the non-owner role, so RLS applies.
import type { Kysely } from 'kysely';
import type { Principal } from '../auth/principal.js';
import { runTransaction, type TransactionEnding } from './pipeline.js';
import { databaseSettings } from './principal-settings.js';
import type { DB } from './types.js';

export const APP_ROLE = 'victorysync_app';

/** A connection inside a withPrincipal transaction. */
export type Tx = Kysely<DB>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A setting value written into the opening statement: only '' or a UUID ever gets there. */
function literal(value: string, name: string): string {
  if (value !== '' && !UUID.test(value)) throw new Error(`withPrincipal: ${name} must be empty or a UUID`);
  return `'${value}'`;
}

/**
 * BEGIN, the principal's settings, the non-owner role and jit=off, all local to the transaction, in one script
 * (a parameterless script runs through the simple protocol on both drivers; on PostgreSQL it goes out with the
 * transaction's first statement). JIT compilation costs more than it saves on dashboard-sized queries.
 */
export function openingScript(principal: Principal, options: Omit<PrincipalOptions, 'oneStatement'> = {}): string {
  const s = databaseSettings(principal);
  return `begin${options.readOnly ? ' read only' : ''}; select set_config('vs.user_id', ${literal(s.userId, 'user id')}, true), set_config('vs.is_admin', '${
    s.isAdmin ? 'on' : 'off'
  }', true), set_config('vs.org_scope', ${literal(s.orgScope, 'org scope')}, true), set_config('vs.key_id', ${literal(s.keyId, 'key id')}, true), set_config('role', '${APP_ROLE}', true), set_config('jit', 'off', true)${
    options.derived ? `, set_config('synchronous_commit', 'off', true)` : ''
  }${options.freshPlans ? `, set_config('plan_cache_mode', 'force_custom_plan', true)` : ''}`;
}

export interface PrincipalOptions {
  readOnly?: boolean;
  /**
   * `work` runs one statement at most: on PostgreSQL the COMMIT goes out with it ('commit-with-statement' in
   * pipeline.ts), so the whole transaction is one write and one round trip, and a second statement is refused
   * (it would run after the COMMIT). PGlite runs the transaction statement by statement.
   */
  oneStatement?: boolean;
  /**
   * What the transaction writes can be derived again from what is stored durably (the webhook inbox): its
   * COMMIT does not wait for the write-ahead log to reach the disk. A crash of PostgreSQL may then lose the
   * last fraction of a second of such commits, never half of one, and the work is done again (events not marked
   * processed are folded again, calls not marked fetched are fetched again). Never for what is acknowledged to
   * someone as stored.
   */
  derived?: boolean;
  /**
   * Every statement is planned for the table sizes of the moment (plan_cache_mode = force_custom_plan), never
   * from a plan cached when the statement was first prepared on this connection. For tables that grow from
   * nothing within seconds (the inbox, live state): a plan cached while the inbox was empty scans all of it
   * with a hash join once it holds thousands of rows, where a fresh plan reads a handful through the index.
   * Planning costs a fraction of a millisecond per statement, small beside a batch's work.
   */
  freshPlans?: boolean;
}

/**
 * Runs `work` in one transaction as `principal`. On PostgreSQL a read-only transaction costs one round trip per
 * statement (its opening rides with the first, its ROLLBACK with the connection's next write), and a oneStatement
 * transaction one round trip in all; see pipeline.ts.
 */
export function withPrincipal<T>(
  db: Kysely<DB>,
  principal: Principal,
  work: (tx: Tx) => Promise<T>,
  options: PrincipalOptions = {},
): Promise<T> {
  return runTransaction(db, { opening: openingScript(principal, options), ending: endingOf(options) }, work);
}

function endingOf(options: PrincipalOptions): TransactionEnding {
  if (options.oneStatement) return 'commit-with-statement';
  return options.readOnly ? 'rollback-with-next-write' : 'commit';
}
