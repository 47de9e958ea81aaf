// runTransaction: the same outcomes on every driver (commit, rollback on failure, a usable connection after), one
// round trip per transaction part that needs one on PostgreSQL, and a clear error when the connection is lost.
import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RoundTripProxy, startRoundTripProxy } from '../../test/support/round-trip-proxy.js';
import { countSocketWrites } from '../../test/support/socket-writes.js';
import { type Database, openDatabase } from './database.js';
import { END_FLUSH_MS, runTransaction, type TransactionEnding, type TransactionPlan } from './pipeline.js';
import type { DB } from './types.js';
import { DatabaseConnectionLost, isDatabaseUnavailable } from './unavailable.js';

const url = process.env.TEST_DATABASE_URL;

/** An opening with a setting local to the transaction, so a statement can tell whether it ran inside it. */
const plan = (ending: TransactionEnding, opening = `begin; select set_config('vs_test.inside', 'yes', true)`) =>
  ({ opening, ending }) satisfies TransactionPlan;

const insert = (tx: Kysely<DB>, id: number) => sql`insert into items (id, note) values (${id}, ${'n'})`.execute(tx);
const fails = (tx: Kysely<DB>) => sql`select 1 / ${0}::int as boom`.execute(tx);
const stored = async (db: Kysely<DB>, id: number) =>
  (await sql<{ n: number }>`select count(*)::int as n from items where id = ${id}`.execute(db)).rows[0]?.n;
/** What a statement outside any transaction sees: its own transaction, and none of the setting. */
const outside = async (db: Kysely<DB>) =>
  (
    await sql<{ fresh: boolean; inside: string }>`
      select now() = statement_timestamp() as fresh, coalesce(current_setting('vs_test.inside', true), '') as inside`.execute(
      db,
    )
  ).rows[0];
const pid = async (db: Kysely<DB>) =>
  (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]?.pid;

/** A private schema with one table on TEST_DATABASE_URL, dropped by the returned function. */
async function privateSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `vs_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}; create table ${schema}.items (id int primary key, note text not null)`);
  await admin.end();
  return {
    schema,
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    },
  };
}

const proxyTarget = () => {
  const u = new URL(url as string);
  return { host: u.hostname, port: Number(u.port || 5432) };
};

const POOLED = 'postgres (pipelined, transaction pooler: unnamed statements)';
const SEQUENTIAL = 'postgres (prepared statements off: sequential)';
const drivers = url ? ['pglite', 'postgres (pipelined)', POOLED, SEQUENTIAL] : ['pglite'];

describe.each(drivers)('a transaction on %s', (driver) => {
  let database: Database;
  let drop = async () => {};

  beforeAll(async () => {
    if (driver === 'pglite') {
      database = await openDatabase({ kind: 'pglite', dataDir: null });
      await sql`create table items (id int primary key, note text not null)`.execute(database.db);
      return;
    }
    const s = await privateSchema();
    drop = s.drop;
    database = await openDatabase({
      kind: 'postgres',
      url: url as string,
      poolSize: 1,
      searchPath: s.schema,
      prepare: driver !== SEQUENTIAL,
      pooler: driver === POOLED ? 'transaction' : 'none',
    });
  });

  afterAll(async () => {
    await database?.close();
    await drop();
  });

  beforeEach(async () => {
    await sql`delete from items`.execute(database.db);
  });

  const db = () => database.db;

  it('commits its statements, run inside it', async () => {
    const inside = await runTransaction(db(), plan('commit'), async (tx) => {
      await insert(tx, 1);
      await insert(tx, 2);
      return (await sql<{ v: string }>`select current_setting('vs_test.inside') as v`.execute(tx)).rows[0]?.v;
    });
    expect(inside).toBe('yes');
    expect([await stored(db(), 1), await stored(db(), 2)]).toEqual([1, 1]);
    expect(await outside(db())).toEqual({ fresh: true, inside: '' });
  });

  it('commits a one-statement transaction', async () => {
    await runTransaction(db(), plan('commit-with-statement'), (tx) => insert(tx, 3));
    expect(await stored(db(), 3)).toBe(1);
    expect(await outside(db())).toEqual({ fresh: true, inside: '' });
  });

  it('ends a read-only transaction: what runs next on the connection is outside it', async () => {
    const n = await runTransaction(db(), plan('rollback-with-next-write', 'begin read only'), async (tx) => {
      return (await sql<{ n: number }>`select count(*)::int as n from items`.execute(tx)).rows[0]?.n;
    });
    expect(n).toBe(0);
    // Had the ROLLBACK not gone first, this would run in the read-only transaction and be refused.
    await insert(db(), 4);
    expect(await stored(db(), 4)).toBe(1);
  });

  it('ends a rollback-ending transaction with a ROLLBACK: what it wrote is not kept', async () => {
    await runTransaction(db(), plan('rollback-with-next-write'), (tx) => insert(tx, 9));
    expect(await stored(db(), 9)).toBe(0);
    expect(await outside(db())).toEqual({ fresh: true, inside: '' });
  });

  it('rolls back all of it when its second statement fails; the caller gets that error; the connection goes on', async () => {
    await expect(
      runTransaction(db(), plan('commit'), async (tx) => {
        await insert(tx, 5);
        await fails(tx);
      }),
    ).rejects.toThrow(/division by zero/);
    expect(await stored(db(), 5)).toBe(0);
    expect(await outside(db())).toEqual({ fresh: true, inside: '' });
    await runTransaction(db(), plan('commit'), (tx) => insert(tx, 5));
    expect(await stored(db(), 5)).toBe(1);
  });

  it('rolls back when its work throws after a statement', async () => {
    await expect(
      runTransaction(db(), plan('rollback-with-next-write'), async (tx) => {
        await insert(tx, 6);
        throw new Error('the work gave up');
      }),
    ).rejects.toThrow('the work gave up');
    expect(await stored(db(), 6)).toBe(0);
    expect(await outside(db())).toEqual({ fresh: true, inside: '' });
  });

  it('stores nothing when a one-statement transaction fails, and the connection goes on', async () => {
    await insert(db(), 7);
    await expect(runTransaction(db(), plan('commit-with-statement'), (tx) => insert(tx, 7))).rejects.toThrow(
      /duplicate key/,
    );
    expect(await stored(db(), 7)).toBe(1);
    expect(await outside(db())).toEqual({ fresh: true, inside: '' });
  });

  it("answers the opening's error when the opening fails, and the connection goes on", async () => {
    await expect(runTransaction(db(), plan('commit', 'begin; select 1 / 0'), (tx) => insert(tx, 8))).rejects.toThrow(
      /division by zero/,
    );
    expect(await stored(db(), 8)).toBe(0);
    expect(await outside(db())).toEqual({ fresh: true, inside: '' });
  });

  it("answers the work's result when it ran no statement, and leaves no transaction open", async () => {
    for (const ending of ['commit', 'commit-with-statement', 'rollback-with-next-write'] as const) {
      expect(await runTransaction(db(), plan(ending), async () => 'nothing')).toBe('nothing');
    }
    expect(await outside(db())).toEqual({ fresh: true, inside: '' });
  });
});

