// PostgreSQL going away under the app (what a restart or failover looks like to it), through a fault proxy: every
// connection cut, new ones refused or black-holed. Requests answer 503 + Retry-After (never hang, never 500), the
// pool recovers by itself, a sync cut halfway records the failure and resumes from its watermark, and webhooks
// refused while the database is down land exactly once after redelivery.

import { randomBytes } from 'node:crypto';
import {
  createManualClock,
  DEMO_API_KEY,
  type EmitResult,
  type RunningSimulator,
  startSimulator,
} from '@victorysync/mightycall-sim';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/db/unavailable.js';
import { journalWindowParam } from '../../src/mightycall/client/wire.js';
import { OVERLAP_MS } from '../../src/mightycall/sync/sync-jobs.js';
import { type client, platformAdminClient } from '../support/app.js';
import { assignNumber, call, createNumber, createOrg, insertCalls } from '../support/fixtures.js';
import {
  callRows,
  demoConnectionBody,
  expectedCallRow,
  listen,
  mightyCallApp,
  registerConnection,
  type TestServer,
} from '../support/mightycall.js';
import { type PgProxy, startPgProxy } from '../support/pg-proxy.js';
import {
  createSchema,
  errorCode,
  freePort,
  login,
  openProxiedDatabase,
  type ProxiedDatabase,
  startServer,
  waitFor,
  waitHealthy,
  within,
} from './helpers.js';

const URL_ = process.env.TEST_DATABASE_URL;
const PASSWORD = 'a-long-test-password-1';
const START = Date.parse('2026-03-02T15:00:00Z');
const DAY_MS = 86_400_000;

interface Answer {
  status: number;
  retryAfter: string | null;
  code: string | null;
  ms: number;
}

interface JobView {
  job: string;
  status: string;
  lastError: string | null;
  failures: number;
  nextRunAt: string | null;
  watermark: string | null;
}

