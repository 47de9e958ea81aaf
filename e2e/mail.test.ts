// Mail in the demo (no SMTP_URL, so messages are captured): an org admin invites someone, the platform admin reads the
// message on the Sent mail page, and its link accepts the invitation; forgot password → mail → reset → sign in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailMessage, MailSummary } from '../web/src/api/types.js';
import { eventually } from './support/api.js';
import { openPage, screenshots, signIn } from './support/browser.js';
import { createWorld, type World } from './support/world.js';

const PASSWORD = 'lighthouse-keeper-at-noon-7';

let world: World;

/** The link in a message's text part, as a path and fragment on the test server. */
function linkPath(text: string, page: string): string {
  const found = text.match(new RegExp(`https?://[^\\s]+/${page}#token=[A-Za-z0-9_-]+`));
  if (!found) throw new Error(`no ${page} link in:\n${text}`);
  const url = new URL(found[0]);
  return `${url.pathname}${url.hash}`;
}

/** The newest captured message to `to`, whole, read as the platform admin. */
async function newestMailTo(to: string): Promise<MailMessage> {
  const list = await eventually(
    () => world.admin.get<{ messages: MailSummary[] }>(`/api/admin/mail?to=${encodeURIComponent(to)}`),
    (res) => res.body.messages.some((m) => m.status === 'captured'),
  );
  const newest = list.body.messages.find((m) => m.status === 'captured');
  if (!newest) throw new Error('no captured mail');
  const opened = await world.admin.get<{ message: MailMessage }>(`/api/admin/mail/${newest.id}`);
  return opened.body.message;
}

describe('mail in the demo', () => {
  beforeAll(async () => {
    world = await createWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('invite → the message on the Sent mail page → its link accepts the invitation', async () => {
    const { user: orgAdmin, org } = world.demoMember('org_admin of ');
    const email = `mailed.invitee.${Date.now()}@victorysync.test`;

    // The org admin invites by email: told it was sent, and (no SMTP here) shown the link to copy.
    const adminTab = await world.signedInPage(orgAdmin);
    await adminTab.page.goto(`/orgs/${org.id}/settings`);
    await adminTab.page.getByLabel('Email', { exact: true }).fill(email);
    await adminTab.page.getByRole('button', { name: 'Invite', exact: true }).click();
    await adminTab.page.getByText(`Invitation sent to ${email}.`, { exact: false }).waitFor();
    await adminTab.page.getByLabel(`Invitation link for ${email}`, { exact: true }).waitFor();

    // The platform admin finds it on Sent mail and opens it.
    const platform = await world.signedInPage(world.server.admin);
    await platform.page.goto('/admin/mail');
    await platform.page.getByTestId('mail-table').waitFor();
    await screenshots(platform.page, 'sent-mail');
    const subject = `You're invited to ${org.name} on VictorySync`;
    await platform.page.getByRole('link', { name: subject }).first().click();
    await platform.page.getByRole('heading', { level: 1, name: subject }).waitFor();
    const headers = await platform.page.getByTestId('mail-headers').textContent();
    expect(headers).toContain(email);
    expect(await platform.page.getByTitle(`HTML part of ${subject}`).getAttribute('sandbox')).toBe('');
    await screenshots(platform.page, 'sent-mail-message');
    const text = (await platform.page.getByTestId('mail-text').textContent()) ?? '';
    expect(text).toContain(`to join ${org.name} as an agent`);

    // The invitee follows the link from the message.
    const invitee = await openPage(world.browser, world.server.baseUrl);
    await invitee.page.goto(linkPath(text, 'accept-invite'));
    await invitee.page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await invitee.page.getByLabel('Confirm password', { exact: true }).fill(PASSWORD);
    await invitee.page.getByRole('button', { name: 'Set password and sign in' }).click();
    await invitee.page.waitForURL((url) => url.pathname === `/orgs/${org.id}`);
    expect(await invitee.page.getByTestId('signed-in-as').textContent()).toContain(email);

    for (const tab of [adminTab, platform, invitee]) {
      expect(tab.pageErrors).toEqual([]);
      await tab.context.close();
    }
  });

  it('forgot password → the reset mail → a new password signs in, and the old session has ended', async () => {
    const { user } = world.demoMember('agent of ');
    const signedIn = await world.signedInPage(user);
    await signedIn.page.goto('/');
    await signedIn.page.getByTestId('signed-in-as').waitFor();

    const tab = await openPage(world.browser, world.server.baseUrl);
    await tab.page.goto('/sign-in');
    await tab.page.getByRole('link', { name: 'Forgot your password?' }).click();
    await tab.page.getByLabel('Email').fill(user.email);
    await tab.page.getByRole('button', { name: 'Send the reset link' }).click();
    await tab.page.getByText('If an account uses this address, a link to reset its password is on its way.').waitFor();

    const mail = await newestMailTo(user.email);
    expect(mail.subject).toBe('Reset your VictorySync password');
    expect(mail.html).toContain('Choose a new password');
    await tab.page.goto(linkPath(mail.text ?? '', 'reset-password'));
    await expect.poll(() => new URL(tab.page.url()).hash).toBe('');
    await tab.page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await tab.page.getByLabel('Confirm password', { exact: true }).fill(PASSWORD);
    await tab.page.getByRole('button', { name: 'Save the new password' }).click();
    await tab.page.getByText('Your password is changed').waitFor();

    await signIn(tab.page, user.email, PASSWORD);
    await tab.page.getByTestId('signed-in-as').waitFor();

    // The session opened before the reset has ended: the next page load goes to sign-in.
    await signedIn.page.reload();
    await signedIn.page.waitForURL((url) => url.pathname === '/sign-in');

    for (const t of [signedIn, tab]) {
      expect(t.pageErrors).toEqual([]);
      await t.context.close();
    }
  });
});
