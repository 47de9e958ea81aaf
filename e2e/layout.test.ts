// Issue 21: tables fit their card at 1440×900 and read as label / value lists at 390×844, with every row action in
// view; the phone top bar keeps its own height on a short page; the org picker's placeholder is not cut.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Org } from '../web/src/api/types.js';
import { DESKTOP, PHONE, screenshots, type TrackedPage } from './support/browser.js';
import { createWorld, type World } from './support/world.js';

let world: World;
let tab: TrackedPage;
let page: Page;
let org: Org;

interface TableReport {
  /** elements inside the card that scroll sideways (scrollWidth > clientWidth) */
  overflowing: string[];
  /** row-action buttons not fully inside the viewport, or covered, once scrolled to */
  hiddenButtons: string[];
  buttons: number;
  /** CSS display of the first body row: table-row for a table, block for the stacked list */
  rowDisplay: string;
  /** each labelled cell of the first row: its label as shown (::before) and its column header */
  labels: { shown: string; header: string }[];
}

/** Measures a table and its card in the page, as a person would see them at the current size. */
function measure(testId: string): Promise<TableReport> {
  return page.evaluate((id) => {
    const table = document.querySelector(`[data-testid="${id}"]`);
    const card = table?.closest('.card');
    if (!(table instanceof HTMLTableElement) || !card) throw new Error(`no table ${id} in a card`);
    // Visually hidden text (a 1px clipped box) overflows its box on purpose; nobody sees it.
    const clipped = (el: Element) => {
      for (let a: Element | null = el; a && a !== card; a = a.parentElement) {
        if (getComputedStyle(a).clip !== 'auto') return true;
      }
      return false;
    };
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}.${el.className || '-'} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
    const overflowing = [card, ...Array.from(card.querySelectorAll('*'))]
      .filter((el) => el.scrollWidth > el.clientWidth + 1 && !clipped(el))
      .map((el) => `${name(el)} ${el.scrollWidth}>${el.clientWidth}`);
    const hiddenButtons: string[] = [];
    const buttons = Array.from(table.querySelectorAll('tbody button'));
    for (const button of buttons) {
      button.scrollIntoView({ block: 'center', inline: 'nearest' });
      const r = button.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      const inView = r.width > 0 && r.left >= 0 && r.right <= window.innerWidth;
      if (!inView || !hit || !button.contains(hit)) hiddenButtons.push(`${name(button)} at ${r.left}–${r.right}`);
    }
    const firstRow = table.tBodies[0]?.rows[0];
    const headers = Array.from(table.tHead?.rows[0]?.cells ?? []).map((th) =>
      (th.textContent ?? '').replace(/ [▲▼]$/, ''),
    );
    const labels = Array.from(firstRow?.cells ?? [])
      .map((td, i) => ({ td, header: headers[i] ?? '' }))
      .filter(({ td }) => td.hasAttribute('data-label'))
      .map(({ td, header }) => ({
        shown: getComputedStyle(td, '::before').content.replace(/^"|"$/g, ''),
        header,
      }));
    return {
      overflowing,
      hiddenButtons,
      buttons: buttons.length,
      rowDisplay: firstRow ? getComputedStyle(firstRow).display : 'none',
      labels,
    };
  }, testId);
}

const TABLES = () => [
  { testId: 'users-table', path: '/admin/users', actions: true },
  { testId: 'portfolio-table', path: '/admin/portfolio', actions: false },
  { testId: 'api-keys-table', path: `/orgs/${org.id}/settings`, actions: true },
  // 30 days: the demo's agents have calls in it whatever the time of day.
  { testId: 'agent-table', path: `/orgs/${org.id}?range=month`, actions: false },
  // Eight columns in a half-width card: it must fit too, as a table or as a list.
  { testId: 'queue-table', path: `/orgs/${org.id}?range=month`, actions: false, anyLayout: true },
];

