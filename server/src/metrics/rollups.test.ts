// The daily rollups (org totals, per queue, per agent, per number) and the platform-wide ones (hourly totals, blocks
// of days per queue, agent and number) always give the figures the raw calls give, for every dimension the runner
// reads: after inserts, re-imports and late webhooks that change calls, deletes (including the calls that held a
// day's longest wait), assignment changes and settings changes, for aligned and unaligned ranges.
import { demoTopology, generateCalls } from '@victorysync/datagen';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { assignNumber, createNumber, createOrg, insertCalls } from '../../test/support/fixtures.js';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import { ORG_BLOCK_SPANS, PLATFORM_BLOCK_SPANS, type Sums } from './definitions.js';
import { resolveRange } from './range.js';
import { blocksOfDays, type Dimension, groupRows, planBlocks, planRead, runSql } from './runner.js';

const DIMENSIONS: Dimension[] = ['total', 'bucket', 'queue', 'agent', 'number'];

import { numberBreakdown } from './service.js';
import { orgContext, platformContext } from './settings.js';

const SYSTEM = systemPrincipal('rollup test');
const DAY = 86_400_000;

describe('platform breakdown blocks', () => {
  it('cover exactly the whole UTC days of a window with aligned blocks, the partial days raw', () => {
    const cases = [
      ['2026-03-02T05:00:00Z', '2026-03-09T05:00:00Z'],
      ['2025-12-08T05:00:00Z', '2026-12-07T21:13:00Z'],
      ['2026-01-26T00:00:00Z', '2026-03-31T00:00:00Z'],
      ['1969-11-03T00:00:00Z', '1970-02-01T00:00:00Z'],
    ];
    for (const [from, to] of cases) {
      const w = { from: new Date(from as string), to: new Date(to as string) };
      const plan = planBlocks(w);
      const firstDay = Math.ceil(w.from.getTime() / DAY);
      const lastDay = Math.floor(w.to.getTime() / DAY);
      let day = firstDay;
      for (const b of plan.blocks) {
        const start = Date.parse(`${b.firstDay}T00:00:00Z`) / DAY;
        expect(start, `${from}: blocks follow each other`).toBe(day);
        expect(PLATFORM_BLOCK_SPANS).toContain(b.spanDays);
        expect(start % b.spanDays === 0, `${b.firstDay} starts a block of ${b.spanDays} days`).toBe(true);
        day += b.spanDays;
      }
      expect(day).toBe(lastDay);
      const edges = plan.raw.map((r) => [r.from.toISOString(), r.to.toISOString()]);
      const expected = [];
      if (w.from.getTime() < firstDay * DAY)
        expected.push([w.from.toISOString(), new Date(firstDay * DAY).toISOString()]);
      if (lastDay * DAY < w.to.getTime()) expected.push([new Date(lastDay * DAY).toISOString(), w.to.toISOString()]);
      expect(edges).toEqual(expected);
    }
    // Twelve months: a few blocks instead of 365 days.
    const year = planBlocks({ from: new Date('2025-12-08T05:00:00Z'), to: new Date('2026-12-07T21:13:00Z') });
    expect(year.blocks.length).toBeLessThanOrEqual(20);
    // Less than a day: no blocks, the window raw.
    const short = { from: new Date('2026-03-02T05:00:00Z'), to: new Date('2026-03-02T23:00:00Z') };
    expect(planBlocks(short)).toEqual({ blocks: [], raw: [short] });
  });
});
const FROM = new Date('2026-03-01T00:00:00Z');
const TO = new Date('2026-03-21T00:00:00Z');

