// Issue 21, page speed: a cold dashboard load does not shift its layout as data replaces the placeholders
// (CLS ≤ 0.05 at 1440×900 and 390×844), and the web app's files arrive compressed.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Org } from '../web/src/api/types.js';
import { DESKTOP, PHONE } from './support/browser.js';
import { createWorld, type World } from './support/world.js';

/** Layout shifts (as Chrome scores them) summed from navigation on, with the elements that moved. */
const WATCH_SHIFTS = `
  window.__shifts = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.hadRecentInput) continue;
      const sources = (e.sources || []).map((s) => {
        const n = s.node;
        const name = n && n.nodeType === 1 ? n.tagName.toLowerCase() + (n.className ? '.' + String(n.className).split(' ').join('.') : '') + (n.dataset && n.dataset.testid ? '[' + n.dataset.testid + ']' : '') : String(n && n.nodeName);
        return name + ' ' + JSON.stringify(s.previousRect) + '→' + JSON.stringify(s.currentRect);
      });
      window.__shifts.push({ value: e.value, at: Math.round(e.startTime), sources });
    }
  }).observe({ type: 'layout-shift', buffered: true });
`;

interface Shift {
  value: number;
  at: number;
  sources: string[];
}

let world: World;
let browser: Browser;
let org: Org;
let cookie: { name: string; value: string };

describe('dashboard page speed', () => {
  beforeAll(async () => {
    world = await createWorld();
    browser = world.browser;
    const member = world.demoMember('org_admin of ');
    org = member.org;
    const res = await fetch(`${world.server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: world.server.baseUrl },
      body: JSON.stringify({ email: member.user.email, password: member.user.password }),
    });
    expect(res.status).toBe(200);
    const [name = '', value = ''] = (res.headers.getSetCookie()[0] ?? '').split(';')[0]?.split('=') ?? [];
    cookie = { name, value };
  });
  afterAll(() => world?.close());

  for (const viewport of [DESKTOP, PHONE]) {
    it(`keeps the layout still while a cold dashboard loads at ${viewport.width}×${viewport.height} (CLS ≤ 0.05)`, async () => {
      // A fresh context: nothing cached, the session cookie only, as a browser opening a bookmark.
      const context = await browser.newContext({ viewport, baseURL: world.server.baseUrl });
      try {
        await context.addCookies([{ ...cookie, url: world.server.baseUrl }]);
        await context.addInitScript(WATCH_SHIFTS);
        const page = await context.newPage();
        await page.goto(`/orgs/${org.id}`);
        // Everything the dashboard loads has replaced its placeholder.
        await page.getByTestId('kpi-value-offeredCalls').waitFor();
        await page.locator('.uplot').waitFor();
        for (const table of ['queue-table', 'agent-table', 'number-table']) {
          await page.locator(`[data-testid="${table}"]`).first().waitFor();
        }
        await expect.poll(() => page.locator('[role="status"][aria-label^="Loading"]').count()).toBe(0);
        await page.waitForTimeout(1000);
        const shifts = await page.evaluate(() => (window as unknown as { __shifts: Shift[] }).__shifts);
        const cls = shifts.reduce((sum, s) => sum + s.value, 0);
        expect(cls, JSON.stringify(shifts, null, 1)).toBeLessThanOrEqual(0.05);
      } finally {
        await context.close();
      }
    });
  }

  it('sends the app script brotli-compressed and cached for good, the page itself revalidated', async () => {
    // index.html is under the 1 KiB below which the build writes no compressed copy.
    const html = await fetch(`${world.server.baseUrl}/orgs/${org.id}`, { headers: { 'accept-encoding': 'br' } });
    expect(html.headers.get('cache-control')).toBe('no-cache');
    const text = await html.text();
    const script = /src="(\/assets\/index-[^"]+\.js)"/.exec(text)?.[1];
    expect(script).toBeTruthy();
    const js = await fetch(`${world.server.baseUrl}${script}`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(js.headers.get('content-encoding')).toBe('br');
    expect(js.headers.get('vary')).toBe('Accept-Encoding');
    expect(js.headers.get('cache-control')).toContain('immutable');
  });
});
