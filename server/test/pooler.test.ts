// The server through PgBouncer in transaction mode (DATABASE_POOLER=transaction): each transaction may run on
// another server connection, so no named prepared statement and no session state may outlive one. Dashboard reads,
// writes, the MightyCall sync and webhook worker run through a pooler of two server connections with the figures
// of a direct connection; two principals sharing one server connection see only their own rows; and the same
// through the pooler with named statements fails, so these tests cannot pass for want of a pooler.
import { randomBytes } from 'node:crypto';
import { DEMO_API_KEY, type RunningSimulator, startSimulator } from '@victorysync/mightycall-sim';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal.js';
import { loadConfig } from '../src/config.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { currentVersion, migrate } from '../src/db/migrate.js';
import { withPrincipal } from '../src/db/tenant.js';
import { METRICS_ENDPOINTS } from '../src/metrics/routes.js';
import { client, testApp } from './support/app.js';
import { openTestDatabase, type TestDatabase } from './support/database.js';
import { assignNumber, call, createNumber, createOrg, createUser, insertCalls } from './support/fixtures.js';
import {
  callRows,
  demoConnectionBody,
  expectedCallRow,
  mightyCallApp,
  registerConnection,
} from './support/mightycall.js';
import { type PgBouncer, pgbouncerBinary, startPgBouncer } from './support/pgbouncer.js';

const url = process.env.TEST_DATABASE_URL;
const skipped = !url
  ? 'TEST_DATABASE_URL is not set'
  : !pgbouncerBinary()
    ? 'pgbouncer is not installed (apt-get install pgbouncer; .ci/run installs it)'
    : null;

const PASSWORD = 'a-long-test-password-1';
const RANGE = 'from=2026-06-01&to=2026-06-30';
/** the error as the log line has it (JSON: its quotes escaped) */
const NAMED_STATEMENT_ERROR = /prepared statement \\"vs_[0-9a-f]+\\" (already exists|does not exist)/;
/** identical reads are not served from the dashboard cache: every read reaches the database */
const NO_CACHE = { VICTORYSYNC_DASHBOARD_CACHE_MS: '0' };

describe('DATABASE_POOLER', () => {
  const base = 'postgres://w@h:5432/db';
  it('is off for a direct URL, on when set or for a URL on port 6543 (Supabase’s transaction pooler)', () => {
    expect(loadConfig({ DATABASE_URL: base }).database).toMatchObject({ pooler: 'none', prepare: true });
    expect(loadConfig({ DATABASE_URL: base, DATABASE_POOLER: 'transaction' }).database).toMatchObject({
      pooler: 'transaction',
      prepare: false,
    });
    const supabase = 'postgres://postgres.ref:pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres';
    expect(loadConfig({ DATABASE_URL: supabase }).database).toMatchObject({ pooler: 'transaction', prepare: false });
    expect(loadConfig({ DATABASE_URL: supabase, DATABASE_POOLER: 'none' }).database).toMatchObject({
      pooler: 'none',
      prepare: true,
    });
    expect(() => loadConfig({ DATABASE_URL: supabase, DATABASE_PREPARED_STATEMENTS: '1' })).toThrow(/6543/);
    expect(() => loadConfig({ DATABASE_URL: base, DATABASE_POOLER: 'session' })).toThrow(/DATABASE_POOLER/);
  });
});

