// The CSV export through HTTP, large enough to cross several slices (each read while the one before is sent): the
// file is exactly the header and then, line for line, the calls of the paged JSON log formatted as CSV, newest
// first, each once, none of another org.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, call as request, type World } from '../../test/isolation-world.js';
import { testTargets } from '../../test/support/database.js';
import { assignNumber, call, createNumber, insertCalls } from '../../test/support/fixtures.js';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import { planExport, SLICE_CALLS } from './export.js';
import { type CallItem, CSV_COLUMNS, csvLine } from './service.js';

const CALLS = SLICE_CALLS + 2_500;
const ZONE = 'America/New_York';
// Sixty days through New York's spring change (8 March 2026).
const FIRST = Date.UTC(2026, 1, 10);
const SPAN = 60 * 86_400_000;
const QUEUES = ['Support', 'Sales, "East"', null, '=cmd'];

describe.each(testTargets())('a large CSV export on %s', (target) => {
  let w: World;
  let query = '';

  beforeAll(async () => {
    w = await buildWorld(target);
    await w.database.db.updateTable('organizations').set({ timezone: ZONE }).where('id', '=', w.orgA).execute();
    await w.database.db
      .insertInto('agents')
      .values({ provider: 'test', provider_account: '', extension: '202', display_name: 'Dana Directory' })
      .execute();
    const ours = ['+13125550101', '+13125550102', '+13125550103'];
    for (const e164 of ours) await assignNumber(w.database, w.orgA, await createNumber(w.database, e164));
    // The numbers belong to the directory's account, so the org reads its names.
    await w.database.db
      .updateTable('phone_numbers')
      .set({ provider: 'test', provider_account: '' })
      .where('e164', 'in', ours)
      .execute();
    await assignNumber(w.database, w.orgB, await createNumber(w.database, '+13125550199'));
    // Given the org's calls (some at the same instant, so the order settles on the id) and another org's…
    const calls = Array.from({ length: CALLS }, (_, i) =>
      call({
        businessNumber: ours[i % ours.length] as string,
        startedAt: new Date(FIRST + Math.floor((i * SPAN) / CALLS / 1000) * 1000 + (i % 7 === 0 ? 0 : (i % 997) * 7)),
        direction: i % 5 === 0 ? 'outbound' : 'inbound',
        status: i % 5 === 0 || i % 3 !== 0 ? 'answered' : i % 2 === 0 ? 'missed' : 'voicemail',
        queue: QUEUES[i % QUEUES.length] ?? null,
        // 101 is the org member agentA, 202 is named by the directory only, 303 by nobody.
        agentExtension: ['101', '202', '303', null][i % 4] ?? null,
        externalNumber: `+1415555${String(i % 10_000).padStart(4, '0')}`,
      }),
    );
    const theirs = Array.from({ length: 300 }, (_, i) =>
      call({ businessNumber: '+13125550199', startedAt: new Date(FIRST + i * 3_600_000) }),
    );
    for (let i = 0; i < calls.length; i += 5_000) await insertCalls(w.database, calls.slice(i, i + 5_000));
    await insertCalls(w.database, theirs);
    query = `org_id=${w.orgA}&from=2026-02-01&to=2026-04-30`;
  }, 600_000);
  afterAll(async () => {
    await w.close();
  });

  it('is the header and the paged log, line for line, across several slices', async () => {
    const as = { session: w.users.adminA.session };
    // The export is read in more than two slices, so reading ahead is on the path.
    const { slices } = await withPrincipal(w.database.db, systemPrincipal('export test'), (tx) =>
      planExport(tx, { orgId: w.orgA, from: '2026-02-01', to: '2026-04-30', limit: 50 }),
    );
    expect(slices.length).toBeGreaterThan(2);
    // When an org admin exports the call log…
    const res = await request(w.app, 'GET', `/api/calls?${query}&format=csv`, { as });
    expect(res.status).toBe(200);
    const body = await res.text();
    // …it holds exactly what the JSON pages give, formatted as CSV.
    const items: CallItem[] = [];
    let cursor: string | null = null;
    do {
      const page: Response = await request(
        w.app,
        'GET',
        `/api/calls?${query}&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
        { as },
      );
      expect(page.status).toBe(200);
      const json = (await page.json()) as { items: CallItem[]; nextCursor: string | null };
      items.push(...json.items);
      cursor = json.nextCursor;
    } while (cursor);
    expect(items).toHaveLength(CALLS);
    expect(new Set(items.map((c) => c.id)).size).toBe(CALLS);
    expect(items.filter((c) => c.agentName === 'Dana Directory').length).toBeGreaterThan(0);
    const expected = `${CSV_COLUMNS.join(',')}\r\n${items.map((item) => csvLine(item, ZONE)).join('')}`;
    expect(body.length).toBe(expected.length);
    expect(body === expected).toBe(true);
  });
});
