// Issue 21, defect 5: when a new range cannot load (offline, or the API fails), the dashboard says so and never
// shows the previous range's figures as if they were the new one's.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kpis, Org } from '../web/src/api/types.js';
import type { TrackedPage } from './support/browser.js';
import { openAdminSession, type World } from './support/world.js';

let world: World;
let tab: TrackedPage;
let page: Page;
let org: Org;

const offered = () => page.getAttribute('[data-testid="kpi-value-offeredCalls"]', 'data-value');
const status = () => page.getByTestId('range-status');
const figures = () => page.getByTestId('range-figures');

async function offeredFor(range: string): Promise<string> {
  const api = await world.admin.get<Kpis>(`/api/metrics/kpis?org_id=${org.id}&range=${range}`);
  expect(api.status).toBe(200);
  return String(api.body.metrics.offeredCalls);
}

async function chooseRange(label: string) {
  await page.getByRole('group', { name: 'Date range' }).getByRole('button', { name: label, exact: true }).click();
}

describe('dashboard range that cannot load', () => {
  beforeAll(async () => {
    ({ world, org, tab } = await openAdminSession());
    page = tab.page;
    await page.goto(`/orgs/${org.id}`);
  });
  afterAll(() => world?.close());

  it('offline: the figures on screen are dimmed and named as the old range, and the new range loads once back online', async () => {
    const today = await offeredFor('day');
    const month = await offeredFor('month');
    expect(month).not.toBe(today);
    await expect.poll(offered, { timeout: 15_000 }).toBe(today);
    expect(await status().count()).toBe(0);

    await tab.context.setOffline(true);
    try {
      await chooseRange('30 days');
      await expect.poll(() => status().getAttribute('data-kind')).toBe('offline');
      const text = await status().textContent();
      expect(text).toContain('You are offline: 30 days has not loaded.');
      expect(text).toContain('The dimmed figures below are for Today.');
      expect(await figures().getAttribute('data-stale')).toBe('true');
      // Today's figures, kept dimmed, and the period line no longer claims a range for them.
      expect(await offered()).toBe(today);
      expect(await page.getByTestId('range-label').count()).toBe(0);
    } finally {
      await tab.context.setOffline(false);
    }
    await expect.poll(offered, { timeout: 15_000 }).toBe(month);
    await expect.poll(() => status().count()).toBe(0);
    expect(await figures().getAttribute('data-stale')).toBeNull();
    expect(tab.pageErrors).toEqual([]);
  });

  it('a range the API fails to give: said in words with Retry, no other range’s figures, and Retry loads it', async () => {
    const week = await offeredFor('week');
    const failing = (url: URL) => url.pathname.startsWith('/api/') && url.searchParams.get('range') === 'week';
    await page.route(failing, (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'unavailable', message: 'The service is briefly unavailable.' } }),
      }),
    );
    await chooseRange('7 days');
    await expect.poll(() => status().getAttribute('data-kind'), { timeout: 20_000 }).toBe('failed');
    expect(await status().textContent()).toContain('7 days failed to load.');
    // No KPI figure is left on screen under the new label: the KPI row says it could not load.
    expect(await page.locator('[data-testid^="kpi-value-"]').count()).toBe(0);
    expect(await page.getByText('Could not load the KPIs.').count()).toBe(1);

    await page.unroute(failing);
    await status().getByRole('button', { name: 'Retry' }).click();
    await expect.poll(offered, { timeout: 15_000 }).toBe(week);
    await expect.poll(() => status().count()).toBe(0);
    expect(tab.pageErrors).toEqual([]);
  });
});
