// An org's audit log in the app: its admin sees the org's changes (and no other org's), pages through them;
// an agent is neither offered the screen nor let in; a refusal by the server shows as no access.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditPage, Me, Org } from '../web/src/api/types.js';
import { formatDateTime } from '../web/src/metrics/format.js';
import { type ApiClient, eventually, sessionClient } from './support/api.js';
import { screenshots } from './support/browser.js';
import type { DemoUser } from './support/server.js';
import { createWorld, type World } from './support/world.js';

// The screen's page size (AUDIT_PAGE_SIZE in web/src/pages/audit/entries.ts, whose extensionless imports
// Node's resolution refuses); a changed size fails the first-page count below rather than passing untested.
const AUDIT_PAGE_SIZE = 50;

let world: World;
let page: Page;
let pageErrors: string[];
let owner: DemoUser;
let ownerApi: ApiClient;
let org: Org;
let otherOrg: Org;

const auditTable = () => page.getByTestId('audit-table');
const rows = () => auditTable().locator('tbody tr');
const actionsOf = (table: Locator) => table.locator('tbody tr td:nth-child(2)').allTextContents();

/** Every entry of the org, as its admin reads them through the API (well under the API's 500 limit). */
async function orgLog(): Promise<AuditPage> {
  const res = await ownerApi.get<AuditPage>(`/api/orgs/${org.id}/audit?limit=500`);
  expect(res.status).toBe(200);
  expect(res.body.nextCursor).toBeNull();
  return res.body;
}

