// Issue 21: the dashboard's hour × weekday heatmap (figures that add up to the KPIs, hover and keyboard readout, a
// table alternative), and a call's recording and voicemail transcript played through the server on the call detail.

import { join } from 'node:path';
import { DEMO_API_KEY } from '@victorysync/mightycall-sim';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallDetail, CallPage, Heatmap, Kpis, Org, PhoneNumber } from '../web/src/api/types.js';
import { eventually } from './support/api.js';
import { axeFindings, settled } from './support/axe.js';
import { ARTIFACTS, DESKTOP, PHONE, screenshots } from './support/browser.js';
import { openAdminSession, type World } from './support/world.js';

let world: World;
let page: Page;
let pageErrors: string[];
let org: Org;

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Plays one finished call through the demo simulator at once: its webhooks bring it into the server. */
async function emitCall(script: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${world.server.simUrl}/_sim/accounts/${DEMO_API_KEY}/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(script),
  });
  if (res.status !== 201) throw new Error(`the simulator refused the call: ${res.status} ${await res.text()}`);
}

/** The org's one call from `caller` today, once the server has it (and, with `ready`, once it passes). */
async function callFrom(caller: string, ready: (call: CallDetail) => boolean): Promise<CallDetail> {
  const [connection] = (
    await world.admin.get<{ connections: Array<{ id: string }> }>('/api/admin/mightycall/connections')
  ).body.connections;
  if (!connection) throw new Error('the demo has no MightyCall connection');
  const read = async (): Promise<CallDetail | null> => {
    const page = await world.admin.get<CallPage>(
      `/api/calls?org_id=${org.id}&range=day&number=${encodeURIComponent(caller)}&limit=5`,
    );
    const [item] = page.body.items;
    if (!item) return null;
    return (await world.admin.get<{ call: CallDetail }>(`/api/calls/${item.id}?org_id=${org.id}`)).body.call;
  };
  const found = await eventually(
    async () => {
      // The journal (read by the calls sync) carries the transcript; the webhooks bring the call itself.
      await world.admin.send('POST', `/api/admin/mightycall/connections/${connection.id}/sync`, { job: 'calls' });
      return read();
    },
    (call) => call !== null && ready(call),
    45_000,
  );
  if (!found || !ready(found))
    throw new Error(`the call from ${caller} did not arrive ready: ${JSON.stringify(found)}`);
  return found;
}

/** readyState and duration of the page's recording player, once its metadata has loaded. */
async function playerState(): Promise<{ readyState: number; duration: number; src: string }> {
  const player = page.getByTestId('recording-player');
  await expect
    .poll(() => player.evaluate((el) => (el as HTMLAudioElement).readyState), { timeout: 15_000 })
    .toBeGreaterThanOrEqual(1);
  return player.evaluate((el) => {
    const audio = el as HTMLAudioElement;
    return { readyState: audio.readyState, duration: audio.duration, src: audio.currentSrc };
  });
}

