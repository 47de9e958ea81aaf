// Issue 20 part 5: the platform admin's portfolio shows every org with the API's figures (each equal to the org's
// client-metrics today), sorts, filters, updates with an "as of" time, opens an org, and reads as a list on a phone.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientMetrics, Portfolio } from '../web/src/api/types.js';
import { DESKTOP, PHONE, screenshots, type TrackedPage } from './support/browser.js';
import { openAdminSession, type World } from './support/world.js';

let world: World;
let tab: TrackedPage;
let page: Page;

const FIELDS = [
  'offeredCalls',
  'answerRatePct',
  'serviceLevelPct',
  'waitingNow',
  'longestWaitNowSeconds',
  'alertsFiring',
] as const;
const asAttr = (v: number | null) => (v === null ? '' : String(v));
const rows = () => page.getByTestId('portfolio-table').locator('tbody tr');
const shownNames = () => page.getByTestId('portfolio-org').allTextContents();
const api = async (query = '') => {
  const res = await world.admin.get<Portfolio>(`/api/admin/portfolio${query}`);
  expect(res.status).toBe(200);
  return res.body;
};
/** Waits until the rows on screen are the API's orgs, in the API's order. */
const expectOrder = async (query: string) => {
  const names = (await api(query)).orgs.map((o) => o.name);
  await expect.poll(shownNames, { timeout: 15_000 }).toEqual(names);
};

