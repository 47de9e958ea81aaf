// Issue 21, the small things: tab titles name the page and org; the chart legend always carries figures; the
// time-zone list offers canonical IANA names (an older stored name stays accepted); phone numbers read as people
// write them, E.164 on hover.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallItem, NumberStats, Org, Series } from '../web/src/api/types.js';
import { formatPhone } from '../web/src/metrics/phone.js';
import type { ApiClient } from './support/api.js';
import type { TrackedPage } from './support/browser.js';
import { createWorld, type World } from './support/world.js';

let world: World;
let tab: TrackedPage;
let page: Page;
let org: Org;
let api: ApiClient;

const title = () => page.evaluate(() => document.title);

describe('titles, chart legend, time zones and phone numbers', () => {
  beforeAll(async () => {
    world = await createWorld();
    org = world.demoMember('org_admin of ').org;
    api = world.admin;
    tab = await world.signedInPage(world.server.admin);
    page = tab.page;
  });
  afterAll(async () => {
    await world?.close();
  });

  it('names each page, and its org, in the tab title', async () => {
    const orgPages = [
      ['', 'Dashboard'],
      ['/calls', 'Calls'],
      ['/live', 'Live wallboard'],
      ['/settings', 'Org settings'],
      ['/audit', 'Org audit log'],
    ] as const;
    for (const [path, name] of orgPages) {
      await page.goto(`/orgs/${org.id}${path}`);
      await expect.poll(title).toBe(`${name} · ${org.name} · VictorySync`);
    }
    await page.goto('/admin/users');
    await expect.poll(title).toBe('Users · VictorySync');
    await page.goto('/admin/numbers');
    await expect.poll(title).toBe('Phone numbers · VictorySync');
    const signedOut = await world.browser.newPage({ baseURL: world.server.baseUrl });
    await signedOut.goto('/sign-in');
    await expect.poll(() => signedOut.evaluate(() => document.title)).toBe('Sign in · VictorySync');
    await signedOut.close();
  });

  it("reads the range's totals in the chart legend, and a bucket's figures under the pointer", async () => {
    await page.goto(`/orgs/${org.id}?range=month`);
    const series = await api.get<Series>(`/api/calls/series?org_id=${org.id}&range=month`);
    expect(series.status).toBe(200);
    const points = series.body.points;
    const legend = page.getByTestId('calls-chart-legend');
    const figure = (key: string) => legend.getByTestId(`legend-${key}`).locator('strong').textContent();
    const total = (key: 'answered' | 'missed' | 'voicemail') =>
      points.reduce((sum, p) => sum + p[key], 0).toLocaleString('en-US');
    await expect.poll(() => legend.getAttribute('data-bucket')).toBe('total');
    expect(await legend.locator('.chart-legend-when').textContent()).toBe('Range total');
    for (const key of ['answered', 'missed', 'voicemail'] as const) expect(await figure(key)).toBe(total(key));

    // Pointing at one bar: the legend names that bucket as the chart's table does, with that bucket's figures.
    const index = points.findIndex((p) => p.answered + p.missed + p.voicemail > 0);
    expect(index).toBeGreaterThanOrEqual(0);
    const over = page.getByTestId('calls-chart').locator('.u-over');
    const box = await over.boundingBox();
    if (!box) throw new Error('the chart has no plot area');
    await page.mouse.move(box.x + ((index + 0.5) * box.width) / points.length, box.y + box.height / 2);
    await expect.poll(() => legend.getAttribute('data-bucket')).toBe(String(index));
    const tableRow = page.getByTestId('calls-chart-table').locator('tbody tr').nth(index);
    expect(await legend.locator('.chart-legend-when').textContent()).toBe(
      await tableRow.locator('td').first().textContent(),
    );
    const point = points[index];
    if (!point) throw new Error('no point');
    for (const key of ['answered', 'missed', 'voicemail'] as const) {
      expect(await figure(key)).toBe(point[key].toLocaleString('en-US'));
    }
    expect(tab.pageErrors).toEqual([]);
  });

  it('offers canonical time-zone names, readably, and keeps an older stored name', async () => {
    const select = () => page.getByLabel('Time zone', { exact: true });
    const options = () =>
      select()
        .locator('option')
        .evaluateAll((els) =>
          els.map((o) => ({ value: o instanceof HTMLOptionElement ? o.value : '', label: o.textContent ?? '' })),
        );
    await page.goto(`/orgs/${org.id}/settings`);
    await expect.poll(async () => (await options()).length).toBeGreaterThan(100);
    const offered = await options();
    const values = offered.map((o) => o.value);
    expect(values).toEqual(expect.arrayContaining(['Asia/Kolkata', 'Europe/Kyiv', 'America/New_York', 'UTC']));
    expect(values).not.toContain('Asia/Calcutta');
    expect(values).not.toContain('Europe/Kiev');
    // Each label starts with the exact name it saves, then says it plainly.
    for (const o of offered) expect(o.label.startsWith(o.value)).toBe(true);
    expect(offered.find((o) => o.value === 'America/New_York')?.label).toMatch(
      /^America\/New_York — New York, UTC-0[45]:00$/,
    );
    expect(await select().inputValue()).toBe(org.timezone);

    try {
      // An org saved earlier under an old name: the server still takes it, the form offers it and keeps it.
      const old = await api.send('PATCH', `/api/orgs/${org.id}/settings`, { timezone: 'Asia/Calcutta' });
      expect(old.status).toBe(200);
      await page.reload();
      await expect.poll(() => select().inputValue()).toBe('Asia/Calcutta');
      expect(await select().locator('option:checked').textContent()).toBe('Asia/Calcutta (old name of Asia/Kolkata)');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByText('Settings saved').first().waitFor();
      expect((await api.get<{ org: Org }>(`/api/orgs/${org.id}`)).body.org.timezone).toBe('Asia/Calcutta');

      // A canonical name the list offers is saved as it is, and the dashboard's figures are computed in it.
      await select().selectOption('Europe/Kyiv');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await expect
        .poll(async () => (await api.get<{ org: Org }>(`/api/orgs/${org.id}`)).body.org.timezone)
        .toBe('Europe/Kyiv');
      expect((await api.get(`/api/metrics/kpis?org_id=${org.id}&range=week`)).status).toBe(200);
    } finally {
      await api.send('PATCH', `/api/orgs/${org.id}/settings`, { timezone: org.timezone });
    }
    expect(tab.pageErrors).toEqual([]);
  });

  it('writes phone numbers in their national format, with E.164 on hover', async () => {
    await page.goto(`/orgs/${org.id}?range=month`);
    const numbers = await api.get<{ items: NumberStats[] }>(`/api/metrics/numbers?org_id=${org.id}&range=month`);
    const recent = await api.get<{ items: CallItem[] }>(`/api/calls/recent?org_id=${org.id}&limit=20`);
    expect(numbers.body.items.length).toBeGreaterThan(0);
    const shown = (testId: string) =>
      page
        .getByTestId(testId)
        .locator('.phone')
        .evaluateAll((els) => els.map((el) => ({ text: el.textContent, title: el.getAttribute('title') })));

    await expect.poll(async () => (await shown('number-table')).length).toBe(numbers.body.items.length);
    const numberCells = await shown('number-table');
    expect(numberCells.map((c) => c.title).sort()).toEqual(numbers.body.items.map((n) => n.e164).sort());
    for (const c of numberCells) expect(c.text).toBe(formatPhone(c.title ?? ''));
    // The demo's numbers are North American: "(212) 555-0141".
    for (const c of numberCells) if (c.title?.startsWith('+1')) expect(c.text).toMatch(/^\(\d{3}\) \d{3}-\d{4}$/);

    const expected = recent.body.items.flatMap((call) => [call.fromNumber, call.toNumber]).filter((n) => n !== null);
    await expect.poll(async () => (await shown('recent-table')).map((c) => c.title)).toEqual(expected);
    for (const c of await shown('recent-table')) expect(c.text).toBe(formatPhone(c.title ?? ''));
    expect(tab.pageErrors).toEqual([]);
  });
});
