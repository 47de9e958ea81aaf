// Named prepared statements on PostgreSQL: one plan per statement and connection, reused across principals
// without ever reusing one principal's rows for another (policies read the principal at execution time).
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { withPrincipal } from '../src/db/tenant.js';
import { assignNumber, call, createNumber, createOrg, createUser, insertCalls } from './support/fixtures.js';

const url = process.env.TEST_DATABASE_URL;

describe('DATABASE_PREPARED_STATEMENTS', () => {
  it('is on by default and can be turned off for poolers that cannot keep named statements', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://w@h/db' }).database).toMatchObject({ prepare: true });
    expect(loadConfig({ DATABASE_URL: 'postgres://w@h/db', DATABASE_PREPARED_STATEMENTS: '0' }).database).toMatchObject(
      { prepare: false },
    );
  });
});

describe.skipIf(!url)('prepared statements under row-level security (PostgreSQL)', () => {
  const schema = `vs_test_${randomBytes(6).toString('hex')}`;
  const open = (prepare: boolean) =>
    openDatabase({ kind: 'postgres', url: url as string, poolSize: 1, searchPath: schema, prepare });
  let database: Database;
  let unprepared: Database;
  let users: { a: string; b: string };

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    database = await open(true);
    unprepared = await open(false);
    await migrate(database.db, schema);
    const orgA = await createOrg(database, 'Prepared A');
    const orgB = await createOrg(database, 'Prepared B');
    const na = await createNumber(database, '+12125550111');
    const nb = await createNumber(database, '+12125550122');
    await assignNumber(database, orgA, na);
    await assignNumber(database, orgB, nb);
    const at = new Date(Date.now() - 60_000);
    await insertCalls(database, [
      call({ businessNumber: '+12125550111', startedAt: at }),
      call({ businessNumber: '+12125550122', startedAt: at }),
      call({ businessNumber: '+12125550122', startedAt: at }),
    ]);
    users = {
      a: await createUser(database, 'a@prepared.example', { memberships: [{ orgId: orgA, role: 'org_admin' }] }),
      b: await createUser(database, 'b@prepared.example', { memberships: [{ orgId: orgB, role: 'org_admin' }] }),
    };
  });

  afterAll(async () => {
    await database?.close();
    await unprepared?.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  });

  const as = (userId: string) =>
    ({ kind: 'user', userId, platformAdmin: false, sessionId: null, actingKeyId: null }) as const;
  const count = (db: Database, userId: string) =>
    withPrincipal(db.db, as(userId), async (tx) => {
      const rows = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM calls WHERE started_at < ${new Date()}`.execute(tx);
      return rows.rows[0]?.n;
    });

  it('reuses one plan on one connection for two orgs, each seeing only its own rows', async () => {
    // One connection: the same named statement serves A, B, A, B…
    for (let i = 0; i < 8; i++) {
      expect(await count(database, users.a)).toBe(1);
      expect(await count(database, users.b)).toBe(2);
    }
    const named = await withPrincipal(database.db, as(users.a), (tx) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_prepared_statements
        WHERE name LIKE 'vs\_%' AND statement LIKE ${'%AS n FROM calls WHERE started_at <%'}`.execute(tx),
    );
    // Exactly one named statement for the sixteen runs of the count.
    expect(named.rows[0]?.n).toBe(1);
  });

  it('sends statements unnamed when turned off', async () => {
    expect(await count(unprepared, users.b)).toBe(2);
    const named = await withPrincipal(unprepared.db, as(users.a), (tx) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_prepared_statements`.execute(tx),
    );
    expect(named.rows[0]?.n).toBe(0);
  });
});
