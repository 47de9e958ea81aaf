// Issue 21, keyboard: the range buttons' focus ring shows on every side at ≥ 3:1; dialogs give focus back to the
// button that opened them; arrow keys on the closed org switcher do not switch org; switching keeps the range.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Org } from '../web/src/api/types.js';
import { createWorld, type World } from './support/world.js';

let world: World;
let org: Org;
let admin: Page;

const isFocused = (target: Locator) => target.evaluate((el) => el === document.activeElement);
const rangeButton = (page: Page, label: string) =>
  page.getByRole('group', { name: 'Date range' }).getByRole('button', { name: label, exact: true });

/** WCAG relative luminance contrast of two "rgb(r, g, b)" colours. */
function contrast(a: string, b: string): number {
  const luminance = (css: string) => {
    const [r = 0, g = 0, bl = 0] = (css.match(/[\d.]+/g) ?? []).map(Number).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * How much of each side of `target`'s outline band is painted in the outline colour on screen (0–1): a screenshot
 * around the element, read back through a canvas, sampled along the middle 60 % of each side (corners are rounded).
 */
async function ringOnScreen(page: Page, target: Locator, ring: { color: string; offset: number; width: number }) {
  const box = await target.boundingBox();
  if (!box) throw new Error('the focused button is not on screen');
  const pad = Math.ceil(ring.offset + ring.width) + 3;
  const x = Math.floor(box.x) - pad;
  const y = Math.floor(box.y) - pad;
  const clip = { x, y, width: Math.ceil(box.width) + 2 * pad + 1, height: Math.ceil(box.height) + 2 * pad + 1 };
  const png = (await page.screenshot({ clip })).toString('base64');
  const rgb = (ring.color.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
  const inner = { left: box.x - x, top: box.y - y, right: box.x + box.width - x, bottom: box.y + box.height - y };
  return page.evaluate(
    async ({ png, rgb, inner, band }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${png}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('no 2d canvas');
      ctx.drawImage(img, 0, 0);
      const data = ctx.getImageData(0, 0, img.width, img.height).data;
      const painted = (px: number, py: number) => {
        const i = (Math.round(py) * img.width + Math.round(px)) * 4;
        return [0, 1, 2].every((c) => Math.abs((data[i + c] ?? -999) - (rgb[c] ?? 0)) <= 40);
      };
      // A position along a side counts when any pixel across the band (offset … offset + width outside) is painted.
      const depths = Array.from({ length: Math.ceil(band.to - band.from) + 1 }, (_, k) => band.from + k);
      const along = (from: number, to: number) => {
        const span = to - from;
        return Array.from({ length: 20 }, (_, k) => from + span * (0.2 + (0.6 * k) / 19));
      };
      const share = (points: Array<(d: number) => [number, number]>) =>
        points.filter((at) => depths.some((d) => painted(...at(d)))).length / points.length;
      const h = along(inner.left, inner.right);
      const v = along(inner.top, inner.bottom);
      return {
        top: share(h.map((px) => (d: number) => [px, inner.top - d] as [number, number])),
        bottom: share(h.map((px) => (d: number) => [px, inner.bottom + d - 1] as [number, number])),
        left: share(v.map((py) => (d: number) => [inner.left - d, py] as [number, number])),
        right: share(v.map((py) => (d: number) => [inner.right + d - 1, py] as [number, number])),
      };
    },
    { png, rgb, inner, band: { from: ring.offset + 0.5, to: ring.offset + ring.width - 0.5 } },
  );
}

describe('keyboard use', () => {
  beforeAll(async () => {
    world = await createWorld();
    org = world.demoMember('org_admin of ').org;
    ({ page: admin } = await world.signedInPage(world.server.admin));
  });
  afterAll(async () => {
    await world?.close();
  });

  it('shows the range buttons’ focus ring on all four sides, at ≥ 3:1 against white and what is behind it', async () => {
    await admin.goto(`/orgs/${org.id}`);
    const today = rangeButton(admin, 'Today');
    await rangeButton(admin, '7 days').focus();
    await admin.keyboard.press('Shift+Tab');
    expect(await today.evaluate((el) => el === document.activeElement && el.matches(':focus-visible'))).toBe(true);
    const ring = await today.evaluate((el) => {
      const style = getComputedStyle(el);
      // What the ring is drawn on: the first ancestor with a background of its own.
      let behind = 'rgb(255, 255, 255)';
      for (let node = el.parentElement; node; node = node.parentElement) {
        const bg = getComputedStyle(node).backgroundColor;
        if (bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') {
          behind = bg;
          break;
        }
      }
      return {
        style: style.outlineStyle,
        color: style.outlineColor,
        width: Number.parseFloat(style.outlineWidth),
        offset: Number.parseFloat(style.outlineOffset),
        behind,
      };
    });
    expect(ring.style).toBe('solid');
    expect(ring.width).toBeGreaterThanOrEqual(2);
    expect(contrast(ring.color, 'rgb(255, 255, 255)')).toBeGreaterThanOrEqual(3);
    expect(contrast(ring.color, ring.behind)).toBeGreaterThanOrEqual(3);
    const sides = await ringOnScreen(admin, today, ring);
    expect(sides, `ring ${ring.color} on screen, share of each side`).toEqual({ top: 1, bottom: 1, left: 1, right: 1 });
  });

  it('gives focus back to "Add to org…" when its dialog closes by Escape or Cancel', async () => {
    await admin.goto('/admin/users');
    const opener = admin.getByTestId('users-table').getByRole('button', { name: 'Add to org…' }).first();
    await expectFocusReturns(admin, opener);
  });

  it('gives focus back to "Edit" of a member when its dialog closes by Escape or Cancel', async () => {
    const { user } = world.demoMember('org_admin of ');
    const { page, context } = await world.signedInPage(user);
    await page.goto(`/orgs/${org.id}/settings`);
    const opener = page
      .getByTestId('members-table')
      .getByRole('button', { name: /^Edit / })
      .first();
    await expectFocusReturns(page, opener);
    await context.close();
  });

  it('does not switch org while arrow keys move through the closed org switcher; Enter switches', async () => {
    await admin.goto(`/orgs/${org.id}?range=week`);
    const switcher = admin.getByTestId('org-switcher');
    await expect.poll(() => switcher.locator('option').count()).toBe(world.orgs.length);
    // Start on the first org of the list, so that ArrowDown has somewhere to go.
    const first = await switcher.locator('option').first().getAttribute('value');
    if (!first) throw new Error('the org switcher has no options');
    await admin.goto(`/orgs/${first}?range=week`);
    // The screen's code has loaded (until then the whole frame, switcher included, may be replaced).
    await admin.getByTestId('kpi-value-offeredCalls').waitFor();
    await switcher.focus();
    expect(await isFocused(switcher)).toBe(true);
    await admin.keyboard.press('ArrowDown');
    await admin.waitForTimeout(500);
    expect(new URL(admin.url()).pathname).toBe(`/orgs/${first}`);
    const browsed = await switcher.inputValue();
    expect(browsed).not.toBe(first);
    const name = world.orgs.find((o) => o.id === browsed)?.name;
    await expect.poll(() => admin.getByTestId('org-switcher-hint').textContent()).toBe(`Press Enter to open ${name}`);
    // Escape drops the browsed org.
    await admin.keyboard.press('Escape');
    expect(await switcher.inputValue()).toBe(first);
    expect(new URL(admin.url()).pathname).toBe(`/orgs/${first}`);
    // Enter opens it, with the range kept.
    await admin.keyboard.press('ArrowDown');
    await admin.keyboard.press('Enter');
    await admin.waitForURL((u) => u.pathname === `/orgs/${browsed}` && u.searchParams.get('range') === 'week');
    expect(await switcher.inputValue()).toBe(browsed);
  });

  it('keeps the chosen range when switching org, on the dashboard and the call log', async () => {
    const other = world.otherOrg(org);
    await admin.goto(`/orgs/${org.id}`);
    await rangeButton(admin, '7 days').click();
    await admin.waitForURL((u) => u.searchParams.get('range') === 'week');
    await admin.getByTestId('org-switcher').selectOption(other.id);
    await admin.waitForURL((u) => u.pathname === `/orgs/${other.id}`);
    expect(new URL(admin.url()).searchParams.get('range')).toBe('week');
    expect(await rangeButton(admin, '7 days').getAttribute('aria-pressed')).toBe('true');

    const custom = '?range=custom&from=2026-11-01&to=2026-11-15';
    await admin.goto(`/orgs/${org.id}/calls${custom}`);
    await rangeButton(admin, 'Custom').waitFor();
    // The call log's own filters belong to one org and stay behind; the range comes along.
    await admin.getByLabel('Direction').selectOption('inbound');
    await admin.waitForURL((u) => u.searchParams.has('direction'));
    await admin.getByTestId('org-switcher').selectOption(other.id);
    await admin.waitForURL((u) => u.pathname === `/orgs/${other.id}/calls`);
    expect(new URL(admin.url()).search).toBe(custom);
    expect(await rangeButton(admin, 'Custom').getAttribute('aria-pressed')).toBe('true');
    expect(await admin.getByLabel('From', { exact: true }).inputValue()).toBe('2026-11-01');
  });
});

/** Opens the dialog with `opener`, closes it by Escape, then by Cancel: focus is back on `opener` each time. */
async function expectFocusReturns(page: Page, opener: Locator): Promise<void> {
  for (const close of ['Escape', 'Cancel'] as const) {
    await opener.click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    expect(await isFocused(opener)).toBe(false);
    if (close === 'Escape') await page.keyboard.press('Escape');
    else await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.waitForFunction(() => !document.querySelector('dialog[open]'));
    await expect.poll(() => isFocused(opener), { message: `focus after ${close}` }).toBe(true);
  }
}
