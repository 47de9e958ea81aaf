// `npm run bench:load`: the API under load from a separate process, on the benchmark dataset in PostgreSQL.
// (a) dashboard mix with session cookies of 20 orgs, (b) the same with org API keys, (c) webhook ingestion at
// a steady rate plus bursts, (d) a soak watching the server's memory, (e) two processes behind nginx.
// Short runs: LOAD_SECONDS=10 SOAK_SECONDS=30 npm run bench:load. Every setting: docs/operations.md, "Load".
import os from 'node:os';
import pg from 'pg';
import { openDatabase } from '../server/src/db/database.js';
import { migrate } from '../server/src/db/migrate.js';
import { commitMeasured } from './commit.js';
import { ensureDataset } from './dataset.js';
import { runCluster } from './load/cluster.js';
import { startCpuMeter } from './load/cpu.js';
import { DASHBOARD_ENDPOINTS, dashboardMix, type MixRequest, runMix } from './load/dashboard.js';
import {
  type Fixtures,
  forgetPreviousRun,
  prepareFixtures,
  startLoadSimulator,
  vacuumChurnedTables,
} from './load/fixtures.js';
import {
  bundleServer,
  ROOT,
  RssSampler,
  SERVER_NODE_OPTIONS,
  type ServerMode,
  type ServerProcess,
  startProxy,
  startServer,
  stopAll,
  TMP,
  throwawaySecretKey,
  writeText,
} from './load/processes.js';
import { mainThreadProfile, readProfile } from './load/profile.js';
import {
  assess,
  type EndpointCost,
  type LoadResults,
  type MixScenario,
  markdown,
  TARGETS,
  table,
} from './load/report.js';
import { round, rssSummary, rssTrend } from './load/stats.js';
import { runWebhooks } from './load/webhooks.js';

