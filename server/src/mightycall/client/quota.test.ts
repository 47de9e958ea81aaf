// The daily quota counted on a real database: concurrent requests are counted together (one transaction for those
// that queue behind a count in progress), never past the priority's share, the first asked going first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase, testTargets } from '../../../test/support/database.js';
import { capFor, QuotaBudget } from './quota.js';
import { type Clock, QuotaDeferred } from './transport.js';

const NOW = Date.parse('2026-03-02T15:00:30Z');

describe.each(testTargets())('QuotaBudget on %s', (target) => {
  let db: TestDatabase;
  const clock: Clock = { now: () => NOW };

  beforeAll(async () => {
    db = await openTestDatabase(target);
  });
  afterAll(async () => {
    await db?.cleanup();
  });
  /** A budget whose account locks are counted: one per counting transaction. */
  const lockCountingBudget = () => {
    let taken = 0;
    const counted = db.db.withPlugin({
      transformQuery(args) {
        if (JSON.stringify(args.node).includes('pg_advisory_xact_lock')) taken++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    return { budget: new QuotaBudget(counted, clock), locks: () => taken };
  };

  it('counts concurrent requests together and defers those past the share, in the order asked', async () => {
    const budget = new QuotaBudget(db.db, clock);
    await budget.setLimit('acct-a', 50);
    const cap = capFor(50, 'live');
    expect(cap).toBe(30);
    // One alone first (its count is in flight when the next 40 ask), then 40 at once: 29 fit.
    const first = budget.acquire('acct-a', 'live');
    const order: number[] = [];
    const rest = Array.from({ length: 40 }, (_, i) =>
      budget.acquire('acct-a', 'live').then(
        () => {
          order.push(i);
          return 'granted' as const;
        },
        (error: unknown) => error,
      ),
    );
    await first;
    const outcomes = await Promise.all(rest);
    const granted = outcomes.filter((o) => o === 'granted').length;
    expect(granted).toBe(cap - 1);
    // Those asked first went on; the rest were told when to come back, later than now.
    expect(order.sort((x, y) => x - y)).toEqual(Array.from({ length: cap - 1 }, (_, i) => i));
    for (const o of outcomes.slice(cap - 1)) {
      expect(o).toBeInstanceOf(QuotaDeferred);
      expect((o as QuotaDeferred).resumeAt).toBeGreaterThan(NOW);
    }
    const usage = await budget.usage('acct-a');
    expect(usage.used).toBe(cap);
    // A higher priority still has room; the live share stays spent.
    await budget.acquire('acct-a', 'sync');
    await expect(budget.acquire('acct-a', 'live')).rejects.toBeInstanceOf(QuotaDeferred);
    expect((await budget.usage('acct-a')).used).toBe(cap + 1);
  });

  it('keeps accounts apart, and counts the requests that queued behind a count in one transaction', async () => {
    const { budget, locks } = lockCountingBudget();
    await budget.setLimit('acct-b', 1000);
    await budget.setLimit('acct-c', 1000);
    await Promise.all([
      ...Array.from({ length: 25 }, () => budget.acquire('acct-b', 'sync')),
      ...Array.from({ length: 7 }, () => budget.acquire('acct-c', 'sync')),
    ]);
    expect((await budget.usage('acct-b')).used).toBe(25);
    expect((await budget.usage('acct-c')).used).toBe(7);
    // All 25 asked at once: the first is counted alone, the 24 that queued behind it together.
    const rows = await db.db
      .selectFrom('mightycall_quota_usage')
      .select(['provider_account', 'requests'])
      .where('provider_account', '=', 'acct-b')
      .execute();
    expect(rows).toEqual([{ provider_account: 'acct-b', requests: 25 }]);
    // Per account: the first ask alone, then everything that queued meanwhile.
    expect(locks()).toBe(4);
  });

  it('prefund counts a round at once; its requests ask nothing more, and what is not spent goes back', async () => {
    const { budget, locks } = lockCountingBudget();
    await budget.setLimit('acct-d', 1000);
    expect(await budget.prefund('acct-d', 'live', 8)).toBe(8);
    expect((await budget.usage('acct-d')).used).toBe(8);
    await Promise.all(Array.from({ length: 5 }, () => budget.acquire('acct-d', 'live')));
    // Spent from the count already made: one counting transaction in all.
    expect(locks()).toBe(1);
    expect((await budget.usage('acct-d')).used).toBe(8);
    // Another priority has no such credit: it is counted as usual.
    await budget.acquire('acct-d', 'sync');
    expect(locks()).toBe(2);
    await budget.refund('acct-d', 'live');
    expect((await budget.usage('acct-d')).used).toBe(6);
    // Nothing left to spend: the next request is counted again.
    await budget.acquire('acct-d', 'live');
    expect(locks()).toBe(3);
    expect((await budget.usage('acct-d')).used).toBe(7);
    // A second refund has nothing to give back.
    await budget.refund('acct-d', 'live');
    expect((await budget.usage('acct-d')).used).toBe(7);
  });

  it('prefund counts no more than the share allows, and nothing while MightyCall asks us to wait', async () => {
    const budget = new QuotaBudget(db.db, clock);
    await budget.setLimit('acct-e', 10);
    const cap = capFor(10, 'live');
    expect(await budget.prefund('acct-e', 'live', 50)).toBe(cap);
    for (let i = 0; i < cap; i++) await budget.acquire('acct-e', 'live');
    await expect(budget.acquire('acct-e', 'live')).rejects.toBeInstanceOf(QuotaDeferred);
    expect((await budget.usage('acct-e')).used).toBe(cap);

    await budget.setLimit('acct-f', 1000);
    await budget.throttled('acct-f', NOW + 60_000, 'sync');
    expect(await budget.prefund('acct-f', 'live', 5)).toBe(0);
    await expect(budget.acquire('acct-f', 'live')).rejects.toBeInstanceOf(QuotaDeferred);
  });
});
