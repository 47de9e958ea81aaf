// Issue 6: the call log pages through every call, filters, exports the filtered set as CSV, opens a call; screenshots.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallPage, Org } from '../web/src/api/types.js';
import { screenshots } from './support/browser.js';
import { openAdminSession, type World } from './support/world.js';

let world: World;
let page: Page;
let pageErrors: string[];
let org: Org;

const rows = () => page.locator('[data-testid="calls-table"] tbody tr');

/** Every call the API returns for a query, following nextCursor to the end. */
async function allCalls(query: string): Promise<CallPage['items']> {
  const items: CallPage['items'] = [];
  let cursor: string | null = null;
  do {
    const page: { body: CallPage } = await world.admin.get<CallPage>(
      `/api/calls?org_id=${org.id}&${query}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

describe('call log', () => {
  beforeAll(async () => {
    const session = await openAdminSession();
    ({ world, org } = session);
    ({ page, pageErrors } = session.tab);
  });
  afterAll(() => world?.close());

  it('pages through every call of the range with "Load more", in the API order', async () => {
    const expected = await allCalls('range=week');
    expect(expected.length).toBeGreaterThan(100);
    await page.goto(`/orgs/${org.id}/calls?range=week`);
    await expect.poll(() => rows().count()).toBe(100);
    const more = page.getByRole('button', { name: 'Load more' });
    while ((await rows().count()) < expected.length) {
      const shown = await rows().count();
      await more.click();
      await expect.poll(() => rows().count()).toBeGreaterThan(shown);
    }
    expect(await rows().count()).toBe(expected.length);
    expect(await more.count()).toBe(0);
    const links = await page
      .locator('[data-testid="calls-table"] tbody tr td:first-child a')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')?.split('/').pop()));
    expect(links).toEqual(expected.map((c) => c.id));
    await screenshots(page, 'call-log');
  });

  it('filters by status and exports exactly the filtered set as CSV', async () => {
    const expected = await allCalls('range=week&status=missed');
    await page.goto(`/orgs/${org.id}/calls?range=week`);
    await page.getByLabel('Status').selectOption('missed');
    const statuses = async () => [
      ...new Set(await page.locator('[data-testid="calls-table"] tbody .pill').allTextContents()),
    ];
    await expect.poll(statuses).toEqual(['missed']);
    expect(await rows().count()).toBe(Math.min(100, expected.length));

    const href = await page.getByTestId('csv-export').getAttribute('href');
    expect(href).toContain('format=csv');
    expect(href).toContain('status=missed');
    const csv = await world.admin.get<string>(href ?? '');
    expect(csv.status).toBe(200);
    const lines = csv.body.trim().split(/\r?\n/);
    expect(lines.length - 1).toBe(expected.length);
  });

  it('opens a call with its timeline and agent', async () => {
    const [call] = (await world.admin.get<CallPage>(`/api/calls?org_id=${org.id}&range=week&status=answered&limit=1`))
      .body.items;
    if (!call) throw new Error('no answered call in the demo week');
    await page.goto(`/orgs/${org.id}/calls/${call.id}`);
    const timeline = page.getByRole('list', { name: 'Call timeline' });
    await expect.poll(() => timeline.textContent()).toContain('Answered');
    expect(await page.locator('.definition-list').textContent()).toContain(
      call.agentName ?? `Ext. ${call.agentExtension}`,
    );
    expect(pageErrors).toEqual([]);
  });
});
