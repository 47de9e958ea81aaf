// Metric definitions checked against hand-computed expectations, on every database target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { assignNumber, call, createNumber, createOrg, createUser, insertCalls } from '../../test/support/fixtures.js';
import type { Principal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import { agentBreakdown, kpis, type MetricsQuery, numberBreakdown, queueSummary, series } from './service.js';

const ADMIN: Principal = { kind: 'system', reason: 'metrics test' };
const at = (iso: string) => new Date(iso);
const secs = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

describe.each(testTargets())('metrics on %s', (target) => {
  let database: TestDatabase;
  const org = {} as Record<'ny' | 'london' | 'utc' | 'noShort' | 'empty' | 'shareA' | 'shareB', string>;
  let memberOfShareA: Principal;

  const run = <T>(fn: (tx: Parameters<Parameters<typeof withPrincipal>[2]>[0]) => Promise<T>, who: Principal = ADMIN) =>
    withPrincipal(database.db, who, fn);

  beforeAll(async () => {
    database = await openTestDatabase(target);
    org.ny = await createOrg(database, 'NY Dental', {
      timezone: 'America/New_York',
      slThresholdSeconds: 20,
      shortAbandonSeconds: 10,
    });
    org.noShort = await createOrg(database, 'No Short', { timezone: 'America/New_York', shortAbandonSeconds: 0 });
    org.london = await createOrg(database, 'London Lettings', { timezone: 'Europe/London' });
    org.utc = await createOrg(database, 'UTC Ops', { timezone: 'UTC' });
    org.empty = await createOrg(database, 'Empty Org', { timezone: 'UTC' });
    org.shareA = await createOrg(database, 'Share A', { timezone: 'UTC' });
    org.shareB = await createOrg(database, 'Share B', { timezone: 'UTC' });
    memberOfShareA = {
      kind: 'user',
      userId: await createUser(database, 'a@share.example', { memberships: [{ orgId: org.shareA, role: 'agent' }] }),
      platformAdmin: false,
      sessionId: null,
      actingKeyId: null,
    };

    const main = await createNumber(database, '+12125550100', 'Main');
    await assignNumber(database, org.ny, main);
    await assignNumber(database, org.noShort, main);
    const london = await createNumber(database, '+442079460100');
    await assignNumber(database, org.london, london);
    await assignNumber(database, org.utc, london);
    const shared = await createNumber(database, '+18005550100');
    await assignNumber(database, org.shareA, shared);
    await assignNumber(database, org.shareB, shared, { until: at('2026-05-01T00:00:00Z') });

    // 2026-02-10, 10:00 New York (15:00Z): the hand-computed day.
    const t = at('2026-02-10T15:00:00Z');
    const n = '+12125550100';
    await insertCalls(database, [
      call({
        providerCallId: 'c1',
        businessNumber: n,
        startedAt: t,
        answeredAt: secs(t, 5),
        endedAt: secs(t, 105),
        agentExtension: '101',
        queue: 'Front',
      }),
      call({
        providerCallId: 'c2',
        businessNumber: n,
        startedAt: secs(t, 60),
        answeredAt: secs(t, 90),
        endedAt: secs(t, 290),
        agentExtension: '102',
        queue: 'Front',
      }),
      call({
        providerCallId: 'c3',
        businessNumber: n,
        startedAt: secs(t, 120),
        status: 'missed',
        endedAt: secs(t, 124),
        queue: 'Front',
      }),
      call({
        providerCallId: 'c4',
        businessNumber: n,
        startedAt: secs(t, 180),
        status: 'missed',
        endedAt: secs(t, 220),
        queue: 'Billing',
      }),
      call({
        providerCallId: 'c5',
        businessNumber: n,
        startedAt: secs(t, 240),
        status: 'voicemail',
        endedAt: secs(t, 300),
        queue: 'Billing',
      }),
      call({
        providerCallId: 'c6',
        businessNumber: n,
        direction: 'outbound',
        startedAt: secs(t, 400),
        answeredAt: secs(t, 410),
        endedAt: secs(t, 460),
        agentExtension: '101',
      }),
      call({
        providerCallId: 'c7',
        businessNumber: n,
        direction: 'outbound',
        startedAt: secs(t, 500),
        status: 'missed',
        endedAt: secs(t, 520),
        agentExtension: '102',
      }),
      // 23:30 on 2026-02-10 in New York is 04:30Z on the 11th: it belongs to the 10th locally.
      call({
        providerCallId: 'late',
        businessNumber: n,
        startedAt: at('2026-02-11T04:30:00Z'),
        answeredAt: at('2026-02-11T04:30:10Z'),
        endedAt: at('2026-02-11T04:31:10Z'),
        agentExtension: '101',
        queue: 'Front',
      }),
      // The week before, for the previous-period comparison.
      call({
        providerCallId: 'prev1',
        businessNumber: n,
        startedAt: at('2026-02-03T15:00:00Z'),
        answeredAt: at('2026-02-03T15:00:08Z'),
        endedAt: at('2026-02-03T15:02:08Z'),
        agentExtension: '101',
        queue: 'Front',
      }),
      // DST days in New York: one call at 03:30 EDT on spring-forward day, two at 01:30 on fall-back day (EDT and EST).
      call({ providerCallId: 'dst-spring', businessNumber: n, startedAt: at('2026-03-08T07:30:00Z') }),
      call({ providerCallId: 'dst-fall-edt', businessNumber: n, startedAt: at('2026-11-01T05:30:00Z') }),
      call({ providerCallId: 'dst-fall-est', businessNumber: n, startedAt: at('2026-11-01T06:30:00Z') }),
    ]);
    // 23:30Z on 1 July is 00:30 BST on 2 July in London.
    await insertCalls(database, [
      call({ providerCallId: 'bst', businessNumber: '+442079460100', startedAt: at('2026-07-01T23:30:00Z') }),
      call({ providerCallId: 'shared-april', businessNumber: '+18005550100', startedAt: at('2026-04-15T12:00:00Z') }),
      call({
        providerCallId: 'shared-june',
        businessNumber: '+18005550100',
        startedAt: at('2026-06-15T12:00:00Z'),
        status: 'missed',
      }),
    ]);
  });

  afterAll(async () => {
    await database.cleanup();
  });

  const day: Omit<MetricsQuery, 'orgId'> = { from: '2026-02-10', to: '2026-02-10' };

  it('computes every figure of a day by the written definitions', async () => {
    const r = await run((tx) => kpis(tx, { orgId: org.ny, ...day }));
    expect(r.metrics).toEqual({
      orgId: org.ny,
      totalCalls: 8,
      offeredCalls: 6, // c1-c5 and the 23:30 call
      outboundCalls: 2,
      answeredCalls: 3,
      missedCalls: 2,
      voicemailCalls: 1,
      shortAbandonedCalls: 1, // c3 hung up after 4 s, under the 10 s threshold
      answerRatePct: 60, // 3 / (6 - 1)
      serviceLevelPct: 40, // c1 (5 s) and late (10 s) within 20 s: 2 / 5
      abandonRatePct: 20, // (2 - 1) / 5
      avgWaitSeconds: 15, // (5 + 30 + 10) / 3
      longestWaitSeconds: 60, // the voicemail rang 60 s
      avgTalkSeconds: 120, // (100 + 200 + 60) / 3
      outboundConnectedCalls: 1,
      outboundAvgTalkSeconds: 50,
      serviceLevelThresholdSeconds: 20,
      serviceLevelTargetPct: 80,
    });
    expect(r.range).toMatchObject({
      from: '2026-02-10T00:00:00-05:00',
      to: '2026-02-11T00:00:00-05:00',
      timezone: 'America/New_York',
    });
  });

  it('a short-abandon threshold of 0 keeps every missed call in the denominators', async () => {
    const r = await run((tx) => kpis(tx, { orgId: org.noShort, ...day, compare: false }));
    expect(r.metrics).toMatchObject({ shortAbandonedCalls: 0, answerRatePct: 50, abandonRatePct: 33.3 });
    expect(r.previous).toBeNull();
  });

  it('rates with a zero denominator are null, never 0 or NaN', async () => {
    const r = await run((tx) => kpis(tx, { orgId: org.empty, ...day }));
    expect(r.metrics).toMatchObject({
      totalCalls: 0,
      answerRatePct: null,
      serviceLevelPct: null,
      abandonRatePct: null,
      avgWaitSeconds: null,
      longestWaitSeconds: null,
      avgTalkSeconds: null,
      outboundAvgTalkSeconds: null,
    });
    expect(r.change?.answerRatePct).toEqual({ delta: null, pct: null });
  });

  it('compares with the previous period of equal length', async () => {
    const r = await run((tx) => kpis(tx, { orgId: org.ny, from: '2026-02-10', to: '2026-02-10' }));
    expect(r.previous?.totalCalls).toBe(0); // 9 February was quiet
    const week = await run((tx) => kpis(tx, { orgId: org.ny, from: '2026-02-10', to: '2026-02-16' }));
    expect(week.previous).toMatchObject({ offeredCalls: 1, answeredCalls: 1, answerRatePct: 100 }); // prev1 on the 3rd
    expect(week.change?.offeredCalls).toEqual({ delta: 5, pct: 500 });
    expect(week.change?.answerRatePct).toEqual({ delta: -40, pct: -40 });
  });

  it('a preset range in progress compares with the same elapsed part of the previous period', async () => {
    const now = at('2026-02-11T04:45:00Z'); // 23:45 on 10 Feb in New York
    const r = await run((tx) => kpis(tx, { orgId: org.ny, range: 'week' }, now));
    expect(r.range.from).toBe('2026-02-04T00:00:00-05:00');
    expect(r.range.to).toBe('2026-02-10T23:45:00-05:00');
    expect(r.metrics.offeredCalls).toBe(6);
    expect(r.previous?.offeredCalls).toBe(1);
  });

  it('"12 months" is the last 12 months through today, compared with the 12 months before', async () => {
    const now = at('2027-02-10T04:45:00Z'); // 23:45 on 9 Feb 2027 in New York
    const year = await run((tx) => kpis(tx, { orgId: org.ny, range: 'year' }, now));
    expect(year.range.from).toBe('2026-02-10T00:00:00-05:00');
    // The same figures as the explicit local days 10 Feb 2026 – 9 Feb 2027, and before them the year to 9 Feb 2026.
    const days = await run((tx) => kpis(tx, { orgId: org.ny, from: '2026-02-10', to: '2027-02-09' }, now));
    const before = await run((tx) => kpis(tx, { orgId: org.ny, from: '2025-02-10', to: '2026-02-09' }, now));
    expect(year.metrics.offeredCalls).toBeGreaterThanOrEqual(6); // the hand-computed 10 Feb 2026 is inside
    expect(year.metrics).toEqual(days.metrics);
    expect(year.previous).toEqual(before.metrics);
  });

  it('the 23:30 local call lands in its local day, not the UTC day', async () => {
    const s = await run((tx) => series(tx, { orgId: org.ny, from: '2026-02-10', to: '2026-02-11', interval: 'day' }));
    expect(s.points.map((p) => [p.bucketStart, p.offered])).toEqual([
      ['2026-02-10T00:00:00-05:00', 6],
      ['2026-02-11T00:00:00-05:00', 0],
    ]);
  });

  it('a spring-forward day in New York has 23 hourly buckets and a fall-back day 25', async () => {
    const spring = await run((tx) =>
      series(tx, { orgId: org.ny, from: '2026-03-08', to: '2026-03-08', interval: 'hour' }),
    );
    expect(spring.points).toHaveLength(23);
    expect(spring.points[2]?.bucketStart).toBe('2026-03-08T03:00:00-04:00');
    expect(spring.points[2]?.offered).toBe(1);
    const fall = await run((tx) =>
      series(tx, { orgId: org.ny, from: '2026-11-01', to: '2026-11-01', interval: 'hour' }),
    );
    expect(fall.points).toHaveLength(25);
    expect(fall.points.slice(1, 3).map((p) => [p.bucketStart, p.offered])).toEqual([
      ['2026-11-01T01:00:00-04:00', 1],
      ['2026-11-01T01:00:00-05:00', 1],
    ]);
  });

  it('Europe/London and UTC put a call near midnight on different days', async () => {
    const london = await run((tx) =>
      series(tx, { orgId: org.london, from: '2026-07-01', to: '2026-07-02', interval: 'day' }),
    );
    const utc = await run((tx) =>
      series(tx, { orgId: org.utc, from: '2026-07-01', to: '2026-07-02', interval: 'day' }),
    );
    expect(london.points.map((p) => [p.bucketStart, p.offered])).toEqual([
      ['2026-07-01T00:00:00+01:00', 0],
      ['2026-07-02T00:00:00+01:00', 1],
    ]);
    expect(utc.points.map((p) => [p.bucketStart, p.offered])).toEqual([
      ['2026-07-01T00:00:00+00:00', 1],
      ['2026-07-02T00:00:00+00:00', 0],
    ]);
  });

  it('a shared number counts in both orgs while assigned; after unassignment the old calls stay', async () => {
    const spring = { from: '2026-04-01', to: '2026-06-30' };
    const a = await run((tx) => kpis(tx, { orgId: org.shareA, ...spring }), memberOfShareA);
    const b = await run((tx) => kpis(tx, { orgId: org.shareB, ...spring }));
    expect(a.metrics.offeredCalls).toBe(2);
    expect(b.metrics.offeredCalls).toBe(1); // only April: B's window closed on 1 May
    const platform = await run((tx) => kpis(tx, { orgId: null, ...spring }));
    expect(platform.metrics.offeredCalls).toBe(2); // the two shared calls, each once
  });

  it('agrees across KPIs, series, queues, agents and numbers', async () => {
    const q = { orgId: org.ny, from: '2026-02-01', to: '2026-02-28' };
    const m = (await run((tx) => kpis(tx, q))).metrics;
    const s = await run((tx) => series(tx, q));
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(s.points.map((p) => p.totalCalls))).toBe(m.totalCalls);
    expect(sum(s.points.map((p) => p.answered))).toBe(m.answeredCalls);
    expect(sum(s.points.map((p) => p.missed))).toBe(m.missedCalls);
    expect(sum(s.points.map((p) => p.voicemail))).toBe(m.voicemailCalls);
    const queues = await run((tx) => queueSummary(tx, q));
    expect(sum(queues.items.map((i) => i.totalCalls))).toBe(m.offeredCalls);
    expect(sum(queues.items.map((i) => i.answered))).toBe(m.answeredCalls);
    expect(queues.items.map((i) => [i.queueName, i.totalCalls])).toEqual([
      ['Front', 5],
      ['Billing', 2],
    ]);
    const numbers = await run((tx) => numberBreakdown(tx, q));
    expect(sum(numbers.items.map((i) => i.totalCalls))).toBe(m.totalCalls);
    expect(sum(numbers.items.map((i) => i.offered))).toBe(m.offeredCalls);
    expect(sum(numbers.items.map((i) => i.outbound))).toBe(m.outboundCalls);
    const agents = await run((tx) => agentBreakdown(tx, q));
    expect(sum(agents.items.map((i) => i.answered))).toBe(m.answeredCalls);
    expect(agents.items.find((i) => i.agentExtension === '101')).toMatchObject({
      answered: 3,
      outbound: 1,
      outboundConnected: 1,
    });
  });

  it("an agent's average talk covers their connected calls both ways; the KPI's covers answered inbound calls", async () => {
    const q = { orgId: org.ny, from: '2026-02-01', to: '2026-02-28' };
    const agents = await run((tx) => agentBreakdown(tx, q));
    // 101 answered c1 (100 s), late (60 s) and prev1 (120 s) and connected the outbound c6 (50 s).
    expect(agents.items.find((i) => i.agentExtension === '101')).toMatchObject({
      avgConnectedTalkSeconds: 82.5, // (100 + 60 + 120 + 50) / 4
      totalTalkSeconds: 330,
    });
    // The org's answered inbound calls: c1, c2 (200 s), late and prev1; outbound talk is its own figure.
    const m = (await run((tx) => kpis(tx, { ...q, compare: false }))).metrics;
    expect(m).toMatchObject({ avgTalkSeconds: 120, outboundAvgTalkSeconds: 50 });
  });
});
