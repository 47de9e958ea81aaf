// Issue 6 acceptance: the dashboard shows the API's figures for the chosen range, the right buckets, agent names.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallItem, ClientMetrics, Kpis, Org, Series } from '../web/src/api/types.js';
import { DASHBOARD_KPIS } from '../web/src/metrics/definitions.js';
import { screenshots, type TrackedPage } from './support/browser.js';
import { openAdminSession, type World } from './support/world.js';

/** A KPI's name in /api/client-metrics, the first release's snake_case form the integrations read. */
const v1Name = (field: string) =>
  field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) as keyof ClientMetrics['metrics'];
const RANGES = [
  { button: 'Today', range: 'day', buckets: [23, 24, 25] },
  { button: '7 days', range: 'week', buckets: [7] },
  { button: '30 days', range: 'month', buckets: [30] },
  { button: '12 months', range: 'year', buckets: [12, 13] }, // 13 when the 12 months start and end mid-month
] as const;

let world: World;
let tab: TrackedPage;
let page: Page;
let org: Org;

const kpiValue = (field: string) => page.getAttribute(`[data-testid="kpi-value-${field}"]`, 'data-value');
const asAttr = (v: unknown) => (v === null || v === undefined ? '' : String(v));

async function chooseRange(label: string) {
  await page.getByRole('group', { name: 'Date range' }).getByRole('button', { name: label, exact: true }).click();
}

describe('org dashboard', () => {
  beforeAll(async () => {
    ({ world, org, tab } = await openAdminSession());
    page = tab.page;
    await page.goto(`/orgs/${org.id}`);
  });
  afterAll(() => world?.close());

  it('shows each KPI exactly as the API computes it, for every range, and the chart has one bar per local bucket', async () => {
    const seen: Record<string, string> = {};
    for (const r of RANGES) {
      await chooseRange(r.button);
      const api = await world.admin.get<Kpis>(`/api/metrics/kpis?org_id=${org.id}&range=${r.range}`);
      expect(api.status).toBe(200);
      // The integrations' endpoint answers the same figures under their first-release names.
      const v1 = await world.admin.get<ClientMetrics>(`/api/client-metrics?org_id=${org.id}&range=${r.range}`);
      for (const field of DASHBOARD_KPIS) {
        await expect.poll(() => kpiValue(field), { timeout: 15_000 }).toBe(asAttr(api.body.metrics[field]));
        expect(v1.body.metrics[v1Name(field)]).toBe(api.body.metrics[field]);
      }
      // The formatted text carries the same figure.
      const offered = await page.getByTestId('kpi-value-offeredCalls').textContent();
      expect(offered).toBe(api.body.metrics.offeredCalls.toLocaleString('en-US'));
      const rate = api.body.metrics.answerRatePct;
      expect(await page.getByTestId('kpi-value-answerRatePct').textContent()).toBe(
        rate === null ? '—' : `${rate.toFixed(1)}%`,
      );
      seen[r.range] = asAttr(api.body.metrics.offeredCalls);

      const series = await world.admin.get<Series>(`/api/calls/series?org_id=${org.id}&range=${r.range}`);
      expect(r.buckets).toContain(series.body.points.length);
      await expect
        .poll(() => page.getAttribute('[data-testid="calls-chart"]', 'data-buckets'))
        .toBe(String(series.body.points.length));
      await expect
        .poll(() => page.locator('[data-testid="calls-chart-table"] tbody tr').count())
        .toBe(series.body.points.length);
    }
    // Switching the range changed the figures on screen (the demo history is longer than a day).
    expect(seen.week).not.toBe(seen.day);
    expect(seen.year).not.toBe(seen.week);
    expect(tab.pageErrors).toEqual([]);
  });

  it('shows the change vs the previous period, and hides it when compare is off', async () => {
    await chooseRange('7 days');
    const api = await world.admin.get<Kpis>(`/api/metrics/kpis?org_id=${org.id}&range=week`);
    expect(api.body.previous).not.toBeNull();
    await expect(page.getByTestId('kpi-change-offeredCalls').textContent()).resolves.toContain('vs previous period');
    await page.getByLabel('Compare with previous period').uncheck();
    await expect.poll(() => page.getByTestId('kpi-change-offeredCalls').count()).toBe(0);
    await page.getByLabel('Compare with previous period').check();
    await expect.poll(() => page.getByTestId('kpi-change-offeredCalls').count()).toBe(1);
  });

  it('labels recent activity with agent names where the extension is known', async () => {
    const recent = await world.admin.get<{ items: CallItem[] }>(`/api/calls/recent?org_id=${org.id}&limit=20`);
    const named = recent.body.items.filter((c) => c.agentName);
    expect(named.length).toBeGreaterThan(0);
    const expected = recent.body.items.map((c) => c.agentName ?? (c.agentExtension ? `Ext. ${c.agentExtension}` : '—'));
    await expect
      .poll(() => page.locator('[data-testid="recent-table"] [data-testid="agent-name"]').allTextContents(), {
        timeout: 15_000,
      })
      .toEqual(expected);
  });

  it('on a phone lists the five latest calls, and the rest on request; queues and agents are tables at 1440', async () => {
    const recent = await world.admin.get<{ items: CallItem[] }>(`/api/calls/recent?org_id=${org.id}&limit=20`);
    expect(recent.body.items.length).toBeGreaterThan(5);
    const agents = page.locator('[data-testid="recent-table"] [data-testid="agent-name"]');
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => agents.count()).toBe(5);
    const more = page.getByRole('button', { name: `Show ${recent.body.items.length - 5} more` });
    await more.click();
    await expect.poll(() => agents.count()).toBe(recent.body.items.length);
    await page.setViewportSize({ width: 1440, height: 900 });
    // Unexpanded again for the tests after this one (the screenshots show the phone as it opens).
    await page.reload();
    // Full width, the queue summary and the agents fit their cards as tables (no list fallback).
    for (const name of ['Queues', 'Agents']) {
      const card = page.getByRole('region', { name, exact: true });
      await expect.poll(() => card.locator('.table-wrap').getAttribute('data-layout')).toBe('table');
    }
  });

  it('writes dashboard screenshots at 1440×900 and 390×844', async () => {
    await chooseRange('30 days');
    await page.getByTestId('calls-chart').waitFor();
    const files = await screenshots(page, 'dashboard');
    expect(files).toHaveLength(2);
    expect(tab.pageErrors).toEqual([]);
  });
});
