// `npm run bench:rtt` (also run by `npm run bench`): the dashboard with the database 5 ms away. A delaying proxy
// sits between the server and PostgreSQL; each endpoint is read sequentially and we report its latency and the
// database round trips one read costs, for the server's pipelined driver and for a naive driver (Kysely's own:
// BEGIN, set the principal, the query, COMMIT, each a round trip). Uses the `npm run bench` dataset.
import { mkdir, writeFile } from 'node:fs/promises';
import { commitMeasured } from './commit.js';
import { startLatencyProxy } from './latency-proxy.js';
import { RawHttpPool } from './load/raw-http.js';
import { startBenchServer } from './server.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SCHEMA = 'vs_bench';
const ROUND_TRIP_MS = Number(process.env.BENCH_RTT_MS ?? 5);
const READS = Number(process.env.BENCH_RTT_READS ?? 40);
const log = (msg: string) => process.stdout.write(`${msg}\n`);

const ENDPOINTS: Array<[string, (org: string) => string]> = [
  ['kpis 30 days', (o) => `/api/metrics/kpis?org_id=${o}&range=month`],
  ['client-metrics 12 months', (o) => `/api/client-metrics?org_id=${o}&range=year`],
  ['series 12 months', (o) => `/api/calls/series?org_id=${o}&range=year&interval=day`],
  ['queue summary 30 days', (o) => `/api/calls/queue-summary?org_id=${o}&range=month`],
  ['agents 30 days', (o) => `/api/metrics/agents?org_id=${o}&range=month`],
  ['numbers 30 days', (o) => `/api/metrics/numbers?org_id=${o}&range=month`],
  ['recent 50', (o) => `/api/calls/recent?org_id=${o}&limit=50`],
  ['calls page 100', (o) => `/api/calls?org_id=${o}&limit=100`],
  ['platform kpis 30 days', () => '/api/metrics/kpis?range=month'],
];

interface Measured {
  p50Ms: number;
  p95Ms: number;
  /** the median of each read's round trips (background work between reads does not count) */
  roundTrips: number;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN) * 100) / 100;
};

async function measure(databaseUrl: string, env: Record<string, string>, orgId: string) {
  const url = new URL(databaseUrl);
  const proxy = await startLatencyProxy({ host: url.hostname, port: Number(url.port || 5432) }, ROUND_TRIP_MS);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  url.searchParams.set('options', `-c search_path=${SCHEMA}`);
  const server = await startBenchServer(url.toString(), env);
  const pool = new RawHttpPool('127.0.0.1', server.port, 1);
  const out: Record<string, Measured> = {};
  try {
    for (const [name, path] of ENDPOINTS) {
      const times: number[] = [];
      const trips: number[] = [];
      for (let i = 0; i < READS + 5; i++) {
        const before = proxy.flights();
        const started = performance.now();
        const answer = await pool.get(path(orgId), { cookie: server.cookie }, 30_000);
        const elapsed = performance.now() - started;
        if (answer.status !== 200) throw new Error(`${name}: ${answer.status ?? answer.error} ${answer.body}`);
        // The first reads warm the server's caches (settings, session); they are not counted.
        if (i >= 5) {
          times.push(elapsed);
          trips.push(proxy.flights() - before);
        }
      }
      out[name] = { p50Ms: quantile(times, 0.5), p95Ms: quantile(times, 0.95), roundTrips: quantile(trips, 0.5) };
      log(`  ${name}: p50 ${out[name]?.p50Ms} ms, ${out[name]?.roundTrips} round trips`);
    }
  } finally {
    pool.close();
    server.stop();
    await proxy.close();
  }
  return out;
}

async function main() {
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  if (!databaseUrl) throw new Error('BENCH_DATABASE_URL must point at the PostgreSQL holding the bench dataset');
  const orgId = process.env.BENCH_RTT_ORG ?? (await largestOrg(databaseUrl));
  log(`Database ${ROUND_TRIP_MS} ms away; pipelined driver:`);
  const pipelined = await measure(databaseUrl, {}, orgId);
  log('Naive driver (one statement per round trip):');
  const naive = await measure(databaseUrl, { DATABASE_PREPARED_STATEMENTS: '0' }, orgId);
  const at = new Date().toISOString();
  const commit = commitMeasured(ROOT);
  await mkdir(`${ROOT}bench/results`, { recursive: true });
  await writeFile(
    `${ROOT}bench/results/round-trips.json`,
    `${JSON.stringify({ at, commit, roundTripMs: ROUND_TRIP_MS, reads: READS, pipelined, naive }, null, 2)}\n`,
  );
  const rows = ENDPOINTS.map(([name]) => {
    const p = pipelined[name];
    const n = naive[name];
    const meets = p && p.p50Ms <= ROUND_TRIP_MS + 5 ? 'yes' : 'NO';
    return `| ${name} | ${p?.roundTrips} | ${p?.p50Ms} / ${p?.p95Ms} | ${n?.roundTrips} | ${n?.p50Ms} / ${n?.p95Ms} | ${meets} |`;
  });
  await writeFile(
    `${ROOT}bench/results/round-trips.md`,
    `# Round trips ${at} at commit ${commit}

The database ${ROUND_TRIP_MS} ms away (a delaying proxy), the largest org, ${READS} sequential reads per endpoint.

| endpoint | round trips | p50 / p95 ms | naive driver: round trips | p50 / p95 ms | p50 ≤ ${ROUND_TRIP_MS} + 5 ms |
|---|---|---|---|---|---|
${rows.join('\n')}
`,
  );
}

async function largestOrg(databaseUrl: string): Promise<string> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const meta = await client.query(
      `select value->>'largestOrgId' as id from ${SCHEMA}.bench_meta where key = 'dataset'`,
    );
    const id = meta.rows[0]?.id as string | undefined;
    if (!id) throw new Error('no bench dataset: run npm run bench first');
    return id;
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:rtt failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
