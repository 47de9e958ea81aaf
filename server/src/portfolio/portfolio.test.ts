// The portfolio: each org's today equals its dashboard's (client-metrics, range=day) in its own time zone, a shared
// number counts for both orgs, the live queue equals the wallboard's, the seven days equal the dashboard's days;
// sorting, filtering, the bound, bad input, and platform admins only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, testApp } from '../../test/support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { assignNumber, call, createNumber, createOrg, createUser, insertCalls } from '../../test/support/fixtures.js';
import { evaluateAlerts } from '../alerts/evaluate.js';
import { systemPrincipal } from '../auth/principal.js';
import type { NormalizedCall } from '../calls/ingest.js';
import { withPrincipal } from '../db/tenant.js';
import { createLogger } from '../http/logger.js';
import { kpis } from '../metrics/service.js';
import { liveSnapshot } from '../mightycall/ingest/live.js';
import type { Portfolio, PortfolioOrg } from './schema.js';
import { portfolio, sparklineDays } from './service.js';

const PASSWORD = 'portfolio password 1234';
const SYSTEM = systemPrincipal('portfolio test');
const MINUTE = 60_000;
type OrgKey = 'north' | 'south' | 'tokyo' | 'quiet';

/** A day's worth of varied calls on `number`, every `stepMin` minutes back from `end` for `count` calls. */
function callsBefore(end: number, number: string, count: number, stepMin: number, seed: number): NormalizedCall[] {
  return Array.from({ length: count }, (_, i) => {
    const startedAt = new Date(end - (i + 1) * stepMin * MINUTE - seed * 1000);
    const k = (i + seed) % 9;
    const status = k === 0 || k === 4 ? 'missed' : k === 7 ? 'voicemail' : 'answered';
    // Waits from 3 s to 63 s: some within the 20 s threshold, some not; some missed calls are short abandons.
    const wait = 3 + ((i * 7 + seed) % 61);
    return call({
      businessNumber: number,
      startedAt,
      status,
      direction: i % 11 === 5 ? 'outbound' : 'inbound',
      answeredAt: status === 'answered' ? new Date(startedAt.getTime() + wait * 1000) : null,
      endedAt: new Date(startedAt.getTime() + (wait + 90) * 1000),
    });
  });
}

