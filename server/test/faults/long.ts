// `npm run faults:long`: the real thing. Restarts this machine's PostgreSQL server (pg_ctlcluster) while a server
// process takes dashboard load, and again while it syncs a simulator account and receives webhooks; checks that
// requests fail cleanly (503 + Retry-After, no 500, no hang), the pool recovers by itself, the sync records the
// failure and resumes from its watermark, and no call is lost or doubled. Writes bench/results/faults.{json,md}.
//
// Restarting PostgreSQL breaks every other user of it: run this at a quiet time, never beside `npm test`.
// FAULTS_MODE=proxy cuts a fault proxy in front of PostgreSQL instead (a rehearsal; results go to a temp dir).
import { exec } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEMO_API_KEY, type EmitResult, startSimulator } from '@victorysync/mightycall-sim';
import pg from 'pg';
import { commitMeasured } from '../../../bench/commit.js';
import { demoConnectionBody } from '../support/mightycall.js';
import { startPgProxy } from '../support/pg-proxy.js';
import {
  createSchema,
  errorCode,
  freePort,
  login,
  ROOT,
  type ServerProcess,
  startServer,
  waitFor,
  waitHealthy,
} from './helpers.js';

const MODE = process.env.FAULTS_MODE === 'proxy' ? 'proxy' : 'restart';
const URL_ = process.env.FAULTS_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RESTART =
  process.env.FAULTS_PG_RESTART ??
  'pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main restart';
const LOAD_SECONDS = Number(process.env.FAULTS_LOAD_SECONDS ?? 60);
const RESTARTS = Number(process.env.FAULTS_RESTARTS ?? 3);
const CLIENTS = Number(process.env.FAULTS_CLIENTS ?? 16);
const REQUEST_LIMIT_MS = 30_000;
const OUT = process.env.FAULTS_OUT ?? (MODE === 'restart' ? join(ROOT, 'bench/results') : join(tmpdir(), 'vs-faults'));
const DAY_MS = 86_400_000;

const log = (msg: string) => process.stdout.write(`${new Date().toISOString().slice(11, 23)} ${msg}\n`);

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}
const checks: Check[] = [];
const check = (name: string, ok: boolean, detail: string) => {
  checks.push({ name, ok, detail });
  log(`${ok ? 'PASS' : 'FAIL'} ${name}: ${detail}`);
};

/** The fault: a real restart of the cluster, or (rehearsal) the proxy cut for about as long. */
async function makeFault(): Promise<{ url: string; fault(): Promise<number>; close(): Promise<void> }> {
  if (MODE === 'restart') {
    return {
      url: URL_,
      async fault() {
        const t0 = Date.now();
        // Asynchronously: the load clients and the simulator live in this process and must go on meanwhile.
        await promisify(exec)(RESTART, { shell: '/bin/bash' });
        return Date.now() - t0;
      },
      async close() {},
    };
  }
  const proxy = await startPgProxy();
  return {
    url: proxy.urlThrough(URL_),
    async fault() {
      const t0 = Date.now();
      proxy.cut();
      await new Promise((r) => setTimeout(r, 2000));
      proxy.restore();
      return Date.now() - t0;
    },
    close: () => proxy.close(),
  };
}

