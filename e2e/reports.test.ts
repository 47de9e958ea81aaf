// Issue 20 part 3 in the browser: an org admin schedules a report on the org's Reports page and clicks Send now; the
// preview reaches the Sent mail (captured: no SMTP in the demo), and its KPI figures equal the ones the dashboard
// shows for the same range, which the email's own link opens. The demo's weekly report was sent at start-up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailMessage, MailSummary, Org, ReportSchedule } from '../web/src/api/types.js';
import { eventually } from './support/api.js';
import { screenshots, type TrackedPage } from './support/browser.js';
import type { DemoUser } from './support/server.js';
import { createWorld, type World } from './support/world.js';

let world: World;
let org: Org;
let owner: DemoUser;
let tab: TrackedPage;

const KPIS = [
  'offeredCalls',
  'answerRatePct',
  'serviceLevelPct',
  'avgWaitSeconds',
  'avgTalkSeconds',
  'abandonRatePct',
  'missedCalls',
  'voicemailCalls',
];

async function newestMail(to: string, subjectPart: string): Promise<MailMessage> {
  const list = await eventually(
    () => world.admin.get<{ messages: MailSummary[] }>(`/api/admin/mail?to=${encodeURIComponent(to)}`),
    (res) => res.body.messages.some((m) => m.status === 'captured' && m.subject.includes(subjectPart)),
  );
  const newest = list.body.messages.find((m) => m.status === 'captured' && m.subject.includes(subjectPart));
  if (!newest) throw new Error(`no captured mail "${subjectPart}" to ${to}`);
  const opened = await world.admin.get<{ message: MailMessage }>(`/api/admin/mail/${newest.id}`);
  return opened.body.message;
}

describe('scheduled reports', () => {
  beforeAll(async () => {
    world = await createWorld();
    const member = world.demoMember('org_admin of ');
    owner = member.user;
    org = member.org;
    tab = await world.signedInPage(owner);
  });
  afterAll(() => world?.close());

  it("the demo's weekly report to the owner was sent at start-up", async () => {
    const mail = await newestMail(owner.email, 'weekly call report');
    expect(mail.subject).toContain(org.name);
    expect(mail.attachments.map((a) => a.contentType)).toContain('image/png');
  });

  it('schedule → Send now → the email in Sent mail, its figures equal to the dashboard for the same range', async () => {
    const { page } = tab;
    await page.goto(`/orgs/${org.id}/reports`);
    await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
    const form = page.getByRole('form', { name: 'Schedule a report' });
    await form.getByLabel('Name').fill('Daily check');
    await form.getByLabel('Frequency').selectOption('daily');
    await form.getByLabel('Time (org time zone)').fill('07:30');
    await form.getByLabel('Other addresses (optional)').fill('not an address');
    await form.getByRole('button', { name: 'Schedule report' }).click();
    // A human message under the field, nothing saved.
    await form.getByText(/email/i).first().waitFor();
    const before = await world.admin.get<{ schedules: ReportSchedule[] }>(`/api/orgs/${org.id}/reports/schedules`);
    expect(before.body.schedules.map((s) => s.name)).not.toContain('Daily check');
    await form.getByLabel('Other addresses (optional)').fill('');
    await form.getByRole('checkbox', { name: new RegExp(owner.email.replace(/[.+]/g, '\\$&')) }).check();
    await form.getByRole('button', { name: 'Schedule report' }).click();
    const table = page.getByTestId('report-schedules-table');
    const row = table.locator('tbody tr').filter({ hasText: 'Daily check' });
    await row.waitFor();
    expect(await row.textContent()).toContain('Daily at 07:30');
    await screenshots(page, 'reports');

    await row.getByRole('button', { name: 'Send now: Daily check, to yourself' }).click();
    await page.getByTestId('report-sent').getByText(`sent to ${owner.email}`).waitFor();

    const mail = await newestMail(owner.email, '[Preview]');
    expect(mail.subject).toContain(`${org.name}: daily call report`);
    const html = mail.html ?? '';
    // The chart, sent inline by cid, reads back as the PNG itself, so Sent mail shows it as a mail client would.
    expect(html).toContain('src="data:image/png;base64,');
    expect(html).not.toContain('cid:');
    const root = await world.signedInPage(world.server.admin);
    await root.page.goto(`/admin/mail/${mail.id}`);
    const chart = root.page.frameLocator('iframe.mail-html').locator('img').first();
    await expect.poll(() => chart.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(560);
    await root.page.close();
    const link = /href="([^"]+\?range=custom[^"]+)"/.exec(html)?.[1]?.replaceAll('&#38;', '&');
    if (!link) throw new Error('no dashboard link in the report');
    const url = new URL(link);
    expect(url.pathname).toBe(`/orgs/${org.id}`);

    // The dashboard at the email's range shows the same figures, formatted the same way.
    await page.goto(`${url.pathname}${url.search}`);
    for (const field of KPIS) {
      const cell = new RegExp(
        `data-metric="${field}" data-value="([^"]*)"[^>]*>\\s*<div[^>]*>[^<]*</div>\\s*<div[^>]*>([^<]*)</div>`,
      ).exec(html);
      if (!cell) throw new Error(`no ${field} in the report`);
      const shown = page.getByTestId(`kpi-value-${field}`);
      await expect.poll(() => shown.getAttribute('data-value'), { timeout: 15_000 }).toBe(cell[1]);
      expect((await shown.textContent())?.trim(), field).toBe(cell[2]);
    }
  });
});