describe.skipIf(skipped !== null)(
  `the server through PgBouncer in transaction mode${skipped ? ` — skipped: ${skipped}` : ''}`,
  () => {
    let direct: TestDatabase;
    /** two server connections: transactions move between them */
    let bouncer: PgBouncer;
    /** one server connection shared by every client */
    let single: PgBouncer;
    const opened: Database[] = [];
    const org = {} as Record<'north' | 'south', string>;
    const user = {} as Record<'north' | 'south', string>;

    /** The test schema through a pooler, as DATABASE_POOLER says (pgbouncer's connect_query sets its search_path). */
    const through = async (pooler: PgBouncer, mode: 'transaction' | 'none', poolSize = 8): Promise<Database> => {
      const database = await openDatabase({ kind: 'postgres', url: pooler.url, poolSize, pooler: mode });
      opened.push(database);
      return { ...database, schema: direct.schema };
    };
    const signedIn = async (database: Database, email = 'root@example.com') => {
      const { app, logs } = testApp({ ...database, cleanup: async () => {} }, NO_CACHE);
      const c = client(app);
      await c.login(email, PASSWORD);
      return { c, logs };
    };
    /** every metrics endpoint, with and without the previous period, for both orgs */
    const reads = () =>
      METRICS_ENDPOINTS.flatMap((endpoint) => endpoint.paths).flatMap((path) =>
        Object.values(org).flatMap((id) =>
          ['true', 'false'].map((compare) => `${path}?org_id=${id}&${RANGE}&compare=${compare}`),
        ),
      );

    beforeAll(async () => {
      direct = await openTestDatabase('postgres');
      const connectQuery = `set search_path to ${direct.schema}`;
      bouncer = await startPgBouncer({ upstream: url as string, poolSize: 2, connectQuery });
      single = await startPgBouncer({ upstream: url as string, poolSize: 1, connectQuery });
      org.north = await createOrg(direct, 'North Pool', { timezone: 'America/Chicago' });
      org.south = await createOrg(direct, 'South Pool', { timezone: 'America/Chicago' });
      await createUser(direct, 'root@example.com', { platformAdmin: true, password: PASSWORD });
      const calls = [];
      for (const [key, e164, n] of [
        ['north', '+13125550401', 40],
        ['south', '+13125550402', 25],
      ] as const) {
        await assignNumber(direct, org[key], await createNumber(direct, e164));
        user[key] = await createUser(direct, `agent@${key}.example`, {
          password: PASSWORD,
          memberships: [{ orgId: org[key], role: 'agent', extension: key === 'north' ? '401' : '402' }],
        });
        for (let i = 0; i < n; i++) {
          const status = i % 5 === 0 ? 'missed' : 'answered';
          calls.push(
            call({
              providerCallId: `${key}-${i}`,
              businessNumber: e164,
              startedAt: new Date(Date.UTC(2026, 5, 1 + (i % 28), 14 + (i % 5), i)),
              status,
              direction: i % 7 === 0 ? 'outbound' : 'inbound',
              agentExtension: status === 'answered' ? '401' : null,
              queue: i % 2 ? 'Front desk' : 'Billing',
            }),
          );
        }
      }
      await insertCalls(direct, calls);
    });

    afterAll(async () => {
      for (const database of opened) await database.close().catch(() => undefined);
      await bouncer?.stop();
      await single?.stop();
      await direct?.cleanup();
    });

    it('answers 480 concurrent dashboard reads (every metrics endpoint) with 200 and the figures of a direct connection', async () => {
      const paths = reads();
      const expected = new Map<string, string>();
      const { c: directClient } = await signedIn(direct);
      for (const path of paths) {
        const res = await directClient.request(path);
        expect(res.status, path).toBe(200);
        expected.set(path, await res.text());
      }
      const { c, logs } = await signedIn(await through(bouncer, 'transaction'));
      const rounds = Math.ceil(480 / paths.length);
      const answers = await Promise.all(
        Array.from({ length: rounds }, () => paths).flatMap((round) =>
          round.map(async (path) => {
            const res = await c.request(path);
            return { path, status: res.status, body: await res.text() };
          }),
        ),
      );
      expect(answers.length).toBeGreaterThanOrEqual(480);
      expect(answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.path}`)).toEqual([]);
      for (const a of answers) expect(a.body, a.path).toBe(expected.get(a.path));
      expect(logs.join('\n')).not.toMatch(/prepared statement/);
    });

    it('lands concurrent call imports through the API exactly once', async () => {
      const { c } = await signedIn(await through(bouncer, 'transaction'));
      // Calls in July: outside RANGE, so the other tests' figures stay those of the seeded June.
      const file = (batch: number) =>
        Array.from({ length: 50 }, (_, i) =>
          JSON.stringify({
            provider: 'pooled-import',
            provider_call_id: `b${batch}-${i}`,
            direction: 'inbound',
            status: 'answered',
            business_number: '+13125550401',
            external_number: '+16465550100',
            started_at: new Date(Date.UTC(2026, 6, 3, 12, batch, i)).toISOString(),
            answered_at: new Date(Date.UTC(2026, 6, 3, 12, batch, i, 500)).toISOString(),
            ended_at: new Date(Date.UTC(2026, 6, 3, 12, batch + 1, i)).toISOString(),
            agent_extension: '401',
          }),
        ).join('\n');
      const post = (batch: number) =>
        c.json<{ received: number; inserted: number }>('/api/admin/calls/import', {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson' },
          body: file(batch),
        });
      const results = await Promise.all(Array.from({ length: 6 }, (_, batch) => post(batch)));
      expect(results.map((r) => [r.status, r.body.received, r.body.inserted])).toEqual(
        Array.from({ length: 6 }, () => [200, 50, 50]),
      );
      // The same file again inserts nothing.
      expect((await post(0)).body).toMatchObject({ received: 50, inserted: 0 });
      const stored = await sql<{ n: number; distinct: number }>`
      select count(*)::int as n, count(distinct provider_call_id)::int as distinct
      from calls where provider = 'pooled-import'`.execute(direct.db);
      expect(stored.rows[0]).toEqual({ n: 300, distinct: 300 });
    });

    it('runs a MightyCall sync against the simulator and the webhook inbox worker, with no prepared-statement error', async () => {
      const pooled = await through(bouncer, 'transaction');
      let sim: RunningSimulator | null = null;
      const server = mightyCallApp(pooled, {}, NO_CACHE);
      try {
        sim = await startSimulator({ port: 0, demo: { historyDays: 1 } });
        const admin = client(server.app);
        await admin.login('root@example.com', PASSWORD);
        const { connectionId: id, hookPath } = await registerConnection(
          admin,
          demoConnectionBody(sim.url, { initialSyncDays: 7 }),
        );
        await server.runtime.scheduler.runConnection(id);
        const status = await admin.json<{ jobs: Array<{ job: string; status: string; lastError: string | null }> }>(
          `/api/admin/mightycall/connections/${id}/status`,
        );
        expect(status.body.jobs.map((j) => [j.job, j.status, j.lastError])).toEqual([
          ['numbers', 'ok', null],
          ['agents', 'ok', null],
          ['calls', 'ok', null],
        ]);
        const account = sim.accounts.require(DEMO_API_KEY);
        const rows = await callRows(direct, 'sim-demo');
        expect(rows.size).toBe(account.calls.length);
        const mismatched = account.calls.filter((simCall) => {
          const { updated_at: _u, ...row } = rows.get(simCall.plan.id) ?? { updated_at: null };
          return JSON.stringify(row) !== JSON.stringify(expectedCallRow(simCall));
        });
        expect(mismatched.map((m) => m.plan.id)).toEqual([]);

        // Webhooks: stored in the inbox, folded by the worker, each finished call fetched into calls once.
        const emitted = await Promise.all(
          ['+12125550141', '+12125550142', '+18005550199'].map((to, i) =>
            sim?.control.emitCall(DEMO_API_KEY, { from: `+1555937130${i}`, to, answeredBy: '101', talkSeconds: 30 }),
          ),
        );
        const events = emitted.flatMap((e) => e?.events ?? []);
        const answers = await Promise.all(
          [...events, ...events].map((event) =>
            server.app.request(`http://localhost${hookPath}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(event),
            }),
          ),
        );
        expect(answers.map((a) => a.status).filter((s) => s !== 200)).toEqual([]);
        await server.runtime.worker.drain();
        const after = await callRows(direct, 'sim-demo');
        for (const e of emitted) {
          const simCall = account.callsById.get(e?.callId ?? '');
          if (!simCall) throw new Error(`no simulator call ${e?.callId}`);
          const { updated_at: _u, ...row } = after.get(simCall.plan.id) ?? { updated_at: null };
          expect(row).toEqual(expectedCallRow(simCall));
        }
        expect(after.size).toBe(account.calls.length);
        expect(server.logs.join('\n')).not.toMatch(/prepared statement|error/i);
      } finally {
        await server.runtime.stop();
        await sim?.close();
      }
    });

    it('keeps each principal to its own rows when their transactions interleave on one server connection', async () => {
      const pooled = await through(single, 'transaction', 6);
      const as = (userId: string): Principal => ({
        kind: 'user',
        userId,
        platformAdmin: false,
        sessionId: null,
        actingKeyId: null,
      });
      const look = (key: 'north' | 'south', i: number) =>
        withPrincipal(
          pooled.db,
          as(user[key]),
          async (tx) => {
            const r = await sql<{ n: number; pid: number; own: number }>`
            select count(*)::int as n, pg_backend_pid() as pid,
              count(*) filter (where provider_call_id like ${`${key}-%`})::int as own
            from calls where provider = 'test' and started_at < ${new Date(Date.UTC(2026, 6, 1))}`.execute(tx);
            return { key, i, ...r.rows[0] };
          },
          { readOnly: true, ...(i % 2 ? {} : { oneStatement: true }) },
        );
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => look(i % 3 === 0 ? 'south' : 'north', i)));
      for (const r of results)
        expect({ key: r.key, n: r.n, own: r.own }).toEqual({ key: r.key, n: r.key === 'north' ? 40 : 25, own: r.n });
      // All of them ran on the one server connection.
      expect(new Set(results.map((r) => r.pid)).size).toBe(1);
      // And left nothing behind on it: a statement outside any transaction runs as the owner, with no principal.
      const left = await sql<{ role: string; userId: string | null }>`
      select current_user as role, current_setting('vs.user_id', true) as "userId"`.execute(pooled.db);
      expect(left.rows[0]).toMatchObject({ role: 'postgres' });
      expect(left.rows[0]?.userId ?? '').toBe('');

      // Over HTTP: each agent's dashboard shows its own org; the other org's is refused.
      const north = (await signedIn(pooled, 'agent@north.example')).c;
      const south = (await signedIn(pooled, 'agent@south.example')).c;
      const kpis = (c: typeof north, id: string) =>
        c.json<{ metrics?: { totalCalls: number } }>(`/api/metrics/kpis?org_id=${id}&${RANGE}`);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? kpis(north, org.north) : kpis(south, org.south))),
      );
      answers.forEach((a, i) => {
        expect(a.status).toBe(200);
        expect(a.body.metrics?.totalCalls).toBe(i % 2 ? 40 : 25);
      });
      expect((await kpis(north, org.south)).status).toBe(404);
    });

    it('migrates a fresh schema through the pooler', async () => {
      const schema = `vs_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      const own = await startPgBouncer({
        upstream: url as string,
        poolSize: 2,
        connectQuery: `set search_path to ${schema}`,
      });
      try {
        const database = await openDatabase({ kind: 'postgres', url: own.url, poolSize: 2, pooler: 'transaction' });
        try {
          const first = await migrate(database.db, schema);
          expect(first.applied.length).toBeGreaterThan(0);
          expect(first.version).toBe(await currentVersion(direct.db));
          expect((await migrate(database.db, schema)).applied).toEqual([]);
        } finally {
          await database.close();
        }
      } finally {
        await own.stop();
        await admin.query(`drop schema ${schema} cascade`);
        await admin.end();
      }
    });

    it('fails through the same pooler with named prepared statements (DATABASE_POOLER unset): the failure is real', async () => {
      // Two pools, one server connection: the second pool's client parses a name the server connection already has.
      const first = await through(single, 'none', 1);
      const second = await through(single, 'none', 1);
      const statement = (db: Database) =>
        sql`select count(*)::int as n from calls where provider = ${'test'}`.execute(db.db);
      await statement(first);
      await expect(statement(second)).rejects.toThrow(/prepared statement "vs_[0-9a-f]+" already exists/);

      // The dashboard through two server connections: some reads answer 500 with the same error.
      const { c, logs } = await signedIn(await through(bouncer, 'none'));
      const paths = reads();
      const statuses = await Promise.all(
        [...paths, ...paths, ...paths].map(async (path) => (await c.request(path)).status),
      );
      expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(0);
      expect(logs.join('\n')).toMatch(NAMED_STATEMENT_ERROR);
    });
  },
);
