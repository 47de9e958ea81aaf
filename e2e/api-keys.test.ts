// Issue 6 acceptance: an org admin creates an org API key in settings, sees it once, uses it, revokes it → 401.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientMetrics, Org } from '../web/src/api/types.js';
import { eventually, keyClient } from './support/api.js';
import { screenshots } from './support/browser.js';
import { createWorld, type World } from './support/world.js';

let world: World;
let page: Page;
let pageErrors: string[];
let org: Org;
let otherOrg: Org;

describe('org API keys', () => {
  beforeAll(async () => {
    world = await createWorld();
    const owner = world.demoMember('org_admin of ');
    org = owner.org;
    otherOrg = world.otherOrg(org);
    ({ page, pageErrors } = await world.signedInPage(owner.user));
  });
  afterAll(async () => {
    await world?.close();
  });

  it('shows a new key once; the key reads its own org only; revoking it in the UI makes it 401', async () => {
    await page.goto(`/orgs/${org.id}/settings`);
    const form = page.getByRole('form', { name: 'Create an API key' });
    await form.getByLabel('Name').fill('Nightly report');
    await form.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByTestId('created-key-dialog');
    const key = (await dialog.getByTestId('created-key').textContent()) ?? '';
    expect(key).toMatch(/^vs_org_/);
    expect(await dialog.getByRole('button', { name: 'Copy' }).isVisible()).toBe(true);
    await dialog.getByRole('button', { name: 'I have stored it safely' }).click();

    // Listed by its prefix and last four, never in full — also after a reload.
    const table = page.getByTestId('api-keys-table');
    await expect.poll(() => table.textContent()).toContain('Nightly report');
    await page.reload();
    await expect.poll(() => table.textContent()).toContain(key.slice(-4));
    expect(await page.content()).not.toContain(key);
    await screenshots(page, 'api-keys');

    // The key reads its own org's metrics, and not another org's.
    const withKey = keyClient(world.server.baseUrl, key);
    const own = await withKey.get<ClientMetrics>(`/api/client-metrics?org_id=${org.id}&range=week`);
    expect(own.status).toBe(200);
    const viaAdmin = await world.admin.get<ClientMetrics>(`/api/client-metrics?org_id=${org.id}&range=week`);
    expect(own.body.metrics).toEqual(viaAdmin.body.metrics);
    const foreign = await withKey.get(`/api/client-metrics?org_id=${otherOrg.id}&range=week`);
    expect([403, 404]).toContain(foreign.status);

    // The list shows it was used.
    await page.reload();
    await expect.poll(() => table.locator('tr', { hasText: 'Nightly report' }).textContent()).not.toContain('Never');

    // Revoke with confirmation.
    await page.getByRole('button', { name: 'Revoke Nightly report' }).click();
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => table.locator('tr', { hasText: 'Nightly report' }).textContent()).toContain('revoked');
    const after = await eventually(
      () => withKey.get(`/api/client-metrics?org_id=${org.id}&range=week`),
      (r) => r.status === 401,
      3000,
    );
    expect(after.status).toBe(401);
    expect(pageErrors).toEqual([]);
  });
});
