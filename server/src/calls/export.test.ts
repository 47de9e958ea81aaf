// The CSV export's slices: read one after another they give exactly the calls the paged log gives, in the same
// order, each once, for an org (with a shared number and an assignment window that ends) and platform-wide, with
// and without a range and filters, however small the slices.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { assignNumber, call, createNumber, createOrg, insertCalls } from '../../test/support/fixtures.js';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import { planExport } from './export.js';
import { type CallFilters, callsBetween, listCalls } from './service.js';

const SYSTEM = systemPrincipal('export test');
const NOW = new Date('2026-04-02T12:00:00Z');

describe.each(testTargets())('CSV export slices on %s', (target) => {
  let database: TestDatabase;
  let org = '';

  beforeAll(async () => {
    database = await openTestDatabase(target);
    org = await createOrg(database, 'Slices', { timezone: 'America/New_York' });
    const other = await createOrg(database, 'Other', { timezone: 'UTC' });
    const own = await createNumber(database, '+12125550701');
    const shared = await createNumber(database, '+12125550702');
    await assignNumber(database, org, own);
    await assignNumber(database, org, shared, { until: new Date('2026-03-20T00:00:00Z') });
    await assignNumber(database, other, shared);
    const calls = [];
    for (let i = 0; i < 240; i++) {
      const startedAt = new Date(Date.UTC(2026, 2, 1 + (i % 31), (i * 7) % 24, i % 60));
      calls.push(
        call({
          businessNumber: i % 3 === 0 ? '+12125550702' : '+12125550701',
          startedAt,
          direction: i % 5 === 0 ? 'outbound' : 'inbound',
          status: i % 4 === 0 ? 'missed' : 'answered',
        }),
      );
    }
    // Two calls at the same instant: the order settles on the id.
    calls.push(call({ businessNumber: '+12125550701', startedAt: new Date('2026-03-10T10:00:00Z') }));
    calls.push(call({ businessNumber: '+12125550701', startedAt: new Date('2026-03-10T10:00:00Z') }));
    await insertCalls(database, calls);
  });
  afterAll(async () => {
    await database.cleanup();
  });

  /** The log the paged endpoint gives, every page. */
  async function paged(f: CallFilters): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await withPrincipal(database.db, SYSTEM, (tx) =>
        listCalls(tx, { ...f, limit: 37, ...(cursor ? { cursor } : {}) }, NOW),
      );
      ids.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return ids;
  }

  async function exported(f: CallFilters, sliceCalls: number): Promise<{ ids: string[]; slices: number }> {
    return withPrincipal(database.db, SYSTEM, async (tx) => {
      const { slices } = await planExport(tx, f, NOW, sliceCalls);
      const ids: string[] = [];
      for (const s of slices)
        ids.push(...(await callsBetween(tx, f, { orgId: f.orgId, from: s.from, to: s.to })).map((c) => c.id));
      return { ids, slices: slices.length };
    });
  }

  const cases: Array<[string, () => CallFilters]> = [
    ['an org, all time', () => ({ orgId: org, limit: 100 })],
    ['an org, a range', () => ({ orgId: org, from: '2026-03-05', to: '2026-03-24', limit: 100 })],
    ['an org, filtered', () => ({ orgId: org, direction: 'inbound', status: 'answered', limit: 100 })],
    ['platform-wide, all time', () => ({ orgId: null, limit: 100 })],
    [
      'platform-wide, a range',
      () => ({ orgId: null, from: '2026-03-03T07:30:00Z', to: '2026-03-28T19:10:00Z', limit: 100 }),
    ],
  ];

  it.each(cases)('%s: the slices give the log exactly, in order', async (_name, filters) => {
    const f = filters();
    const expected = await paged(f);
    expect(expected.length).toBeGreaterThan(20);
    for (const sliceCalls of [1, 7, 50, 100_000]) {
      const { ids, slices } = await exported(f, sliceCalls);
      expect(ids, `slices of ${sliceCalls}`).toEqual(expected);
      if (sliceCalls === 7) expect(slices).toBeGreaterThan(3);
      if (sliceCalls === 100_000) expect(slices).toBe(1);
    }
  });
});
