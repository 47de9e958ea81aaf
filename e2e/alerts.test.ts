// Issue 20 part 4 in the browser: an org admin creates an alert rule on the org's Alerts page, a simulated call rings
// long enough to meet it, the rule shows as firing on the Alerts page and on the platform admin's portfolio, then the
// call is answered and the alert resolves, in the history with its times.
import { DEMO_API_KEY } from '@victorysync/mightycall-sim';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent, AlertRule, Org, PhoneNumber, Portfolio } from '../web/src/api/types.js';
import { screenshots, type TrackedPage } from './support/browser.js';
import { createWorld, type World } from './support/world.js';

let world: World;
let org: Org;
let admin: TrackedPage;
let page: Page;

async function playCall(script: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${world.server.simUrl}/_sim/accounts/${DEMO_API_KEY}/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...script, realtime: true }),
  });
  if (res.status !== 202) throw new Error(`the simulator refused the call: ${res.status} ${await res.text()}`);
}

describe('alerts', () => {
  beforeAll(async () => {
    world = await createWorld();
    const member = world.demoMember('org_admin of ');
    org = member.org;
    admin = await world.signedInPage(member.user);
    page = admin.page;
  });
  afterAll(() => world?.close());

  it('fires on the Alerts page and the portfolio while a call waits, then resolves', { timeout: 240_000 }, async () => {
    // The demo seeds its own rule for this org ("Caller waiting ≥ 20 s"); it goes, so only the rule made here acts.
    const seeded = await world.admin.get<{ rules: AlertRule[] }>(`/api/orgs/${org.id}/alerts/rules`);
    expect(seeded.body.rules.map((r) => [r.name, r.kind, r.threshold])).toEqual([
      ['Caller waiting ≥ 20 s', 'longest_wait', 20],
    ]);
    for (const rule of seeded.body.rules) {
      expect((await world.admin.send('DELETE', `/api/orgs/${org.id}/alerts/rules/${rule.id}`)).status).toBe(200);
    }
    await page.goto(`/orgs/${org.id}/alerts`);
    await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
    await page.getByText('No alert rules yet.').waitFor();
    const form = page.getByRole('form', { name: 'Add an alert rule' });
    await form.getByLabel('Name').fill('Caller waiting');
    await form.getByLabel('Condition').selectOption('calls_waiting');
    await form.getByLabel('At least (calls)').fill('1');
    await form.getByRole('button', { name: 'Add rule' }).click();
    const rules = page.getByTestId('alert-rules-table');
    const row = rules.locator('tbody tr').filter({ hasText: 'Caller waiting' });
    await row.waitFor();
    expect(await row.textContent()).toContain('1 or more calls waiting');
    const saved = await world.admin.get<{ rules: AlertRule[] }>(`/api/orgs/${org.id}/alerts/rules`);
    expect(saved.body.rules.map((r) => [r.name, r.kind, r.threshold, r.firing])).toEqual([
      ['Caller waiting', 'calls_waiting', 1, false],
    ]);

    // A call rings for 60 s at the org's number (long enough for the firing to be seen on two screens under load),
    // then an agent answers it.
    const numbers = await world.admin.get<{ phoneNumbers: PhoneNumber[] }>(`/api/orgs/${org.id}/phone-numbers`);
    const business = numbers.body.phoneNumbers[0]?.e164;
    if (!business) throw new Error('the org has no number');
    await playCall({
      from: '+15550108888',
      to: business,
      ringExtensions: ['101'],
      answeredBy: '101',
      ringSeconds: 60,
      talkSeconds: 5,
    });
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toContain('firing');
    const history = page.getByTestId('alert-history-table');
    await expect.poll(() => history.textContent(), { timeout: 15_000 }).toContain('Caller waiting');
    await screenshots(page, 'alerts-firing');

    // The platform admin's portfolio counts it.
    const portfolio = await world.admin.get<Portfolio>('/api/admin/portfolio');
    expect(portfolio.body.orgs.find((o) => o.orgId === org.id)?.alertsFiring).toBe(1);
    const root = await world.signedInPage(world.server.admin);
    await root.page.goto('/admin/portfolio');
    const cell = root.page
      .getByTestId('portfolio-table')
      .locator('tbody tr')
      .filter({ has: root.page.getByRole('link', { name: org.name, exact: true }) })
      .locator('[data-field="alertsFiring"]');
    await expect.poll(() => cell.getAttribute('data-value'), { timeout: 15_000 }).toBe('1');

    // Answered: nobody waits, the alert resolves — once.
    await expect.poll(() => row.textContent(), { timeout: 90_000 }).toContain('ok');
    const events = await world.admin.get<{ events: AlertEvent[] }>(`/api/orgs/${org.id}/alerts/history`);
    expect(events.body.events).toHaveLength(1);
    const [event] = events.body.events;
    expect(event?.firedValue).toBe(1);
    expect(event?.resolvedAt).not.toBeNull();
    await expect.poll(() => history.locator('tbody tr').count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => history.textContent(), { timeout: 15_000 }).not.toContain('firing');
    await expect.poll(() => cell.getAttribute('data-value'), { timeout: 15_000 }).toBe('0');
    // The org's admins were mailed (captured on Sent mail in the demo): one firing and one resolved message each.
    const mail = await world.admin.get<{ messages: Array<{ subject: string }> }>('/api/admin/mail?limit=100');
    const subjects = mail.body.messages.map((m) => m.subject).filter((s) => s.includes('Caller waiting'));
    expect(subjects.filter((s) => s.includes('Alert firing')).length).toBeGreaterThanOrEqual(1);
    expect(subjects.filter((s) => s.includes('Alert resolved')).length).toBe(
      subjects.filter((s) => s.includes('Alert firing')).length,
    );
    expect(admin.pageErrors).toEqual([]);
    expect(root.pageErrors).toEqual([]);
    await root.page.close();
  });
});