describe("an org's audit log", () => {
  beforeAll(async () => {
    world = await createWorld();
    ({ user: owner, org } = world.demoMember('org_admin of '));
    otherOrg = world.otherOrg(org);
    ownerApi = await sessionClient(world.server.baseUrl, owner.email, owner.password);
    ({ page, pageErrors } = await world.signedInPage(owner));
  });
  afterAll(async () => {
    await world?.close();
  });

  it("shows the admin's settings change with who made it, in the org's zone, and nothing of another org", async () => {
    // Given a settings change in the admin's org, and one by the platform admin in another org.
    expect(org.slThresholdSeconds).not.toBe(27);
    const own = await ownerApi.send('PATCH', `/api/orgs/${org.id}`, { slThresholdSeconds: 27 });
    expect(own.status).toBe(200);
    const foreign = await world.admin.send('PATCH', `/api/orgs/${otherOrg.id}`, { slThresholdSeconds: 33 });
    expect(foreign.status).toBe(200);
    // The other org's entry exists, so its absence below is the org scoping at work.
    const foreignLog = await world.admin.get<AuditPage>(`/api/admin/audit?orgId=${otherOrg.id}&action=org.settings`);
    expect(foreignLog.body.entries.map((e) => e.targetId)).toContain(otherOrg.id);
    const log = await orgLog();
    expect(log.entries.length).toBeLessThan(AUDIT_PAGE_SIZE);
    const change = log.entries.find((e) => e.action === 'org.settings' && e.actor.email === owner.email);
    if (!change) throw new Error(`the org's log has no org.settings entry by ${owner.email}`);

    // When the admin opens the audit log from the org's navigation.
    await page.goto(`/orgs/${org.id}`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Org audit log' }).click();
    await page.waitForURL(`**/orgs/${org.id}/audit`);

    // Then the change is listed with its action, actor, target, time (in the org's zone) and details.
    const row = rows().filter({ hasText: 'org.settings' }).filter({ hasText: owner.email });
    await expect.poll(() => row.count()).toBe(1);
    // The target by its name, not its id.
    expect(await row.locator('td').nth(3).textContent()).toBe(`org ${org.name}`);
    expect(await auditTable().locator('thead th').first().textContent()).toBe(`When (${org.timezone})`);
    expect(await row.locator('td').first().textContent()).toBe(formatDateTime(change.at, org.timezone, true));
    const summary = row.locator('summary');
    expect(await summary.textContent()).toBe(`slThresholdSeconds: ${org.slThresholdSeconds} → 27`);
    await summary.click();
    const details = JSON.parse((await row.locator('pre').textContent()) ?? '{}');
    expect(details.after).toMatchObject({ id: org.id, slThresholdSeconds: 27 });

    // And exactly the org's own entries, none from the other org.
    await expect.poll(() => rows().count()).toBe(log.entries.length);
    expect(await actionsOf(auditTable())).toEqual(log.entries.map((e) => e.action));
    expect(await auditTable().textContent()).not.toContain(otherOrg.id);
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    await screenshots(page, 'org-audit');
    expect(pageErrors).toEqual([]);
  });

  it('filters by an action prefix', async () => {
    // Given a membership change beside the settings changes.
    const added = await ownerApi.send('POST', `/api/orgs/${org.id}/members`, {
      email: 'audit-e2e-newcomer@harbor.example',
      role: 'agent',
    });
    expect(added.status).toBe(201);
    const log = await orgLog();
    const memberEntries = log.entries.filter((e) => e.action.startsWith('member.'));
    // The filter must narrow the list, or this would pass without filtering.
    expect(memberEntries.map((e) => e.action)).toContain('member.invite');
    expect(memberEntries.length).toBeLessThan(log.entries.length);

    await page.reload();
    await expect.poll(() => rows().count()).toBe(log.entries.length);
    await page.getByLabel('Action').fill('member.');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => actionsOf(auditTable())).toEqual(memberEntries.map((e) => e.action));
    // The invitation is named by the address it went to, not by id.
    const addRow = rows().filter({ hasText: 'member.invite' });
    await expect
      .poll(() => addRow.locator('td').nth(3).textContent())
      .toBe('invitation audit-e2e-newcomer@harbor.example');

    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows().count()).toBe(log.entries.length);
    expect(pageErrors).toEqual([]);
  });

  it('pages through more entries than fit on one page with Load more', async () => {
    // Given more entries than one page: settings changes that alternate, so each one is a real change.
    const start = (await orgLog()).entries.length;
    for (let i = 0; i < AUDIT_PAGE_SIZE + 5 - start; i++) {
      const res = await ownerApi.send('PATCH', `/api/orgs/${org.id}`, { shortAbandonSeconds: 41 + (i % 2) });
      expect(res.status).toBe(200);
    }
    const log = await orgLog();
    expect(log.entries.length).toBe(AUDIT_PAGE_SIZE + 5);

    // When the screen loads, it shows one page and says more are available.
    await page.reload();
    await expect.poll(() => rows().count()).toBe(AUDIT_PAGE_SIZE);
    const entries = page.getByRole('region', { name: 'Entries' });
    expect(await entries.locator('.card-subtitle').textContent()).toBe(
      `${AUDIT_PAGE_SIZE} entries shown — more available`,
    );

    // Then "Load more" brings the rest, each once, newest first, and the button goes.
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rows().count()).toBe(log.entries.length);
    expect(await actionsOf(auditTable())).toEqual(log.entries.map((e) => e.action));
    expect(await rows().last().locator('td').first().textContent()).toBe(
      formatDateTime(log.entries.at(-1)?.at, org.timezone, true),
    );
    expect(await entries.locator('.card-subtitle').textContent()).toBe(
      `${log.entries.length} entries shown — that is all of them`,
    );
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('is not offered to an agent, and its address shows the no-access state', async () => {
    const agent = world.demoUser('agent of ');
    expect(agent.role).toBe(`agent of ${org.name}`);
    const agentApi = await sessionClient(world.server.baseUrl, agent.email, agent.password);
    expect((await agentApi.get(`/api/orgs/${org.id}/audit`)).status).toBe(403);

    const tab = await world.signedInPage(agent);
    await tab.page.goto(`/orgs/${org.id}/calls`);
    const nav = tab.page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Calls' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Org audit log' }).count()).toBe(0);

    await tab.page.goto(`/orgs/${org.id}/audit`);
    const forbidden = tab.page.getByTestId('forbidden');
    await forbidden.waitFor();
    expect(await forbidden.textContent()).toContain('The audit log is for accounts with a different role.');
    expect(await tab.page.getByTestId('audit-table').count()).toBe(0);
    expect(tab.pageErrors).toEqual([]);
    await tab.context.close();
  });

  it('shows the no-access state when the server refuses an admin who lost the role since the page loaded', async () => {
    const me = await ownerApi.get<Me>('/api/me');
    const ownerId = me.body.user?.id;
    if (!ownerId) throw new Error('/api/me has no user for the org admin');
    await page.getByRole('heading', { name: 'Audit log', exact: true }).waitFor();

    // Given the platform admin demotes the org admin while their audit screen is open.
    const demoted = await world.admin.send('PATCH', `/api/admin/orgs/${org.id}/members/${ownerId}`, {
      role: 'org_manager',
    });
    expect(demoted.status).toBe(200);
    try {
      const refused = await eventually(
        () => ownerApi.get(`/api/orgs/${org.id}/audit`),
        (r) => r.status === 403,
      );
      expect(refused.status).toBe(403);

      // When the screen asks the server again (new filters), the 403 shows as no access, not as an error.
      await page.getByLabel('Action').fill('api_key.');
      await page.getByRole('button', { name: 'Apply' }).click();
      const forbidden = page.getByTestId('forbidden');
      await forbidden.waitFor();
      expect(await forbidden.textContent()).toContain('This audit log is for accounts with a different role.');
      expect(await auditTable().count()).toBe(0);
    } finally {
      const restored = await world.admin.send('PATCH', `/api/admin/orgs/${org.id}/members/${ownerId}`, {
        role: 'org_admin',
      });
      expect(restored.status).toBe(200);
    }
    expect(pageErrors).toEqual([]);
  });
});