describe.skipIf(!url)('round trips on pipelined PostgreSQL', () => {
  let proxy: RoundTripProxy;
  let socketWrites: ReturnType<typeof countSocketWrites>;
  let database: Database;
  let unprepared: Database;
  let drop = async () => {};

  beforeAll(async () => {
    const s = await privateSchema();
    drop = s.drop;
    proxy = await startRoundTripProxy(proxyTarget());
    const through = proxy.urlThrough(url as string);
    socketWrites = countSocketWrites(Number(new URL(through).port));
    database = await openDatabase({ kind: 'postgres', url: through, poolSize: 1, searchPath: s.schema });
    unprepared = await openDatabase({
      kind: 'postgres',
      url: through,
      poolSize: 1,
      searchPath: s.schema,
      prepare: false,
    });
  });

  afterAll(async () => {
    socketWrites?.restore();
    await database?.close();
    await unprepared?.close();
    await proxy?.close();
    await drop();
  });

  /** The round trips `run` costs, once the connection is open and idle. */
  const roundTripsOf = async (run: () => Promise<unknown>) => {
    await new Promise((resolve) => setTimeout(resolve, END_FLUSH_MS * 3));
    proxy.reset();
    socketWrites.reset();
    await run();
    return { roundTrips: proxy.roundTrips, writes: socketWrites.writes };
  };
  const read = (db: Kysely<DB>) =>
    runTransaction(db, plan('rollback-with-next-write', 'begin read only'), (tx) =>
      sql`select count(*)::int as n from items where id > ${0}`.execute(tx),
    );

  it('a read-only transaction of one statement: one round trip, in one write; its ROLLBACK rides with the next', async () => {
    await read(database.db);
    expect(await roundTripsOf(() => read(database.db))).toEqual({ roundTrips: 1, writes: 1 });
    // Five in a row: each carries the previous one's ROLLBACK.
    expect(
      await roundTripsOf(async () => {
        for (let i = 0; i < 5; i++) await read(database.db);
      }),
    ).toEqual({ roundTrips: 5, writes: 5 });
  });

  it('a pending ROLLBACK goes out alone when nobody uses the connection: it does not stay in its transaction', async () => {
    const backend = await pid(database.db);
    await new Promise((resolve) => setTimeout(resolve, END_FLUSH_MS * 3));
    proxy.reset();
    await read(database.db);
    expect(proxy.roundTrips).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, END_FLUSH_MS * 5));
    expect(proxy.roundTrips).toBe(2);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const state = await admin.query('select state from pg_stat_activity where pid = $1', [backend]);
    await admin.end();
    expect(state.rows[0]?.state).toBe('idle');
  });

  it('a one-statement transaction: opening, statement and COMMIT in one round trip and one write', async () => {
    expect(
      await roundTripsOf(() => runTransaction(database.db, plan('commit-with-statement'), (tx) => insert(tx, 100))),
    ).toEqual({ roundTrips: 1, writes: 1 });
    expect(await stored(database.db, 100)).toBe(1);
  });

  it('a transaction of two statements: the opening rides with the first, the COMMIT is a round trip of its own', async () => {
    const cost = await roundTripsOf(() =>
      runTransaction(database.db, plan('commit'), async (tx) => {
        await insert(tx, 101);
        await insert(tx, 102);
      }),
    );
    expect(cost).toEqual({ roundTrips: 3, writes: 3 });
  });

  it('refuses a statement after the one that carried the COMMIT (it would run outside the transaction)', async () => {
    await expect(
      runTransaction(database.db, plan('commit-with-statement'), async (tx) => {
        await insert(tx, 103);
        await insert(tx, 104);
      }),
    ).rejects.toThrow(/after its transaction was committed/);
    expect([await stored(database.db, 103), await stored(database.db, 104)]).toEqual([1, 0]);
    expect(await outside(database.db)).toEqual({ fresh: true, inside: '' });
  });

  it('without pipelining (prepared statements off) every part is a round trip of its own', async () => {
    await read(unprepared.db);
    expect((await roundTripsOf(() => read(unprepared.db))).roundTrips).toBe(3);
  });
});

