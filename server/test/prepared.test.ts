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

  describe('oneStatement: the commit goes out with the statement', () => {
    const SYSTEM = { kind: 'system', reason: 'one-statement test' } as const;
    const insertNumber = (db: Database, e164: string) =>
      withPrincipal(
        db.db,
        SYSTEM,
        (tx) => tx.insertInto('phone_numbers').values({ e164 }).returning('id').executeTakeFirstOrThrow(),
        { oneStatement: true },
      );
    // Seen from a session of its own: only committed rows.
    const stored = async (e164: string) => {
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      try {
        const r = await other.query(`select count(*)::int as n from ${schema}.phone_numbers where e164 = $1`, [e164]);
        return r.rows[0].n as number;
      } finally {
        await other.end();
      }
    };
    // No transaction left open on the pool's one connection: a statement there starts a transaction of its own.
    const fresh = async (db: Database) =>
      (await sql<{ fresh: boolean }>`select now() = statement_timestamp() as fresh`.execute(db.db)).rows[0]?.fresh;

    for (const prepare of [true, false]) {
      const db = () => (prepare ? database : unprepared);
      it(`commits the statement, and a failed one changes nothing (prepared statements ${prepare ? 'on' : 'off'})`, async () => {
        const e164 = prepare ? '+12125550181' : '+12125550182';
        const { id } = await insertNumber(db(), e164);
        // Committed: the owner's own connection sees it.
        expect(await stored(e164)).toBe(1);
        expect(id).toMatch(/^[0-9a-f-]{36}$/);
        // A unique violation: the error reaches the caller, nothing is stored, the connection (the only one) goes on.
        await expect(insertNumber(db(), e164)).rejects.toThrow(/duplicate key|unique/);
        expect(await stored(e164)).toBe(1);
        expect(await count(db(), users.b)).toBe(2);
        expect(await fresh(db())).toBe(true);
      });
    }

    it('runs the statement as the principal: row-level security refuses a user who may not write', async () => {
      const user = as(users.a);
      await expect(
        withPrincipal(
          database.db,
          user,
          (tx) => tx.insertInto('phone_numbers').values({ e164: '+12125550183' }).execute(),
          {
            oneStatement: true,
          },
        ),
      ).rejects.toThrow(/row-level security/);
      expect(await stored('+12125550183')).toBe(0);
    });

    it('refuses a second statement, which would run outside the transaction as the owner', async () => {
      await expect(
        withPrincipal(
          database.db,
          SYSTEM,
          async (tx) => {
            await tx.insertInto('phone_numbers').values({ e164: '+12125550184' }).execute();
            await tx.insertInto('phone_numbers').values({ e164: '+12125550185' }).execute();
          },
          { oneStatement: true },
        ),
      ).rejects.toThrow(/after its transaction was committed/);
      expect(await stored('+12125550184')).toBe(1);
      expect(await stored('+12125550185')).toBe(0);
      // The connection is clean for its next user.
      expect(await fresh(database)).toBe(true);
      expect(await count(database, users.a)).toBe(1);
    });

    it('with no statement reaches nothing and leaves the connection usable', async () => {
      expect(await withPrincipal(database.db, SYSTEM, async () => 'nothing', { oneStatement: true })).toBe('nothing');
      expect(await fresh(database)).toBe(true);
      expect(await count(database, users.b)).toBe(2);
    });
  });

  describe('the end of a read-only transaction', () => {
    const backend = () =>
      database.db.connection().execute(async (conn) => {
        const r = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(conn);
        return r.rows[0]?.pid;
      });
    const stateOf = async (pid: number | undefined) => {
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      try {
        const r = await other.query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid]);
        return r.rows[0]?.state;
      } finally {
        await other.end();
      }
    };
    const readAs = (userId: string) =>
      withPrincipal(database.db, as(userId), (tx) => sql`SELECT count(*) FROM calls`.execute(tx), { readOnly: true });

    it('goes out before the next statement on the connection: the owner is itself again, and may write', async () => {
      const pid = await backend();
      await readAs(users.a);
      // Right away, on the same (only) connection: had the ROLLBACK not gone first, this would run inside the
      // read-only transaction as victorysync_app and the insert would be refused.
      const who = await database.db.connection().execute(async (conn) => {
        const r = await sql<{ role: string; user: string; pid: number }>`
          SELECT current_user AS role, current_setting('vs.user_id', true) AS user, pg_backend_pid() AS pid`.execute(
          conn,
        );
        await sql`CREATE TEMP TABLE IF NOT EXISTS after_read (n int)`.execute(conn);
        await sql`INSERT INTO after_read VALUES (1)`.execute(conn);
        return r.rows[0];
      });
      expect(who?.pid).toBe(pid);
      expect(who?.role).not.toBe('victorysync_app');
      expect(who?.user ?? '').toBe('');
    });

    it("goes out with the next principal's opening: the next read is a transaction of its own", async () => {
      const read = (userId: string) =>
        withPrincipal(
          database.db,
          as(userId),
          async (tx) => {
            const r = await sql<{ started: Date; pid: number; n: number }>`
              SELECT transaction_timestamp() AS started, pg_backend_pid() AS pid, count(*)::int AS n FROM calls`.execute(
              tx,
            );
            return r.rows[0];
          },
          { readOnly: true },
        );
      const first = await read(users.a);
      // Well within the 20 ms after which the ROLLBACK would go out alone.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await read(users.b);
      expect(second?.pid).toBe(first?.pid);
      expect(second?.started.getTime()).toBeGreaterThan(first?.started.getTime() ?? Number.POSITIVE_INFINITY);
      expect([first?.n, second?.n]).toEqual([1, 2]);
    });

    it('goes out by itself soon when nobody uses the connection: it does not sit idle in its transaction', async () => {
      const pid = await backend();
      await readAs(users.b);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await stateOf(pid)).toBe('idle');
    });
  });

  it('sends statements unnamed when turned off', async () => {
    expect(await count(unprepared, users.b)).toBe(2);
    const named = await withPrincipal(unprepared.db, as(users.a), (tx) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_prepared_statements`.execute(tx),
    );
    expect(named.rows[0]?.n).toBe(0);
  });
});
