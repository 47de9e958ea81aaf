// Runs work as a principal: one transaction, the principal's settings, and the non-owner role, so RLS applies.
import { type Kysely, sql, type Transaction } from 'kysely';
import { databaseSettings, type Principal } from '../auth/principal.js';
import type { DB } from './types.js';

export const APP_ROLE = 'victorysync_app';

export type Tx = Transaction<DB>;

export async function withPrincipal<T>(db: Kysely<DB>, principal: Principal, work: (tx: Tx) => Promise<T>): Promise<T> {
  const s = databaseSettings(principal);
  return db.transaction().execute(async (tx) => {
    // One round trip: the three settings and the role, all local to this transaction. JIT compilation costs
    // more than it saves on dashboard-sized queries.
    await sql`select set_config('vs.user_id', ${s.userId}, true), set_config('vs.is_admin', ${s.isAdmin ? 'on' : 'off'}, true),
      set_config('vs.org_scope', ${s.orgScope}, true), set_config('role', ${APP_ROLE}, true),
      set_config('jit', 'off', true)`.execute(tx);
    return work(tx);
  });
}
