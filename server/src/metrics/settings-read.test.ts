// Dashboard reads take the org's settings from the statement that uses them: a guess remembered per process,
// checked in the same statement. A change the process did not see (another process, a direct update) still
// gives exact figures at once; a warm read is one statement; an org the caller cannot see stays a 404.
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { assignNumber, call, createNumber, createOrg, createUser, insertCalls } from '../../test/support/fixtures.js';
import type { Principal } from '../auth/principal.js';
import { type Tx, withPrincipal } from '../db/tenant.js';
import { AppError } from '../http/errors.js';
import { kpis, type MetricsQuery, series } from './service.js';
import { OrgSettingsMemo } from './settings.js';

const ADMIN: Principal = { kind: 'system', reason: 'settings read test' };
const at = (iso: string) => new Date(iso);

describe.each(testTargets())('settings read with the figures on %s', (target) => {
  let database: TestDatabase;
  let orgId: string;
  let outsider: Principal;
  let statements = 0;
  // Counts every statement sent through this view of the database (openings and endings included).
  const counting: KyselyPlugin = {
    transformQuery(args) {
      statements++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  const run = <T>(fn: (tx: Tx) => Promise<T>, who: Principal = ADMIN) =>
    withPrincipal(database.db.withPlugin(counting), who, fn, { readOnly: true });
  const counted = async <T>(fn: (tx: Tx) => Promise<T>) => {
    const before = statements;
    const result = await run(fn);
    return { result, statements: statements - before };
  };
  // One local day, 2026-03-11 (a date's `to` is inclusive), in whatever zone the org has when asked.
  // With a memo of org settings, as the server's routes read (services.ts).
  const day: MetricsQuery = { orgId: '', from: '2026-03-11', to: '2026-03-11', settings: new OrgSettingsMemo() };

  beforeAll(async () => {
    database = await openTestDatabase(target);
    orgId = await createOrg(database, 'Shifting Zones', {
      timezone: 'UTC',
      slThresholdSeconds: 20,
      shortAbandonSeconds: 0,
    });
    const other = await createOrg(database, 'Someone Else', { timezone: 'UTC' });
    outsider = {
      kind: 'user',
      userId: await createUser(database, 'outsider@else.example', {
        memberships: [{ orgId: other, role: 'org_admin' }],
      }),
      platformAdmin: false,
      sessionId: null,
      actingKeyId: null,
    };
    const n = '+12125550177';
    await assignNumber(database, orgId, await createNumber(database, n));
    const late = at('2026-03-10T23:30:00Z'); // 10 March in UTC, 11 March in Tokyo (08:30)
    const noon = at('2026-03-11T10:00:00Z'); // 11 March in both
    await insertCalls(database, [
      call({ businessNumber: n, startedAt: late, answeredAt: new Date(late.getTime() + 5_000) }),
      call({ businessNumber: n, startedAt: noon, answeredAt: new Date(noon.getTime() + 30_000) }),
    ]);
    day.orgId = orgId;
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  it('a warm read is one statement fewer than a cold one; a change made elsewhere shows at once', async () => {
    const cold = await counted((tx) => kpis(tx, day));
    // UTC: only the noon call, waited 30 s > 20 s.
    expect(cold.result.metrics).toMatchObject({ answeredCalls: 1, serviceLevelPct: 0, avgWaitSeconds: 30 });
    expect(cold.result.range.timezone).toBe('UTC');

    const warm = await counted((tx) => kpis(tx, day));
    expect(warm.result.metrics).toEqual(cold.result.metrics);
    expect(warm.statements).toBe(cold.statements - 1);

    // Changed behind this process's back (as another server process would): Tokyo, SL within 60 s.
    await database.db
      .updateTable('organizations')
      .set({ timezone: 'Asia/Tokyo', sl_threshold_seconds: 60 })
      .where('id', '=', orgId)
      .execute();
    const changed = await counted((tx) => kpis(tx, day));
    // Tokyo's 11 March holds both calls, both answered within 60 s: (5 + 30) / 2 = 17.5 s.
    expect(changed.result.range.timezone).toBe('Asia/Tokyo');
    expect(changed.result.metrics).toMatchObject({
      answeredCalls: 2,
      serviceLevelPct: 100,
      avgWaitSeconds: 17.5,
      serviceLevelThresholdSeconds: 60,
    });
    // The guess was wrong: the statement ran again with the org's settings, no separate settings read.
    expect(changed.statements).toBe(warm.statements + 1);
    const after = await counted((tx) => kpis(tx, day));
    expect(after.result.metrics).toEqual(changed.result.metrics);
    expect(after.statements).toBe(warm.statements);
  });

  it('series: local buckets of the current zone, and a range without calls is all zeros', async () => {
    await database.db.updateTable('organizations').set({ timezone: 'UTC' }).where('id', '=', orgId).execute();
    const utc = await run((tx) => series(tx, { ...day, interval: 'hour' }));
    expect(utc.timezone).toBe('UTC');
    expect(utc.points).toHaveLength(24);
    expect(utc.points.reduce((s, p) => s + p.answered, 0)).toBe(1);
    expect(utc.points[10]).toMatchObject({ bucketStart: '2026-03-11T10:00:00+00:00', answered: 1 });

    await database.db.updateTable('organizations').set({ timezone: 'Asia/Tokyo' }).where('id', '=', orgId).execute();
    const tokyo = await run((tx) => series(tx, { ...day, interval: 'hour' }));
    expect(tokyo.timezone).toBe('Asia/Tokyo');
    expect(tokyo.points[8]).toMatchObject({ bucketStart: '2026-03-11T08:00:00+09:00', answered: 1 });
    expect(tokyo.points[19]).toMatchObject({ bucketStart: '2026-03-11T19:00:00+09:00', answered: 1 });

    const quiet = await run((tx) => series(tx, { orgId, from: '2025-01-01', to: '2025-01-07', interval: 'day' }));
    expect(quiet.points).toHaveLength(7);
    expect(quiet.points.every((p) => p.totalCalls === 0 && p.serviceLevelPct === null)).toBe(true);
  });

  it('an org the caller cannot see is a 404, even when this process remembers its settings', async () => {
    await run((tx) => kpis(tx, day)); // remembered now
    const reads: Array<(tx: Tx) => Promise<unknown>> = [
      (tx) => kpis(tx, day),
      (tx) => series(tx, { ...day, interval: 'day' }),
    ];
    for (const read of reads) {
      const error = await run(read, outsider).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ status: 404, code: 'org_not_found' });
    }
  });
});
