// Invited users: the admin's one-time link opens a page that sets the password, signs in, and then stops working.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Invite, Me, Org, User } from '../web/src/api/types.js';
import { sessionClient } from './support/api.js';
import { openPage, signIn } from './support/browser.js';
import { createWorld, type World } from './support/world.js';

const PASSWORD = 'harbor-lights-at-dawn-42';

let world: World;
let org: Org;

/** The link as the invited user gets it, minus the host: the test server stands in for the public URL. */
function pathAndHash(url: string): string {
  const link = new URL(url);
  return `${link.pathname}${link.hash}`;
}

async function fillPasswords(page: Page, password: string, confirm: string): Promise<void> {
  await page.getByLabel('New password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password', { exact: true }).fill(confirm);
  await page.getByRole('button', { name: 'Set password and sign in' }).click();
}

/** Status of a login with these credentials, without throwing on refusal (sessionClient throws). */
async function loginStatus(email: string, password: string): Promise<number> {
  const base = world.server.baseUrl;
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email, password }),
  });
  return res.status;
}

describe('accepting an invite', () => {
  beforeAll(async () => {
    world = await createWorld();
    const first = world.orgs[0];
    if (!first) throw new Error('the demo has no orgs');
    org = first;
  });
  afterAll(async () => {
    await world?.close();
  });

  it('sets the password from the link, lands in the org signed in, and the link then stops working', async () => {
    // Given: a platform admin creates a user without a password and adds them to an org, as the Users page does.
    const email = `invited.agent.${Date.now()}@victorysync.test`;
    const created = await world.admin.send<{ user: User; invite: Invite | null }>('POST', '/api/admin/users', {
      email,
      displayName: 'Pending Person',
    });
    expect(created.status).toBe(201);
    expect(created.body.user.status).toBe('invited');
    const invite = created.body.invite;
    if (!invite) throw new Error('creating a user without a password gave no invite');
    expect(invite.url).toContain(`/accept-invite#token=${invite.token}`);
    const added = await world.admin.send('POST', `/api/admin/orgs/${org.id}/members`, { email, role: 'agent' });
    expect(added.status).toBe(201);

    // When: the invited user opens the link.
    const tab = await openPage(world.browser, world.server.baseUrl);
    const page = tab.page;
    const accepts: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/auth/accept-invite') accepts.push(r.method());
    });
    await page.goto(pathAndHash(invite.url));
    await page.getByLabel('New password', { exact: true }).waitFor();

    // Then: the page is public, and the token is gone from the address bar once read.
    await expect.poll(() => new URL(page.url()).hash).toBe('');
    expect(new URL(page.url()).pathname).toBe('/accept-invite');
    expect(page.url()).not.toContain(invite.token);

    // Mistakes are caught in the page: a mismatch, then a too-short password.
    await fillPasswords(page, PASSWORD, `${PASSWORD}!`);
    await page.getByText('The passwords do not match.').waitFor();
    await fillPasswords(page, 'too-short', 'too-short');
    await page.getByText('Use at least 12 characters.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/accept-invite');

    // A valid password, with a name of their own, signs them in to their org's dashboard.
    await page.getByLabel('Display name (optional)').fill('Dana Invited');
    await fillPasswords(page, PASSWORD, PASSWORD);
    await page.waitForURL((url) => url.pathname === `/orgs/${org.id}`);
    await page.getByRole('heading', { level: 1, name: org.name }).waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toBe(`Dana Invited · ${email}`);
    expect(await page.getByTestId('org-switcher').locator('option').allTextContents()).toEqual([org.name]);
    // Exactly one request went out: the two mistakes above never reached the server.
    expect(accepts).toEqual(['POST']);

    // The new password signs in through the API too, as that user, member of that org.
    const asInvited = await sessionClient(world.server.baseUrl, email, PASSWORD);
    const me = await asInvited.get<Me>('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user?.email).toBe(email);
    expect(me.body.user?.displayName).toBe('Dana Invited');
    expect(me.body.memberships.map((m) => m.orgId)).toEqual([org.id]);

    // The same link in a fresh browser is spent: a friendly message, and the password stays as it was.
    const again = await openPage(world.browser, world.server.baseUrl);
    await again.page.goto(pathAndHash(invite.url));
    await fillPasswords(again.page, 'someone-elses-password', 'someone-elses-password');
    await again.page.getByText('This invite has expired or was already used').waitFor();
    expect(await again.page.getByLabel('New password', { exact: true }).count()).toBe(0);
    expect(await loginStatus(email, 'someone-elses-password')).toBe(401);
    expect(await loginStatus(email, PASSWORD)).toBe(200);

    expect(tab.pageErrors).toEqual([]);
    expect(again.pageErrors).toEqual([]);
    await tab.context.close();
    await again.context.close();
  });

  it('a link without its token says so, offers sign-in, and shows no form', async () => {
    const tab = await openPage(world.browser, world.server.baseUrl);
    await tab.page.goto('/accept-invite?token=not-in-the-fragment-so-never-read');
    await tab.page.getByText('This invite link is incomplete — ask your administrator for a new one.').waitFor();
    expect(new URL(tab.page.url()).pathname).toBe('/accept-invite');
    expect(await tab.page.getByLabel('New password', { exact: true }).count()).toBe(0);
    await tab.page.getByRole('link', { name: 'Sign in' }).click();
    await tab.page.waitForURL((url) => url.pathname === '/sign-in');
    expect(tab.pageErrors).toEqual([]);
    await tab.context.close();
  });

  it('an org admin invites by email, copies the whole link, and the invitee joins only by accepting it', async () => {
    // Given: the demo org's admin on the org settings page.
    const owner = world.demoUser('org_admin of ');
    const ownerOrg = world.orgs.find((o) => owner.role.endsWith(o.name));
    if (!ownerOrg) throw new Error(`no org for ${owner.role}`);
    const adminTab = await openPage(world.browser, world.server.baseUrl);
    await adminTab.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await signIn(adminTab.page, owner.email, owner.password);
    await adminTab.page.goto(`/orgs/${ownerOrg.id}/settings`);
    const email = `new.supervisor.${Date.now()}@victorysync.test`;
    const form = adminTab.page.getByRole('form', { name: 'Add a member' });
    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Role').selectOption('org_manager');
    await form.getByRole('button', { name: 'Invite' }).click();

    // Then: an absolute one-time link with a copy button, a pending row, and no member yet.
    const field = adminTab.page.getByLabel(`Invitation link for ${email}`, { exact: true });
    await field.waitFor();
    const link = await field.inputValue();
    expect(link).toMatch(new RegExp(`^${world.server.baseUrl}/accept-invite#token=`));
    await adminTab.page.getByRole('button', { name: `Copy the invitation link for ${email}` }).click();
    await expect.poll(() => adminTab.page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    const pending = adminTab.page.getByTestId('invitations-table').getByRole('row', { name: new RegExp(email) });
    await expect.poll(() => pending.textContent()).toContain('pending');
    expect(await adminTab.page.getByTestId('members-table').getByText(email).count()).toBe(0);

    // When: the invitee opens the link and sets a password.
    const invitee = await openPage(world.browser, world.server.baseUrl);
    await invitee.page.goto(pathAndHash(link));
    await fillPasswords(invitee.page, PASSWORD, PASSWORD);
    await invitee.page.waitForURL((url) => url.pathname === `/orgs/${ownerOrg.id}`);

    // Then: they are a manager of the org, and the admin sees the invitation accepted.
    const asInvitee = await sessionClient(world.server.baseUrl, email, PASSWORD);
    const me = await asInvitee.get<Me>('/api/me');
    expect(me.body.memberships).toEqual([expect.objectContaining({ orgId: ownerOrg.id, role: 'org_manager' })]);
    await adminTab.page.reload();
    await expect
      .poll(() =>
        adminTab.page
          .getByTestId('invitations-table')
          .getByRole('row', { name: new RegExp(email) })
          .textContent(),
      )
      .toContain('accepted');
    await adminTab.page.getByTestId('members-table').getByText(email).waitFor();

    // An address that already has an account: the link asks its holder to sign in; signed in, they join.
    const existing = world.demoUser('agent of ');
    const other = world.orgs.find((o) => !existing.role.endsWith(o.name));
    if (!other) throw new Error('the demo needs a second org');
    const invited = await world.admin.send<{ url: string | null }>('POST', `/api/orgs/${other.id}/members`, {
      email: existing.email,
      role: 'agent',
    });
    expect(invited.status).toBe(201);
    const url = invited.body.url ?? '';
    const stranger = await openPage(world.browser, world.server.baseUrl);
    await stranger.page.goto(pathAndHash(url));
    await fillPasswords(stranger.page, 'a-password-somebody-picks', 'a-password-somebody-picks');
    await stranger.page.getByText('This email address already has a VictorySync account').waitFor();
    expect(await loginStatus(existing.email, 'a-password-somebody-picks')).toBe(401);
    const holder = await world.signedInPage(existing);
    await holder.page.goto(pathAndHash(url));
    await holder.page.getByRole('button', { name: `Join as ${existing.email}` }).click();
    await holder.page.waitForURL((u) => u.pathname !== '/accept-invite');
    const joined = await (await sessionClient(world.server.baseUrl, existing.email, existing.password)).get<Me>(
      '/api/me',
    );
    expect(joined.body.memberships.map((m) => m.orgId)).toContain(other.id);

    for (const tab of [adminTab, invitee, stranger, holder]) {
      expect(tab.pageErrors).toEqual([]);
      await tab.context.close();
    }
  });
  it('a platform admin invites a user: a whole link to copy; a new link replaces it; a revoked one stops working', async () => {
    const tab = await openPage(world.browser, world.server.baseUrl);
    await tab.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await signIn(tab.page, world.server.admin.email, world.server.admin.password);
    const page = tab.page;
    await page.goto('/admin/users');
    const email = `platform.invitee.${Date.now()}@victorysync.test`;
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Display name', { exact: true }).fill('Platform Invitee');
    await page.getByRole('button', { name: 'Create user' }).click();

    // The link is whole (the server's public URL), with a copy button.
    const field = page.getByLabel(`Invite link for ${email}`, { exact: true });
    await field.waitFor();
    const first = await field.inputValue();
    expect(first).toMatch(new RegExp(`^${world.server.baseUrl}/accept-invite#token=`));
    await page.getByRole('button', { name: `Copy the invite link for ${email}` }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(first);

    // A new link replaces it, and the first one no longer works.
    await page.getByRole('button', { name: `New link for ${email}` }).click();
    await expect.poll(() => field.inputValue()).not.toBe(first);
    const second = await field.inputValue();
    expect(second).toMatch(new RegExp(`^${world.server.baseUrl}/accept-invite#token=`));
    const spent = async (link: string) => {
      const other = await openPage(world.browser, world.server.baseUrl);
      await other.page.goto(pathAndHash(link));
      await fillPasswords(other.page, PASSWORD, PASSWORD);
      await other.page.getByText('This invite has expired or was already used').waitFor();
      await other.context.close();
    };
    await spent(first);

    // Revoked, the second one stops working too; nobody set a password.
    await page.getByRole('button', { name: `Revoke invite of ${email}` }).click();
    await page.getByText(`The invite link for ${email} no longer works.`).waitFor();
    await spent(second);
    expect(await loginStatus(email, PASSWORD)).toBe(401);
    expect(tab.pageErrors).toEqual([]);
    await tab.context.close();
  });
});
