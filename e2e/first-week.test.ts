// Issue 21: a supervisor's first week — settings refuse empty service levels, "12 months" means the last 12 months,
// errors speak of the form's fields in words, the answer rate says what it is a share of, the call log its total.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallPage, Kpis, Member, Org, Series } from '../web/src/api/types.js';
import { formatDateTime } from '../web/src/metrics/format.js';
import { openPage } from './support/browser.js';
import { openAdminSession, type World } from './support/world.js';

let world: World;
let page: Page;
let pageErrors: string[];
let org: Org;

/** What the API says in programs' words: "body.email: …", "query.q: …", "path.callId: …", "… with PATCH". */
const API_WORDS = /\b(body|query|path)\.\w+|\bPATCH\b|Too (big|small): expected/;

/** The error text wired to the input labelled `label` (aria-describedby), or null when it shows none. */
async function fieldError(label: string, within: Page | Locator = page): Promise<string | null> {
  const id = await within.getByLabel(label, { exact: true }).getAttribute('id');
  const error = page.locator(`[id="${id}-error"]`);
  return (await error.count()) > 0 ? error.textContent() : null;
}

const bodyText = () => page.locator('body').innerText();
/** Waits for what the page shows, as long as a busy machine may need. */
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000 });

/** Every call the API lists for a query, following nextCursor to the end (not its total). */
async function countByPaging(query: string): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const res: { body: CallPage } = await world.admin.get<CallPage>(
      `/api/calls?org_id=${org.id}&${query}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    count += res.body.items.length;
    cursor = res.body.nextCursor;
  } while (cursor);
  return count;
}

/** Today's date in a zone, moved by whole years and days: 'YYYY-MM-DD'. */
function localDate(timeZone: string, years: number, days: number): string {
  const [y, m, d] = new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date()).split('-').map(Number);
  const date = new Date(Date.UTC((y as number) + years, (m as number) - 1, (d as number) + days));
  return date.toISOString().slice(0, 10);
}

describe('a supervisor’s first week', () => {
  beforeAll(async () => {
    const session = await openAdminSession();
    ({ world, org } = session);
    ({ page, pageErrors } = session.tab);
  });
  afterAll(() => world?.close());

  it('refuses empty or zero service-level settings inline and saves nothing; the API refuses 0 naming the field', async () => {
    const before = (await world.admin.get<{ org: Org }>(`/api/orgs/${org.id}`)).body.org;
    const patches: string[] = [];
    page.on('request', (r) => r.method() === 'PATCH' && patches.push(r.url()));
    await page.goto(`/orgs/${org.id}/settings`);
    const threshold = 'Service-level threshold (seconds)';
    const target = 'Service-level target (%)';
    await page.getByLabel(threshold, { exact: true }).fill('');
    await page.getByLabel(target, { exact: true }).fill('');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await poll(() => fieldError(threshold)).toBe('Fill this in.');
    expect(await fieldError(target)).toBe('Fill this in.');
    expect(await page.getByLabel(threshold, { exact: true }).getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel(threshold, { exact: true }).fill('0');
    await page.getByLabel(target, { exact: true }).fill('80');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await poll(() => fieldError(threshold)).toBe('Use a number of at least 1.');
    expect(await fieldError(target)).toBeNull();
    expect(patches).toEqual([]);
    expect(await bodyText()).not.toContain('Settings saved');
    expect((await world.admin.get<{ org: Org }>(`/api/orgs/${org.id}`)).body.org).toEqual(before);

    for (const [field, value] of [
      ['slThresholdSeconds', 0],
      ['slTargetPct', 0],
    ] as const) {
      const refused = await world.admin.send<{ error: { message: string } }>('PATCH', `/api/orgs/${org.id}`, {
        [field]: value,
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(new RegExp(`^body\\.${field}: must be `));
    }
    expect(pageErrors).toEqual([]);
  });

  it('"12 months" is the 12 months through today, compared with the 12 months before', async () => {
    const tz = org.timezone;
    await page.goto(`/orgs/${org.id}?range=week`);
    await page
      .getByRole('group', { name: 'Date range' })
      .getByRole('button', { name: '12 months', exact: true })
      .click();
    const kpis = (await world.admin.get<Kpis>(`/api/metrics/kpis?org_id=${org.id}&range=year`)).body;
    expect(kpis.range.from.slice(0, 10)).toBe(localDate(tz, -1, 1));
    const from = `${formatDateTime(kpis.range.from, tz)} – `;
    await poll(async () => (await page.getByTestId('range-label').textContent())?.slice(0, from.length)).toBe(from);
    const series = (await world.admin.get<Series>(`/api/calls/series?org_id=${org.id}&range=year&compare=true`)).body;
    expect(series.range.from).toBe(kpis.range.from);
    expect(series.previous?.range.from.slice(0, 10)).toBe(localDate(tz, -2, 1));
    expect(series.previous?.range.periodEnd).toBe(kpis.range.from);
  });

  it('says what the answer rate is a share of, with the KPI figures', async () => {
    await page.goto(`/orgs/${org.id}?range=week`);
    const m = (await world.admin.get<Kpis>(`/api/metrics/kpis?org_id=${org.id}&range=week`)).body.metrics;
    const n = (v: number) => v.toLocaleString('en-US');
    const short = m.shortAbandonedCalls;
    const excluded = short > 0 ? ` (${n(short)} short abandon${short === 1 ? '' : 's'} excluded)` : '';
    await poll(() => page.getByTestId('answer-rate-basis').textContent()).toBe(
      `${n(m.answeredCalls)} answered of ${n(m.offeredCalls - short)} counted${excluded}`,
    );
  });

  it('the call log shows how many calls match its filters', async () => {
    const subtitle = page.locator('section[aria-labelledby="card-call-log"] .card-subtitle');
    const all = await countByPaging('range=week');
    expect(all).toBeGreaterThan(100);
    await page.goto(`/orgs/${org.id}/calls?range=week`);
    await poll(() => subtitle.textContent()).toBe(`${all.toLocaleString('en-US')} calls · 100 shown`);
    const missed = await countByPaging('range=week&status=missed');
    await page.getByLabel('Status', { exact: true }).selectOption('missed');
    await poll(() => subtitle.textContent()).toBe(
      `${missed.toLocaleString('en-US')} calls${missed > 100 ? ' · 100 shown' : ''}`,
    );
  });

  it('puts refused input under its field in words, never the API’s field paths', async () => {
    // The call search: letters are refused before asking, a long query from a link is named under the field.
    await page.goto(`/orgs/${org.id}/calls?range=week`);
    await page.getByLabel('Search numbers', { exact: true }).fill('smith');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await poll(() => fieldError('Search numbers')).toBe('Use digits of a phone number, such as 555 0142.');
    expect(new URL(page.url()).searchParams.get('q')).toBeNull();
    await page.goto(`/orgs/${org.id}/calls?range=week&q=${'5'.repeat(41)}`);
    await poll(() => fieldError('Search numbers')).toBe('Use at most 40 characters.');
    expect(await page.getByLabel('Search numbers', { exact: true }).getAttribute('maxlength')).toBe('40');

    // A malformed call address.
    await page.goto(`/orgs/${org.id}/calls/not-a-call`);
    await poll(() => page.getByRole('alert').first().textContent()).toContain(
      'This address does not point to a valid call',
    );

    // A member's extension that is not 1–10 digits; and an address already in the org.
    const members = (await world.admin.get<{ members: Member[] }>(`/api/orgs/${org.id}/members`)).body.members;
    const member = members[0] as Member;
    await page.goto(`/orgs/${org.id}/settings`);
    await page.getByRole('button', { name: `Edit ${member.displayName}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('MightyCall extension', { exact: true }).fill('12ab');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await poll(() => fieldError('MightyCall extension', dialog)).toBe('Use 1 to 10 digits.');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    const form = page.getByRole('form', { name: 'Add a member' });
    await form.getByLabel('Email', { exact: true }).fill(member.email);
    await form.getByRole('button', { name: 'Invite' }).click();
    await poll(() => fieldError('Email', form)).toBe(`${member.email} is already a member of this org.`);
    expect(await bodyText()).not.toMatch(API_WORDS);

    // A platform admin adding someone to an org they are already in.
    await page.goto('/admin/users');
    await page.getByRole('row').filter({ hasText: member.email }).getByRole('button', { name: 'Add to org…' }).click();
    await page.getByRole('dialog').getByLabel('Organization').selectOption({ label: org.name });
    await page.getByRole('dialog').getByRole('button', { name: 'Add', exact: true }).click();
    await poll(() => page.getByRole('dialog').getByRole('alert').textContent()).toContain(
      'already a member of the org; change their role in the members list instead.',
    );
    expect(await bodyText()).not.toMatch(API_WORDS);
    expect(pageErrors).toEqual([]);
  });

  it('the sign-in form names a malformed email under the field, before and after asking the server', async () => {
    const tab = await openPage(world.browser, world.server.baseUrl);
    const logins: string[] = [];
    tab.page.on('request', (r) => r.url().endsWith('/api/auth/login') && logins.push(r.url()));
    await tab.page.goto('/sign-in');
    const email = tab.page.getByLabel('Email', { exact: true });
    await email.fill('maya');
    await tab.page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await tab.page.getByRole('button', { name: 'Sign in' }).click();
    const error = async () => {
      const id = await email.getAttribute('id');
      const el = tab.page.locator(`[id="${id}-error"]`);
      return (await el.count()) > 0 ? el.textContent() : null;
    };
    await poll(error).toBe('Enter an email address such as name@example.com.');
    expect(logins).toEqual([]);
    // The browser takes "maya@clinic"; the server does not, and its answer lands under the field too.
    await email.fill('maya@clinic');
    await tab.page.getByRole('button', { name: 'Sign in' }).click();
    await poll(error).toBe('Must be an email address.');
    expect(logins).toHaveLength(1);
    expect(await tab.page.locator('body').innerText()).not.toMatch(API_WORDS);
    expect(tab.pageErrors).toEqual([]);
    await tab.context.close();
  });
});
