// "A call belongs to an org" is one rule (metrics/scope.ts) stated again in SQL by the row-level security policies
// of calls and live calls and by the rollup triggers. This test puts calls on every edge of assignment windows and
// checks that every reader — the metrics scope, the calls page, a call by id, the KPIs through rollups and raw, the
// live wallboard, and what the policies let a member see — agrees on exactly which calls are the org's.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { assignNumber, call, createNumber, createOrg, createUser, insertCalls } from '../../test/support/fixtures.js';
import { type Principal, systemPrincipal } from '../auth/principal.js';
import { getCall, listCalls } from '../calls/service.js';
import { withPrincipal } from '../db/tenant.js';
import { liveSnapshot } from '../mightycall/ingest/live.js';
import { resolveRange } from './range.js';
import { runSql } from './runner.js';
import { scopedCalls } from './scope.js';
import { kpis } from './service.js';

const SYSTEM = systemPrincipal('scope agreement test');
const T1 = new Date('2026-03-02T00:00:00Z');
const T2 = new Date('2026-03-09T12:00:00Z');
const T3 = new Date('2026-03-05T06:30:00Z');
const plus = (d: Date, seconds: number) => new Date(d.getTime() + seconds * 1000);

describe.each(testTargets())('one rule for an org’s calls on %s', (target) => {
  let database: TestDatabase;
  const org: Record<'a' | 'b', string> = { a: '', b: '' };
  const member: Partial<Record<'a' | 'b', Principal>> = {};
  /** our call id → the test's name for it */
  const names = new Map<string, string>();
  const expected = {
    a: ['n-first', 'n-last', 'm-first', 'm-late'].sort(),
    b: ['n-from-b'],
  };

  beforeAll(async () => {
    database = await openTestDatabase(target);
    org.a = await createOrg(database, 'Window A', { timezone: 'UTC' });
    org.b = await createOrg(database, 'Window B', { timezone: 'America/New_York' });
    const n = await createNumber(database, '+12125550111');
    const m = await createNumber(database, '+12125550122');
    // N: A's from T1 until T2, then B's from T2 on. M: A's from T3 on (open).
    await assignNumber(database, org.a, n, { from: T1, until: T2 });
    await assignNumber(database, org.b, n, { from: T2 });
    await assignNumber(database, org.a, m, { from: T3 });
    const calls = {
      'n-before': call({ businessNumber: '+12125550111', startedAt: plus(T1, -1) }),
      'n-first': call({ businessNumber: '+12125550111', startedAt: T1, status: 'missed' }),
      'n-last': call({ businessNumber: '+12125550111', startedAt: plus(T2, -1), direction: 'outbound' }),
      'n-from-b': call({ businessNumber: '+12125550111', startedAt: T2 }),
      'm-before': call({ businessNumber: '+12125550122', startedAt: plus(T3, -1) }),
      'm-first': call({ businessNumber: '+12125550122', startedAt: T3 }),
      'm-late': call({ businessNumber: '+12125550122', startedAt: new Date('2026-04-20T10:00:00Z') }),
    };
    await insertCalls(database, Object.values(calls));
    await withPrincipal(database.db, SYSTEM, async (tx) => {
      const rows = await tx
        .selectFrom('calls')
        .select(['id', 'provider_call_id', 'business_number_id', 'started_at'])
        .execute();
      for (const [name, c] of Object.entries(calls)) {
        const row = rows.find((r) => r.provider_call_id === c.providerCallId);
        if (!row) throw new Error(`call ${name} not stored`);
        names.set(row.id, name);
      }
      const connection = await tx
        .insertInto('mightycall_connections')
        .values({
          name: 'Scope test',
          host: 'custom',
          base_url: 'http://127.0.0.1:9',
          provider_account: 'scope-test',
          api_key_enc: 'unused',
          user_key_enc: 'unused',
          webhook_token_enc: 'unused',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      // The same calls ringing right now on the wallboard.
      for (const r of rows) {
        await tx
          .insertInto('mightycall_live_calls')
          .values({
            connection_id: connection.id,
            call_id: names.get(r.id) ?? r.id,
            provider_account: 'scope-test',
            direction: 'inbound',
            state: 'ringing',
            business_number_id: r.business_number_id,
            started_at: r.started_at,
            last_event_ts: '1',
            last_event_at: new Date(),
          })
          .execute();
      }
    });
    for (const key of ['a', 'b'] as const) {
      const userId = await createUser(database, `member-${key}@scope.example`, {
        memberships: [{ orgId: org[key], role: 'agent' }],
      });
      member[key] = { kind: 'user', userId, platformAdmin: false, sessionId: null, actingKeyId: null };
    }
  });
  afterAll(async () => {
    await database.cleanup();
  });

  const named = (ids: string[]) => ids.map((id) => names.get(id) ?? `unknown ${id}`).sort();

  it.each(['a', 'b'] as const)('org %s: the metrics scope, the calls page and a call by id agree', async (key) => {
    await withPrincipal(database.db, SYSTEM, async (tx) => {
      const scoped = await sql<{
        id: string;
      }>`SELECT c.id FROM ${scopedCalls({ orgId: org[key], from: null, to: null })}`.execute(tx);
      expect(named(scoped.rows.map((r) => r.id))).toEqual(expected[key]);
      const page = await listCalls(tx, { orgId: org[key], limit: 100 });
      expect(named(page.items.map((c) => c.id))).toEqual(expected[key]);
      // The call log's total counts the same calls, however small its page.
      expect((await listCalls(tx, { orgId: org[key], limit: 1, withTotal: true })).total).toBe(expected[key].length);
      const byId: string[] = [];
      for (const id of names.keys()) {
        const found = await getCall(tx, org[key], id).then(
          () => true,
          (e: { status?: number }) => (e.status === 404 ? false : Promise.reject(e)),
        );
        if (found) byId.push(id);
      }
      expect(named(byId)).toEqual(expected[key]);
    });
  });

  it.each(['a', 'b'] as const)(
    'org %s: a member sees exactly these calls and live calls through the policies',
    async (key) => {
      const principal = member[key];
      if (!principal) throw new Error('no member');
      await withPrincipal(database.db, principal, async (tx) => {
        const visible = await tx.selectFrom('calls').select('id').execute();
        expect(named(visible.map((r) => r.id))).toEqual(expected[key]);
        const live = await tx.selectFrom('mightycall_live_calls').select('call_id').execute();
        expect(live.map((r) => r.call_id).sort()).toEqual(expected[key]);
      });
    },
  );

  it.each(['a', 'b'] as const)('org %s: the wallboard shows exactly these live calls', async (key) => {
    const snapshot = await withPrincipal(database.db, SYSTEM, (tx) => liveSnapshot(tx, org[key], Date.now()));
    expect(snapshot.calls.map((c) => c.callId).sort()).toEqual(expected[key]);
  });

  it.each(['a', 'b'] as const)(
    'org %s: the rollups, the KPIs and the raw sums count exactly these calls',
    async (key) => {
      await withPrincipal(database.db, SYSTEM, async (tx) => {
        const rollup = await sql<{ n: number }>`SELECT coalesce(sum(offered + outbound), 0)::int AS n
        FROM org_daily_rollups WHERE org_id = ${org[key]}`.execute(tx);
        expect(rollup.rows[0]?.n).toBe(expected[key].length);
        const query = { orgId: org[key], from: '2026-02-01', to: '2026-05-31', compare: false };
        expect((await kpis(tx, query)).metrics.totalCalls).toBe(expected[key].length);
        const ctx = {
          orgId: org[key],
          timezone: 'UTC',
          thresholds: { slThresholdSeconds: 20, shortAbandonSeconds: 10 },
        };
        const raw = await runSql(ctx, [resolveRange(query, 'UTC')], 'total', { rollups: false }).execute(tx);
        expect(raw.rows.reduce((n, r) => n + r.offered + r.outbound, 0)).toBe(expected[key].length);
      });
    },
  );
});