describe('tables, top bar and org picker at 1440×900 and 390×844', () => {
  beforeAll(async () => {
    world = await createWorld();
    org = world.demoMember('org_admin of ').org;
    // A key whose "Created by" and Revoke must fit beside the rest of its row.
    const key = await world.admin.send('POST', `/api/orgs/${org.id}/api-keys`, {
      name: 'Layout check: nightly export to the reporting warehouse',
      scopes: ['metrics:read', 'calls:read'],
    });
    expect(key.status).toBe(201);
    tab = await world.signedInPage(world.server.admin);
    page = tab.page;
  });
  afterAll(async () => {
    await world?.close();
  });

  for (const size of [DESKTOP, PHONE]) {
    it(`fits each table in its card at ${size.width}×${size.height}, every row action in view`, async () => {
      await page.setViewportSize(size);
      for (const t of TABLES()) {
        await page.goto(t.path);
        await page.getByTestId(t.testId).locator('tbody tr').first().waitFor();
        const report = await measure(t.testId);
        expect(report.overflowing, `${t.testId} at ${size.width}px`).toEqual([]);
        expect(report.hiddenButtons, `${t.testId} at ${size.width}px`).toEqual([]);
        if (t.actions) expect(report.buttons).toBeGreaterThan(0);
        if (t.anyLayout) continue;
        if (size === DESKTOP) {
          // Still a table on a desktop…
          expect(report.rowDisplay).toBe('table-row');
        } else {
          // …and on a phone a list: each value beside its column's name.
          expect(report.rowDisplay).toBe('block');
          expect(report.labels.length).toBeGreaterThan(1);
          for (const l of report.labels) expect(l.shown).toBe(l.header);
        }
      }
      expect(tab.pageErrors).toEqual([]);
    });
  }

  it('keeps the phone top bar as tall as its own content on a short page', async () => {
    await page.setViewportSize(PHONE);
    await page.goto(`/orgs/${org.id}/no-such-screen`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    const bar = await page.evaluate(() => {
      const nav = document.querySelector('.shell-nav');
      const top = nav?.querySelector('.shell-top');
      if (!nav || !top) throw new Error('no top bar');
      const style = getComputedStyle(nav);
      return {
        height: nav.getBoundingClientRect().height,
        content:
          top.getBoundingClientRect().height +
          Number.parseFloat(style.paddingTop) +
          Number.parseFloat(style.paddingBottom),
      };
    });
    expect(bar.height).toBeCloseTo(bar.content, 0);
    expect(bar.height).toBeLessThan(72);
  });

  it("shows the org picker's placeholder whole at both sizes", async () => {
    for (const size of [DESKTOP, PHONE]) {
      await page.setViewportSize(size);
      await page.goto('/admin/users');
      if (size === PHONE) await page.getByRole('button', { name: 'Menu' }).click();
      const picker = page.getByTestId('org-switcher');
      await picker.waitFor();
      const fit = await picker.evaluate((el) => {
        if (!(el instanceof HTMLSelectElement)) throw new Error('the org picker is not a select');
        const style = getComputedStyle(el);
        const context = document.createElement('canvas').getContext('2d');
        if (!context) throw new Error('no canvas');
        context.font = style.font;
        const text = el.options[el.selectedIndex]?.text ?? '';
        // Room for text: the content box less the drop-down arrow (about 20px in Chromium).
        const room = el.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight) - 20;
        return { text, width: context.measureText(text).width, room };
      });
      expect(fit.text).not.toBe('');
      expect(fit.width, `"${fit.text}" at ${size.width}px`).toBeLessThanOrEqual(fit.room);
    }
  });

  it('writes the users screen at both sizes', async () => {
    await page.setViewportSize(DESKTOP);
    await page.goto('/admin/users');
    await page.getByTestId('users-table').waitFor();
    expect(await screenshots(page, 'admin-users')).toHaveLength(2);
    expect(tab.pageErrors).toEqual([]);
  });
});