describe.each(testTargets())('daily rollups on %s', (target) => {
  let database: TestDatabase;
  const orgs: string[] = [];

  const generated = () =>
    [...generateCalls(demoTopology(), { seed: 5, from: FROM, to: TO })].map((c) => ({ ...c, provider: 'gen' }));

  beforeAll(async () => {
    database = await openTestDatabase(target);
    const topology = demoTopology();
    for (const org of topology.orgs) orgs.push(await createOrg(database, org.name, { timezone: org.timezone }));
    for (const n of topology.numbers) {
      const id = await createNumber(database, n.e164);
      for (const key of n.orgKeys)
        await assignNumber(database, orgs[topology.orgs.findIndex((o) => o.key === key)] as string, id);
    }
    await insertCalls(database, generated());
  });
  afterAll(async () => {
    await database.cleanup();
  });

  const windows = [
    { from: new Date('2026-03-02T05:00:00Z'), to: new Date('2026-03-09T05:00:00Z') },
    { from: new Date('2026-03-02T13:17:00Z'), to: new Date('2026-03-15T02:45:00Z') },
    { from: new Date('2026-02-20T00:00:00Z'), to: new Date('2026-03-30T00:00:00Z') },
    // holds a whole block of 64 UTC days (2026-01-26 to 2026-03-31) around every call
    { from: new Date('2025-12-01T00:00:00Z'), to: new Date('2026-06-01T00:00:00Z') },
  ];

  /** Sums rounded so that adding in another order cannot differ in the last bits. */
  const rounded = (sums: Sums) =>
    Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v === null ? null : Math.round(v * 1000) / 1000]));

  async function expectRollupsEqualRaw() {
    await withPrincipal(database.db, SYSTEM, async (tx) => {
      // The agents' and numbers' blocks of local days of every span are read somewhere.
      const spansRead = new Set<number>();
      for (const orgId of orgs) {
        const ctx = await orgContext(tx, orgId);
        for (const w of windows) {
          const days = planRead(orgId, w, ctx.timezone).days;
          expect(days, 'the window spans whole days').not.toBeNull();
          const dayNumber = (d: string) => Date.parse(`${d}T00:00:00Z`) / DAY;
          if (days) {
            for (const b of blocksOfDays(dayNumber(days.fromDay), dayNumber(days.toDay), ORG_BLOCK_SPANS)) {
              spansRead.add(b.spanDays);
            }
          }
          const range = resolveRange(
            { from: w.from.toISOString(), to: w.to.toISOString(), interval: 'day' },
            ctx.timezone,
          );
          for (const dimension of DIMENSIONS) {
            const sums = async (rollups: boolean) => {
              const rows = (await runSql(ctx, [range], dimension, { rollups }).execute(tx)).rows;
              const groups = groupRows<object>(rows, dimension, false).filter(
                (g) => g.current.offered + g.current.outbound > 0,
              );
              return Object.fromEntries(groups.map((g) => [JSON.stringify(g.key), rounded(g.current)]));
            };
            const fast = await sums(true);
            const raw = await sums(false);
            expect(Object.keys(raw).length, `${dimension} has groups`).toBeGreaterThan(0);
            expect(fast, `${dimension} of org ${orgId}`).toEqual(raw);
          }
        }
      }
      expect([...spansRead].sort((a, b) => a - b)).toEqual([1, ...ORG_BLOCK_SPANS].sort((a, b) => a - b));
      // Platform-wide: every call once, whole UTC hours from the hourly rollup (a zone with half-hour offsets
      // reads its buckets from the calls), for windows on and off whole hours.
      for (const timezone of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
        const ctx = platformContext(timezone);
        for (const w of windows) {
          // (hourly buckets only where they stay under the 800-bucket limit)
          const intervals =
            w.to.getTime() - w.from.getTime() < 30 * 86_400_000 ? ['hour', 'day', 'week'] : ['day', 'week'];
          for (const interval of intervals as Array<'hour' | 'day' | 'week'>) {
            const range = resolveRange({ from: w.from.toISOString(), to: w.to.toISOString(), interval }, timezone);
            for (const dimension of ['total', 'bucket'] as const) {
              const sums = async (rollups: boolean) => {
                const statement = runSql(ctx, [range], dimension, { rollups });
                const rows = (await statement.execute(tx)).rows;
                const groups = groupRows<object>(rows, dimension, false).filter(
                  (g) => g.current.offered + g.current.outbound > 0,
                );
                return Object.fromEntries(groups.map((g) => [JSON.stringify(g.key), rounded(g.current)]));
              };
              const fast = await sums(true);
              expect(Object.keys(fast).length).toBeGreaterThan(0);
              const slow = await sums(false);
              expect(fast, `platform ${dimension} by ${interval} in ${timezone}`).toEqual(slow);
            }
          }
          // Breakdowns: whole UTC days from the blocks of days, the partial days at the edges from the calls.
          const range = resolveRange({ from: w.from.toISOString(), to: w.to.toISOString(), interval: 'day' }, timezone);
          expect(planBlocks(range).blocks.length, 'the window spans whole UTC days').toBeGreaterThan(0);
          for (const dimension of ['queue', 'agent', 'number'] as const) {
            const sums = async (rollups: boolean) => {
              const rows = (await runSql(ctx, [range], dimension, { rollups }).execute(tx)).rows;
              const groups = groupRows<object>(rows, dimension, false).filter(
                (g) => g.current.offered + g.current.outbound > 0,
              );
              return Object.fromEntries(groups.map((g) => [JSON.stringify(g.key), rounded(g.current)]));
            };
            const fast = await sums(true);
            expect(Object.keys(fast).length, `platform ${dimension} has groups`).toBeGreaterThan(0);
            expect(fast, `platform ${dimension} from ${w.from.toISOString()} in ${timezone}`).toEqual(
              await sums(false),
            );
          }
        }
      }
    });
  }

  it('equal the raw calls after a bulk insert', async () => {
    await expectRollupsEqualRaw();
  });

  it('count a call on a number shared by two orgs once platform-wide, and in each org', async () => {
    const shared = demoTopology().numbers.find((n) => n.orgKeys.length === 2);
    if (!shared) throw new Error('the demo topology shares a number');
    // Days around every generated call in every org's zone.
    const query = { from: '2026-02-25', to: '2026-03-25', tz: 'UTC' };
    await withPrincipal(database.db, SYSTEM, async (tx) => {
      const stored = await sql<{ n: number }>`SELECT count(*)::int AS n FROM calls c JOIN phone_numbers p
        ON p.id = c.business_number_id WHERE p.e164 = ${shared.e164}`.execute(tx);
      const calls = stored.rows[0]?.n ?? 0;
      expect(calls).toBeGreaterThan(0);
      const platform = await numberBreakdown(tx, { ...query, orgId: null });
      expect(platform.items.find((i) => i.e164 === shared.e164)?.totalCalls).toBe(calls);
      for (const key of shared.orgKeys) {
        const orgId = orgs[demoTopology().orgs.findIndex((o) => o.key === key)] as string;
        const org = await numberBreakdown(tx, { ...query, orgId });
        expect(org.items.find((i) => i.e164 === shared.e164)?.totalCalls, `in org ${key}`).toBe(calls);
      }
    });
  });

  it('stay equal after a re-import in which half the calls changed, and late webhooks', async () => {
    // The same calls delivered again: every other one now missed (no agent), every third in another queue.
    const again = generated().map((c, i) => ({
      ...c,
      ...(i % 2 === 0 && c.direction === 'inbound'
        ? { status: 'missed' as const, answeredAt: null, agentExtension: null }
        : {}),
      ...(i % 3 === 0 ? { queue: 'Re-imported' } : {}),
    }));
    await insertCalls(database, again);
    // Late webhooks: a missed call turns out answered by an agent after a long wait.
    const late = again
      .filter((c) => c.status === 'missed' && c.direction === 'inbound')
      .slice(0, 20)
      .map((c) => ({
        ...c,
        status: 'answered' as const,
        answeredAt: new Date(c.startedAt.getTime() + 400_000),
        endedAt: new Date(c.startedAt.getTime() + 900_000),
        agentExtension: '1001',
      }));
    expect(late.length).toBe(20);
    await insertCalls(database, late);
    await expectRollupsEqualRaw();
  });

  it('stay equal after changed re-deliveries and deletions', async () => {
    await withPrincipal(database.db, SYSTEM, async (tx) => {
      await sql`UPDATE calls SET status = 'missed', answered_at = NULL, agent_extension = NULL
        WHERE id IN (SELECT id FROM calls WHERE status = 'answered' AND direction = 'inbound' ORDER BY id LIMIT 40)`.execute(
        tx,
      );
      await sql`UPDATE calls SET started_at = started_at + interval '3 days', answered_at = answered_at + interval '3 days',
          ended_at = ended_at + interval '3 days'
        WHERE id IN (SELECT id FROM calls ORDER BY provider_call_id LIMIT 25)`.execute(tx);
      await sql`DELETE FROM calls WHERE id IN (SELECT id FROM calls ORDER BY started_at DESC LIMIT 30)`.execute(tx);
      // Calls move between queues, agents and numbers.
      await sql`UPDATE calls SET queue_name = CASE WHEN queue_name IS NULL THEN 'Moved' ELSE NULL END,
          agent_extension = CASE WHEN status = 'answered' THEN '999' ELSE agent_extension END
        WHERE id IN (SELECT id FROM calls ORDER BY provider_call_id DESC LIMIT 50)`.execute(tx);
    });
    await expectRollupsEqualRaw();
  });

  it('stay equal when the calls holding each day’s longest wait are shortened or deleted', async () => {
    const longest = (n: number) => sql<{
      id: string;
    }>`SELECT DISTINCT ON (business_number_id, started_at::date) id FROM calls
      WHERE direction = 'inbound' ORDER BY business_number_id, started_at::date, wait_seconds DESC, id LIMIT ${n}`;
    await withPrincipal(database.db, SYSTEM, async (tx) => {
      const shortened = (await longest(60).execute(tx)).rows.map((r) => r.id);
      expect(shortened.length).toBe(60);
      // Answered a second after ringing (or ended then, when never answered): the longest wait is no longer theirs.
      await sql`UPDATE calls SET answered_at = CASE WHEN answered_at IS NULL THEN NULL ELSE started_at + interval '1 second' END,
          ended_at = CASE WHEN answered_at IS NULL THEN started_at + interval '1 second' ELSE ended_at END
        WHERE id = ANY (${shortened}::uuid[])`.execute(tx);
      const deleted = (await longest(60).execute(tx)).rows.map((r) => r.id);
      await sql`DELETE FROM calls WHERE id = ANY (${deleted}::uuid[])`.execute(tx);
    });
    await expectRollupsEqualRaw();
  });

  it('stay equal after assignment windows and org settings change', async () => {
    const late = await createNumber(database, '+19175550100');
    await assignNumber(database, orgs[0] as string, late, { from: new Date('2026-03-05T00:00:00Z') });
    await insertCalls(database, [
      {
        provider: 'gen',
        providerCallId: 'late-1',
        direction: 'inbound',
        status: 'missed',
        businessNumber: '+19175550100',
        externalNumber: null,
        startedAt: new Date('2026-03-06T15:00:00Z'),
        answeredAt: null,
        endedAt: new Date('2026-03-06T15:00:03Z'),
        agentExtension: null,
        queue: null,
      },
    ]);
    await withPrincipal(database.db, SYSTEM, async (tx) => {
      await tx
        .updateTable('org_phone_numbers')
        .set({ assigned_until: new Date('2026-03-10T00:00:00Z') })
        .where('org_id', '=', orgs[1] as string)
        .execute();
      await tx
        .updateTable('organizations')
        .set({ timezone: 'Asia/Kolkata', sl_threshold_seconds: 30, short_abandon_seconds: 0 })
        .where('id', '=', orgs[2] as string)
        .execute();
    });
    await expectRollupsEqualRaw();
  });
});