describe.skipIf(!URL_)('PostgreSQL cut under the app (fault proxy)', () => {
  const clock = createManualClock(START);
  let proxy: PgProxy;
  let db: ProxiedDatabase;
  let sim: RunningSimulator;
  let server: TestServer;
  let http: { url: string; close(): Promise<void> };
  let admin: ReturnType<typeof client>;
  let orgId: string;
  let connectionId: string;
  let hookPath: string;
  const requested: string[] = [];

  /** The dashboard mix a signed-in admin sends; every answer with its timing. */
  const dashboard = (): string[] => [
    `/api/client-metrics?org_id=${orgId}&from=2026-02-01&to=2026-02-28`,
    `/api/calls/recent?org_id=${orgId}&limit=20`,
    `/api/calls?org_id=${orgId}&from=2026-02-01&to=2026-02-28&limit=50`,
    `/api/calls/series?org_id=${orgId}&from=2026-02-01&to=2026-02-28`,
  ];
  const ask = async (path: string): Promise<Answer> => {
    const t0 = Date.now();
    const res = await admin.request(path);
    const code = errorCode(await res.text());
    return { status: res.status, retryAfter: res.headers.get('retry-after'), code, ms: Date.now() - t0 };
  };
  const wave = (n: number) =>
    Promise.all(Array.from({ length: n }, (_, i) => ask(dashboard()[i % dashboard().length] ?? '')));
  const expectUnavailable = (answers: Answer[]) => {
    for (const a of answers) expect(a).toMatchObject({ status: 503, code: 'database_unavailable', retryAfter: '2' });
  };
  const callsJob = async () => {
    const res = await admin.json<{ jobs: JobView[] }>(`/api/admin/mightycall/connections/${connectionId}/status`);
    expect(res.status).toBe(200);
    const job = res.body.jobs.find((j) => j.job === 'calls');
    if (!job) throw new Error('no calls job');
    return job;
  };
  const unhandled = () => server.logs.filter((l) => l.includes('unhandled error'));

  beforeAll(async () => {
    proxy = await startPgProxy();
    db = await openProxiedDatabase(URL_ ?? '', proxy);
    sim = await startSimulator({ port: 0, clock, demo: { historyDays: 3 } });
    server = mightyCallApp(
      db.database,
      {
        clock,
        fetch: (input, init) => {
          requested.push(String(input));
          return fetch(input, init);
        },
      },
      // Every dashboard request must reach the database here: a cached answer from the last second would
      // (rightly) be served through an outage and hide what this test is about.
      { VICTORYSYNC_DASHBOARD_CACHE_MS: '0' },
    );
    http = await listen(server.app);
    orgId = await createOrg(db.database, 'Cut Co');
    const number = await createNumber(db.database, '+13125550901');
    await assignNumber(db.database, orgId, number);
    await insertCalls(
      db.database,
      Array.from({ length: 200 }, (_, i) =>
        call({ businessNumber: '+13125550901', startedAt: new Date(Date.UTC(2026, 1, 1 + (i % 27), 14, i % 60)) }),
      ),
    );
    admin = await platformAdminClient(db.database, server.app, PASSWORD);
  });
  afterAll(async () => {
    proxy?.restore();
    await server?.runtime.stop();
    await http?.close();
    await sim?.close();
    await db?.cleanup();
    await proxy?.close();
  });

  it('answers 503 + Retry-After while cut (in flight, queued and new requests), then recovers by itself', async () => {
    // Warm: the pool holds idle connections, which the cut kills (the pool must absorb their errors).
    const warm = await wave(8);
    expect(warm.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(proxy.connections).toBeGreaterThan(0);

    // 1. Idle connections killed, new ones refused.
    proxy.cut();
    const refused = await within(15_000, 'requests while refused', wave(8));
    expectUnavailable(refused);
    const health = await server.app.request('http://localhost/health');
    expect(health.status).toBe(503);
    expect(health.headers.get('retry-after')).toBe('2');
    proxy.restore();
    // Recovery needs no restart and no wait: the very next requests succeed.
    expect((await wave(8)).map((a) => a.status)).toEqual(Array(8).fill(200));

    // 2. Queries in flight when the connections die: hold traffic until every pooled client waits on an answer.
    proxy.hold();
    const inFlight = wave(12);
    await waitFor('four queries held in the proxy', () => proxy.heldConnections === 4);
    proxy.cut();
    const cutAnswers = await within(15_000, 'in-flight requests', inFlight);
    expectUnavailable(cutAnswers);

    // 3. A black hole (no RST, nothing answers): the connect timeout turns it into 503 too, not a hang.
    proxy.restore();
    proxy.cut({ mode: 'blackhole' });
    const blackholed = await within(20_000, 'requests into a black hole', wave(6));
    expectUnavailable(blackholed);
    for (const a of blackholed) expect(a.ms).toBeLessThan(15_000);
    expect(proxy.refused).toBeGreaterThan(0);
    proxy.restore();

    const after = await wave(12);
    expect(after.map((a) => a.status)).toEqual(Array(12).fill(200));
    expect(unhandled()).toEqual([]);
    expect(server.logs.some((l) => l.includes('database unavailable'))).toBe(true);
  });

  it('a sync cut halfway fails cleanly, records the failure, and resumes from its watermark to exact data', async () => {
    ({ connectionId, hookPath } = await registerConnection(admin, demoConnectionBody(sim.url, { initialSyncDays: 3 })));
    const initial = (await callsJob()).watermark;
    expect(initial).toBe(new Date(START - 3 * DAY_MS).toISOString());

    // Slow journal pages, so the cut lands between two saved day slices.
    const slow = sim.control.addFault({ path: '/journal/requests', kind: 'latency', latencyMs: 250 });
    const run = server.runtime.scheduler.runConnection(connectionId).then(
      () => null,
      (error: unknown) => error as Error,
    );
    const watermarkOf = async () => {
      const row = await db.direct.db
        .selectFrom('mightycall_sync_state')
        .select('watermark')
        .where('connection_id', '=', connectionId)
        .where('job', '=', 'calls')
        .executeTakeFirstOrThrow();
      return row.watermark?.getTime() ?? 0;
    };
    await waitFor('the first day slice to be saved', async () => (await watermarkOf()) > START - 3 * DAY_MS, {
      intervalMs: 10,
    });
    proxy.cut();
    const saved = await watermarkOf();
    expect(saved).toBeLessThan(START);
    const failure = await within(20_000, 'the cut sync run', run);
    expect(failure).toBeInstanceOf(Error);
    sim.control.clearFaults(slow.id);
    const partial = await db.direct.db
      .selectFrom('calls')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('provider', '=', 'mightycall')
      .executeTakeFirstOrThrow();
    const account = sim.accounts.require(DEMO_API_KEY);
    expect(Number(partial.n)).toBeLessThan(account.calls.length);

    proxy.restore();
    // The next pass writes down how the run ended, with the usual back-off.
    await server.runtime.scheduler.tick();
    const failed = await callsJob();
    expect(failed.status).toBe('error');
    expect(failed.lastError).toMatch(/^database unavailable: /);
    expect(failed.failures).toBe(1);
    expect(Date.parse(failed.nextRunAt ?? '')).toBeGreaterThan(clock.now());
    expect(Date.parse(failed.watermark ?? '')).toBe(saved);
    // Backing off: a pass before next_run_at does nothing.
    const before = requested.length;
    await server.runtime.scheduler.tick();
    expect(requested.length).toBe(before);

    clock.set(Date.parse(failed.nextRunAt ?? '') + 1000);
    await server.runtime.scheduler.tick();
    const journal = requested.slice(before).filter((u) => u.includes('/journal/requests'));
    expect(new URL(journal[0] ?? 'http://x').searchParams.get('from')).toBe(journalWindowParam(saved - OVERLAP_MS));
    const done = await callsJob();
    expect([done.status, done.lastError, done.failures]).toEqual(['ok', null, 0]);

    const rows = await callRows(db.direct, 'sim-demo');
    const count = await db.direct.db
      .selectFrom('calls')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('provider', '=', 'mightycall')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(account.calls.length);
    expect([...rows.keys()].sort()).toEqual(account.calls.map((c) => c.plan.id).sort());
    const wrong = account.calls.filter((c) => {
      const { updated_at: _u, ...row } = rows.get(c.plan.id) ?? { updated_at: null };
      return JSON.stringify(row) !== JSON.stringify(expectedCallRow(c));
    });
    expect(wrong.map((c) => c.plan.id)).toEqual([]);
    expect(unhandled()).toEqual([]);
  });

  it('refuses webhooks with a non-2xx while the database is down; redelivered, they land exactly once', async () => {
    expect((await sim.control.registerWebhook(DEMO_API_KEY, `${http.url}${hookPath}`)).ok).toBe(true);
    sim.control.clearDeliveries();
    const emit = (i: number, cut: boolean) =>
      sim.control.emitCall(DEMO_API_KEY, {
        id: `c0ffee00-0000-4000-8000-${String(i + (cut ? 100 : 1)).padStart(12, '0')}`,
        from: `+1555937${String(1400 + i + (cut ? 50 : 0))}`,
        to: '+12125550141',
        ringExtensions: ['101', '102'],
        answeredBy: i % 2 ? '101' : '102',
        talkSeconds: 30 + i,
      });
    const results: EmitResult[] = [];
    for (let i = 0; i < 3; i++) results.push(await emit(i, false));
    proxy.cut();
    const during: EmitResult[] = [];
    for (let i = 0; i < 3; i++) during.push(await emit(i, true));
    const deliveries = sim.control.deliveries(DEMO_API_KEY);
    const refusedGuids = new Set(during.flatMap((r) => r.events.map((e) => e.Guid)));
    const whileCut = deliveries.filter((d) => refusedGuids.has(d.guid));
    expect(whileCut.length).toBe(refusedGuids.size);
    for (const d of whileCut) expect(d.status).toBe(503);
    proxy.restore();

    // MightyCall retries what was not acknowledged.
    const redeliver = during.flatMap((r) => r.events);
    for (const event of redeliver) {
      const res = await fetch(`${http.url}${hookPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { duplicate: boolean }).duplicate).toBe(false);
    }
    await server.runtime.worker.drain();
    const all = [...results, ...during];
    const inbox = await db.direct.db
      .selectFrom('mightycall_webhook_inbox')
      .select(['dedupe_key', 'processed_at'])
      .where(
        'call_id',
        'in',
        all.map((r) => r.callId),
      )
      .execute();
    expect(inbox.length).toBe(all.reduce((n, r) => n + r.events.length, 0));
    expect(inbox.filter((r) => r.processed_at === null)).toEqual([]);
    const rows = await callRows(db.direct, 'sim-demo');
    for (const r of all) {
      const { updated_at: _u, ...row } = rows.get(r.callId) ?? { updated_at: null };
      const simCall = sim.accounts.require(DEMO_API_KEY).callsById.get(r.callId);
      if (!simCall) throw new Error('no sim call');
      expect({ id: r.callId, ...row }).toEqual({ id: r.callId, ...expectedCallRow(simCall) });
    }
    const dupes = await sql<{ n: number }>`select count(*)::int as n from (
        select provider_call_id from calls group by provider, provider_call_id having count(*) > 1) d`.execute(
      db.direct.db,
    );
    expect(dupes.rows[0]?.n).toBe(0);
    expect(unhandled()).toEqual([]);
  });

  it('the server process itself survives its database going away, and recovers without a restart', {
    timeout: 60_000,
  }, async () => {
    const created = await createSchema(URL_ ?? '');
    const port = await freePort();
    const child = startServer({
      port,
      databaseUrl: proxy.urlThrough(created.url),
      env: { DATABASE_POOL_SIZE: '4', VICTORYSYNC_MIGHTYCALL_JOBS: '0', VICTORYSYNC_DASHBOARD_CACHE_MS: '0' },
    });
    try {
      await waitHealthy(child);
      const cookie = await login(child.base);
      const get = async (path: string) => {
        const res = await fetch(`${child.base}${path}`, { headers: { cookie } });
        const body = (await res.json()) as { error?: { code?: string } };
        return { status: res.status, code: body.error?.code ?? null, retryAfter: res.headers.get('retry-after') };
      };
      const burst = (n: number) => Promise.all(Array.from({ length: n }, () => get('/api/admin/orgs')));
      expect((await burst(8)).map((a) => a.status)).toEqual(Array(8).fill(200));

      // Every pooled connection of the process busy on a query when the database goes.
      const before = proxy.heldConnections;
      expect(before).toBe(0);
      proxy.hold();
      const inFlight = burst(10);
      await waitFor('the process to have four queries held', () => proxy.heldConnections >= 4);
      proxy.cut();
      for (const a of await within(15_000, 'in-flight requests of the process', inFlight)) {
        expect(a).toEqual({ status: 503, code: 'database_unavailable', retryAfter: '2' });
      }
      for (const a of await burst(4)) expect(a.status).toBe(503);
      expect((await fetch(`${child.base}/health`)).status).toBe(503);
      // Still the same process, alive.
      expect([child.child.exitCode, child.child.signalCode]).toEqual([null, null]);

      proxy.restore();
      expect((await fetch(`${child.base}/health`)).status).toBe(200);
      expect((await burst(8)).map((a) => a.status)).toEqual(Array(8).fill(200));
      expect([child.child.exitCode, child.child.signalCode]).toEqual([null, null]);
      expect(child.output()).not.toMatch(/Unhandled|uncaught|internal_error/i);
    } finally {
      proxy.restore();
      if (child.child.exitCode === null) await child.kill('SIGTERM');
      await created.drop();
    }
  });
});

describe.skipIf(!URL_)('PostgreSQL refusing new connections', () => {
  it('"too many connections" (53300) counts as the database being unavailable: 503 + Retry-After, not 500', async () => {
    const role = `vs_full_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: URL_ });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 0`);
      const url = new URL(URL_ ?? '');
      url.username = role;
      const refused = new pg.Client({ connectionString: url.toString() });
      const error = await refused.connect().then(
        () => null,
        (e: unknown) => e,
      );
      await refused.end().catch(() => undefined);
      expect((error as { code?: string } | null)?.code).toBe('53300');
      expect(isDatabaseUnavailable(error)).toBe(true);
      // And a plain SQL error is not mistaken for an outage.
      const syntax = await admin.query('selec 1').then(
        () => null,
        (e: unknown) => e,
      );
      expect(isDatabaseUnavailable(syntax)).toBe(false);
    } finally {
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.end();
    }
  });
});