describe('portfolio', () => {
  beforeAll(async () => {
    ({ world, tab } = await openAdminSession());
    page = tab.page;
  });
  afterAll(() => world?.close());

  it('is the platform admin’s landing page and first admin link', async () => {
    await page.goto('/admin');
    await page.waitForURL('**/admin/portfolio');
    await page.getByRole('heading', { name: 'Portfolio', level: 1 }).waitFor();
    const firstAdminLink = page.getByTestId('admin-nav').getByRole('link').first();
    expect(await firstAdminLink.textContent()).toBe('Portfolio');
  });

  it('shows every org worst first, each figure the API’s and each org’s today its client-metrics today', async () => {
    await page.goto('/admin/portfolio');
    const answer = await api();
    expect(answer.sort).toBe('worst');
    expect(answer.orgs.length).toBe(world.orgs.length);
    await expectOrder('');
    for (const org of answer.orgs) {
      const row = rows().filter({ has: page.getByRole('link', { name: org.name, exact: true }) });
      for (const field of FIELDS) {
        expect(await row.locator(`[data-field="${field}"]`).getAttribute('data-value'), `${org.name} ${field}`).toBe(
          asAttr(org[field]),
        );
      }
      const v1 = await world.admin.get<ClientMetrics>(`/api/client-metrics?org_id=${org.orgId}&range=day`);
      expect([org.offeredCalls, org.answerRatePct, org.serviceLevelPct], org.name).toEqual([
        v1.body.metrics.offered_calls,
        v1.body.metrics.answer_rate_pct,
        v1.body.metrics.service_level_pct,
      ]);
    }
    // The demo has calls today in at least one org, so the page is not all dashes.
    expect(answer.orgs.some((o) => o.offeredCalls > 0)).toBe(true);
    expect(tab.pageErrors).toEqual([]);
  });

  it('updates on its own and says as of when', async () => {
    await page.goto('/admin/portfolio');
    const asOf = page.getByTestId('portfolio-as-of');
    await expect.poll(() => asOf.textContent()).toMatch(/^As of \d\d:\d\d:\d\d$/);
    const first = await asOf.textContent();
    // Polled every 5 s: a newer "as of" arrives without any action.
    await expect.poll(() => asOf.textContent(), { timeout: 15_000 }).not.toBe(first);
  });

  it('sorts by a column header (worst of that column first, then turned around) and by the Sort by list', async () => {
    await page.goto('/admin/portfolio');
    await rows().first().waitFor();
    await page.getByRole('button', { name: 'Offered today' }).click();
    await page.waitForURL(/sort=-offeredCalls/);
    await expectOrder('?sort=-offeredCalls');
    expect(await page.getByRole('columnheader', { name: /Offered today/ }).getAttribute('aria-sort')).toBe(
      'descending',
    );
    await page.getByRole('button', { name: /Offered today/ }).click();
    await page.waitForURL(/sort=offeredCalls/);
    await expectOrder('?sort=offeredCalls');
    await page.getByRole('button', { name: 'Answer rate' }).click();
    await page.waitForURL(/sort=answerRatePct/);
    await expectOrder('?sort=answerRatePct');
    await page.getByLabel('Sort by').selectOption({ label: 'Name, Z to A' });
    await expectOrder('?sort=-name');
    const names = await shownNames();
    expect(names).toEqual([...names].sort((a, b) => b.localeCompare(a, 'en', { sensitivity: 'base' })));
    await page.getByRole('button', { name: 'Worst first' }).click();
    await expectOrder('');
    expect(new URL(page.url()).search).toBe('');
  });

  it('filters by name and says when nothing matches', async () => {
    await page.goto('/admin/portfolio');
    await rows().first().waitFor();
    const target = world.orgs[0];
    if (!target) throw new Error('no demo org');
    const part = target.name.split(' ')[0]?.toLowerCase() ?? target.name;
    await page.getByLabel('Filter by name').fill(part);
    await page.waitForURL(new RegExp(`q=${encodeURIComponent(part)}`));
    await expectOrder(`?q=${encodeURIComponent(part)}`);
    const shown = await shownNames();
    expect(shown).toContain(target.name);
    expect(shown.every((n) => n.toLowerCase().includes(part))).toBe(true);
    await page.getByLabel('Filter by name').fill('no such org zzz');
    await page.getByText('No organization’s name contains “no such org zzz”.').waitFor();
  });

  it('opens an org’s dashboard from its row', async () => {
    await page.goto('/admin/portfolio');
    const [worst] = (await api()).orgs;
    if (!worst) throw new Error('no org in the portfolio');
    await page.getByRole('link', { name: worst.name, exact: true }).click();
    await page.waitForURL(`**/orgs/${worst.orgId}`);
    await page.getByTestId('kpi-value-offeredCalls').waitFor();
    expect(tab.pageErrors).toEqual([]);
  });

  it('reads as a list of labelled values at 390×844 and writes screenshots at both sizes', async () => {
    await page.setViewportSize(PHONE);
    await page.goto('/admin/portfolio');
    await rows().first().waitFor();
    const phone = await page.evaluate(() => {
      const wrap = document.querySelector('[data-testid="portfolio-table"]')?.parentElement;
      const row = document.querySelector('[data-testid="portfolio-table"] tbody tr');
      const labels = Array.from(row?.querySelectorAll('td') ?? [], (td) =>
        getComputedStyle(td, '::before').content.replace(/^"|"$/g, ''),
      );
      return {
        layout: wrap?.dataset.layout,
        rowDisplay: row ? getComputedStyle(row).display : 'none',
        labels,
        pageWidth: document.documentElement.scrollWidth,
      };
    });
    expect(phone.layout).toBe('list');
    expect(phone.rowDisplay).toBe('block');
    expect(phone.labels).toEqual([
      'Organization',
      'Offered today',
      'Answer rate',
      'Service level vs target',
      'Waiting now',
      'Longest wait now',
      'Alerts firing',
      'Last 7 days',
    ]);
    expect(phone.pageWidth).toBeLessThanOrEqual(PHONE.width);
    // Sorting needs no header on a phone: the Sort by list is there.
    await page.getByLabel('Sort by').selectOption({ label: 'Name, A to Z' });
    await expectOrder('?sort=name');
    await page.setViewportSize(DESKTOP);
    const files = await screenshots(page, 'portfolio', () => rows().first().waitFor());
    expect(files).toHaveLength(2);
    expect(tab.pageErrors).toEqual([]);
  });
});