const log = (msg: string) => process.stdout.write(`${msg}\n`);
const SCHEMA = 'vs_bench';
const ALL_SCENARIOS = ['session', 'keys', 'webhooks', 'webhooks-spread', 'soak', 'cluster', 'profile'] as const;
type Scenario = (typeof ALL_SCENARIOS)[number];

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, not ${raw}`);
  return value;
}

const settings = {
  seconds: numberEnv('LOAD_SECONDS', 60),
  soakSeconds: numberEnv('SOAK_SECONDS', 600),
  warmupSeconds: numberEnv('LOAD_WARMUP_SECONDS', 5),
  profileSeconds: numberEnv('LOAD_PROFILE_SECONDS', 15),
  endpointSeconds: numberEnv('LOAD_ENDPOINT_SECONDS', 5),
  connections: numberEnv('LOAD_CONNECTIONS', 32),
  poolSize: numberEnv('LOAD_POOL_SIZE', 10),
  keyRateLimit: numberEnv('LOAD_KEY_RATE_LIMIT', 1_000_000),
  webhookRate: numberEnv('LOAD_WEBHOOK_RATE', 500),
  webhookBurst: numberEnv('LOAD_WEBHOOK_BURST', 5000),
  webhookBursts: numberEnv('LOAD_WEBHOOK_BURSTS', 2),
  /** the webhooks-spread scenario sends each burst evenly over this long: 5,000 in 1 s is a 5,000/s burst */
  webhookBurstSpreadMs: numberEnv('LOAD_WEBHOOK_BURST_SPREAD_MS', 1000),
  drainSeconds: numberEnv('LOAD_DRAIN_SECONDS', 600),
  stallSeconds: numberEnv('LOAD_STALL_SECONDS', 60),
  mode: (process.env.LOAD_SERVER ?? 'bundle') as ServerMode,
  scenarios: (process.env.LOAD_SCENARIOS ?? ALL_SCENARIOS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean) as Scenario[],
};

/** The dataset of `npm run bench` in schema vs_bench (loaded now if missing), and an owner pool on it. */
async function openBench(url: string): Promise<{ owner: pg.Pool; serverUrl: string }> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema if not exists ${SCHEMA}`);
  await admin.end();
  const database = await openDatabase({ kind: 'postgres', url, poolSize: 2, searchPath: SCHEMA });
  await migrate(database.db, SCHEMA);
  const dataset = await ensureDataset(database, log);
  log(`Dataset: ${dataset.calls.toLocaleString()} calls (loaded ${dataset.loadedAt}).`);
  await database.close();
  const owner = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${SCHEMA}` });
  const serverUrl = new URL(url);
  serverUrl.searchParams.set('options', `-c search_path=${SCHEMA}`);
  return { owner, serverUrl: serverUrl.toString() };
}

async function main(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) {
    throw new Error(
      'BENCH_DATABASE_URL is required (e.g. postgres://postgres@127.0.0.1:5432/test): the load benchmark runs on PostgreSQL.',
    );
  }
  for (const s of settings.scenarios) if (!ALL_SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}`);
  if (settings.mode !== 'tsx' && settings.mode !== 'bundle') throw new Error('LOAD_SERVER must be tsx or bundle');
  const want = (s: Scenario) => settings.scenarios.includes(s);

  const { owner, serverUrl } = await openBench(url);
  const results: LoadResults = {
    at: new Date().toISOString(),
    commit: commitMeasured(ROOT),
    settings: {
      LOAD_SECONDS: settings.seconds,
      SOAK_SECONDS: settings.soakSeconds,
      connections: settings.connections,
      DATABASE_POOL_SIZE: settings.poolSize,
      VICTORYSYNC_KEY_RATE_LIMIT: settings.keyRateLimit,
      VICTORYSYNC_SYNC_INTERVAL: 86400,
      VICTORYSYNC_DASHBOARD_CACHE_MS: process.env.VICTORYSYNC_DASHBOARD_CACHE_MS ?? '1000 (default)',
      server: settings.mode === 'bundle' ? 'node on an esbuild bundle' : 'node --import tsx',
      NODE_ENV: 'production',
      serverNodeOptions: SERVER_NODE_OPTIONS || '(none)',
      logLevel: 'warn',
      webhookRate: settings.webhookRate,
      webhookBurst: settings.webhookBurst,
      webhookBursts: settings.webhookBursts,
      webhookBurstSpreadMs: settings.webhookBurstSpreadMs,
      scenarios: settings.scenarios.join(' '),
    },
    machine: {
      cpus: os.cpus().length,
      node: process.version,
      'load average at start': os
        .loadavg()
        .map((x) => round(x, 2))
        .join(' '),
    },
    notes: [],
  };
  const sim = await startLoadSimulator();
  try {
    await forgetPreviousRun(owner);
    await vacuumChurnedTables(owner);
    const autovacuum = await owner.query<{ autovacuum: string }>('show autovacuum');
    if (autovacuum.rows[0]?.autovacuum === 'off') {
      results.notes.push(
        'PostgreSQL here runs with autovacuum off: the run vacuums the tables it churns (webhook inbox, live state, calls, sessions, keys) at its start and before each webhook scenario, as autovacuum would have between runs.',
      );
    }
    const bundle = settings.mode === 'bundle' ? await bundleServer() : undefined;
    const secretKey = throwawaySecretKey();
    // Profiled servers run from source (tsx): their frames then name server/src files, not one bundle.
    const server = (name: string, cpuProfDir?: string) =>
      startServer({
        name,
        databaseUrl: serverUrl,
        mode: cpuProfDir ? 'tsx' : settings.mode,
        ...(bundle && !cpuProfDir ? { bundle } : {}),
        secretKey,
        poolSize: settings.poolSize,
        keyRateLimit: settings.keyRateLimit,
        ...(cpuProfDir ? { cpuProfDir } : {}),
        // No periodic journal sync during the run: it would insert the simulator's calls too and blur (c).
        env: { VICTORYSYNC_SYNC_INTERVAL: '86400' },
      });

    log('Fixtures (users, keys, simulator connection, live org)…');
    const setup = await server('setup');
    let fixtures: Fixtures;
    try {
      fixtures = await prepareFixtures(setup.url, owner, sim);
    } finally {
      await setup.stop();
    }
    const orgIds = fixtures.orgs.map((o) => o.id);
    const sessionMix = dashboardMix(
      orgIds,
      fixtures.cookies.map((cookie) => ({ cookie })),
    );
    const keyMix = dashboardMix(
      orgIds,
      fixtures.keys.map((key) => ({ authorization: `Bearer ${key}` })),
    );

    /**
     * A fresh server, warmed up, then the mix for `seconds` with its RSS sampled every second; with
     * `perEndpoint`, afterwards each endpoint alone for a few seconds, to see what each one costs.
     */
    const mixScenario = async (
      name: string,
      requests: MixRequest[],
      seconds: number,
      perEndpoint = false,
    ): Promise<MixScenario> => {
      const s = await server(name);
      try {
        if (settings.warmupSeconds > 0) {
          await runMix({ url: s.url, requests, seconds: settings.warmupSeconds, connections: settings.connections });
        }
        const sampler = new RssSampler(s.pid);
        const cpu = await startCpuMeter([s.pid], owner);
        const mix = await runMix({ url: s.url, requests, seconds, connections: settings.connections });
        const split = await cpu.stop(mix.responses);
        const samples = sampler.stop();
        const endpointCost: EndpointCost[] = [];
        for (const tag of perEndpoint ? DASHBOARD_ENDPOINTS.map((e) => e.tag) : []) {
          const alone = requests.filter((r) => r.tag === tag);
          const meter = await startCpuMeter([s.pid], owner);
          const r = await runMix({ url: s.url, requests: alone, seconds: settings.endpointSeconds, connections: 8 });
          endpointCost.push({
            tag,
            requestsPerSecond: r.requestsPerSecond,
            latencyMs: r.latencyMs,
            cpu: await meter.stop(r.responses),
          });
        }
        warnIfOutput(s);
        return {
          ...mix,
          cpu: split,
          ...(perEndpoint ? { endpointCost } : {}),
          rss: rssSummary(samples),
          rssMb: samples.map((x) => round(x.mb, 1)),
        };
      } finally {
        await s.stop();
      }
    };

    if (want('session')) {
      log(`(a) dashboard mix, session cookies of 20 orgs, ${settings.seconds} s…`);
      results.session = await mixScenario('session', sessionMix, settings.seconds, settings.endpointSeconds > 0);
      log(`    ${results.session.requestsPerSecond} req/s, p99 ${results.session.latencyMs.p99} ms`);
    }
    if (want('keys')) {
      log(`(b) dashboard mix, org API keys of 20 orgs, ${settings.seconds} s…`);
      results.keys = await mixScenario('keys', keyMix, settings.seconds);
      log(`    ${results.keys.requestsPerSecond} req/s, p99 ${results.keys.latencyMs.p99} ms`);
    }
    const webhookScenario = async (name: string, spreadMs: number) => {
      log(
        `(c) webhooks: ${settings.webhookRate}/s for ${settings.seconds} s plus ${settings.webhookBursts} bursts of ${settings.webhookBurst}${spreadMs > 0 ? ` over ${spreadMs} ms each` : ' at once'}…`,
      );
      // LOAD_WEBHOOK_CPU_PROF_DIR: profile this server (node --cpu-prof; under tsx, so a little slower).
      const profDir = process.env.LOAD_WEBHOOK_CPU_PROF_DIR;
      // The scenario before this one churned the inbox and live tables; autovacuum would have been by since.
      await vacuumChurnedTables(owner);
      const s = await server(name, profDir ? `${profDir}/${name}` : undefined);
      try {
        const sampler = new RssSampler(s.pid);
        const cpu = await startCpuMeter([s.pid], owner);
        const w = await runWebhooks({
          targets: [s.url],
          hookPath: fixtures.hookPath,
          sim,
          owner,
          connectionId: fixtures.connectionId,
          seconds: settings.seconds,
          rate: settings.webhookRate,
          burstSize: settings.webhookBurst,
          bursts: settings.webhookBursts,
          burstSpreadMs: spreadMs,
          duplicateEvery: 50,
          drainTimeoutMs: settings.drainSeconds * 1000,
          stallTimeoutMs: settings.stallSeconds * 1000,
          log,
        });
        const split = await cpu.stop(w.eventsSent.steady + w.eventsSent.burst + w.eventsSent.duplicate);
        const samples = sampler.stop();
        warnIfOutput(s);
        log(
          `    ack p99 steady ${w.ackMs.steady.p99} ms, bursts ${w.ackMs.burst.p99} ms; processing p99 ${w.processingMs.p99} ms; lost ${w.lost}, doubled ${w.doubled}, wrong ${w.wrongFigures}`,
        );
        return { ...w, cpu: split, rss: rssSummary(samples), rssMb: samples.map((x) => round(x.mb, 1)) };
      } finally {
        await s.stop();
      }
    };
    if (want('webhooks')) results.webhooks = await webhookScenario('webhooks', 0);
    if (want('webhooks-spread')) {
      results.webhooksSpread = await webhookScenario('webhooks-spread', settings.webhookBurstSpreadMs);
    }
    if (want('soak')) {
      log(`(d) soak: dashboard mix for ${settings.soakSeconds} s…`);
      const soak = await mixScenario('soak', sessionMix, settings.soakSeconds);
      const samples = soak.rssMb.map((mb, i) => ({ t: i, mb }));
      const trend = rssTrend(samples, settings.soakSeconds);
      results.soak = { ...soak, trend, steady: trend.growthPercent <= TARGETS.rssGrowthPercent };
      log(`    RSS ${trend.earlyMeanMb} → ${trend.lateMeanMb} MB (${trend.growthPercent} %)`);
    }
    if (want('cluster')) {
      log(`(e) two processes behind nginx (deploy/nginx.conf), ${settings.seconds} s…`);
      const one = await server('process-1');
      let two: ServerProcess | null = null;
      let proxy: Awaited<ReturnType<typeof startProxy>> | null = null;
      try {
        two = await server('process-2');
        proxy = await startProxy([one, two]);
        const samplers = [new RssSampler(one.pid), new RssSampler(two.pid)];
        const cluster = await runCluster({
          servers: [one, two],
          proxyUrl: proxy.url,
          fixtures,
          owner,
          sim,
          seconds: settings.seconds,
          connections: settings.connections,
          log,
        });
        results.cluster = { ...cluster, rss: samplers.map((x) => rssSummary(x.stop())) };
        warnIfOutput(one);
        warnIfOutput(two);
      } finally {
        if (proxy) await proxy.stop();
        if (two) await two.stop();
        await one.stop();
      }
    }
    if (want('profile') && settings.profileSeconds > 0) {
      results.profiles = [];
      const profiled = async (name: string, work: (s: ServerProcess) => Promise<unknown>) => {
        log(`Profile: ${name} for ${settings.profileSeconds} s under node --cpu-prof…`);
        const dir = `${TMP}profiles/${name}-${Date.now()}`;
        const s = await server(`profile-${name}`, dir);
        try {
          await work(s);
        } finally {
          await s.stop();
        }
        const file = await mainThreadProfile(dir, s.pid);
        results.profiles?.push({ ...(await readProfile(file, s.startupMs)), scenario: name });
      };
      const mixFor = (requests: MixRequest[]) => (s: ServerProcess) =>
        runMix({ url: s.url, requests, seconds: settings.profileSeconds, connections: settings.connections });
      await profiled('session mix', mixFor(sessionMix));
      await profiled('key mix', mixFor(keyMix));
      // Steady webhooks only; the worker keeps folding and fetching for a little while after.
      await profiled('webhooks', (s) =>
        runWebhooks({
          targets: [s.url],
          hookPath: fixtures.hookPath,
          sim,
          owner,
          connectionId: fixtures.connectionId,
          seconds: settings.profileSeconds,
          rate: settings.webhookRate,
          burstSize: 0,
          bursts: 0,
          burstSpreadMs: 0,
          duplicateEvery: 50,
          drainTimeoutMs: 10_000,
          stallTimeoutMs: 10_000,
          log,
        }),
      );
    }
  } finally {
    await sim.close();
    await owner.end();
  }
  if (settings.seconds < 60 || settings.soakSeconds < 600 || (want('webhooks') && settings.webhookBurst < 5000)) {
    results.notes.push(
      `A short run (LOAD_SECONDS=${settings.seconds}, SOAK_SECONDS=${settings.soakSeconds}, bursts of ${settings.webhookBurst}), not the issue's 60 s / 10 minutes / 5,000: indicative only.`,
    );
  }
  results.notes.push(
    `API keys are rate-limited per key (VICTORYSYNC_KEY_RATE_LIMIT, default 600/min); this run set it to ${settings.keyRateLimit}/min so the limit does not cap (b).`,
    'The load generator (autocannon, one thread), the simulator, PostgreSQL and the server(s) share the same CPUs.',
  );
  await writeText(`${ROOT}bench/results/load.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeText(`${ROOT}bench/results/load.md`, markdown(results));
  log(`\n${table(assess(results))}\n`);
  log('Written: bench/results/load.json, bench/results/load.md');
}

function warnIfOutput(s: ServerProcess): void {
  const lines = s.output.filter((l) => !l.includes('"level":"info"'));
  if (lines.length > 0)
    log(`  server ${s.name} said (last ${Math.min(5, lines.length)}):\n    ${lines.slice(-5).join('\n    ')}`);
}

main()
  .then(() => process.exit(0))
  .catch(async (error: unknown) => {
    process.stderr.write(
      `bench:load failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    await stopAll();
    process.exit(1);
  });
