// `npm run bench:compare -- <commit>`: this checkout's server against another commit's, request by request, on the
// benchmark dataset. Both servers run at once on the same database; each round sends one request to each, in
// alternating order, so drift in the machine's speed (other work, thermal, caches) falls on both alike. This is
// the instrument for "no slower than before": whole `npm run bench` runs minutes apart differ by more than that.
// Needs BENCH_DATABASE_URL and the dataset of `npm run bench` (schema vs_bench). The other commit is checked out
// into a temporary worktree; migrations it does not have are copied in (they only add to the schema it knows).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, symlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../server/src/db/database.js';
import { commitMeasured } from './commit.js';
import { RawHttpPool } from './load/raw-http.js';
import { percentiles, round } from './load/stats.js';
import { startBenchServer } from './server.js';

const ROOT = new URL('..', import.meta.url).pathname;
const MIGRATIONS = 'server/src/db/migrations';
const ROUNDS = Number(process.env.BENCH_ITERATIONS ?? 500);
const log = (msg: string) => process.stdout.write(`${msg}\n`);

const ENDPOINTS = (org: string) => ({
  'kpis 12 months': `/api/metrics/kpis?org_id=${org}&range=year`,
  'client-metrics 30 days': `/api/client-metrics?org_id=${org}&range=month`,
  'client-metrics 12 months': `/api/client-metrics?org_id=${org}&range=year`,
  'series 12 months daily': `/api/calls/series?org_id=${org}&range=year&interval=day`,
  'recent 50': `/api/calls/recent?org_id=${org}&limit=50`,
  'calls page 100': `/api/calls?org_id=${org}&limit=100`,
  'queue summary 12 months': `/api/calls/queue-summary?org_id=${org}&range=year`,
  'agents 12 months': `/api/metrics/agents?org_id=${org}&range=year`,
  'numbers 12 months': `/api/metrics/numbers?org_id=${org}&range=year`,
});

function checkout(commit: string): { dir: string; remove(): void } {
  const dir = join(tmpdir(), `vs-compare-${commit.replace(/[^\w.-]/g, '_')}`);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, stdio: 'pipe' });
  if (existsSync(dir)) git('worktree', 'remove', '--force', dir);
  git('worktree', 'add', '--detach', dir, commit);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const theirs = new Set(readdirSync(join(dir, MIGRATIONS)));
  for (const file of readdirSync(join(ROOT, MIGRATIONS))) {
    if (!theirs.has(file)) copyFileSync(join(ROOT, MIGRATIONS, file), join(dir, MIGRATIONS, file));
  }
  return { dir, remove: () => git('worktree', 'remove', '--force', dir) };
}

async function main() {
  const base = process.argv[2];
  const url = process.env.BENCH_DATABASE_URL;
  if (!base || !url) throw new Error('usage: BENCH_DATABASE_URL=… npm run bench:compare -- <commit>');
  const baseCommit = execFileSync('git', ['rev-parse', '--short', base], { cwd: ROOT, encoding: 'utf8' }).trim();
  const database = await openDatabase({ kind: 'postgres', url, poolSize: 1, searchPath: 'vs_bench' });
  const meta = await sql<{ value: { largestOrgId: string } }>`select value from bench_meta where key = 'dataset'`
    .execute(database.db)
    .catch(() => ({ rows: [] }));
  await database.close();
  const org = meta.rows[0]?.value.largestOrgId;
  if (!org) throw new Error('no benchmark dataset in schema vs_bench: run `npm run bench` once first');

  const withSchema = new URL(url);
  withSchema.searchParams.set('options', '-c search_path=vs_bench');
  const other = checkout(baseCommit);
  const servers = [
    { name: 'this', server: await startBenchServer(withSchema.toString()) },
    { name: baseCommit, server: await startBenchServer(withSchema.toString(), {}, other.dir) },
  ];
  const results: Record<string, Record<string, ReturnType<typeof percentiles>>> = {};
  const pools = servers.map((s) => new RawHttpPool('127.0.0.1', s.server.port, 1));
  try {
    for (const [label, path] of Object.entries(ENDPOINTS(org))) {
      const samples: number[][] = servers.map(() => []);
      const once = async (i: number) => {
        const pool = pools[i];
        const server = servers[i];
        if (!pool || !server) throw new Error('no server');
        const t = performance.now();
        const answer = await pool.get(path, { cookie: server.server.cookie }, 30_000);
        if (answer.status !== 200) throw new Error(`${server.name} ${path}: ${answer.status ?? answer.error}`);
        return performance.now() - t;
      };
      for (let r = 0; r < 30; r++) for (const i of [0, 1]) await once(i);
      for (let r = 0; r < ROUNDS; r++) {
        for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) samples[i]?.push(await once(i));
      }
      results[label] = Object.fromEntries(servers.map((s, i) => [s.name, percentiles(samples[i] ?? [])]));
      const [a, b] = servers.map((s) => results[label]?.[s.name]?.p50 ?? Number.NaN);
      log(`${label}: this ${a} ms, ${baseCommit} ${b} ms (median)`);
    }
  } finally {
    for (const s of servers) s.server.stop();
    for (const p of pools) p.close();
    other.remove();
  }
  const commit = commitMeasured(ROOT);
  const rows = Object.entries(results).map(([label, r]) => {
    const a = r.this;
    const b = r[baseCommit];
    const diff = a && b ? round(a.p50 - b.p50) : Number.NaN;
    return `| ${label} | ${a?.p50} / ${a?.p95} | ${b?.p50} / ${b?.p95} | ${diff > 0 ? '+' : ''}${diff} |`;
  });
  const md = [
    `# ${commit} against ${baseCommit}, request by request`,
    '',
    `\`BENCH_ITERATIONS=${ROUNDS} npm run bench:compare -- ${baseCommit}\` on ${new Date().toISOString()}: both servers at once on the`,
    'benchmark dataset (largest org), one kept-alive connection each, the order alternating every round; dashboard cache off.',
    '',
    `| endpoint | this: median / p95 ms | ${baseCommit}: median / p95 ms | median difference ms |`,
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  await mkdir(`${ROOT}bench/results`, { recursive: true });
  await writeFile(`${ROOT}bench/results/compare.md`, md);
  await writeFile(
    `${ROOT}bench/results/compare.json`,
    `${JSON.stringify({ commit, base: baseCommit, rounds: ROUNDS, results }, null, 2)}\n`,
  );
  log(md);
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
