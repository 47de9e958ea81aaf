// `npm run bench`: loads the benchmark dataset, starts a warm server, and measures the dashboard API for the
// largest org against the bare SQL aggregate (our floor) and a naive fetch-and-aggregate-in-JS baseline, and the
// platform admin's portfolio of all 200 orgs. BENCH_DAYS=n loads (into a schema of its own) n days of calls
// instead of 13 months: a quick check that the harness runs, not figures to compare with the targets.
import { mkdir, writeFile } from 'node:fs/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { type Database, openDatabase } from '../server/src/db/database.js';
import { migrate } from '../server/src/db/migrate.js';
import { previousRange, resolveRange } from '../server/src/metrics/range.js';
import { runSql } from '../server/src/metrics/runner.js';
import { portfolio } from '../server/src/portfolio/service.js';
import { commitMeasured } from './commit.js';
import { ensureDataset } from './dataset.js';
import { RawHttpPool } from './load/raw-http.js';
import { seedRingingCalls } from './portfolio.js';
import { startBenchServer } from './server.js';

const log = (msg: string) => process.stdout.write(`${msg}\n`);
const ROOT = new URL('..', import.meta.url).pathname;
const DAYS = process.env.BENCH_DAYS ? Number(process.env.BENCH_DAYS) : undefined;
if (DAYS !== undefined && !(Number.isInteger(DAYS) && DAYS >= 1 && DAYS <= 400)) {
  throw new Error(`BENCH_DAYS must be a whole number of days from 1 to 400, not ${process.env.BENCH_DAYS}`);
}
const SCHEMA = DAYS ? `vs_bench_${DAYS}d` : 'vs_bench';
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 100);
/** A shortened run's results go beside the full run's committed ones, never over them. */
const RESULT_NAME = DAYS ? `latest-${DAYS}d` : 'latest';
/** Calls ringing now across the orgs while the portfolio is measured. */
const RINGING_CALLS = 60;

interface Stat {
  median: number;
  p95: number;
  n: number;
}

function stat(samples: number[]): Stat {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return { median: round(at(0.5)), p95: round(at(0.95)), n: s.length };
}
const round = (x: number) => Math.round(x * 100) / 100;

async function time(fn: () => Promise<unknown>, n = ITERATIONS, warmup = 10): Promise<Stat> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return stat(samples);
}

