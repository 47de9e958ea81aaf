import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { assignNumber, call, createNumber, createOrg, createUser, insertCalls } from '../../test/support/fixtures.js';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import { kpis } from '../metrics/service.js';
import { CSV_COLUMNS, csvLine, getCall, listCalls, recentCalls } from './service.js';

const SYSTEM = systemPrincipal('calls test');

describe.each(testTargets())('call log on %s', (target) => {
  let database: TestDatabase;
  let orgId: string;
  let otherOrg: string;
  const run = <T>(fn: Parameters<typeof withPrincipal<T>>[2]) => withPrincipal(database.db, SYSTEM, fn);
  const base = new Date('2026-05-04T14:00:00Z');

  beforeAll(async () => {
    database = await openTestDatabase(target);
    orgId = await createOrg(database, 'Log Org');
    otherOrg = await createOrg(database, 'Other Org');
    await createUser(database, 'maya@example.com', { memberships: [{ orgId, role: 'agent', extension: '201' }] });
    await database.db
      .updateTable('users')
      .set({ display_name: 'Maya Member' })
      .where('email', '=', 'maya@example.com')
      .execute();
    await database.db
      .insertInto('agents')
      .values([
        { provider: 'test', provider_account: '', extension: '201', display_name: 'Directory Maya' },
        { provider: 'test', provider_account: '', extension: '202', display_name: 'Directory Dan' },
      ])
      .execute();
    const n = await createNumber(database, '+13125550100');
    await assignNumber(database, orgId, n);
    const o = await createNumber(database, '+13125550199');
    await assignNumber(database, otherOrg, o);
    const calls = [];
    for (let i = 0; i < 25; i++) {
      calls.push(
        call({
          providerCallId: `log-${i}`,
          businessNumber: '+13125550100',
          externalNumber: `+1415555${String(1000 + i)}`,
          startedAt: new Date(base.getTime() + i * 60_000),
          status: i % 5 === 0 ? 'missed' : 'answered',
          direction: i % 7 === 0 ? 'outbound' : 'inbound',
          agentExtension: i % 5 === 0 ? null : i % 2 === 0 ? '201' : '202',
          queue: i % 3 === 0 ? 'Sales, "East"' : 'Support',
        }),
      );
    }
    calls.push(call({ providerCallId: 'other-org', businessNumber: '+13125550199', startedAt: base }));
    await insertCalls(database, calls);
  });
  afterAll(async () => {
    await database.cleanup();
  });

  it('recent calls are newest first with agent names: the linked member first, then the directory', async () => {
    const items = await run((tx) => recentCalls(tx, orgId, 3));
    expect(items.map((i) => i.startedAt)).toEqual([
      new Date(base.getTime() + 24 * 60_000).toISOString(),
      new Date(base.getTime() + 23 * 60_000).toISOString(),
      new Date(base.getTime() + 22 * 60_000).toISOString(),
    ]);
    expect(items.map((i) => [i.agentExtension, i.agentName])).toEqual([
      ['201', 'Maya Member'],
      ['202', 'Directory Dan'],
      ['201', 'Maya Member'],
    ]);
    expect(items[0]).toMatchObject({ fromNumber: '+14155551024', toNumber: '+13125550100', direction: 'inbound' });
  });

  it('pages through every call exactly once with the cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await run((tx) => listCalls(tx, { orgId, limit: 10, ...(cursor ? { cursor } : {}) }));
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(25);
  });

  it('filters by direction, status, agent and digits; the filtered count matches the metrics', async () => {
    const missed = await run((tx) => listCalls(tx, { orgId, limit: 100, status: 'missed', direction: 'inbound' }));
    const m = await run((tx) => kpis(tx, { orgId, from: '2026-05-04', to: '2026-05-04', compare: false }));
    expect(missed.items).toHaveLength(m.metrics.missedCalls);
    const dan = await run((tx) => listCalls(tx, { orgId, limit: 100, agent: '202' }));
    expect(dan.items.every((i) => i.agentName === 'Directory Dan')).toBe(true);
    expect(dan.items.length).toBeGreaterThan(0);
    const search = await run((tx) => listCalls(tx, { orgId, limit: 100, q: '555-1007' }));
    expect(search.items.map((i) => i.fromNumber ?? i.toNumber)).toHaveLength(1);
    await expect(run((tx) => listCalls(tx, { orgId, limit: 10, cursor: 'garbage' }))).rejects.toMatchObject({
      status: 400,
    });
  });

  it('counts every call matching the filters when asked, whichever page, and only then', async () => {
    const first = await run((tx) => listCalls(tx, { orgId, limit: 10, withTotal: true }));
    expect(first.items).toHaveLength(10);
    expect(first.total).toBe(25);
    const second = await run((tx) =>
      listCalls(tx, { orgId, limit: 10, withTotal: true, cursor: first.nextCursor ?? undefined }),
    );
    expect(second.total).toBe(25);
    const missed = await run((tx) =>
      listCalls(tx, { orgId, limit: 1, status: 'missed', direction: 'inbound', withTotal: true }),
    );
    const m = await run((tx) => kpis(tx, { orgId, from: '2026-05-04', to: '2026-05-04', compare: false }));
    expect(missed.total).toBe(m.metrics.missedCalls);
    const week = await run((tx) =>
      listCalls(tx, { orgId, limit: 1, from: '2026-05-05', to: '2026-05-11', withTotal: true }),
    );
    expect(week.total).toBe(0);
    expect((await run((tx) => listCalls(tx, { orgId, limit: 10 }))).total).toBeNull();
  });

  it('never returns another org’s call, even by id', async () => {
    const other = await run((tx) => listCalls(tx, { orgId: otherOrg, limit: 10 }));
    expect(other.items).toHaveLength(1);
    const id = other.items[0]?.id as string;
    await expect(run((tx) => getCall(tx, orgId, id))).rejects.toMatchObject({ status: 404 });
    await expect(run((tx) => getCall(tx, otherOrg, id))).resolves.toMatchObject({ id });
  });

  it('CSV lines quote commas and quotes and match the header', async () => {
    const [item] = (await run((tx) => listCalls(tx, { orgId, limit: 100, q: '4155551021' }))).items;
    expect(item?.queueName).toBe('Sales, "East"');
    const line = csvLine(item as NonNullable<typeof item>, 'UTC');
    expect(line).toContain('"Sales, ""East"""');
    expect(line.endsWith('\r\n')).toBe(true);
    expect(CSV_COLUMNS).toContain('agentName');
  });
});
