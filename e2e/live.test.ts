// Issue 6 acceptance: the live wallboard shows a simulated MightyCall call ringing, then connected, without a reload.
import { DEMO_API_KEY } from '@victorysync/mightycall-sim';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Org, PhoneNumber } from '../web/src/api/types.js';
import { formatPhone } from '../web/src/metrics/phone.js';
import { screenshots } from './support/browser.js';
import { createWorld, type World } from './support/world.js';

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
    world = await createWorld();
    org = world.demoMember('org_admin of ').org;
    ({ page, pageErrors } = await world.signedInPage(world.server.admin));
  });
  afterAll(async () => {
    await world?.close();
  });

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
});
