// The pipelined driver in transaction-pooler mode (DATABASE_POOLER=transaction), on PostgreSQL directly: the same
// round trips and writes as a direct connection, no named statement left on the server connection, and no
// transaction held open past its work (a pooler would keep its server connection from every other client).
import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RoundTripProxy, startRoundTripProxy } from '../../test/support/round-trip-proxy.js';
import { countSocketWrites } from '../../test/support/socket-writes.js';
import { type Database, openDatabase } from './database.js';
import { END_FLUSH_MS, runTransaction } from './pipeline.js';
import type { DB } from './types.js';

const url = process.env.TEST_DATABASE_URL;

describe.skipIf(!url)('the pipelined driver behind a transaction-mode pooler (PostgreSQL)', () => {
  const schema = `vs_test_${randomBytes(6).toString('hex')}`;
  let proxy: RoundTripProxy;
  let socketWrites: ReturnType<typeof countSocketWrites>;
  let pooled: Database;
  let named: Database;
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}; create table ${schema}.items (id int primary key, note text not null)`);
    proxy = await startRoundTripProxy({
      host: new URL(url as string).hostname,
      port: Number(new URL(url as string).port || 5432),
    });
    const through = proxy.urlThrough(url as string);
    socketWrites = countSocketWrites(Number(new URL(through).port));
    const open = (pooler: 'none' | 'transaction') =>
      openDatabase({ kind: 'postgres', url: through, poolSize: 1, searchPath: schema, pooler });
    pooled = await open('transaction');
    named = await open('none');
    // Each pool's one connection open before anything is counted.
    for (const database of [pooled, named]) await sql`select 1`.execute(database.db);
  });

  afterAll(async () => {
    socketWrites?.restore();
    await pooled?.close();
    await named?.close();
    await proxy?.close();
    await admin?.query(`drop schema ${schema} cascade`);
    await admin?.end();
  });

  const settle = () => new Promise((resolve) => setTimeout(resolve, END_FLUSH_MS * 3));
  const costOf = async (run: () => Promise<unknown>) => {
    await settle();
    proxy.reset();
    socketWrites.reset();
    await run();
    return { roundTrips: proxy.roundTrips, writes: socketWrites.writes };
  };
  const read = (db: Kysely<DB>) =>
    runTransaction(db, { opening: 'begin read only', ending: 'rollback-with-next-write' }, (tx) =>
      sql<{ n: number }>`select count(*)::int as n from items where id > ${0}`.execute(tx),
    );
  const insert = (tx: Kysely<DB>, id: number) => sql`insert into items (id, note) values (${id}, ${'n'})`.execute(tx);
  const backend = async (db: Kysely<DB>) =>
    (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]?.pid;
  const stateOf = async (pid: number | undefined) =>
    (await admin.query<{ state: string }>('select state from pg_stat_activity where pid = $1', [pid])).rows[0]?.state;

  it('writes a one-statement transaction (opening, statement, COMMIT) in one write and one round trip', async () => {
    expect(
      await costOf(() =>
        runTransaction(pooled.db, { opening: 'begin', ending: 'commit-with-statement' }, (tx) => insert(tx, 1)),
      ),
    ).toEqual({ roundTrips: 1, writes: 1 });
    expect(
      await costOf(() =>
        runTransaction(pooled.db, { opening: 'begin', ending: 'commit' }, async (tx) => {
          await insert(tx, 2);
          await insert(tx, 3);
        }),
      ),
    ).toEqual({ roundTrips: 3, writes: 3 });
    const n = await admin.query(`select count(*)::int as n from ${schema}.items`);
    expect(n.rows[0]?.n).toBe(3);
  });

  it('sends a read-only transaction in one write and its ROLLBACK when the work ends, without waiting for it', async () => {
    await read(pooled.db);
    await settle();
    socketWrites.reset();
    const answer = await read(pooled.db);
    expect(answer.rows[0]?.n).toBe(3);
    // The ROLLBACK left as the work ended (a second write), not with the next statement nor after END_FLUSH_MS.
    expect(socketWrites.writes).toBe(2);
    // On a direct connection it waits for the next write.
    await read(named.db);
    await settle();
    socketWrites.reset();
    await read(named.db);
    expect(socketWrites.writes).toBe(1);
    // That ROLLBACK ends the transaction on the server connection.
    const pid = await backend(pooled.db);
    await read(pooled.db);
    let state = await stateOf(pid);
    for (let i = 0; state !== 'idle' && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      state = await stateOf(pid);
    }
    expect(state).toBe('idle');
  });

  it('names no statement: nothing is left prepared on the server connection', async () => {
    const prepared = (db: Kysely<DB>) =>
      sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements where name like ${'vs_%'}`.execute(db);
    for (let i = 0; i < 3; i++) await read(pooled.db);
    expect((await prepared(pooled.db)).rows[0]?.n).toBe(0);
    for (let i = 0; i < 3; i++) await read(named.db);
    expect((await prepared(named.db)).rows[0]?.n).toBeGreaterThan(0);
  });
});