describe('busy hours and call recordings', () => {
  beforeAll(async () => {
    const session = await openAdminSession();
    ({ world, org } = session);
    ({ page, pageErrors } = session.tab);
  });
  afterAll(() => world?.close());

  it("shows the busy-hours heatmap whose cells add up to the range's KPIs, with figures on hover and focus", async () => {
    const api = await world.admin.get<Heatmap>(`/api/metrics/heatmap?org_id=${org.id}&range=month`);
    const kpis = await world.admin.get<Kpis>(`/api/metrics/kpis?org_id=${org.id}&range=month`);
    expect(api.status).toBe(200);
    expect(sum(api.body.cells.map((c) => c.offered))).toBe(kpis.body.metrics.offeredCalls);
    expect(sum(api.body.cells.map((c) => c.answered))).toBe(kpis.body.metrics.answeredCalls);
    expect(kpis.body.metrics.offeredCalls).toBeGreaterThan(0);

    await page.goto(`/orgs/${org.id}/?range=month`);
    const grid = page.getByTestId('heatmap-grid');
    await expect.poll(() => grid.locator('.heatmap-cell').count(), { timeout: 15_000 }).toBe(168);
    // The grid shows the API's figures: every cell's value, in order.
    await expect
      .poll(async () =>
        sum(
          await grid
            .locator('.heatmap-cell')
            .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value')))),
        ),
      )
      .toBe(sum(api.body.cells.map((c) => c.offered)));
    const busiest = api.body.cells.reduce((a, b) => (b.offered > a.offered ? b : a));
    const busiestCell = grid.locator(`[data-weekday="${busiest.weekday}"][data-hour="${busiest.hour}"]`);
    expect(await busiestCell.getAttribute('data-shade')).toBe('5');

    // Hover: the readout names the cell's figures.
    await busiestCell.hover();
    const readout = page.getByTestId('heatmap-readout');
    await expect.poll(() => readout.textContent()).toContain(`${busiest.offered} offered`);
    expect(await readout.textContent()).toContain(`${busiest.answered} answered`);

    // Keyboard: one tab stop in the grid, arrows move, the readout follows focus.
    const focusable = await grid.locator('.heatmap-cell[tabindex="0"]').count();
    expect(focusable).toBe(1);
    await grid.locator('.heatmap-cell[tabindex="0"]').focus();
    await page.keyboard.press('ArrowRight');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return { weekday: el?.dataset.weekday, hour: el?.dataset.hour, label: el?.getAttribute('aria-label') };
    });
    expect(focused).toMatchObject({ weekday: '1', hour: '10' });
    const monday10 = api.body.cells.find((c) => c.weekday === 1 && c.hour === 10);
    expect(focused.label).toContain(`Monday 10:00–11:00: ${monday10?.offered} offered`);
    await expect.poll(() => readout.textContent()).toContain('Monday 10:00–11:00');

    // Answered instead of offered, and the legend names the counts behind the shades.
    await page.getByRole('group', { name: 'Heatmap figure' }).getByRole('button', { name: 'Answered' }).click();
    await expect.poll(() => grid.getAttribute('data-measure')).toBe('answered');
    expect(await page.getByTestId('heatmap-legend').textContent()).toContain('Answered calls per cell');

    await settled(page);
    await screenshots(page, 'dashboard-busy-hours', () => settled(page));
    // The card alone at both sizes, for review.
    const card = page.getByRole('region', { name: 'Busy hours' });
    for (const size of [DESKTOP, PHONE]) {
      await page.setViewportSize(size);
      await page.waitForTimeout(300);
      expect(await grid.evaluate((el) => el.scrollWidth <= (el.parentElement?.clientWidth ?? 0) + 1)).toBe(true);
      await card.screenshot({ path: join(ARTIFACTS, `busy-hours-card-${size.width}x${size.height}.png`) });
    }
    await page.setViewportSize(DESKTOP);

    // The table alternative: one row per hour with calls, the same totals.
    await page.getByText('Show as table').click();
    const table = page.getByTestId('heatmap-table');
    const withCalls = api.body.cells.filter((c) => c.offered > 0 || c.answered > 0);
    await expect.poll(() => table.locator('tbody tr').count()).toBe(withCalls.length);

    await settled(page);
    expect(await axeFindings(page, 'dashboard with heatmap')).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('plays a call recording and a voicemail message through the server, with the transcript', async () => {
    const numbers = await world.admin.get<{ phoneNumbers: PhoneNumber[] }>(`/api/orgs/${org.id}/phone-numbers`);
    const business = numbers.body.phoneNumbers[0]?.e164;
    if (!business) throw new Error('the org has no number');
    const start = Date.now() - 10 * 60_000;
    const answeredCaller = '+15550108181';
    const voicemailCaller = '+15550108282';
    await emitCall({
      from: answeredCaller,
      to: business,
      ringExtensions: ['101'],
      answeredBy: '101',
      talkSeconds: 30,
      startAt: start,
    });
    await emitCall({ from: voicemailCaller, to: business, voicemail: true, ringSeconds: 6, startAt: start + 60_000 });

    const answered = await callFrom(answeredCaller, (c) => c.hasRecording);
    await page.goto(`/orgs/${org.id}/calls/${answered.id}`);
    const state = await playerState();
    expect(state.duration).toBeGreaterThan(0);
    // Same origin, the server's proxy: never the simulator's (the provider's) link.
    expect(new URL(state.src).pathname).toBe(`/api/calls/${answered.id}/recording`);
    expect(state.src).not.toContain(world.server.simUrl);
    expect(await page.content()).not.toContain('_sim/recordings');
    await settled(page);
    expect(await axeFindings(page, 'call detail with recording')).toEqual([]);
    await screenshots(page, 'call-detail-recording', () => settled(page));

    const voicemail = await callFrom(voicemailCaller, (c) => c.hasRecording && c.voicemailTranscript !== null);
    await page.goto(`/orgs/${org.id}/calls/${voicemail.id}`);
    const transcript = page.getByTestId('voicemail-transcript');
    await expect.poll(() => transcript.textContent(), { timeout: 15_000 }).toBe(voicemail.voicemailTranscript);
    expect(voicemail.voicemailTranscript).toContain(voicemailCaller);
    expect((await playerState()).duration).toBeGreaterThan(0);
    await settled(page);
    expect(await axeFindings(page, 'call detail with voicemail')).toEqual([]);
    await screenshots(page, 'call-detail-voicemail', () => settled(page));

    // A call without a recording says so.
    const [missed] = (await world.admin.get<CallPage>(`/api/calls?org_id=${org.id}&range=week&status=missed&limit=1`))
      .body.items;
    if (!missed) throw new Error('no missed call in the demo week');
    await page.goto(`/orgs/${org.id}/calls/${missed.id}`);
    await expect
      .poll(() => page.getByTestId('recording-none').textContent(), { timeout: 15_000 })
      .toBe('No recording for this call.');
    expect(await page.getByTestId('recording-player').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
