// `npm run bench:ingest`: bulk ingest through the one write path (upsertCalls, used by the import API and the
// MightyCall sync) against a bare COPY of the same rows, for new calls and for a re-import in which half the calls
// changed; then checks that every rollup still equals the raw calls. Needs BENCH_DATABASE_URL (PostgreSQL).
import { mkdir, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { benchTopology, generateCalls } from '@victorysync/datagen';
import { sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { systemPrincipal } from '../server/src/auth/principal.js';
import { insertTopology } from '../server/src/bootstrap/seed.js';
import { type NormalizedCall, upsertCalls } from '../server/src/calls/ingest.js';
import { openDatabase } from '../server/src/db/database.js';
import { migrate } from '../server/src/db/migrate.js';
import { withPrincipal } from '../server/src/db/tenant.js';
import type { Sums } from '../server/src/metrics/definitions.js';
import { resolveRange } from '../server/src/metrics/range.js';
import { type Dimension, groupRows, runSql } from '../server/src/metrics/runner.js';
import { orgContext, platformContext } from '../server/src/metrics/settings.js';
import { commitMeasured } from './commit.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SCHEMA = 'vs_ingest';
const CALLS = Number(process.env.BENCH_INGEST_CALLS ?? 200_000);
const CHUNK = 10_000;
const SYSTEM = systemPrincipal('ingest benchmark');
const log = (msg: string) => process.stdout.write(`${msg}\n`);

async function main() {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url)
    throw new Error('BENCH_DATABASE_URL must point at a PostgreSQL database (the schema vs_ingest is recreated)');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`drop schema if exists ${SCHEMA} cascade`);
  await admin.query(`create schema ${SCHEMA}`);
  const database = await openDatabase({ kind: 'postgres', url, poolSize: 2, searchPath: SCHEMA });
  await migrate(database.db, SCHEMA);

  // One org, 20 numbers, a year of calls: the shape of a large client's backfill.
  const topology = benchTopology({
    orgCount: 1,
    numberCount: 20,
    callsPerDayTotal: Math.ceil((CALLS / 365) * 8),
    seed: 11,
  });
  const orgIds = await withPrincipal(database.db, SYSTEM, (tx) => insertTopology(tx, topology, 'ingest'));
  const orgId = [...orgIds.values()][0] as string;
  const to = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
  const from = new Date(to.getTime() - 365 * 86_400_000);
  const generated = [...generateCalls(topology, { seed: 11, from, to })];
  // Every k-th call, so that all numbers and the whole year are in the sample, in delivery (time) order.
  const stride = Math.max(1, Math.floor(generated.length / CALLS));
  const calls: NormalizedCall[] = generated
    .filter((_, i) => i % stride === 0)
    .slice(0, CALLS)
    .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime())
    .map((c) => ({ ...c, provider: 'mightycall', providerAccount: 'ingest' }));
  log(`${calls.length.toLocaleString()} calls on ${topology.numbers.length} numbers of one org`);

  const ingest = async (rows: NormalizedCall[]) => {
    const started = performance.now();
    for (let i = 0; i < rows.length; i += CHUNK) {
      await withPrincipal(database.db, SYSTEM, (tx) => upsertCalls(tx, rows.slice(i, i + CHUNK)));
    }
    return (performance.now() - started) / 1000;
  };
  const fresh = await ingest(calls);
  log(`new calls: ${Math.round(calls.length / fresh).toLocaleString()} calls/s`);
  // Half the calls come again changed (ten seconds more talk, another queue), half unchanged.
  const changed = calls.map((c, i) =>
    i % 2 === 0 ? { ...c, endedAt: new Date(c.endedAt.getTime() + 10_000), queue: c.queue ? null : 'Changed' } : c,
  );
  const again = await ingest(changed);
  log(`re-import, half changed: ${Math.round(calls.length / again).toLocaleString()} calls/s`);

  // The floor: the same rows COPY'd into a table shaped like calls (its indexes and generated columns, no triggers).
  await admin.query(`create table ${SCHEMA}.calls_copy (like ${SCHEMA}.calls including all)`);
  const numbers = new Map(
    (await sql<{ id: string; e164: string }>`select id, e164 from phone_numbers`.execute(database.db)).rows.map((r) => [
      r.e164,
      r.id,
    ]),
  );
  const field = (v: string | null) => (v === null ? '\\N' : v.replace(/[\\\t\n\r]/g, (ch) => `\\${ch}`));
  const lines = calls.map(
    (c) =>
      `${[
        c.provider,
        c.providerCallId,
        c.providerAccount ?? '',
        c.direction,
        c.status,
        numbers.get(c.businessNumber) ?? null,
        c.externalNumber,
        c.startedAt.toISOString(),
        c.answeredAt?.toISOString() ?? null,
        c.endedAt.toISOString(),
        c.agentExtension,
        c.queue,
      ]
        .map(field)
        .join('\t')}\n`,
  );
  const copyStarted = performance.now();
  await pipeline(
    Readable.from(lines),
    admin.query(
      copyFrom(`copy ${SCHEMA}.calls_copy (provider, provider_call_id, provider_account, direction, status,
        business_number_id, external_number, started_at, answered_at, ended_at, agent_extension, queue_name) from stdin`),
    ),
  );
  const copy = (performance.now() - copyStarted) / 1000;
  log(`bare COPY: ${Math.round(calls.length / copy).toLocaleString()} calls/s`);

  // Exact: every dimension read through the rollups equals the raw calls, for the org and platform-wide.
  const exact = await withPrincipal(database.db, SYSTEM, async (tx) => {
    const round = (s: Sums) => JSON.stringify(Object.values(s).map((v) => (v === null ? null : Math.round(v * 1000))));
    const ctxs = [await orgContext(tx, orgId), platformContext('UTC')];
    const dims: Dimension[] = ['total', 'bucket', 'queue', 'agent', 'number'];
    for (const ctx of ctxs) {
      const range = resolveRange({ from: from.toISOString(), to: to.toISOString(), interval: 'week' }, ctx.timezone);
      for (const dimension of ctx.orgId === null ? dims.slice(0, 2) : dims) {
        const read = async (rollups: boolean) => {
          const rows = (await runSql(ctx, [range], dimension, { rollups }).execute(tx)).rows;
          const groups = groupRows<object>(rows, dimension, false).filter(
            (g) => g.current.offered + g.current.outbound,
          );
          return new Map(groups.map((g) => [JSON.stringify(g.key), round(g.current)]));
        };
        const [fast, raw] = [await read(true), await read(false)];
        if (fast.size !== raw.size || [...raw].some(([k, v]) => fast.get(k) !== v)) return false;
      }
    }
    return true;
  });
  log(`rollups equal the raw calls: ${exact}`);

  const results = {
    at: new Date().toISOString(),
    commit: commitMeasured(ROOT),
    calls: calls.length,
    chunk: CHUNK,
    newCallsPerSecond: Math.round(calls.length / fresh),
    halfChangedPerSecond: Math.round(calls.length / again),
    bareCopyPerSecond: Math.round(calls.length / copy),
    rollupsExact: exact,
  };
  await mkdir(`${ROOT}bench/results`, { recursive: true });
  await writeFile(`${ROOT}bench/results/ingest.json`, `${JSON.stringify(results, null, 2)}\n`);
  const ratio = (x: number) => Math.round((results.bareCopyPerSecond / x) * 10) / 10;
  await writeFile(
    `${ROOT}bench/results/ingest.md`,
    `# Ingest benchmark ${results.at} at commit ${results.commit}

${results.calls.toLocaleString()} calls of one org on 20 numbers, through upsertCalls in chunks of ${CHUNK.toLocaleString()}, local PostgreSQL.

| measure | calls/s | COPY ÷ this | target |
|---|---|---|---|
| new calls | ${results.newCallsPerSecond.toLocaleString()} | ${ratio(results.newCallsPerSecond)}× | ≥ 50,000 calls/s, ≤ 2× |
| re-import, half changed | ${results.halfChangedPerSecond.toLocaleString()} | ${ratio(results.halfChangedPerSecond)}× | ≥ 50,000 calls/s, ≤ 2× |
| bare COPY into a calls-shaped table | ${results.bareCopyPerSecond.toLocaleString()} | 1× | — |

Rollups equal the raw calls afterwards (org: total, series, queue, agents, numbers; platform: total, series): ${exact ? 'yes' : 'NO'}
`,
  );
  await database.close();
  await admin.query(`drop schema ${SCHEMA} cascade`);
  await admin.end();
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:ingest failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