describe.each(testTargets())('portfolio on %s', (target) => {
  let database: TestDatabase;
  let app: ReturnType<typeof testApp>['app'];
  const org = {} as Record<OrgKey, string>;
  // 03:30 UTC on 10 March 2026: still 9 March in Chicago (22:30 CDT), already the 10th in Tokyo (12:30).
  const fixedNow = new Date('2026-03-10T03:30:00Z');
  const liveNow = Date.now();
  let rootId = '';

  beforeAll(async () => {
    database = await openTestDatabase(target);
    app = testApp(database).app;
    org.north = await createOrg(database, 'North Clinic', { timezone: 'America/Chicago' });
    org.south = await createOrg(database, 'South Dental', { timezone: 'America/Chicago', slThresholdSeconds: 30 });
    org.tokyo = await createOrg(database, 'Tokyo Trading', { timezone: 'Asia/Tokyo' });
    org.quiet = await createOrg(database, 'Quiet Bakery', { timezone: 'Europe/Berlin' });
    rootId = await createUser(database, 'root@portfolio.example', { platformAdmin: true, password: PASSWORD });
    for (const role of ['org_admin', 'org_manager', 'agent'] as const) {
      await createUser(database, `${role}@north.example`, {
        password: PASSWORD,
        memberships: [{ orgId: org.north, role }],
      });
    }
    const numbers = {
      north: await createNumber(database, '+13125550401'),
      south: await createNumber(database, '+13125550402'),
      shared: await createNumber(database, '+13125550403'),
      tokyo: await createNumber(database, '+81355550404'),
    };
    await assignNumber(database, org.north, numbers.north);
    await assignNumber(database, org.south, numbers.south);
    // One number shared by North and South: its calls count for both.
    await assignNumber(database, org.north, numbers.shared);
    await assignNumber(database, org.south, numbers.shared);
    await assignNumber(database, org.tokyo, numbers.tokyo);
    // Around the fixed instant (eight days back, none after it) and around now (for the HTTP comparisons).
    const calls: NormalizedCall[] = [];
    for (const end of [fixedNow.getTime(), liveNow - MINUTE]) {
      calls.push(...callsBefore(end, '+13125550401', 140, 83, 1));
      calls.push(...callsBefore(end, '+13125550402', 90, 131, 2));
      calls.push(...callsBefore(end, '+13125550403', 60, 190, 3));
      calls.push(...callsBefore(end, '+81355550404', 120, 97, 4));
    }
    await insertCalls(database, calls);
    // Ringing now: two on North's own number, one on the shared number (North and South both wait on it), one
    // gone stale (not heard from for 20 minutes) and one connected call, neither waiting.
    await withPrincipal(database.db, SYSTEM, async (tx) => {
      const connection = await tx
        .insertInto('mightycall_connections')
        .values({
          name: 'Portfolio test',
          host: 'custom',
          base_url: 'http://127.0.0.1:9',
          provider_account: 'portfolio-test',
          api_key_enc: 'unused',
          user_key_enc: 'unused',
          webhook_token_enc: 'unused',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const live = [
        { id: 'r1', number: numbers.north, state: 'ringing' as const, startedAgo: 95, heardAgo: 5 },
        { id: 'r2', number: numbers.north, state: 'ringing' as const, startedAgo: 30, heardAgo: 2 },
        { id: 'r3', number: numbers.shared, state: 'ringing' as const, startedAgo: 50, heardAgo: 1 },
        { id: 'stale', number: numbers.tokyo, state: 'ringing' as const, startedAgo: 1500, heardAgo: 1200 },
        { id: 'talking', number: numbers.tokyo, state: 'connected' as const, startedAgo: 300, heardAgo: 100 },
      ];
      for (const c of live) {
        await tx
          .insertInto('mightycall_live_calls')
          .values({
            connection_id: connection.id,
            call_id: c.id,
            provider_account: 'portfolio-test',
            direction: 'inbound',
            state: c.state,
            business_number_id: c.number,
            started_at: new Date(liveNow - c.startedAgo * 1000),
            last_event_ts: '1',
            last_event_at: new Date(liveNow - c.heardAgo * 1000),
          })
          .execute();
      }
    });
  });
  afterAll(async () => {
    await database.cleanup();
  });

  const asAdmin = <T>(work: Parameters<typeof withPrincipal<T>>[2]) =>
    withPrincipal(
      database.db,
      { kind: 'user', userId: rootId, platformAdmin: true, sessionId: null, actingKeyId: null },
      work,
    );
  const signedIn = async (email: string) => {
    const c = client(app);
    await c.login(email, PASSWORD);
    return c;
  };
  const byId = (p: Portfolio, orgId: string): PortfolioOrg => {
    const found = p.orgs.find((o) => o.orgId === orgId);
    if (!found) throw new Error(`org ${orgId} missing from the portfolio`);
    return found;
  };

  it("each org's today equals its dashboard's figures for range=day in its own time zone", async () => {
    const answer = await asAdmin((tx) => portfolio(tx, { limit: 500 }, fixedNow));
    expect(answer.total).toBe(4);
    expect(byId(answer, org.north).today).toBe('2026-03-09');
    expect(byId(answer, org.tokyo).today).toBe('2026-03-10');
    expect(byId(answer, org.quiet).today).toBe('2026-03-10');
    for (const key of ['north', 'south', 'tokyo', 'quiet'] as const) {
      const mine = byId(answer, org[key]);
      const dashboard = await asAdmin((tx) => kpis(tx, { orgId: org[key], range: 'day', compare: false }, fixedNow));
      const m = dashboard.metrics;
      expect(mine, key).toMatchObject({
        offeredCalls: m.offeredCalls,
        answeredCalls: m.answeredCalls,
        answerRatePct: m.answerRatePct,
        serviceLevelPct: m.serviceLevelPct,
        serviceLevelTargetPct: m.serviceLevelTargetPct,
        serviceLevelThresholdSeconds: m.serviceLevelThresholdSeconds,
      });
      expect(mine.serviceLevelGapPts).toBe(
        m.serviceLevelPct === null ? null : Math.round((m.serviceLevelPct - m.serviceLevelTargetPct) * 10) / 10,
      );
      if (key !== 'quiet') expect(m.offeredCalls, `${key} has calls today`).toBeGreaterThan(0);
    }
    expect(byId(answer, org.quiet)).toMatchObject({ offeredCalls: 0, answerRatePct: null, serviceLevelGapPts: null });
  });

  it("each of the seven days equals the dashboard's figures for that local day", async () => {
    const answer = await asAdmin((tx) => portfolio(tx, { limit: 500 }, fixedNow));
    for (const key of ['north', 'tokyo'] as const) {
      const mine = byId(answer, org[key]);
      expect(mine.days.map((d) => d.day)).toEqual(sparklineDays(mine.today));
      expect(mine.days.at(-1)?.offeredCalls).toBe(mine.offeredCalls);
      for (const day of mine.days) {
        const dashboard = await asAdmin((tx) =>
          kpis(tx, { orgId: org[key], from: day.day, to: day.day, compare: false }, fixedNow),
        );
        expect(day, `${key} ${day.day}`).toEqual({
          day: day.day,
          offeredCalls: dashboard.metrics.offeredCalls,
          answerRatePct: dashboard.metrics.answerRatePct,
          serviceLevelPct: dashboard.metrics.serviceLevelPct,
        });
      }
      expect(mine.days.filter((d) => d.offeredCalls > 0).length).toBeGreaterThanOrEqual(6);
    }
  });

  it("calls waiting and the longest wait now are the wallboard's", async () => {
    const answer = await asAdmin((tx) => portfolio(tx, { limit: 500 }, new Date(liveNow)));
    for (const key of ['north', 'south', 'tokyo', 'quiet'] as const) {
      const wall = await asAdmin((tx) => liveSnapshot(tx, org[key], liveNow));
      const ringing = wall.calls.filter((c) => c.state === 'ringing');
      const oldest = ringing.map((c) => new Date(c.startedAt).getTime()).sort((a, b) => a - b)[0];
      const mine = byId(answer, org[key]);
      expect(mine.waitingNow, key).toBe(ringing.length);
      expect(mine.longestWaitNowSeconds, key).toBe(oldest === undefined ? null : Math.floor((liveNow - oldest) / 1000));
    }
    expect(byId(answer, org.north)).toMatchObject({ waitingNow: 3, longestWaitNowSeconds: 95 });
    expect(byId(answer, org.south)).toMatchObject({ waitingNow: 1, longestWaitNowSeconds: 50 });
    expect(byId(answer, org.tokyo)).toMatchObject({ waitingNow: 0, longestWaitNowSeconds: null });
  });

  it('alerts firing counts the rules of each org the evaluator left firing', async () => {
    const rule = (orgId: string, name: string, kind: 'calls_waiting' | 'longest_wait', threshold: number) => ({
      org_id: orgId,
      name,
      kind,
      threshold,
      notify_email: false,
    });
    await withPrincipal(database.db, SYSTEM, (tx) =>
      tx
        .insertInto('alert_rules')
        .values([
          rule(org.north, 'Two waiting', 'calls_waiting', 2), // 3 waiting: fires
          rule(org.north, 'Ten waiting', 'calls_waiting', 10), // does not
          rule(org.north, 'A minute', 'longest_wait', 60), // 95 s: fires
          rule(org.south, 'Five waiting', 'calls_waiting', 5), // 1 waiting: does not
        ])
        .execute(),
    );
    await evaluateAlerts({
      db: database.db,
      clock: { now: () => liveNow },
      logger: createLogger('silent'),
      publicUrl: null,
    });
    const answer = await asAdmin((tx) => portfolio(tx, { limit: 500 }, new Date(liveNow)));
    expect(byId(answer, org.north).alertsFiring).toBe(2);
    expect(byId(answer, org.south).alertsFiring).toBe(0);
    expect(byId(answer, org.tokyo).alertsFiring).toBe(0);
    const sorted = await asAdmin((tx) => portfolio(tx, { limit: 500, sort: '-alertsFiring' }, new Date(liveNow)));
    expect(sorted.orgs[0]?.orgId).toBe(org.north);
    await withPrincipal(database.db, SYSTEM, (tx) => tx.deleteFrom('alert_rules').execute());
  });

  it('answers a platform admin over HTTP with the figures client-metrics gives each org today', async () => {
    const admin = await signedIn('root@portfolio.example');
    const res = await admin.json<Portfolio>('/api/admin/portfolio');
    expect(res.status).toBe(200);
    expect(res.body.sort).toBe('worst');
    expect(Math.abs(new Date(res.body.asOf).getTime() - Date.now())).toBeLessThan(60_000);
    for (const key of ['north', 'south', 'tokyo', 'quiet'] as const) {
      const v1 = await admin.json<{ metrics: Record<string, number | null> }>(
        `/api/client-metrics?org_id=${org[key]}&range=day&compare=false`,
      );
      expect(v1.status).toBe(200);
      const mine = byId(res.body, org[key]);
      expect([mine.offeredCalls, mine.answerRatePct, mine.serviceLevelPct, mine.serviceLevelTargetPct], key).toEqual([
        v1.body.metrics.offered_calls,
        v1.body.metrics.answer_rate_pct,
        v1.body.metrics.service_level_pct,
        v1.body.metrics.service_level_target_pct,
      ]);
    }
  });

  it('puts the worst first: furthest below target, then lowest answer rate; orgs without calls last', async () => {
    const answer = await asAdmin((tx) => portfolio(tx, { limit: 500 }, fixedNow));
    const gaps = answer.orgs.map((o) => o.serviceLevelGapPts);
    expect(gaps.at(-1)).toBeNull();
    expect(answer.orgs.at(-1)?.orgId).toBe(org.quiet);
    const judged = gaps.filter((g): g is number => g !== null);
    expect(judged).toEqual([...judged].sort((a, b) => a - b));
  });

  it('sorts by each column either way, filters by name and bounds the answer', async () => {
    const admin = await signedIn('root@portfolio.example');
    const get = (qs: string) => admin.json<Portfolio>(`/api/admin/portfolio?${qs}`);
    const names = (p: Portfolio) => p.orgs.map((o) => o.name);
    expect(names((await get('sort=name')).body)).toEqual([
      'North Clinic',
      'Quiet Bakery',
      'South Dental',
      'Tokyo Trading',
    ]);
    expect(names((await get('sort=-name')).body)).toEqual([
      'Tokyo Trading',
      'South Dental',
      'Quiet Bakery',
      'North Clinic',
    ]);
    const waiting = (await get('sort=-waitingNow')).body.orgs.map((o) => o.waitingNow);
    expect(waiting.slice(0, 2)).toEqual([3, 1]);
    for (const field of ['offeredCalls', 'answerRatePct', 'serviceLevelPct', 'serviceLevelGapPts'] as const) {
      for (const desc of [false, true]) {
        const res = await get(`sort=${desc ? '-' : ''}${field}`);
        expect(res.status).toBe(200);
        const values = res.body.orgs.map((o) => o[field]);
        const present = values.filter((v): v is number => v !== null);
        // Empty figures last in both directions.
        expect(values.slice(present.length).every((v) => v === null)).toBe(true);
        expect(present).toEqual([...present].sort((a, b) => (desc ? b - a : a - b)));
      }
    }
    const filtered = await get('q=CLINIC');
    expect(filtered.body).toMatchObject({ total: 1, truncated: false });
    expect(names(filtered.body)).toEqual(['North Clinic']);
    const bounded = await get('sort=name&limit=2');
    expect(bounded.body).toMatchObject({ total: 4, truncated: true });
    expect(names(bounded.body)).toEqual(['North Clinic', 'Quiet Bakery']);
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const admin = await signedIn('root@portfolio.example');
    for (const [qs, field] of [
      ['sort=nope', 'sort'],
      ['sort=-constructor', 'sort'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=ten', 'limit'],
      [`q=${'x'.repeat(101)}`, 'q'],
      ['orgId=1', 'orgId'],
    ] as const) {
      const res = await admin.json<{ error: { code: string; message: string } }>(`/api/admin/portfolio?${qs}`);
      expect(res.status, qs).toBe(400);
      expect(res.body.error.message, qs).toContain(field);
    }
  });

  it('is for platform admins only: org admins, managers, agents and API keys get 403, nobody 401', async () => {
    for (const role of ['org_admin', 'org_manager', 'agent'] as const) {
      const res = await (await signedIn(`${role}@north.example`)).json<{ error: { code: string } }>(
        '/api/admin/portfolio',
      );
      expect(res.status, role).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    const orgAdmin = await signedIn('org_admin@north.example');
    const created = await orgAdmin.json<{ key: string }>(`/api/orgs/${org.north}/api-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Integration', scopes: ['metrics:read', 'calls:read', 'members:read'] }),
    });
    expect(created.status).toBe(201);
    const root = await signedIn('root@portfolio.example');
    const platformKey = await root.json<{ key: string }>('/api/admin/platform-keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Reporting', scopes: ['metrics:read', 'orgs:admin'] }),
    });
    expect(platformKey.status).toBe(201);
    for (const key of [created.body.key, platformKey.body.key]) {
      const res = await client(app, { 'x-api-key': key }).json<{ error: { code: string } }>('/api/admin/portfolio');
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('insufficient_scope');
    }
    expect((await client(app).request('/api/admin/portfolio')).status).toBe(401);
  });
});
