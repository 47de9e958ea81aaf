// The daily rollups always equal the raw calls: after inserts, re-deliveries with changes, deletes,
// assignment changes and settings changes, for aligned and unaligned ranges.
import { demoTopology, generateCalls } from '@victorysync/datagen';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { assignNumber, createNumber, createOrg, insertCalls } from '../../test/support/fixtures.js';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import type { Sums } from './definitions.js';
import { resolveRange } from './range.js';
import { groupRows, planRead, runSql } from './runner.js';
import { orgContext } from './settings.js';

const SYSTEM = systemPrincipal('rollup test');
const FROM = new Date('2026-03-01T00:00:00Z');
const TO = new Date('2026-03-21T00:00:00Z');

describe.each(testTargets())('daily rollups on %s', (target) => {
  let database: TestDatabase;
  const orgs: string[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(target);
    const topology = demoTopology();
    for (const org of topology.orgs) orgs.push(await createOrg(database, org.name, { timezone: org.timezone }));
    for (const n of topology.numbers) {
      const id = await createNumber(database, n.e164);
      for (const key of n.orgKeys)
        await assignNumber(database, orgs[topology.orgs.findIndex((o) => o.key === key)] as string, id);
    }
    const calls = [...generateCalls(topology, { seed: 5, from: FROM, to: TO })].map((c) => ({ ...c, provider: 'gen' }));
    await insertCalls(database, calls);
  });
  afterAll(async () => {
    await database.cleanup();
  });

  const windows = [
    { from: new Date('2026-03-02T05:00:00Z'), to: new Date('2026-03-09T05:00:00Z') },
    { from: new Date('2026-03-02T13:17:00Z'), to: new Date('2026-03-15T02:45:00Z') },
    { from: new Date('2026-02-20T00:00:00Z'), to: new Date('2026-03-30T00:00:00Z') },
  ];

  async function expectRollupsEqualRaw() {
    await withPrincipal(database.db, SYSTEM, async (tx) => {
      for (const orgId of orgs) {
        const ctx = await orgContext(tx, orgId);
        for (const w of windows) {
          expect(planRead(orgId, w, ctx.timezone).days, 'the window spans whole days').not.toBeNull();
          const range = resolveRange({ from: w.from.toISOString(), to: w.to.toISOString() }, ctx.timezone);
          const sums = async (rollups: boolean): Promise<Sums> => {
            const rows = (await runSql(ctx, [range], 'total', { rollups }).execute(tx)).rows;
            const [total] = groupRows<object>(rows, 'total', false);
            if (!total) throw new Error('no sums for the window');
            return total.current;
          };
          const fast = await sums(true);
          const raw = await sums(false);
          expect(fast.offered).toBeGreaterThan(0);
          expect({ ...fast, waitSumAnswered: Math.round(fast.waitSumAnswered * 1000) }).toEqual({
            ...raw,
            waitSumAnswered: Math.round(raw.waitSumAnswered * 1000),
            talkSumAnswered: fast.talkSumAnswered,
            outboundTalkSum: fast.outboundTalkSum,
          });
          expect(fast.talkSumAnswered).toBeCloseTo(raw.talkSumAnswered, 3);
        }
      }
    });
  }

  it('equal the raw calls after a bulk insert', async () => {
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