describe.skipIf(!url)('connection loss on pipelined PostgreSQL', () => {
  let proxy: RoundTripProxy;
  let database: Database;
  let admin: pg.Client;
  let drop = async () => {};

  beforeAll(async () => {
    const s = await privateSchema();
    drop = s.drop;
    proxy = await startRoundTripProxy(proxyTarget());
    database = await openDatabase({
      kind: 'postgres',
      url: proxy.urlThrough(url as string),
      poolSize: 1,
      searchPath: s.schema,
    });
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`set search_path = ${s.schema}`);
  });

  afterAll(async () => {
    await database?.close();
    await admin?.end();
    await proxy?.close();
    await drop();
  });

  afterEach(async () => {
    await admin.query('delete from items');
  });

  const storedOutside = async (id: number) =>
    (await admin.query<{ n: number }>('select count(*)::int as n from items where id = $1', [id])).rows[0]?.n;
  /** Until the server has ended `backend` (it notices a lost client only when it next reads from it). */
  const gone = async (backend: number | undefined) => {
    for (let i = 0; i < 100; i++) {
      const r = await admin.query('select 1 from pg_stat_activity where pid = $1', [backend]);
      if (r.rowCount === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`backend ${backend} still there`);
  };
  const caught = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    throw new Error('expected a failure');
  };

  it('the backend terminated between two statements: a clear error, nothing stored, a fresh connection next', async () => {
    const before = await pid(database.db);
    const error = await caught(
      runTransaction(database.db, plan('commit'), async (tx) => {
        await insert(tx, 200);
        await admin.query('select pg_terminate_backend($1)', [before]);
        await gone(before);
        await insert(tx, 201);
      }),
    );
    expect(error).toBeInstanceOf(DatabaseConnectionLost);
    expect(error).toMatchObject({ outcome: 'not committed', code: '08006' });
    expect((error as Error).message).toMatch(/lost before the transaction committed; nothing of it was stored/);
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(await storedOutside(200)).toBe(0);
    // The pool dropped the broken connection: the next request runs on a new one.
    const after = await pid(database.db);
    expect(after).not.toBe(before);
    await runTransaction(database.db, plan('commit'), (tx) => insert(tx, 202));
    expect(await storedOutside(202)).toBe(1);
  });

  it('the network cut while a statement runs: a clear error, nothing stored, the next request works', async () => {
    const before = await pid(database.db);
    const running = caught(
      runTransaction(database.db, plan('rollback-with-next-write'), async (tx) => {
        await insert(tx, 210);
        await sql`select pg_sleep(0.3)`.execute(tx);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    proxy.cut();
    const error = await running;
    expect(error).toBeInstanceOf(DatabaseConnectionLost);
    expect(error).toMatchObject({ outcome: 'not committed' });
    await gone(before);
    expect(await storedOutside(210)).toBe(0);
    expect(await pid(database.db)).not.toBe(before);
    expect(await runTransaction(database.db, plan('commit-with-statement'), (tx) => insert(tx, 211))).toBeDefined();
    expect(await storedOutside(211)).toBe(1);
  });

  it('the network cut while a one-statement transaction runs: its COMMIT was sent, so the outcome is unknown', async () => {
    const running = caught(
      runTransaction(database.db, plan('commit-with-statement'), (tx) =>
        sql`insert into items (id, note) select ${220}, pg_sleep(0.3)::text`.execute(tx),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    proxy.cut();
    const error = await running;
    expect(error).toBeInstanceOf(DatabaseConnectionLost);
    expect(error).toMatchObject({ outcome: 'unknown' });
    expect((error as Error).message).toMatch(/whether it committed is unknown/);
    await runTransaction(database.db, plan('commit'), (tx) => insert(tx, 221));
    expect(await storedOutside(221)).toBe(1);
  });
});
