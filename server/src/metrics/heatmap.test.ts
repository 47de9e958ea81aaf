// The hour × weekday heatmap: local hours across a DST change, cells that add up to the KPIs, org rules over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertKey } from '../../test/isolation-world.js';
import { client, testApp } from '../../test/support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { assignNumber, call, createNumber, createOrg, createUser, insertCalls } from '../../test/support/fixtures.js';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import { heatmap, kpis } from './service.js';

const SYSTEM = systemPrincipal('heatmap test');
const PASSWORD = 'correct horse battery staple';
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

type Heatmap = Awaited<ReturnType<typeof heatmap>>;
const cell = (h: Heatmap, weekday: number, hour: number) =>
  h.cells.find((c) => c.weekday === weekday && c.hour === hour);

describe.each(testTargets())('heatmap on %s', (target) => {
  let database: TestDatabase;
  let app: ReturnType<typeof testApp>['app'];
  const org = {} as Record<'ny' | 'other', string>;
  const read = <T>(fn: Parameters<typeof withPrincipal<T>>[2]) => withPrincipal(database.db, SYSTEM, fn);

  beforeAll(async () => {
    database = await openTestDatabase(target);
    app = testApp(database).app;
    org.ny = await createOrg(database, 'Heatmap NY', { timezone: 'America/New_York', shortAbandonSeconds: 10 });
    org.other = await createOrg(database, 'Heatmap Other', { timezone: 'America/New_York' });
    await createUser(database, 'admin@ny.example', {
      password: PASSWORD,
      memberships: [{ orgId: org.ny, role: 'org_admin' }],
    });
    await createUser(database, 'admin@other.example', {
      password: PASSWORD,
      memberships: [{ orgId: org.other, role: 'org_admin' }],
    });
    const ny = await createNumber(database, '+12125550400');
    await assignNumber(database, org.ny, ny);
    await assignNumber(database, org.other, await createNumber(database, '+12125550401'));
    const n = '+12125550400';
    // The week of the 2026 spring change in New York (Sunday 8 March, 02:00 EST → 03:00 EDT).
    await insertCalls(database, [
      // Friday 6 March, 09:30 EST (14:30Z): answered.
      call({ providerCallId: 'h1', businessNumber: n, startedAt: new Date('2026-03-06T14:30:00Z') }),
      // Sunday 8 March, 01:30 EST (06:30Z), just before the change: missed after 30 s.
      call({
        providerCallId: 'h2',
        businessNumber: n,
        startedAt: new Date('2026-03-08T06:30:00Z'),
        status: 'missed',
        endedAt: new Date('2026-03-08T06:30:30Z'),
      }),
      // Sunday 8 March, 03:30 EDT (07:30Z), one real hour later: answered.
      call({ providerCallId: 'h3', businessNumber: n, startedAt: new Date('2026-03-08T07:30:00Z') }),
      // Monday 9 March, 09:30 EDT (13:30Z, an hour earlier in UTC than Friday's 09:30): answered and voicemail.
      call({ providerCallId: 'h4', businessNumber: n, startedAt: new Date('2026-03-09T13:30:00Z') }),
      call({
        providerCallId: 'h5',
        businessNumber: n,
        startedAt: new Date('2026-03-09T13:45:00Z'),
        status: 'voicemail',
        endedAt: new Date('2026-03-09T13:46:00Z'),
      }),
      // Monday 9 March 10:05 EDT: a short abandon (offered, not answered) and an outbound call (not offered).
      call({
        providerCallId: 'h6',
        businessNumber: n,
        startedAt: new Date('2026-03-09T14:05:00Z'),
        status: 'missed',
        endedAt: new Date('2026-03-09T14:05:03Z'),
      }),
      call({
        providerCallId: 'h7',
        businessNumber: n,
        startedAt: new Date('2026-03-09T14:10:00Z'),
        direction: 'outbound',
      }),
      // Tuesday 10 March 23:59 EDT is Wednesday 03:59Z: the org's clock decides the weekday.
      call({ providerCallId: 'h8', businessNumber: n, startedAt: new Date('2026-03-11T03:59:00Z') }),
      // Outside the range (Saturday 14 March).
      call({ providerCallId: 'h9', businessNumber: n, startedAt: new Date('2026-03-14T15:00:00Z') }),
      // The other org's call, at the same hour as h1.
      call({ providerCallId: 'o1', businessNumber: '+12125550401', startedAt: new Date('2026-03-06T14:30:00Z') }),
    ]);
  });
  afterAll(async () => {
    await database.cleanup();
  });

  const week = { from: '2026-03-05', to: '2026-03-11' };

  it('puts each call in the local weekday and hour of the org clock on both sides of the DST change', async () => {
    const h = await read((tx) => heatmap(tx, { orgId: org.ny, ...week }));
    expect(h.timezone).toBe('America/New_York');
    expect(h.cells).toHaveLength(168);
    expect(h.cells[0]).toMatchObject({ weekday: 1, hour: 0 });
    const busy = h.cells.filter((c) => c.offered > 0 || c.answered > 0);
    expect(busy.map((c) => [c.weekday, c.hour, c.offered, c.answered])).toEqual([
      [1, 9, 2, 1], // Monday 09:xx EDT: answered + voicemail
      [1, 10, 1, 0], // Monday 10:05 EDT: the short abandon (the outbound call is not offered)
      [2, 23, 1, 1], // Tuesday 23:59 EDT, Wednesday in UTC
      [5, 9, 1, 1], // Friday 09:30 EST, the same local hour as Monday's a DST change later
      [7, 1, 1, 0], // Sunday 01:30 EST
      [7, 3, 1, 1], // Sunday 03:30 EDT: one real hour after 01:30, two on the clock
    ]);
    // 02:00–03:00 did not exist that Sunday.
    expect(cell(h, 7, 2)).toMatchObject({ offered: 0, answered: 0, answerRatePct: null });
    // Monday 09: of two offered, one answered and none short-abandoned: 50 %.
    expect(cell(h, 1, 9)?.answerRatePct).toBe(50);
  });

  it('adds up to the KPI offered and answered calls of the same range', async () => {
    for (const range of [week, { from: '2026-03-01', to: '2026-03-31' }]) {
      const h = await read((tx) => heatmap(tx, { orgId: org.ny, ...range }));
      const k = await read((tx) => kpis(tx, { orgId: org.ny, ...range }));
      expect(sum(h.cells.map((c) => c.offered))).toBe(k.metrics.offeredCalls);
      expect(sum(h.cells.map((c) => c.answered))).toBe(k.metrics.answeredCalls);
      expect(h.totals).toEqual({ offered: k.metrics.offeredCalls, answered: k.metrics.answeredCalls });
    }
    const month = await read((tx) => kpis(tx, { orgId: org.ny, from: '2026-03-01', to: '2026-03-31' }));
    expect(month.metrics.offeredCalls).toBe(8); // the week's seven and Saturday 14 March
  });

  it('over HTTP: camelCase cells for the org, 404 for another org, an org key with metrics:read works', async () => {
    const path = (o: string) => `/api/metrics/heatmap?org_id=${o}&from=${week.from}&to=${week.to}`;
    const own = client(app);
    await own.login('admin@ny.example', PASSWORD);
    const ok = await own.json<Heatmap>(path(org.ny));
    expect(ok.status).toBe(200);
    expect(ok.body.totals).toEqual({ offered: 7, answered: 4 });
    expect(Object.keys(ok.body.cells[0] ?? {})).toEqual(['weekday', 'hour', 'offered', 'answered', 'answerRatePct']);

    const stranger = client(app);
    await stranger.login('admin@other.example', PASSWORD);
    const denied = await stranger.json<{ error: { code: string } }>(path(org.ny));
    expect(denied.status).toBe(404);
    expect(JSON.stringify(denied.body)).not.toContain('offered');

    const key = await insertKey(database, 'org', org.ny, ['metrics:read']);
    const byKey = await client(app, { authorization: `Bearer ${key}` }).json<Heatmap>(path(org.ny));
    expect(byKey.status).toBe(200);
    expect(byKey.body.totals).toEqual({ offered: 7, answered: 4 });
    const otherOrgByKey = await client(app, { authorization: `Bearer ${key}` }).request(path(org.other));
    expect(otherOrgByKey.status).toBe(404);
    const keyWithoutScope = await insertKey(database, 'org', org.ny, ['calls:read']);
    const noScope = await client(app, { authorization: `Bearer ${keyWithoutScope}` }).request(path(org.ny));
    expect(noScope.status).toBe(403);
  });

  it('refuses a bad range with a 400 naming the field', async () => {
    const c = client(app);
    await c.login('admin@ny.example', PASSWORD);
    const res = await c.json<{ error: { code: string; message: string } }>(
      `/api/metrics/heatmap?org_id=${org.ny}&from=yesterday`,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('from');
  });
});
