// withPrincipal's freshPlans: a statement prepared while its table was empty is planned again once the table has
// grown, instead of running the plan cached then (a hash join over the whole table, where an index finds the rows).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { systemPrincipal } from '../auth/principal.js';
import { APP_ROLE, withPrincipal } from './tenant.js';

const SYSTEM = systemPrincipal('fresh plans test');

describe.each(testTargets())('fresh plans on %s', (target) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(target);
    // Shaped like the inbox lookup of a fold: rows found by key through an index, joined to a list of keys.
    await sql`create table plan_probe (id bigint generated always as identity primary key, k text not null, pad text not null)`.execute(
      database.db,
    );
    await sql`create index plan_probe_k on plan_probe (k)`.execute(database.db);
    await sql.raw(`grant select, insert, truncate on plan_probe to ${APP_ROLE}`).execute(database.db);
  });

  afterAll(async () => {
    await database?.cleanup();
  });

  /**
   * In one transaction: the lookup prepared and run six times while the table is empty (PostgreSQL then keeps
   * a generic plan), 20,000 rows added, and the plan the lookup runs with now.
   */
  const planAfterGrowth = (freshPlans: boolean) =>
    withPrincipal(
      database.db,
      SYSTEM,
      async (tx) => {
        // Empty, down to no pages at all (rows deleted would leave their pages, and the planner counts pages).
        await sql`truncate plan_probe`.execute(tx);
        await sql
          .raw(`prepare probe(text[]) as select p.id from plan_probe p join unnest($1::text[]) as w(k) on p.k = w.k`)
          .execute(tx);
        try {
          for (let i = 0; i < 6; i++) await sql.raw(`execute probe(array['k1', 'k2'])`).execute(tx);
          await sql`insert into plan_probe (k, pad) select 'k' || g, repeat('x', 100) from generate_series(1, 20000) g`.execute(
            tx,
          );
          const plan = await sql.raw<{ 'QUERY PLAN': string }>(`explain execute probe(array['k1', 'k2'])`).execute(tx);
          return plan.rows.map((r) => r['QUERY PLAN']).join('\n');
        } finally {
          await sql.raw('deallocate probe').execute(tx);
        }
      },
      { freshPlans },
    );

  it('without it, the plan cached while the table was empty scans the whole table', async () => {
    const plan = await planAfterGrowth(false);
    expect(plan).toMatch(/Seq Scan on plan_probe/);
    expect(plan).not.toMatch(/Index (Only )?Scan using plan_probe_k/);
  });

  it('with it, the lookup is planned for the table as it is now: through the index', async () => {
    const plan = await planAfterGrowth(true);
    expect(plan).toMatch(/Index (Only )?Scan using plan_probe_k|Bitmap Index Scan on plan_probe_k/);
    expect(plan).not.toMatch(/Seq Scan on plan_probe/);
  });
});