async function openBenchDatabase(url: string | undefined): Promise<{ database: Database; serverUrl: string | null }> {
  if (!url) {
    log(
      'BENCH_DATABASE_URL is not set: using embedded PGlite in ./bench/tmp (slower, and the HTTP server shares it in-process is not possible; SQL figures only).',
    );
    const database = await openDatabase({
      kind: 'pglite',
      dataDir: `${ROOT}bench/tmp/pglite${DAYS ? `-${DAYS}d` : ''}`,
    });
    await migrate(database.db, database.schema);
    return { database, serverUrl: null };
  }
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema if not exists ${SCHEMA}`);
  await admin.end();
  const database = await openDatabase({ kind: 'postgres', url, poolSize: 4, searchPath: SCHEMA });
  await migrate(database.db, SCHEMA);
  const withSchema = new URL(url);
  withSchema.searchParams.set('options', `-c search_path=${SCHEMA}`);
  return { database, serverUrl: withSchema.toString() };
}

async function main() {
  const url = process.env.BENCH_DATABASE_URL;
  const { database, serverUrl } = await openBenchDatabase(url);
  log('Dataset…');
  const dataset = await ensureDataset(database, log, DAYS ? { days: DAYS } : {});
  await seedRingingCalls(database, RINGING_CALLS);
  // Fresh tables have no visibility map yet: without it no index-only scans (production's autovacuum does this).
  await sql`vacuum analyze`.execute(database.db);
  log(
    `  ${dataset.calls.toLocaleString()} calls; largest org ${dataset.largestOrgCalls.toLocaleString()} (${dataset.largestOrgId})`,
  );
  const orgId = dataset.largestOrgId;
  const org = await database.db
    .selectFrom('organizations')
    .select(['timezone', 'sl_threshold_seconds', 'short_abandon_seconds'])
    .where('id', '=', orgId)
    .executeTakeFirstOrThrow();
  const thresholds = { slThresholdSeconds: org.sl_threshold_seconds, shortAbandonSeconds: org.short_abandon_seconds };
  const results: Record<string, unknown> = {
    commit: commitMeasured(ROOT),
    dataset,
    iterations: ITERATIONS,
    database: url ? 'postgresql' : 'pglite',
    dashboardCache: 'off (every request computed)',
  };

  // (a) the bare SQL the API runs for the same figures (current and previous period), straight on the owner
  // connection: no HTTP, no session, no row-level security. This is our floor.
  const month = resolveRange({ range: 'month' }, org.timezone);
  const year = resolveRange({ range: 'year' }, org.timezone);
  const ctx = { orgId, timezone: org.timezone, thresholds };
  const figures = (r: typeof month) => async () => {
    await runSql(ctx, [r, previousRange(r)], 'total').execute(database.db);
  };
  const floor = {
    month: await time(figures(month)),
    year: await time(figures(year)),
    // For reference: the same 12-month aggregate computed from the raw calls, without rollups.
    rawYear: await time(
      () => runSql(ctx, [year], 'total', { rollups: false }).execute(database.db),
      Math.max(5, Math.floor(ITERATIONS / 10)),
      2,
    ),
  };
  results.sqlFloor = floor;
  // The portfolio's two statements and its shaping, for every org, on the owner connection (no HTTP, no session).
  results.portfolioFloor = await time(() => portfolio(database.db, { limit: 500 }, new Date()));
  // (b) naive: fetch the org's rows for 12 months and aggregate in JavaScript.
  const naive = await time(
    async () => {
      const rows = await sql<{ direction: string; status: string; wait: number; talk: number }>`
        select c.direction, c.status, c.wait_seconds::float8 as wait, c.talk_seconds::float8 as talk
        from org_phone_numbers a join calls c on c.business_number_id = a.phone_number_id
        where a.org_id = ${orgId} and c.started_at >= ${year.from} and c.started_at < ${year.to}`.execute(database.db);
      let offered = 0;
      let answered = 0;
      let wait = 0;
      for (const r of rows.rows) {
        if (r.direction !== 'inbound') continue;
        offered++;
        if (r.status === 'answered') {
          answered++;
          wait += r.wait;
        }
      }
      return { offered, answered, wait };
    },
    Math.max(5, Math.floor(ITERATIONS / 10)),
    2,
  );
  results.naiveYear = naive;

  if (serverUrl) {
    log('Starting the server…');
    const server = await startBenchServer(serverUrl);
    const { port, cookie } = server;
    try {
      // One kept-alive connection, like a browser's, through a lean client: node:http's own CPU per request (on
      // the same two cores, in the same wait) is the instrument's cost, not the API's.
      const pool = new RawHttpPool('127.0.0.1', port, 1);
      const get = async (path: string) => {
        const answer = await pool.get(path, { cookie }, 30_000);
        if (answer.status !== 200) throw new Error(`${path}: ${answer.status ?? answer.error} ${answer.body}`);
      };
      const q = `org_id=${orgId}`;
      results.api = {
        'kpis 30 days': await time(() => get(`/api/metrics/kpis?${q}&range=month`)),
        'kpis 12 months': await time(() => get(`/api/metrics/kpis?${q}&range=year`)),
        'client-metrics 30 days': await time(() => get(`/api/client-metrics?${q}&range=month`)),
        'client-metrics 12 months': await time(() => get(`/api/client-metrics?${q}&range=year`)),
        'series 12 months daily': await time(() => get(`/api/calls/series?${q}&range=year&interval=day`)),
        'recent 50': await time(() => get(`/api/calls/recent?${q}&limit=50`)),
        'calls page 100': await time(() => get(`/api/calls?${q}&limit=100`)),
        'queue summary 30 days': await time(() => get(`/api/calls/queue-summary?${q}&range=month`)),
        'queue summary 12 months': await time(() => get(`/api/calls/queue-summary?${q}&range=year`)),
        'agents 12 months': await time(() => get(`/api/metrics/agents?${q}&range=year`)),
        'numbers 12 months': await time(() => get(`/api/metrics/numbers?${q}&range=year`)),
        'agents 12 months + previous': await time(() => get(`/api/metrics/agents?${q}&range=year&compare=true`)),
        // Platform-wide (the agency owner, no org): hourly totals and blocks of days per queue, agent and number.
        'platform kpis 12 months': await time(() => get('/api/metrics/kpis?range=year')),
        'platform queue summary 12 months': await time(() => get('/api/calls/queue-summary?range=year')),
        'platform agents 12 months': await time(() => get('/api/metrics/agents?range=year')),
        'platform numbers 12 months': await time(() => get('/api/metrics/numbers?range=year')),
        // Every org's today, seven days and calls waiting, worst first: the platform admin's landing page.
        'portfolio 200 orgs': await time(() => get('/api/admin/portfolio')),
      };
      // The API ÷ floor ratio from samples taken in alternating rounds: this machine's speed drifts by tens of per
      // cent within minutes, and two figures measured minutes apart would compare two different machines.
      const apiYear = () => get(`/api/client-metrics?${q}&range=year`);
      const paired = { api: [] as number[], floor: [] as number[] };
      const ROUNDS = 10;
      for (let round = 0; round < ROUNDS; round++) {
        const legs: Array<[() => Promise<unknown>, number[]]> = [
          [apiYear, paired.api],
          [figures(year), paired.floor],
        ];
        if (round % 2 === 1) legs.reverse();
        for (const [fn, samples] of legs) {
          for (let i = 0; i < Math.ceil(ITERATIONS / ROUNDS); i++) {
            const t = performance.now();
            await fn();
            samples.push(performance.now() - t);
          }
        }
      }
      // Each round's own ratio too: how much the figure moves with the machine's phase within one run.
      const per = Math.ceil(ITERATIONS / ROUNDS);
      const roundRatios = Array.from({ length: ROUNDS }, (_, r) => {
        const slice = (samples: number[]) => stat(samples.slice(r * per, (r + 1) * per)).median;
        return round(slice(paired.api) / slice(paired.floor));
      });
      results.pairedYear = { rounds: ROUNDS, api: stat(paired.api), floor: stat(paired.floor), roundRatios };
      pool.close();
      results.csvExport = await csvExport(`${server.base}/api/calls?${q}&range=year&format=csv`, cookie);
    } finally {
      server.stop();
    }
  }
  await database.close();
  await report(results);
}

/** The largest org's 12-month CSV export, streamed: time to its first call row and rows per second, 3 runs. */
async function csvExport(url: string, cookie: string) {
  const runs: Array<{ firstRowMs: number; rows: number; seconds: number; rowsPerSecond: number }> = [];
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    const response = await fetch(url, { headers: { cookie } });
    if (!response.ok || !response.body) throw new Error(`CSV export: ${response.status}`);
    let newlines = 0;
    let firstRowMs = Number.NaN;
    const reader = response.body.getReader();
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      for (const byte of part.value) if (byte === 10) newlines++;
      // The header is line 1; the first call row has arrived when a second line ends.
      if (newlines >= 2 && Number.isNaN(firstRowMs)) firstRowMs = performance.now() - started;
    }
    const seconds = (performance.now() - started) / 1000;
    const rows = newlines - 1;
    runs.push({
      firstRowMs: round(firstRowMs),
      rows,
      seconds: round(seconds),
      rowsPerSecond: Math.round(rows / seconds),
    });
  }
  const median = <K extends keyof (typeof runs)[number]>(k: K) => [...runs].sort((a, b) => a[k] - b[k])[1]?.[k];
  return { runs, firstRowMs: median('firstRowMs'), rowsPerSecond: median('rowsPerSecond'), rows: runs[0]?.rows };
}

const TARGETS: Record<string, [number, number]> = {
  'kpis 30 days': [15, 30],
  'kpis 12 months': [30, 60],
  'client-metrics 30 days': [15, 30],
  'client-metrics 12 months': [30, 60],
  'series 12 months daily': [30, 60],
  'recent 50': [5, 10],
  'calls page 100': [10, 20],
  'queue summary 30 days': [15, 30],
  'queue summary 12 months': [15, 30],
  'agents 12 months': [15, 30],
  'numbers 12 months': [15, 30],
  'agents 12 months + previous': [15, 30],
  'platform kpis 12 months': [15, 30],
  'platform queue summary 12 months': [15, 30],
  'platform agents 12 months': [15, 30],
  'platform numbers 12 months': [15, 30],
  'portfolio 200 orgs': [25, 50],
};

async function report(results: Record<string, unknown>) {
  await mkdir(`${ROOT}bench/results`, { recursive: true });
  await writeFile(
    `${ROOT}bench/results/${RESULT_NAME}.json`,
    `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`,
  );
  const api = (results.api ?? {}) as Record<string, Stat>;
  const floor = results.sqlFloor as { month: Stat; year: Stat; rawYear: Stat };
  const naive = results.naiveYear as Stat;
  const portfolioFloor = results.portfolioFloor as Stat;
  const lines = [
    '| measure | median ms | p95 ms | target median / p95 | meets |',
    '|---|---|---|---|---|',
    ...Object.entries(api).map(([name, s]) => {
      const [m, p] = TARGETS[name] ?? [Number.NaN, Number.NaN];
      return `| API ${name} | ${s.median} | ${s.p95} | ${m} / ${p} | ${s.median <= m && s.p95 <= p ? 'yes' : 'NO'} |`;
    }),
    `| (a) SQL floor: the API's queries, 30 days + previous | ${floor.month.median} | ${floor.month.p95} | — | — |`,
    `| (a) SQL floor: the API's queries, 12 months + previous | ${floor.year.median} | ${floor.year.p95} | — | — |`,
    `| raw-calls aggregate, 12 months (no rollups) | ${floor.rawYear.median} | ${floor.rawYear.p95} | — | — |`,
    `| (b) naive: fetch rows + aggregate in JS, 12 months | ${naive.median} | ${naive.p95} | — | — |`,
    `| portfolio floor: its statements and shaping, 200 orgs | ${portfolioFloor.median} | ${portfolioFloor.p95} | — | — |`,
  ];
  const y = api['client-metrics 12 months'];
  const paired = results.pairedYear as { rounds: number; api: Stat; floor: Stat; roundRatios: number[] } | undefined;
  if (y && paired) {
    lines.push(
      '',
      `API ÷ SQL floor at 12 months: ${round(paired.api.median / paired.floor.median)}× (target ≤ 1.5×), medians ${paired.api.median} ÷ ${paired.floor.median} ms measured in ${paired.rounds} alternating rounds of ${paired.api.n / paired.rounds} each`,
    );
    lines.push(`each round's own ratio: ${paired.roundRatios.join(', ')}`);
    lines.push(`naive ÷ API at 12 months: ${round(naive.median / y.median)}× (target ≥ 20×)`);
  }
  const csv = results.csvExport as { firstRowMs: number; rowsPerSecond: number; rows: number } | undefined;
  if (csv) {
    lines.push(
      `CSV export, largest org, 12 months (${csv.rows.toLocaleString()} rows, median of 3): first row ${csv.firstRowMs} ms (target ≤ 200), ${csv.rowsPerSecond.toLocaleString()} rows/s (target ≥ 100,000)`,
    );
  }
  const table = lines.join('\n');
  await writeFile(
    `${ROOT}bench/results/${RESULT_NAME}.md`,
    `# Benchmark ${new Date().toISOString()} at commit ${String(results.commit)}${DAYS ? ` (BENCH_DAYS=${DAYS}: a shortened dataset)` : ''}\n\n${table}\n`,
  );
  log(`\n${table}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
