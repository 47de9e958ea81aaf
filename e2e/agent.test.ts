// Issue 6 acceptance: an agent sees their own org's dashboard and calls only; admin screens are neither offered nor open.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallPage, Org } from '../web/src/api/types.js';
import { type ApiClient, sessionClient } from './support/api.js';
import { openPage } from './support/browser.js';
import { createWorld, type World } from './support/world.js';

let world: World;
let page: Page;
let pageErrors: string[];
let own: Org;
let foreign: Org;
let agentApi: ApiClient;

describe('an agent user', () => {
  beforeAll(async () => {
    world = await createWorld();
    const { user: agent, org } = world.demoMember('agent of ');
    own = org;
    foreign = world.otherOrg(own);
    agentApi = await sessionClient(world.server.baseUrl, agent.email, agent.password);
    ({ page, pageErrors } = await world.signedInPage(agent));
  });
  afterAll(async () => {
    await world?.close();
  });

  it("lands on their org's dashboard, can switch to no other org, and is offered no admin screens", async () => {
    await page.waitForURL(`**/orgs/${own.id}`);
    await page.getByTestId('kpi-value-offeredCalls').waitFor();
    const options = await page.getByTestId('org-switcher').locator('option').allTextContents();
    expect(options).toEqual([own.name]);
    expect(await page.getByTestId('admin-nav').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Org settings' }).count()).toBe(0);
  });

  it("sees their org's call log", async () => {
    const api = await agentApi.get<CallPage>(`/api/calls?org_id=${own.id}&range=week&limit=100`);
    expect(api.status).toBe(200);
    await page.goto(`/orgs/${own.id}/calls?range=week`);
    await expect.poll(() => page.locator('[data-testid="calls-table"] tbody tr').count()).toBe(api.body.items.length);
  });

  it('is refused admin routes and other orgs, in the app and by the API', async () => {
    for (const path of ['/admin/orgs', '/admin/users', `/orgs/${foreign.id}`, `/orgs/${own.id}/settings`]) {
      await page.goto(path);
      await page.getByTestId('forbidden').waitFor();
    }
    expect((await agentApi.get('/api/admin/orgs')).status).toBe(403);
    expect((await agentApi.get('/api/admin/phone-numbers')).status).toBe(403);
    expect((await agentApi.get(`/api/orgs/${own.id}/api-keys`)).status).toBe(403);
    expect([403, 404]).toContain((await agentApi.get(`/api/client-metrics?org_id=${foreign.id}&range=week`)).status);
    expect([403, 404]).toContain((await agentApi.get(`/api/calls?org_id=${foreign.id}&range=week`)).status);
    expect((await agentApi.get(`/api/client-metrics?org_id=${own.id}&range=week`)).status).toBe(200);
    expect(pageErrors).toEqual([]);
  });

  it('is told in words when sign-in fails, and signing out ends the session', async () => {
    const fresh = await openPage(world.browser, world.server.baseUrl);
    await fresh.page.goto('/');
    await fresh.page.waitForURL('**/sign-in**');
    await fresh.page.getByLabel('Email').fill(world.demoUser('agent of ').email);
    await fresh.page.getByLabel('Password').fill('not-the-password');
    await fresh.page.getByRole('button', { name: 'Sign in' }).click();
    const alert = fresh.page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('Sign-in failed.');
    expect((await alert.textContent())?.length).toBeGreaterThan('Sign-in failed. '.length);
    await fresh.context.close();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in**');
    await page.goto(`/orgs/${own.id}`);
    await page.waitForURL('**/sign-in**');
    expect(pageErrors).toEqual([]);
  });
});
