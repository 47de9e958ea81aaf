// Issue 21: axe (WCAG 2.1 AA) on every screen and every dialog that each demo role can reach, by following the app's
// own navigation, screens at 1440 px and 390 px: no critical and no serious violation anywhere. A finding names the
// rule, the elements and the page.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Org } from '../web/src/api/types.js';
import { axeFindings, settled } from './support/axe.js';
import { DESKTOP, openPage, PHONE } from './support/browser.js';
import { createWorld, type World } from './support/world.js';

interface DialogCheck {
  name: string;
  /** the screens (paths) where the dialog opens */
  on: RegExp;
  open: (page: Page) => Promise<void>;
  /** whether the role sees the dialog's trigger there (default: always; a manager reads reports but cannot delete) */
  offered?: (page: Page) => Promise<boolean>;
}

const MEMBERS = /^\/(orgs\/[^/]+\/settings|admin\/orgs\/[^/]+)$/;
const KEYS = /^\/(orgs\/[^/]+\/settings|admin\/keys)$/;
const ORG_DETAIL = /^\/admin\/orgs\/[^/]+$/;

const button = (name: string | RegExp) => async (page: Page) => {
  await page
    .getByRole('button', { name, exact: typeof name === 'string', disabled: false })
    .first()
    .click();
};
async function createKey(page: Page): Promise<void> {
  const form = page.getByRole('form', { name: 'Create an API key' });
  await form.getByLabel('Name').fill('Accessibility check');
  await form.getByRole('checkbox').first().check();
  await form.getByRole('button', { name: 'Create key' }).click();
}

/** Every dialog of the app, in an order where each one's trigger exists (a key is created before one is revoked). */
const DIALOGS: DialogCheck[] = [
  { name: 'Assign numbers', on: ORG_DETAIL, open: button('Assign numbers…') },
  { name: 'Unassign a number', on: ORG_DETAIL, open: button(/^Unassign /) },
  { name: 'Delete an org', on: ORG_DETAIL, open: button('Delete…') },
  { name: 'Edit member', on: MEMBERS, open: button(/^Edit /) },
  { name: 'Remove member', on: MEMBERS, open: button(/^Remove /) },
  { name: 'New API key', on: KEYS, open: createKey },
  {
    name: 'Revoke an API key',
    on: KEYS,
    open: (page) =>
      page
        .getByTestId('api-keys-table')
        .getByRole('button', { name: /^Revoke / })
        .first()
        .click(),
  },
  { name: 'Add to org', on: /^\/admin\/users$/, open: button('Add to org…') },
  { name: 'Make platform admin', on: /^\/admin\/users$/, open: button('Make admin') },
  { name: 'Disable a user', on: /^\/admin\/users$/, open: button('Disable') },
  {
    name: 'Delete a report',
    on: /^\/orgs\/[^/]+\/reports$/,
    open: button(/^Delete Weekly summary/),
    offered: async (page) => (await page.getByRole('button', { name: /^Delete Weekly summary/ }).count()) > 0,
  },
  { name: 'MightyCall status', on: /^\/admin\/mightycall$/, open: button('Status') },
  { name: 'Disconnect MightyCall', on: /^\/admin\/mightycall$/, open: button('Disconnect…') },
];

/** Screens reached from a list rather than the navigation: a call's detail, the demo org's admin page. */
const detailLinks = (orgId: string): Array<{ from: RegExp; link: string }> => [
  { from: /^\/orgs\/[^/]+\/calls$/, link: '[data-testid="calls-table"] a[href*="/calls/"]' },
  { from: /^\/admin\/orgs$/, link: `[data-testid="orgs-table"] a[href="/admin/orgs/${orgId}"]` },
  { from: /^\/admin\/mail$/, link: '[data-testid="mail-table"] a[href^="/admin/mail/"]' },
];

let world: World;
let org: Org;

/** Opens each screen the role's navigation offers (and their detail screens) and each dialog there; axe on all. */
async function walk(who: { email: string; password: string }, role: string) {
  const { page, context, pageErrors } = await world.signedInPage(who);
  const findings: string[] = [];
  const screens: string[] = [];
  const dialogs: string[] = [];
  const check = async (path: string) => {
    await page.goto(path);
    await settled(page);
    screens.push(path);
    findings.push(...(await axeFindings(page, role)));
    // And on a phone, where the navigation collapses to a menu and tables change layout.
    await page.setViewportSize(PHONE);
    await settled(page);
    findings.push(...(await axeFindings(page, `${role}, at ${PHONE.width} px`)));
    await page.setViewportSize(DESKTOP);
    await settled(page);
    for (const dialog of DIALOGS.filter((d) => d.on.test(path))) {
      if (dialog.offered && !(await dialog.offered(page))) continue;
      await dialog.open(page);
      await page.locator('dialog[open]').waitFor();
      await settled(page);
      dialogs.push(dialog.name);
      findings.push(...(await axeFindings(page, `${role}, dialog "${dialog.name}"`, 'dialog[open]')));
      await page.keyboard.press('Escape');
      await page.waitForFunction(() => !document.querySelector('dialog[open]'));
    }
    for (const detail of detailLinks(org.id).filter((d) => d.from.test(path))) {
      const href = await page.locator(detail.link).first().getAttribute('href');
      if (!href) throw new Error(`${role}: ${path} has no link matching ${detail.link}`);
      await check(href);
    }
  };
  await page.goto(`/orgs/${org.id}`);
  // The dashboard's code has loaded: until then a loading screen may stand in for the whole frame, navigation too.
  await page.getByTestId('kpi-value-offeredCalls').waitFor();
  // The app's own screens (the API documentation opens in a new tab: Swagger UI, not this app).
  const links = await page
    .getByRole('navigation', { name: 'Main' })
    .locator('a[href^="/"]:not([target="_blank"])')
    .evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  if (links.length === 0) throw new Error(`${role}: the navigation offers no screen`);
  for (const path of links) await check(path);
  await context.close();
  return { findings, screens, dialogs, pageErrors };
}

