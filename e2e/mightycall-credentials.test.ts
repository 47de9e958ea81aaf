// Issue 21, defect 6: "Connected" only once MightyCall accepted the keys; a refusal is shown in MightyCall's words,
// and a connection whose keys are refused says it needs new keys (its sync stopped) until they are saved.
import { DEMO_API_KEY, DEMO_USER_KEY } from '@victorysync/mightycall-sim';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrackedPage } from './support/browser.js';
import { createWorld, type World } from './support/world.js';

let world: World;
let tab: TrackedPage;
let page: Page;

async function simControl(method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${world.server.simUrl}/_sim${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`simulator ${method} ${path}: ${res.status} ${await res.text()}`);
}

describe('MightyCall credentials', () => {
  beforeAll(async () => {
    world = await createWorld();
    tab = await world.signedInPage(world.server.admin);
    page = tab.page;
    await page.goto('/admin/mightycall');
    await page.getByTestId('mightycall-connection').first().waitFor();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('refuses made-up keys with MightyCall’s answer, and connects nothing', async () => {
    const cards = await page.getByTestId('mightycall-connection').count();
    await page.getByLabel('Name', { exact: true }).fill('Made up');
    await page.getByLabel('Service').selectOption('custom');
    await page.getByLabel('Base URL').fill(world.server.simUrl);
    await page.getByLabel('API key', { exact: true }).fill('nope');
    await page.getByLabel('User key', { exact: true }).fill('nope');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();

    const alert = page.getByRole('alert').filter({ hasText: 'Not connected.' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('refused the API key or user key: "invalid_client"');
    expect(await page.getByText(/Connected “Made up”/).count()).toBe(0);
    await page.reload();
    await page.getByTestId('mightycall-connection').first().waitFor();
    expect(await page.getByTestId('mightycall-connection').count()).toBe(cards);
    expect(tab.pageErrors).toEqual([]);
  });

  it('a connection whose keys MightyCall refuses needs new keys, its sync stopped; saving them resumes it', async () => {
    // MightyCall starts refusing the demo account's keys (as after they were regenerated there).
    await simControl('POST', '/faults', {
      path: '/v4/auth/token',
      kind: 'status',
      status: 400,
      body: { error: 'invalid_client' },
    });
    const card = page.getByTestId('mightycall-connection').first();
    await card.getByRole('button', { name: 'Test credentials' }).click();
    const refused = card.getByTestId('credentials-refused');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('"invalid_client"');
    expect(await card.getByRole('button', { name: 'Sync now' }).isDisabled()).toBe(true);

    await simControl('DELETE', '/faults');
    await card.getByLabel('New API key').fill(DEMO_API_KEY);
    await card.getByLabel('New user key').fill(DEMO_USER_KEY);
    await card.getByRole('button', { name: 'Save keys' }).click();
    await expect.poll(() => refused.count()).toBe(0);
    expect(await card.getByRole('button', { name: 'Sync now' }).isDisabled()).toBe(false);
    expect(tab.pageErrors).toEqual([]);
  });
});
