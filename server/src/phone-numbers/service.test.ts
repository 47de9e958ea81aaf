import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { call, createNumber, createOrg, insertCalls } from '../../test/support/fixtures.js';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import { kpis } from '../metrics/service.js';
import { assignNumbers, createPhoneNumber, listPhoneNumbers, unassignNumber } from './service.js';

const SYSTEM = systemPrincipal('assignment test');

describe.each(testTargets())('phone-number assignment on %s', (target) => {
  let database: TestDatabase;
  let orgA: string;
  let orgB: string;
  const run = <T>(fn: Parameters<typeof withPrincipal<T>>[2]) => withPrincipal(database.db, SYSTEM, fn);

  beforeAll(async () => {
    database = await openTestDatabase(target);
    orgA = await createOrg(database, 'Alpha');
    orgB = await createOrg(database, 'Beta');
  });
  afterAll(async () => {
    await database.cleanup();
  });

  it('normalizes new inventory numbers and refuses duplicates with 409', async () => {
    const created = await run((tx) => createPhoneNumber(tx, { number: '(212) 555-0190', label: 'Sales' }));
    expect(created).toMatchObject({ e164: '+12125550190', label: 'Sales', assignments: [] });
    await expect(run((tx) => createPhoneNumber(tx, { number: '+1 212 555 0190' }))).rejects.toMatchObject({
      status: 409,
      code: 'phone_number_exists',
    });
    await expect(run((tx) => createPhoneNumber(tx, { number: 'twelve' }))).rejects.toMatchObject({ status: 400 });
  });

  it('assigns one number to two orgs, shows who shares it, and is idempotent', async () => {
    const id = await createNumber(database, '+12125550191');
    const first = await run((tx) => assignNumbers(tx, orgA, [id], null, null));
    expect(first).toEqual([
      { phoneNumberId: id, e164: '+12125550191', outcome: 'assigned', assignedFrom: null, sharedWith: [] },
    ]);
    const second = await run((tx) => assignNumbers(tx, orgB, [id], new Date('2026-01-01T00:00:00Z'), null));
    expect(second[0]).toMatchObject({
      outcome: 'assigned',
      assignedFrom: '2026-01-01T00:00:00.000Z',
      sharedWith: [{ orgId: orgA, orgName: 'Alpha' }],
    });
    const again = await run((tx) => assignNumbers(tx, orgA, [id], null, null));
    expect(again[0]?.outcome).toBe('already_assigned');
    const listed = (await run((tx) => listPhoneNumbers(tx))).find((n) => n.id === id);
    expect(listed?.assignments.map((a) => [a.orgName, a.assignedFrom, a.assignedUntil])).toEqual([
      ['Alpha', null, null],
      ['Beta', '2026-01-01T00:00:00.000Z', null],
    ]);
  });

  it('unassigning keeps old calls with the org and stops counting new ones; reassigning never overlaps', async () => {
    const id = await createNumber(database, '+12125550192');
    await run((tx) => assignNumbers(tx, orgA, [id], null, null));
    const past = new Date(Date.now() - 3_600_000);
    await insertCalls(database, [
      call({ providerCallId: 'before-unassign', businessNumber: '+12125550192', startedAt: past }),
    ]);
    const closed = await run((tx) => unassignNumber(tx, orgA, id, null));
    expect(closed.assignedUntil).not.toBeNull();
    await insertCalls(database, [
      call({
        providerCallId: 'after-unassign',
        businessNumber: '+12125550192',
        startedAt: new Date(Date.now() + 1000),
      }),
    ]);
    const range = {
      from: new Date(Date.now() - 86_400_000).toISOString(),
      to: new Date(Date.now() + 86_400_000).toISOString(),
    };
    const m = await run((tx) => kpis(tx, { orgId: orgA, ...range, compare: false }));
    expect(m.metrics.offeredCalls).toBe(1);
    await expect(run((tx) => unassignNumber(tx, orgA, id, null))).rejects.toMatchObject({ status: 404 });
    // Re-assigning without a date continues after the closed window instead of re-covering it.
    const back = await run((tx) => assignNumbers(tx, orgA, [id], null, null));
    expect(back[0]?.assignedFrom).toBe(closed.assignedUntil);
    const again = await run((tx) => kpis(tx, { orgId: orgA, ...range, compare: false }));
    expect(again.metrics.offeredCalls).toBe(2);
    await run((tx) => unassignNumber(tx, orgA, id, null));
    await expect(
      run((tx) => assignNumbers(tx, orgA, [id], new Date('2020-01-01T00:00:00Z'), null)),
    ).rejects.toMatchObject({
      status: 409,
      code: 'assignment_overlap',
    });
  });
});