describe('accessibility (axe, WCAG 2.1 AA): no critical or serious violation', () => {
  beforeAll(async () => {
    world = await createWorld();
    org = world.demoMember('org_admin of ').org;
    // A captured message, so the Sent mail page has one to open.
    const asked = await world.admin.send('POST', '/api/auth/forgot-password', { email: world.server.admin.email });
    if (asked.status !== 202) throw new Error(`forgot-password answered ${asked.status}`);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('on the public screens', async () => {
    const { page, context } = await openPage(world.browser, world.server.baseUrl);
    const findings: string[] = [];
    for (const path of [
      '/sign-in',
      '/accept-invite#token=not-a-real-token',
      '/forgot-password',
      '/reset-password#token=not-a-real-token-but-long-enough',
      '/verify-email#token=not-a-real-token-but-long-enough',
    ]) {
      await page.goto(path);
      await settled(page);
      findings.push(...(await axeFindings(page, 'signed out')));
    }
    await context.close();
    expect(findings).toEqual([]);
  });

  it('on the API documentation (Swagger UI, served by the app), at both sizes and with an operation open', async () => {
    const { page, context } = await world.signedInPage(world.server.admin);
    const findings: string[] = [];
    await page.goto('/api/docs');
    await page.locator('.swagger-ui .info .title').waitFor();
    await page.locator('.opblock').first().waitFor();
    findings.push(...(await axeFindings(page, 'API docs')));
    await page.locator('.opblock-summary').first().click();
    await page.locator('.opblock.is-open .opblock-body').waitFor();
    findings.push(...(await axeFindings(page, 'API docs, an operation open')));
    await page.setViewportSize(PHONE);
    await settled(page);
    findings.push(...(await axeFindings(page, `API docs, at ${PHONE.width} px`)));
    await context.close();
    expect(findings).toEqual([]);
  });

  it('on every screen and dialog of the platform admin', { timeout: 300_000 }, async () => {
    const result = await walk(world.server.admin, 'platform admin');
    for (const path of [
      '/admin/portfolio',
      '/admin/orgs',
      '/admin/numbers',
      '/admin/users',
      '/admin/keys',
      '/admin/audit',
    ]) {
      expect(result.screens).toContain(path);
    }
    expect(result.screens).toEqual(
      expect.arrayContaining([
        `/orgs/${org.id}/settings`,
        `/orgs/${org.id}/audit`,
        `/orgs/${org.id}/reports`,
        '/admin/mightycall',
        '/admin/mail',
      ]),
    );
    expect(result.screens.some((p) => /^\/admin\/mail\/[0-9a-f-]{36}$/.test(p))).toBe(true);
    expect(result.screens.some((p) => ORG_DETAIL.test(p))).toBe(true);
    expect(result.screens.some((p) => /^\/orgs\/[^/]+\/calls\/[^/]+$/.test(p))).toBe(true);
    // Every dialog of the app opened at least once.
    expect(new Set(result.dialogs)).toEqual(new Set(DIALOGS.map((d) => d.name)));
    expect(result.findings).toEqual([]);
    expect(result.pageErrors).toEqual([]);
  });

  for (const prefix of ['org_admin of ', 'org_manager of ', 'agent of ']) {
    it(`on every screen and dialog of the demo ${prefix.replace(' of ', '')}`, { timeout: 300_000 }, async () => {
      const { user } = world.demoMember(prefix);
      const result = await walk(user, prefix.trim());
      for (const screen of ['', '/calls', '/live']) expect(result.screens).toContain(`/orgs/${org.id}${screen}`);
      expect(result.screens.some((p) => /^\/orgs\/[^/]+\/calls\/[^/]+$/.test(p))).toBe(true);
      if (prefix === 'org_admin of ') {
        expect(result.screens).toContain(`/orgs/${org.id}/settings`);
        expect(result.screens).toContain(`/orgs/${org.id}/reports`);
        expect([...result.dialogs].sort()).toEqual(
          ['Delete a report', 'Edit member', 'Remove member', 'New API key', 'Revoke an API key'].sort(),
        );
      }
      expect(result.findings).toEqual([]);
      expect(result.pageErrors).toEqual([]);
    });
  }
});
