// Issue 6 acceptance: a number assigned to a second org in the dialog counts in both; unassigning keeps the past.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallPage, NumberStats, Org, PhoneNumber } from '../web/src/api/types.js';
import { formatPhone } from '../web/src/metrics/phone.js';
import { eventually } from './support/api.js';
import { screenshots } from './support/browser.js';
import { createWorld, type World } from './support/world.js';

let world: World;
let page: Page;
let pageErrors: string[];
let home: Org;
let other: Org;
let number: PhoneNumber;

// The same instants for every org (a preset range would be local to each org's time zone).
const WINDOW = `from=${new Date(Date.now() - 30 * 86_400_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`;

const numberStats = async (orgId: string) =>
  (await world.admin.get<{ items: NumberStats[] }>(`/api/metrics/numbers?org_id=${orgId}&${WINDOW}`)).body.items.find(
    (n) => n.phoneNumberId === number.id,
  );
const callsOn = async (orgId: string, query: string) =>
  (await world.admin.get<CallPage>(`/api/calls?org_id=${orgId}&number=${encodeURIComponent(number.e164)}&${query}`))
    .body;

describe('number assignment', () => {
  beforeAll(async () => {
    world = await createWorld();
    const inventory = await world.admin.get<{ phoneNumbers: PhoneNumber[] }>('/api/admin/phone-numbers');
    // A number that only one org counts today, and an org that does not have it.
    const single = inventory.body.phoneNumbers.find(
      (n) => n.assignments.filter((a) => a.assignedUntil === null).length === 1,
    );
    if (!single?.assignments[0]) throw new Error('the demo inventory has no number assigned to exactly one org');
    number = single;
    home = world.org(single.assignments[0].orgName);
    const candidate = world.orgs.find((o) => !single.assignments.some((a) => a.orgId === o.id));
    if (!candidate) throw new Error('every demo org already has the number');
    other = candidate;
    ({ page, pageErrors } = await world.signedInPage(world.server.admin));
  });
  afterAll(async () => {
    await world?.close();
  });

  it('assigns a number to a second org in the dialog, which shows who shares it, and both orgs then count its calls', async () => {
    const before = await numberStats(home.id);
    expect(before?.offered).toBeGreaterThan(0);
    expect(await numberStats(other.id)).toBeUndefined();

    await page.goto(`/admin/orgs/${other.id}`);
    await page.getByRole('button', { name: 'Assign numbers…' }).click();
    const dialog = page.getByTestId('assign-dialog');
    const row = dialog.getByTestId(`candidate-${number.e164}`);
    await expect.poll(() => row.getByTestId('shared-with').textContent()).toContain(home.name);
    expect(await row.getByTestId('shared-with').textContent()).toContain('all history');
    await screenshots(page, 'assignment-dialog');
    await row.getByRole('checkbox').check();
    await dialog.getByRole('button', { name: /^Assign/ }).click();
    await expect.poll(() => page.getByTestId('org-numbers-table').textContent()).toContain(formatPhone(number.e164));

    // Both orgs now count the number's whole history: the same calls, in each.
    const shared = await numberStats(other.id);
    expect(shared?.offered).toBe(before?.offered);
    expect(await numberStats(home.id)).toEqual(before);
    const otherLog = await callsOn(other.id, `${WINDOW}&limit=5`);
    expect(otherLog.items.length).toBeGreaterThan(0);
    expect(otherLog.items.map((c) => c.id)).toEqual(
      (await callsOn(home.id, `${WINDOW}&limit=5`)).items.map((c) => c.id),
    );

    // The second org's dashboard shows the number's calls.
    await page.goto(`/orgs/${other.id}?range=month`);
    await expect
      .poll(() => page.getByTestId('number-table').textContent(), { timeout: 15_000 })
      .toContain(formatPhone(number.e164));
    expect(pageErrors).toEqual([]);
  });

  it('unassigns it in the UI: calls after that stop counting there, calls before stay', async () => {
    const before = await numberStats(other.id);
    await page.goto(`/admin/orgs/${other.id}`);
    await page.getByRole('button', { name: `Unassign ${formatPhone(number.e164)}` }).click();
    await page.getByRole('button', { name: 'Unassign', exact: true }).click();
    await expect.poll(() => page.getByText(`${formatPhone(number.e164)} unassigned`).count()).toBe(1);

    // A call that starts after the unassignment.
    await new Promise((r) => setTimeout(r, 1500));
    const started = new Date();
    const caller = `+1555010${String(Date.now()).slice(-4)}`;
    const line = {
      provider: 'e2e',
      provider_call_id: `after-unassign-${Date.now()}`,
      direction: 'inbound',
      status: 'missed',
      business_number: number.e164,
      external_number: caller,
      started_at: started.toISOString(),
      ended_at: new Date(started.getTime() + 1000).toISOString(),
    };
    await new Promise((r) => setTimeout(r, 1200));
    const imported = await world.admin.sendText<{ inserted: number; errors: unknown[] }>(
      'POST',
      '/api/admin/calls/import',
      `${JSON.stringify(line)}\n`,
      'application/x-ndjson',
    );
    expect(imported.body).toMatchObject({ inserted: 1, errors: [] });

    const digits = caller.slice(-10);
    const inHome = await eventually(
      () => callsOn(home.id, `range=day&q=${digits}`),
      (p) => p.items.length === 1,
    );
    expect(inHome.items).toHaveLength(1);
    expect((await callsOn(other.id, `range=day&q=${digits}`)).items).toHaveLength(0);
    // History before the unassignment stays with the second org.
    expect((await numberStats(other.id))?.offered).toBe(before?.offered);
    expect(pageErrors).toEqual([]);
  });
});