const quantile = (sorted: number[], q: number) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) : 0;

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const fault = await makeFault();
  const schema = await createSchema(URL_);
  const serverUrl = (() => {
    const u = new URL(schema.url);
    const through = new URL(fault.url);
    u.hostname = through.hostname;
    u.port = through.port;
    return u.toString();
  })();
  const sim = await startSimulator({ port: 0, demo: { historyDays: 14 } });
  const port = await freePort();
  const server: ServerProcess = startServer({
    port,
    databaseUrl: serverUrl,
    // Dashboard micro-cache off: every request reaches the database that is being restarted.
    env: { VICTORYSYNC_SYNC_INTERVAL: '30', VICTORYSYNC_LOG_LEVEL: 'warn', VICTORYSYNC_DASHBOARD_CACHE_MS: '0' },
  });
  const results: Record<string, unknown> = { mode: MODE, restartCommand: MODE === 'restart' ? RESTART : null };
  try {
    await waitHealthy(server, 120_000);
    let cookie = await login(server.base);
    const call = async (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set('cookie', cookie);
      if (init.method && init.method !== 'GET') headers.set('origin', server.base);
      return fetch(`${server.base}${path}`, { ...init, headers, signal: AbortSignal.timeout(REQUEST_LIMIT_MS) });
    };
    const post = async <T>(path: string, body: unknown): Promise<T> => {
      const res = await call(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };

    // ---- Scenario A: dashboard load while PostgreSQL restarts.
    const org = await post<{ org: { id: string } }>('/api/admin/orgs', { name: 'Load Co', timezone: 'UTC' });
    const ids: string[] = [];
    for (const number of ['+13125558801', '+13125558802']) {
      ids.push((await post<{ phoneNumber: { id: string } }>('/api/admin/phone-numbers', { number })).phoneNumber.id);
    }
    await post(`/api/admin/orgs/${org.org.id}/phone-numbers`, {
      phoneNumberIds: ids,
      assignedFrom: new Date(Date.now() - 60 * DAY_MS).toISOString(),
    });
    const now = Date.now();
    const lines = Array.from({ length: 5000 }, (_, i) => {
      const started = now - 30 * DAY_MS + i * 500_000;
      return JSON.stringify({
        provider: 'faults-long',
        provider_call_id: `l-${i}`,
        direction: 'inbound',
        status: i % 4 ? 'answered' : 'missed',
        business_number: i % 2 ? '+13125558801' : '+13125558802',
        started_at: new Date(started).toISOString(),
        answered_at: i % 4 ? new Date(started + 5000).toISOString() : null,
        ended_at: new Date(started + 90_000).toISOString(),
      });
    });
    const imported = await call('/api/admin/calls/import', {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: lines.join('\n'),
    });
    if (imported.status !== 200) throw new Error(`import: ${imported.status}`);
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const range = `from=${day(now - 30 * DAY_MS)}&to=${day(now)}`;
    const mix = [
      `/api/client-metrics?org_id=${org.org.id}&${range}`,
      `/api/calls/series?org_id=${org.org.id}&${range}`,
      `/api/calls/recent?org_id=${org.org.id}&limit=20`,
      `/api/calls?org_id=${org.org.id}&${range}&limit=50`,
    ];

    interface Sample {
      at: number;
      ms: number;
      status: number | 'hang' | 'network';
      retryAfter: boolean;
      code: string | null;
    }
    const samples: Sample[] = [];
    const started = Date.now();
    const stopAt = started + LOAD_SECONDS * 1000;
    const clientLoop = async (k: number) => {
      for (let i = k; Date.now() < stopAt; i++) {
        const t0 = Date.now();
        try {
          const res = await call(mix[i % mix.length] ?? '');
          const code = errorCode(await res.text());
          samples.push({
            at: t0,
            ms: Date.now() - t0,
            status: res.status,
            retryAfter: res.headers.has('retry-after'),
            code,
          });
        } catch (error) {
          const hang = (error as Error).name === 'TimeoutError';
          samples.push({
            at: t0,
            ms: Date.now() - t0,
            status: hang ? 'hang' : 'network',
            retryAfter: false,
            code: null,
          });
        }
      }
    };
    const restarts: Array<{ at: number; ms: number; recoveredMs: number | null }> = [];
    const faults = (async () => {
      for (let r = 0; r < RESTARTS; r++) {
        // Spread over the run, leaving its last part free of faults.
        const at = started + ((r + 1) * LOAD_SECONDS * 1000) / (RESTARTS + 2);
        await new Promise((res) => setTimeout(res, Math.max(0, at - Date.now())));
        log(`scenario A: fault ${r + 1} of ${RESTARTS}`);
        const t0 = Date.now();
        const ms = await fault.fault();
        restarts.push({ at: t0, ms, recoveredMs: null });
      }
    })();
    await Promise.all([...Array.from({ length: CLIENTS }, (_, k) => clientLoop(k)), faults]);
    for (const r of restarts) {
      const firstOk = samples.filter((s) => s.at >= r.at + r.ms && s.status === 200).sort((a, b) => a.at - b.at)[0];
      r.recoveredMs = firstOk ? firstOk.at + firstOk.ms - (r.at + r.ms) : null;
    }
    const byStatus: Record<string, number> = {};
    for (const s of samples) byStatus[String(s.status)] = (byStatus[String(s.status)] ?? 0) + 1;
    const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
    const bad503 = samples.filter((s) => s.status === 503 && !(s.retryAfter && s.code === 'database_unavailable'));
    const lastRestartEnd = Math.max(...restarts.map((r) => r.at + r.ms));
    const settled = samples.filter((s) => s.at > lastRestartEnd + 5_000);
    results.load = {
      seconds: LOAD_SECONDS,
      clients: CLIENTS,
      requests: samples.length,
      byStatus,
      p50Ms: quantile(sorted, 0.5),
      p95Ms: quantile(sorted, 0.95),
      p99Ms: quantile(sorted, 0.99),
      maxMs: sorted.at(-1) ?? 0,
      restarts,
    };
    check(
      'load: every answer is 200 or 503',
      Object.keys(byStatus).every((k) => k === '200' || k === '503'),
      JSON.stringify(byStatus),
    );
    check('load: every 503 is JSON database_unavailable with Retry-After', bad503.length === 0, `${bad503.length} not`);
    check('load: no request hung', !byStatus.hang, `longest ${sorted.at(-1)} ms (limit ${REQUEST_LIMIT_MS})`);
    check(
      'load: the pool recovered by itself after every fault',
      restarts.every((r) => r.recoveredMs !== null),
      restarts.map((r) => `${r.recoveredMs} ms`).join(', '),
    );
    check(
      'load: all requests succeed once settled',
      settled.length > 0 && settled.every((s) => s.status === 200),
      `${settled.filter((s) => s.status === 200).length}/${settled.length}`,
    );
    check('load: the server process is alive', server.child.exitCode === null, `pid ${server.child.pid}`);

    // ---- Scenario B: a sync and webhooks while PostgreSQL restarts.
    cookie = await login(server.base);
    const created = await post<{ connection: { id: string; webhookUrl: string } }>(
      '/api/admin/mightycall/connections',
      demoConnectionBody(sim.url, { initialSyncDays: 14 }),
    );
    const connectionId = created.connection.id;
    interface JobView {
      job: string;
      status: string;
      lastError: string | null;
      watermark: string | null;
      failures: number;
    }
    const callsJob = async (): Promise<JobView | undefined> => {
      const res = await call(`/api/admin/mightycall/connections/${connectionId}/status`);
      if (res.status !== 200) return undefined;
      return ((await res.json()) as { jobs: JobView[] }).jobs.find((j) => j.job === 'calls');
    };
    // Webhooks on before the sync gets going.
    const registered = await sim.control.registerWebhook(
      DEMO_API_KEY,
      `${server.base}${new URL(created.connection.webhookUrl).pathname}`,
    );
    if (!registered.ok) throw new Error(`webhook registration failed: ${registered.error}`);
    sim.control.clearDeliveries();
    // A restart here is short (PostgreSQL refuses connections for a few hundred milliseconds; pg_ctlcluster
    // returns later), so the sync must be writing when it comes: its 14-day initial sync saves a day slice after
    // every journal page (each 50 ms slower here), and the restart starts once the first slice is saved (read
    // straight from the table).
    const slow = sim.control.addFault({ path: '/journal/requests', kind: 'latency', latencyMs: 50 });
    const watch = new pg.Client({ connectionString: URL_ });
    await watch.connect();
    await watch.query(`set search_path = ${schema.schema}`);
    const savedUpTo = async () => {
      const r = await watch.query<{ watermark: Date | null }>(
        `select watermark from mightycall_sync_state where connection_id = $1 and job = 'calls'`,
        [connectionId],
      );
      return r.rows[0]?.watermark?.getTime() ?? 0;
    };
    const initialWatermark = await savedUpTo();
    await waitFor('the sync to save its first day slice', async () => (await savedUpTo()) > initialWatermark, {
      timeoutMs: 120_000,
      intervalMs: 10,
    });
    const slicesBeforeFault = Math.round(((await savedUpTo()) - initialWatermark) / DAY_MS);
    await watch.end();
    const beforeFault = Date.parse((await callsJob().catch(() => undefined))?.watermark ?? '') || 0;
    const emitted: EmitResult[] = [];
    const emitting = (async () => {
      for (let i = 0; i < 10; i++) {
        emitted.push(
          await sim.control.emitCall(DEMO_API_KEY, {
            to: '+12125550141',
            ringExtensions: ['101'],
            answeredBy: '101',
            talkSeconds: 20,
          }),
        );
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    log('scenario B: fault during the sync');
    const syncFaultMs = await fault.fault();
    log(`scenario B: restarted after about ${slicesBeforeFault} of 14 day slices`);
    await emitting;
    sim.control.clearFaults(slow.id);
    // The failure shows in the status once the database is back; the run after the back-off completes.
    const observed = new Set<string>();
    let failedWith: string | null = null;
    const done = await waitFor(
      'the calls job to complete after the fault',
      async () => {
        const job = await callsJob();
        if (!job) return false;
        observed.add(job.status);
        if (job.status === 'error') failedWith = job.lastError;
        return job.status === 'ok' && Date.parse(job.watermark ?? '') > beforeFault ? job : false;
      },
      { timeoutMs: 180_000, intervalMs: 200 },
    );
    // MightyCall retries deliveries that were not acknowledged.
    const refused = sim.control.deliveries(DEMO_API_KEY).filter((d) => d.status === null || d.status >= 300);
    const events = new Map(emitted.flatMap((r) => r.events).map((e) => [e.Guid, e]));
    for (const d of refused) {
      const event = events.get(d.guid);
      if (!event) continue;
      const res = await fetch(d.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      if (res.status !== 200) throw new Error(`redelivery answered ${res.status}`);
    }
    // Ask for one more calls run (it picks up the calls the webhooks announced) and wait for it.
    const requested = await call(`/api/admin/mightycall/connections/${connectionId}/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ job: 'calls' }),
    });
    if (requested.status !== 202) throw new Error(`sync request answered ${requested.status}`);
    const account = sim.accounts.require(DEMO_API_KEY);
    const direct = new pg.Client({ connectionString: URL_ });
    await direct.connect();
    await direct.query(`set search_path = ${schema.schema}`);
    const counted = await waitFor(
      'every simulator call in calls',
      async () => {
        const r = await direct.query<{ n: number; distinct_ids: number }>(
          `select count(*)::int as n, count(distinct provider_call_id)::int as distinct_ids from calls where provider = 'mightycall'`,
        );
        const row = r.rows[0];
        return row && row.n >= account.calls.length ? row : false;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    ).catch(() => null);
    const stored = await direct.query<{ id: string }>(
      `select provider_call_id as id from calls where provider = 'mightycall'`,
    );
    await direct.end();
    const mine = new Set(stored.rows.map((r) => r.id));
    const truth = new Set(account.calls.map((c) => c.plan.id));
    const missing = [...truth].filter((id) => !mine.has(id));
    const extra = [...mine].filter((id) => !truth.has(id));
    results.sync = {
      faultMs: syncFaultMs,
      daySlicesBeforeFault: slicesBeforeFault,
      watermarkBeforeFault: new Date(beforeFault).toISOString(),
      statusesSeen: [...observed],
      recordedError: failedWith,
      finalWatermark: done.watermark,
      simulatorCalls: truth.size,
      storedCalls: counted?.n ?? stored.rows.length,
      missing: missing.length,
      extra: extra.length,
      webhookDeliveriesRefused: refused.length,
    };
    check(
      'sync: the failure was recorded in the job status',
      failedWith !== null && /database unavailable/.test(failedWith),
      String(failedWith),
    );
    check('sync: resumed and completed (status ok, watermark moved on)', done.status === 'ok', String(done.watermark));
    check(
      'sync: exactly the simulator calls (none lost, none doubled)',
      missing.length === 0 && extra.length === 0 && (counted?.n ?? -1) === (counted?.distinct_ids ?? -2),
      `${truth.size} expected, ${mine.size} stored, ${missing.length} missing, ${extra.length} extra`,
    );
    check('sync: the server process is alive', server.child.exitCode === null, `pid ${server.child.pid}`);
  } finally {
    if (server.child.exitCode === null) await server.kill('SIGTERM');
    await sim.close();
    await schema.drop().catch(() => undefined);
    await fault.close();
  }

  const report = {
    date: new Date().toISOString(),
    commit: commitMeasured(ROOT),
    cores: cpus().length,
    ...results,
    checks,
    passed: checks.every((c) => c.ok),
  };
  await writeFile(join(OUT, 'faults.json'), `${JSON.stringify(report, null, 2)}\n`);
  const load = results.load as {
    requests: number;
    byStatus: Record<string, number>;
    p99Ms: number;
    maxMs: number;
    restarts: Array<{ ms: number; recoveredMs: number | null }>;
  };
  const md = [
    `# Faults (${MODE === 'restart' ? 'PostgreSQL restarted' : 'rehearsal: proxy cut'}) ${report.date} at commit ${report.commit}`,
    '',
    `Load: ${LOAD_SECONDS} s, ${CLIENTS} clients, ${RESTARTS} faults; ${load.requests} requests, ${JSON.stringify(load.byStatus)}, p99 ${load.p99Ms} ms, max ${load.maxMs} ms.`,
    `Faults took ${load.restarts.map((r) => `${r.ms} ms`).join(', ')}; first 200 after each: ${load.restarts
      .map((r) => `${r.recoveredMs} ms`)
      .join(', ')}.`,
    `Sync: ${JSON.stringify(results.sync)}`,
    '',
    '| check | result | detail |',
    '|---|---|---|',
    ...checks.map((c) => `| ${c.name} | ${c.ok ? 'pass' : 'FAIL'} | ${c.detail.replaceAll('|', '/')} |`),
    '',
  ].join('\n');
  await writeFile(join(OUT, 'faults.md'), md);
  log(`wrote ${join(OUT, 'faults.json')} and faults.md: ${report.passed ? 'all checks pass' : 'SOME CHECKS FAIL'}`);
  process.exitCode = report.passed ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
