// The world the fuzz suite attacks: the identity test world plus numbers, calls, keys, a MightyCall connection,
// and an org B full of distinctive names and numbers that must never show up in an answer to org A's callers.
import { sql } from 'kysely';
import { sha256 } from '../../src/auth/tokens.js';
import type { Database } from '../../src/db/database.js';
import { buildWorld, insertKey, call as send, type World } from '../isolation-world.js';
import type { TestTarget } from './database.js';
import { assignNumber, call, createNumber, createUser, insertCalls } from './fixtures.js';

export const ORG_B_NUMBER = '+14155550199';
export const ORG_B_LABEL = 'Quokka Private Line';
export const ORG_B_MEMBER = { email: 'zebulon.quibble@bayside.example', name: 'Zebulon Quibble' };

export interface FuzzWorld extends World {
  ids: {
    /** an agent of org A (member routes and user routes aim at it) */
    memberA: string;
    /** an org-A key that no caller uses, so a wrongly accepted DELETE shows as a change */
    spareKeyA: string;
    spareKeyPlatform: string;
    numberA: string;
    callA: string;
    connection: string;
    webhookToken: string;
    mightycallApiKey: string;
    memberB: string;
    keyB: string;
    numberB: string;
    callB: string;
  };
  /** identifiers and names of org B */
  markersB: string[];
}

async function keyId(database: Database, key: string): Promise<string> {
  const row = await database.db
    .selectFrom('api_keys')
    .select('id')
    .where('key_hash', '=', sha256(key))
    .executeTakeFirstOrThrow();
  return row.id;
}

async function callsOn(database: Database, e164: string, count: number): Promise<string[]> {
  const calls = Array.from({ length: count }, (_, i) =>
    call({
      businessNumber: e164,
      startedAt: new Date(Date.now() - (i + 1) * 60_000),
      externalNumber: `+1415555${String(1000 + i)}`,
      agentExtension: i % 2 === 0 ? '777' : null,
      queue: 'Quokka Queue',
      status: i % 3 === 0 ? 'missed' : 'answered',
    }),
  );
  await insertCalls(database, calls);
  const ids = await database.db
    .selectFrom('calls')
    .select('id')
    .where(
      'provider_call_id',
      'in',
      calls.map((c) => c.providerCallId),
    )
    .execute();
  return ids.map((r) => r.id);
}

export async function buildFuzzWorld(target: TestTarget): Promise<FuzzWorld> {
  const w = await buildWorld(target);
  const { database } = w;

  const numberA = await createNumber(database, '+12125550123', 'Acme Main');
  await assignNumber(database, w.orgA, numberA);
  const callsA = await callsOn(database, '+12125550123', 5);

  const numberB = await createNumber(database, ORG_B_NUMBER, ORG_B_LABEL);
  await assignNumber(database, w.orgB, numberB);
  const callsB = await callsOn(database, ORG_B_NUMBER, 5);
  const memberB = await createUser(database, ORG_B_MEMBER.email, {
    displayName: ORG_B_MEMBER.name,
    memberships: [{ orgId: w.orgB, role: 'agent', extension: '777' }],
  });
  const keyB = await insertKey(database, 'org', w.orgB, ['metrics:read', 'calls:read']);

  const spareKeyA = await keyId(database, await insertKey(database, 'org', w.orgA, ['calls:read']));
  const spareKeyPlatform = await keyId(database, await insertKey(database, 'platform', null, ['metrics:read']));

  const mightycallApiKey = 'fuzz-mightycall-api-key-7f3a';
  const created = await send(w.app, 'POST', 'http://localhost/api/admin/mightycall/connections', {
    as: { session: w.users.platformAdmin.session },
    body: {
      name: 'Fuzz connection',
      host: 'custom',
      baseUrl: 'http://127.0.0.1:9',
      apiKey: mightycallApiKey,
      userKey: 'fuzz-mightycall-user-key-91c2',
      providerAccount: 'fuzz-account',
    },
  });
  if (created.status !== 201) throw new Error(`connection: ${created.status} ${await created.text()}`);
  const { connection } = (await created.json()) as { connection: { id: string; webhookUrl: string } };
  const webhookToken = new URL(connection.webhookUrl).pathname.split('/').at(-1) ?? '';

  const org = await database.db
    .selectFrom('organizations')
    .select(['name', 'slug'])
    .where('id', '=', w.orgB)
    .executeTakeFirstOrThrow();
  const keyBRow = await database.db
    .selectFrom('api_keys')
    .select(['id', 'prefix'])
    .where('key_hash', '=', sha256(keyB))
    .executeTakeFirstOrThrow();
  const markersB = [
    w.orgB,
    org.name,
    org.slug,
    w.users.adminB.id,
    w.users.adminB.email,
    memberB,
    ORG_B_MEMBER.email,
    ORG_B_MEMBER.name,
    numberB,
    ORG_B_NUMBER,
    ORG_B_NUMBER.slice(2),
    ORG_B_LABEL,
    keyBRow.id,
    keyBRow.prefix,
    ...callsB,
  ];
  return {
    ...w,
    ids: {
      memberA: w.users.agentA.id,
      spareKeyA,
      spareKeyPlatform,
      numberA,
      callA: callsA[0] ?? '',
      connection: connection.id,
      webhookToken,
      mightycallApiKey,
      memberB,
      keyB: keyBRow.id,
      numberB,
      callB: callsB[0] ?? '',
    },
    markersB,
  };
}

/** Every table of the schema, with the columns that change on reads (authentication bookkeeping) left out. */
const VOLATILE: Record<string, string[]> = { sessions: ['last_seen_at'], api_keys: ['last_used_at'] };
const NOT_DATA = new Set(['schema_migrations']);

export async function dataTables(database: Database): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`.execute(database.db);
  return rows.map((r) => r.name).filter((t) => !NOT_DATA.has(t));
}

/** One digest per table: the row count and an md5 over every row (as JSON, sorted). One round trip. */
export async function tableDigests(database: Database, tables: readonly string[]): Promise<Map<string, string>> {
  const parts = tables.map((t) => {
    if (!/^[a-z_0-9]+$/.test(t)) throw new Error(`odd table name ${t}`);
    const drop = (VOLATILE[t] ?? []).map((c) => ` - '${c}'`).join('');
    return `SELECT '${t}' AS t, count(*)::text || ':' || coalesce(md5(string_agg(x, '|' ORDER BY x)), '') AS d
      FROM (SELECT (to_jsonb(r)${drop})::text AS x FROM ${t} r) s`;
  });
  const { rows } = await sql.raw<{ t: string; d: string }>(parts.join(' UNION ALL ')).execute(database.db);
  return new Map(rows.map((r) => [r.t, r.d]));
}
