// The benchmark dataset: 200 orgs, 1,000 numbers (some shared), ~2,000,000 calls over 13 months, loaded once per schema.
import { benchTopology, generateNumberCalls, type Topology } from '@victorysync/datagen';
import { sql } from 'kysely';
import { hashPassword } from '../server/src/auth/passwords.js';
import { systemPrincipal } from '../server/src/auth/principal.js';
import { insertTopology } from '../server/src/bootstrap/seed.js';
import { type NormalizedCall, upsertCalls } from '../server/src/calls/ingest.js';
import type { Database } from '../server/src/db/database.js';
import { withPrincipal } from '../server/src/db/tenant.js';

export const BENCH_SEED = 2026;
export const BENCH_ADMIN = { email: 'bench-admin@victorysync.dev', password: 'bench-password-not-secret' };
const SYSTEM = systemPrincipal('benchmark load');

export interface LoadedDataset {
  largestOrgId: string;
  calls: number;
  largestOrgCalls: number;
  loadedAt: string;
  now: string;
}

/**
 * Loads the dataset unless this schema already holds it; returns what is there. `days` shortens the history (the
 * same 200 orgs and numbers, fewer calls) for a quick run of the harness; the full dataset is 13 months.
 */
export async function ensureDataset(
  database: Database,
  log: (msg: string) => void,
  options: { days?: number } = {},
): Promise<LoadedDataset> {
  await sql`create table if not exists bench_meta (key text primary key, value jsonb not null)`.execute(database.db);
  const existing = await sql<{ value: LoadedDataset }>`select value from bench_meta where key = 'dataset'`.execute(
    database.db,
  );
  if (existing.rows[0]) return existing.rows[0].value;

  const topology = benchTopology({ seed: BENCH_SEED });
  const now = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  const from = new Date(now);
  if (options.days) from.setTime(now.getTime() - options.days * 86_400_000);
  else from.setUTCMonth(from.getUTCMonth() - 13);
  const orgIds = await loadTopology(database, topology);
  let total = 0;
  let largest = 0;
  const largestKey = topology.orgs[0]?.key;
  const started = Date.now();
  for (const number of topology.numbers) {
    const batch: NormalizedCall[] = [];
    for (const c of generateNumberCalls(topology, number, { seed: BENCH_SEED, from, to: now })) {
      batch.push({ ...c, provider: 'mightycall', providerAccount: 'bench' });
    }
    await withPrincipal(database.db, SYSTEM, (tx) => upsertCalls(tx, batch));
    total += batch.length;
    if (number.orgKeys.includes(largestKey ?? '')) largest += batch.length;
    if (topology.numbers.indexOf(number) % 50 === 0)
      log(`  loaded ${total.toLocaleString()} calls (${Math.round((Date.now() - started) / 1000)} s)`);
  }
  await sql`analyze`.execute(database.db);
  const meta: LoadedDataset = {
    largestOrgId: orgIds.get(largestKey ?? '') as string,
    calls: total,
    largestOrgCalls: largest,
    loadedAt: new Date().toISOString(),
    now: now.toISOString(),
  };
  await sql`insert into bench_meta (key, value) values ('dataset', ${JSON.stringify(meta)}::jsonb)`.execute(
    database.db,
  );
  return meta;
}

async function loadTopology(database: Database, topology: Topology): Promise<Map<string, string>> {
  const passwordHash = await hashPassword(BENCH_ADMIN.password);
  return withPrincipal(database.db, SYSTEM, async (tx) => {
    const ids = await insertTopology(tx, topology, 'bench');
    await tx
      .insertInto('users')
      .values({
        email: BENCH_ADMIN.email,
        display_name: 'Bench Admin',
        password_hash: passwordHash,
        platform_role: 'platform_admin',
      })
      .execute();
    return ids;
  });
}
