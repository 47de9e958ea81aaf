// Issue 6 acceptance: the live wallboard shows a simulated MightyCall call ringing, then connected, without a reload.
// Issue 21: between calls its "as of" follows the stream's heartbeats, and a feed gone silent says it is reconnecting.
import { demoTopology } from '@victorysync/datagen';
import { DEMO_API_KEY } from '@victorysync/mightycall-sim';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallItem, Org, PhoneNumber } from '../web/src/api/types.js';
import { formatPhone } from '../web/src/metrics/phone.js';
import { screenshots } from './support/browser.js';
import { openAdminSession, type World } from './support/world.js';

let world: World;
let page: Page;
let pageErrors: string[];
let org: Org;

/** Plays one scripted call through the demo simulator, its webhooks paced in real time. */
async function playCall(script: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${world.server.simUrl}/_sim/accounts/${DEMO_API_KEY}/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...script, realtime: true }),
  });
  if (res.status !== 202) throw new Error(`the simulator refused the call: ${res.status} ${await res.text()}`);
}

describe('live wallboard', () => {
  beforeAll(async () => {
    const session = await openAdminSession();
    ({ world, org } = session);
    ({ page, pageErrors } = session.tab);
  });
  afterAll(() => world?.close());

  it('shows a call ringing and then connected, from the stream, without reloading', async () => {
    const numbers = await world.admin.get<{ phoneNumbers: PhoneNumber[] }>(`/api/orgs/${org.id}/phone-numbers`);
    const business = numbers.body.phoneNumbers[0]?.e164;
    if (!business) throw new Error('the org has no number');
    await page.goto(`/orgs/${org.id}/live`);
    await expect.poll(() => page.getByTestId('live-status').textContent(), { timeout: 15_000 }).toContain('Live');
    await page.evaluate(() => {
      document.body.dataset.sameDocument = 'yes';
    });

    const caller = '+15550107777';
    await playCall({
      from: caller,
      to: business,
      ringExtensions: ['101'],
      answeredBy: '101',
      ringSeconds: 6,
      talkSeconds: 90,
    });
    const ringing = page.getByTestId('live-ringing');
    const connected = page.getByTestId('live-connected-table');
    // Shown as people write it, E.164 on hover.
    const shown = formatPhone(caller);
    await expect.poll(() => ringing.textContent(), { timeout: 15_000 }).toContain(shown);
    expect(await ringing.getByTitle(caller).first().textContent()).toBe(shown);
    expect(await page.getByTestId('live-waiting').textContent()).not.toBe('0');
    await expect.poll(() => connected.textContent(), { timeout: 20_000 }).toContain(shown);
    expect(await ringing.textContent()).not.toContain(shown);
    await screenshots(page, 'wallboard');
    // Still the same document: the stream, not a reload, changed the screen.
    expect(await page.evaluate(() => document.body.dataset.sameDocument)).toBe('yes');
    expect(pageErrors).toEqual([]);
  });
  it('moves "as of" with the heartbeats while no call happens, and says "reconnecting" when the feed goes silent', async () => {
    const tab = await world.signedInPage(world.server.admin);
    const wall = tab.page;
    // The page's clock is faked (and runs), so a silence can be made without waiting for it.
    await wall.clock.install();
    await wall.goto(`/orgs/${org.id}/live`);
    const status = wall.getByTestId('live-status');
    await expect.poll(() => status.getAttribute('data-stream'), { timeout: 15_000 }).toBe('open');
    const asOf = () => wall.getByTestId('live-as-of').getAttribute('data-at');
    await expect.poll(asOf).not.toBeNull();
    const first = await asOf();
    // No call is played (demo traffic is stopped): only heartbeats can move it, to the server's later time.
    await expect.poll(asOf, { timeout: 30_000 }).not.toBe(first);
    expect(Date.parse((await asOf()) ?? '')).toBeGreaterThan(Date.parse(first ?? ''));
    expect(await wall.getByTestId('live-as-of').textContent()).toMatch(/^as of \d{2}:\d{2}:\d{2}$/);

    // Every state the header shows from now on, however briefly.
    await wall.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { streamStates: string[] }).streamStates = seen;
      const header = document.querySelector('[data-testid="live-status"]');
      if (!header) throw new Error('no live status');
      new MutationObserver(() => seen.push(header.getAttribute('data-stream') ?? '')).observe(header, {
        attributes: true,
        attributeFilter: ['data-stream'],
      });
    });
    // A minute passes on the page's clock with nothing heard from the feed: it says so and reopens the stream.
    await wall.clock.fastForward('01:00');
    const states = () => wall.evaluate(() => (window as unknown as { streamStates: string[] }).streamStates);
    await expect.poll(states, { timeout: 15_000 }).toContain('reconnecting');
    await expect.poll(() => status.getAttribute('data-stream'), { timeout: 15_000 }).toBe('open');
    expect(tab.pageErrors).toEqual([]);
    await tab.context.close();
  });
  it("names a live call's queue from its number's history, and the dashboard then shows no 'No queue' row", async () => {
    // The demo history (datagen) puts every inbound call of a line in that line's queue; webhooks name none.
    const numbers = await world.admin.get<{ phoneNumbers: PhoneNumber[] }>(`/api/orgs/${org.id}/phone-numbers`);
    const line = demoTopology().numbers.find((n) => numbers.body.phoneNumbers.some((p) => p.e164 === n.e164));
    if (!line) throw new Error('the org has no demo line');
    await page.goto(`/orgs/${org.id}/live`);
    await expect.poll(() => page.getByTestId('live-status').textContent(), { timeout: 15_000 }).toContain('Live');
    const caller = '+15550108888';
    await playCall({
      from: caller,
      to: line.e164,
      ringExtensions: ['101'],
      answeredBy: '101',
      ringSeconds: 3,
      talkSeconds: 8,
    });
    const connected = page.getByTestId('live-connected-table');
    await expect.poll(() => connected.textContent(), { timeout: 20_000 }).toContain(formatPhone(caller));
    const row = connected.getByRole('row').filter({ hasText: formatPhone(caller) });
    expect(await row.textContent()).toContain(line.queue);
    await screenshots(page, 'wallboard-queue');

    // Once over and fetched, the stored call has the queue too: the dashboard's queue table names only queues.
    await expect
      .poll(
        async () => {
          const recent = await world.admin.get<{ items: CallItem[] }>(`/api/calls/recent?org_id=${org.id}&limit=20`);
          return recent.body.items.find((c) => c.fromNumber === caller)?.queueName ?? null;
        },
        { timeout: 60_000 },
      )
      .toBe(line.queue);
    await page.goto(`/orgs/${org.id}`);
    const queues = page.getByTestId('queue-table');
    await expect.poll(() => queues.textContent(), { timeout: 15_000 }).toContain(line.queue);
    expect(await queues.textContent()).not.toContain('No queue');
    expect(pageErrors).toEqual([]);
  });
});
