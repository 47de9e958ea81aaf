// Runs work as a principal: one transaction, the principal's settings, and the non-owner role, so RLS applies.
import { type Kysely, sql } from 'kysely';
import { databaseSettings, type Principal } from '../auth/principal.js';
import { COMMIT_WITH_NEXT, DEFERRED_OPENING, DETACHED_END } from './database.js';
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
 * BEGIN, the principal's settings, the non-owner role and jit=off, all local to the transaction, in one
 * round trip (a parameterless script runs through the simple protocol on both drivers). JIT compilation costs
 * more than it saves on dashboard-sized queries.
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
   * `work` runs one statement at most: on PostgreSQL the COMMIT goes out with it (COMMIT_WITH_NEXT), so the
   * whole transaction is one write and one round trip. A second statement is refused.
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

export async function withPrincipal<T>(
  db: Kysely<DB>,
  principal: Principal,
  work: (tx: Tx) => Promise<T>,
  options: PrincipalOptions = {},
): Promise<T> {
  const opening = openingScript(principal, options);
  return db.connection().execute(async (conn) => {
    // On PostgreSQL the opening travels with the first statement, and a read-only transaction's end is not
    // waited for (see DEFERRED_OPENING, DETACHED_END): a dashboard read costs one round trip per statement.
    await sql.raw(`${DEFERRED_OPENING}${opening}`).execute(conn);
    const attached =
      options.oneStatement === true &&
      (await sql.raw<{ attached: boolean }>(COMMIT_WITH_NEXT).execute(conn)).rows[0]?.attached === true;
    let result: T;
    try {
      result = await work(conn);
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
    // An attached commit went out with the statement (or, with no statement, nothing reached the database).
    if (!attached) await sql.raw(options.readOnly ? DETACHED_END : 'commit').execute(conn);
    return result;
  });
}
