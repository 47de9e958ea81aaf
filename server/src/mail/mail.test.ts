// Mail through a real SMTP server started in the test: emailed invitations, password reset, verification, retries
// after the server was down, permanent failures, two runners on one database, and the Sent mail page's API.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../test/support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { createOrg, createUser } from '../../test/support/fixtures.js';
import { type Arrival, SMTP_PASSWORD, SMTP_USER, startTestSmtp, type TestSmtp } from '../../test/support/smtp.js';
import { createApp } from '../app.js';
import { systemPrincipal } from '../auth/principal.js';
import { loadConfig } from '../config.js';
import { withPrincipal } from '../db/tenant.js';
import type { App, AppDeps } from '../http/context.js';
import { createLogger } from '../http/logger.js';
import { createServices } from '../services.js';
import { enqueueMail } from './outbox.js';

const PUBLIC_URL = 'https://app.victorysync.test';
const MAIL_FROM = 'VictorySync <no-reply@victorysync.test>';
const PASSWORD = 'a-long-test-password-1';
const BACKOFF = { baseMs: 5, maxMs: 20 };

interface TestServer {
  app: App;
  deps: AppDeps;
  logs: string[];
}

function server(database: TestDatabase, env: Record<string, string>): TestServer {
  const logs: string[] = [];
  const config = loadConfig({ VICTORYSYNC_LOG_LEVEL: 'debug', ...env });
  const logger = createLogger(config.logLevel, (line) => {
    logs.push(line);
  });
  const deps = createServices({ config, database, logger }, { jobs: { mailBackoff: BACKOFF } });
  return { app: createApp(deps), deps, logs };
}

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** The single-use token of a link in a message (it travels in the URL's fragment). */
function tokenOf(url: string): string {
  const token = new URL(url).hash.replace(/^#token=/, '');
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return token;
}

function linkIn(arrival: Arrival, page: string): string {
  const found = (arrival.mail.text ?? '').match(new RegExp(`${PUBLIC_URL}/${page}#token=[A-Za-z0-9_-]+`));
  if (!found) throw new Error(`no ${page} link in: ${arrival.mail.text}`);
  return found[0];
}

async function outboxRow(database: TestDatabase, to: string) {
  return database.db
    .selectFrom('mail_outbox')
    .selectAll()
    .where('to_address', '=', to)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
}

describe.each(testTargets())('mail on %s', (target) => {
  let database: TestDatabase;
  let smtp: TestSmtp;
  let main: TestServer;
  let orgId: string;

  beforeAll(async () => {
    database = await openTestDatabase(target);
    smtp = await startTestSmtp();
    main = server(database, { SMTP_URL: smtp.url, MAIL_FROM, VICTORYSYNC_PUBLIC_URL: PUBLIC_URL });
    orgId = await createOrg(database, 'Bayside Dental');
    await createUser(database, 'owner@bayside.example', {
      password: PASSWORD,
      displayName: 'Olive Owner',
      memberships: [{ orgId, role: 'org_admin' }],
    });
  });
  afterAll(async () => {
    main.deps.mailer.close();
    await smtp.stop();
    await database.cleanup();
  });

  it('emails an invitation: headers, text and HTML parts with the org name, a link that proves the address', async () => {
    const owner = client(main.app);
    await owner.login('owner@bayside.example', PASSWORD);
    const invited = await owner.json<{ invitation: { id: string; delivery: string; email: string }; url: unknown }>(
      `/api/orgs/${orgId}/members`,
      json({ email: 'New.Hire@clinic.example', role: 'agent' }),
    );
    expect(invited.status).toBe(201);
    // Emailed: the inviter never sees the link, so accepting it proves the address.
    expect(invited.body.invitation.delivery).toBe('email');
    expect(invited.body.url).toBeNull();

    await main.deps.jobs.runDueJobs();
    expect(smtp.arrivals).toHaveLength(1);
    const [arrival] = smtp.arrivals;
    if (!arrival) throw new Error('no mail');
    expect(arrival.user).toBe(SMTP_USER);
    expect(arrival.envelope.to).toEqual(['new.hire@clinic.example']);
    expect(arrival.mail.from?.text).toBe('"VictorySync" <no-reply@victorysync.test>');
    expect(arrival.mail.subject).toBe("You're invited to Bayside Dental on VictorySync");
    expect(arrival.mail.messageId).toMatch(/^<[0-9a-f-]{36}@victorysync\.test>$/);
    expect(arrival.mail.text).toContain('Olive Owner invited you to join Bayside Dental as an agent');
    expect(arrival.mail.html).toContain('Join Bayside Dental on VictorySync');
    const link = linkIn(arrival, 'accept-invite');
    expect(arrival.mail.html).toContain(`href="${link}"`);
    expect(arrival.mail.attachments).toEqual([]);

    // Following the link: the accept page posts the fragment's token; the account is made with a proven address.
    const invitee = client(main.app);
    const accepted = await invitee.json<{ user: { email: string } }>(
      '/api/auth/accept-invite',
      json({ token: tokenOf(link), password: 'the new hire password' }),
    );
    expect(accepted.status).toBe(200);
    expect(accepted.body.user.email).toBe('new.hire@clinic.example');
    const user = await database.db
      .selectFrom('users')
      .select('email_verified_at')
      .where('email', '=', 'new.hire@clinic.example')
      .executeTakeFirstOrThrow();
    expect(user.email_verified_at).not.toBeNull();

    // Sent: the bodies (with the token) are no longer kept; the status is.
    const row = await outboxRow(database, 'new.hire@clinic.example');
    expect([row.status, row.attempts, row.text_body, row.html_body, row.last_error]).toEqual([
      'sent',
      1,
      null,
      null,
      null,
    ]);
    // The SMTP password is nowhere in the logs.
    expect(main.logs.join('\n')).not.toContain(SMTP_PASSWORD);
  });

  it('re-sends an invitation with a new link (the old one dies) and revokes it', async () => {
    const owner = client(main.app);
    await owner.login('owner@bayside.example', PASSWORD);
    const first = await owner.json<{ invitation: { id: string } }>(
      `/api/orgs/${orgId}/members`,
      json({ email: 'resend@clinic.example', role: 'org_manager' }),
    );
    await main.deps.jobs.runDueJobs();
    const before = smtp.arrivals.length;
    const resent = await owner.json<{ invitation: { id: string; status: string }; url: unknown }>(
      `/api/orgs/${orgId}/invitations/${first.body.invitation.id}/reissue`,
      { method: 'POST' },
    );
    expect(resent.status).toBe(201);
    expect(resent.body.url).toBeNull();
    await main.deps.jobs.runDueJobs();
    const mails = smtp.arrivals.filter((a) => a.envelope.to[0] === 'resend@clinic.example');
    expect(smtp.arrivals.length - before).toBe(1);
    expect(mails).toHaveLength(2);
    const [oldMail, newMail] = mails;
    if (!oldMail || !newMail) throw new Error('mails');
    const oldToken = tokenOf(linkIn(oldMail, 'accept-invite'));
    const stale = await client(main.app).json<{ error: { code: string } }>(
      '/api/auth/accept-invite',
      json({ token: oldToken, password: 'a password long enough' }),
    );
    expect([stale.status, stale.body.error.code]).toEqual([400, 'invite_invalid']);

    const revoked = await owner.json<{ invitation: { status: string } }>(
      `/api/orgs/${orgId}/invitations/${resent.body.invitation.id}`,
      { method: 'DELETE' },
    );
    expect(revoked.body.invitation.status).toBe('revoked');
    const dead = await client(main.app).json<{ error: { code: string } }>(
      '/api/auth/accept-invite',
      json({ token: tokenOf(linkIn(newMail, 'accept-invite')), password: 'a password long enough' }),
    );
    expect([dead.status, dead.body.error.code]).toEqual([400, 'invite_invalid']);
  });

  it('emails the invite of a user a platform admin made without a password; a new invite kills the old link', async () => {
    await createUser(database, 'root@agency.example', {
      password: PASSWORD,
      platformAdmin: true,
      displayName: 'Rita Root',
    });
    const root = client(main.app);
    await root.login('root@agency.example', PASSWORD);
    const created = await root.json<{ user: { id: string }; invite: unknown; emailedTo: string | null }>(
      '/api/admin/users',
      json({ email: 'Fresh.Start@agency.example', displayName: 'Fresh Start' }),
    );
    expect(created.status).toBe(201);
    // Emailed: the admin is told where the link went, and never sees it.
    expect(created.body.invite).toBeNull();
    expect(created.body.emailedTo).toBe('fresh.start@agency.example');
    await main.deps.jobs.runDueJobs();
    const first = smtp.arrivals.filter((a) => a.envelope.to[0] === 'fresh.start@agency.example');
    expect(first).toHaveLength(1);
    const [mail] = first;
    if (!mail) throw new Error('no mail');
    expect(mail.mail.subject).toBe('Your VictorySync account is ready');
    expect(mail.mail.text).toContain('Rita Root made you a VictorySync account');
    const oldLink = linkIn(mail, 'accept-invite');
    expect(mail.mail.html).toContain(`href="${oldLink}"`);

    const again = await root.json<{ invite: unknown; emailedTo: string | null }>(
      `/api/admin/users/${created.body.user.id}/invite`,
      { method: 'POST' },
    );
    expect([again.status, again.body.invite, again.body.emailedTo]).toEqual([201, null, 'fresh.start@agency.example']);
    await main.deps.jobs.runDueJobs();
    const both = smtp.arrivals.filter((a) => a.envelope.to[0] === 'fresh.start@agency.example');
    expect(both).toHaveLength(2);
    const stale = await client(main.app).json<{ error: { code: string } }>(
      '/api/auth/accept-invite',
      json({ token: tokenOf(oldLink), password: 'a password long enough' }),
    );
    expect([stale.status, stale.body.error.code]).toEqual([400, 'invite_invalid']);
    const newLink = both[1] ? linkIn(both[1], 'accept-invite') : '';
    const invitee = client(main.app);
    const accepted = await invitee.json<{ user: { email: string } }>(
      '/api/auth/accept-invite',
      json({ token: tokenOf(newLink), password: 'a password long enough' }),
    );
    expect(accepted.status).toBe(200);
    await invitee.login('fresh.start@agency.example', 'a password long enough');
  });

  it('forgot password: the same answer for any address; the SMTP server down then up gets the link once', async () => {
    await createUser(database, 'forgetful@bayside.example', {
      password: PASSWORD,
      memberships: [{ orgId, role: 'agent' }],
    });
    const browser = client(main.app);
    await browser.login('forgetful@bayside.example', PASSWORD);
    expect((await browser.request('/api/me')).status).toBe(200);

    await smtp.stop();
    const known = await client(main.app).request(
      '/api/auth/forgot-password',
      json({ email: 'Forgetful@bayside.example' }),
    );
    const unknown = await client(main.app).request(
      '/api/auth/forgot-password',
      json({ email: 'nobody@bayside.example' }),
    );
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(await known.text()).toBe(await unknown.text());

    // The server is down: the message waits, with the network's error, and is tried again later.
    await main.deps.jobs.runDueJobs();
    const waiting = await outboxRow(database, 'forgetful@bayside.example');
    expect(waiting.status).toBe('queued');
    expect(waiting.last_error).toMatch(/ECONNREFUSED/);
    expect(
      await database.db
        .selectFrom('mail_outbox')
        .select('id')
        .where('to_address', '=', 'nobody@bayside.example')
        .execute(),
    ).toEqual([]);

    await smtp.start();
    const before = smtp.arrivals.length;
    for (let i = 0; i < 5; i++) {
      await sleep(BACKOFF.maxMs + 5);
      await main.deps.jobs.runDueJobs();
    }
    const arrived = smtp.arrivals.slice(before);
    expect(arrived.map((a) => a.envelope.to)).toEqual([['forgetful@bayside.example']]);
    const [mail] = arrived;
    if (!mail) throw new Error('no mail');
    expect(mail.mail.subject).toBe('Reset your VictorySync password');
    expect(mail.mail.text).toContain('within 60 minutes');
    expect(mail.mail.html).toContain('Choose a new password');
    expect((await outboxRow(database, 'forgetful@bayside.example')).status).toBe('sent');

    // The link resets the password once; the old session ends; the new password signs in.
    const token = tokenOf(linkIn(mail, 'reset-password'));
    const reset = await client(main.app).json(
      '/api/auth/reset-password',
      json({ token, password: 'a brand new password' }),
    );
    expect(reset).toEqual({ status: 200, body: { reset: true } });
    expect((await browser.request('/api/me')).status).toBe(401);
    const again = await client(main.app).json<{ error: { code: string } }>(
      '/api/auth/reset-password',
      json({ token, password: 'yet another password' }),
    );
    expect([again.status, again.body.error.code]).toEqual([400, 'token_invalid']);
    const fresh = client(main.app);
    await fresh.login('forgetful@bayside.example', 'a brand new password');
    const me = await fresh.json<{ emailVerified: boolean }>('/api/me');
    expect(me.body.emailVerified).toBe(true);
    const hash = await database.db
      .selectFrom('account_tokens')
      .select('token_hash')
      .where('purpose', '=', 'password_reset')
      .execute();
    expect(hash.map((h) => Buffer.from(h.token_hash).toString('base64url'))).not.toContain(token);
  });

  it('limits reset requests per address, with the same answer for addresses with and without an account', async () => {
    const ask = (email: string) => client(main.app).request('/api/auth/forgot-password', json({ email }));
    for (let i = 0; i < 3; i++) {
      expect((await ask('limited@bayside.example')).status).toBe(202);
      expect((await ask('owner@bayside.example')).status).toBe(202);
    }
    const known = await ask('owner@bayside.example');
    const unknown = await ask('limited@bayside.example');
    expect([known.status, unknown.status]).toEqual([429, 429]);
    expect(known.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('verifies an unproven address with an emailed link', async () => {
    await createUser(database, 'unproven@bayside.example', {
      password: PASSWORD,
      memberships: [{ orgId, role: 'agent' }],
    });
    const user = client(main.app);
    await user.login('unproven@bayside.example', PASSWORD);
    expect((await user.json<{ emailVerified: boolean }>('/api/me')).body.emailVerified).toBe(false);
    const sent = await user.json('/api/auth/verify-email/send', { method: 'POST' });
    expect(sent).toEqual({ status: 202, body: { sentTo: 'unproven@bayside.example' } });
    await main.deps.jobs.runDueJobs();
    const mail = smtp.arrivals.find((a) => a.envelope.to[0] === 'unproven@bayside.example');
    if (!mail) throw new Error('no mail');
    expect(mail.mail.subject).toBe('Confirm your email address for VictorySync');
    const verified = await client(main.app).json(
      '/api/auth/verify-email',
      json({ token: tokenOf(linkIn(mail, 'verify-email')) }),
    );
    expect(verified).toEqual({ status: 200, body: { verified: true } });
    expect((await user.json<{ emailVerified: boolean }>('/api/me')).body.emailVerified).toBe(true);
    const twice = await user.json<{ error: { code: string } }>('/api/auth/verify-email/send', { method: 'POST' });
    expect([twice.status, twice.body.error.code]).toEqual([409, 'email_already_verified']);
  });

  it('a message the server refuses ends failed with its error at once; one that keeps failing ends failed too', async () => {
    const write = (to: string) =>
      withPrincipal(database.db, systemPrincipal('test'), (tx) =>
        enqueueMail(tx, {
          idempotencyKey: `test:${to}`,
          purpose: 'test',
          orgId,
          to,
          subject: 'A test',
          text: 'Hello',
          html: '<p>Hello</p>',
        }),
      );
    await write('bounce@clinic.example');
    await main.deps.jobs.runDueJobs();
    const refused = await outboxRow(database, 'bounce@clinic.example');
    expect([refused.status, refused.attempts, refused.text_body]).toEqual(['failed', 1, null]);
    expect(refused.last_error).toContain('550 5.1.1 No such mailbox here');

    // A server nobody listens on: every attempt fails, then the message ends failed with the network's error.
    const closed = await startTestSmtp();
    await closed.stop();
    const nowhere = server(database, { SMTP_URL: closed.url, MAIL_FROM, VICTORYSYNC_PUBLIC_URL: PUBLIC_URL });
    await write('patient@clinic.example');
    for (let i = 0; i < 12; i++) {
      await nowhere.deps.jobs.runDueJobs();
      await sleep(BACKOFF.maxMs + 5);
    }
    const gaveUp = await outboxRow(database, 'patient@clinic.example');
    expect([gaveUp.status, gaveUp.attempts]).toEqual(['failed', 8]);
    expect(gaveUp.last_error).toMatch(/ECONNREFUSED/);
    expect(gaveUp.last_error).not.toContain(SMTP_PASSWORD);
    const job = await database.db
      .selectFrom('jobs')
      .select(['status', 'attempts', 'last_error'])
      .where('key', '=', gaveUp.id)
      .executeTakeFirstOrThrow();
    expect([job.status, job.attempts]).toEqual(['failed', 8]);
    expect(nowhere.logs.join('\n')).not.toContain(SMTP_PASSWORD);
    nowhere.deps.mailer.close();
  });

  it('two app instances on one database send a message once, and a second enqueue of its key is ignored', async () => {
    const other = server(database, { SMTP_URL: smtp.url, MAIL_FROM, VICTORYSYNC_PUBLIC_URL: PUBLIC_URL });
    const write = () =>
      withPrincipal(database.db, systemPrincipal('test'), (tx) =>
        enqueueMail(tx, {
          idempotencyKey: 'report:once',
          purpose: 'test',
          orgId,
          to: 'once@clinic.example',
          subject: 'Exactly once',
          text: 'Once',
          html: '<p>Once</p>',
          attachments: [{ filename: 'calls.csv', contentType: 'text/csv', content: Buffer.from('id\n1\n') }],
        }),
      );
    expect(await write()).toMatch(/^[0-9a-f-]{36}$/);
    expect(await write()).toBeNull();
    await Promise.all([main.deps.jobs.runDueJobs(), other.deps.jobs.runDueJobs()]);
    await Promise.all([main.deps.jobs.runDueJobs(), other.deps.jobs.runDueJobs()]);
    const arrived = smtp.arrivals.filter((a) => a.envelope.to[0] === 'once@clinic.example');
    expect(arrived).toHaveLength(1);
    expect(arrived[0]?.mail.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([
      ['calls.csv', 'id\n1\n'],
    ]);
    other.deps.mailer.close();
  });

  it('shows platform admins the outbox (never the SMTP password); org admins are refused', async () => {
    await createUser(database, 'root@example.com', { platformAdmin: true, password: PASSWORD });
    const admin = client(main.app);
    await admin.login('root@example.com', PASSWORD);
    const list = await admin.request('/api/admin/mail?status=failed');
    const text = await list.text();
    expect(list.status).toBe(200);
    expect(text).not.toContain(SMTP_PASSWORD);
    const body = JSON.parse(text) as {
      mode: { mode: string; smtp: string };
      messages: Array<{ to: string; status: string; lastError: string; orgName: string | null }>;
    };
    expect(body.mode).toEqual({
      mode: 'smtp',
      from: MAIL_FROM,
      smtp: `smtp://${encodeURIComponent(SMTP_USER)}@127.0.0.1:${smtp.port}`,
    });
    expect(body.messages.map((m) => [m.to, m.status, m.orgName])).toEqual([
      ['patient@clinic.example', 'failed', 'Bayside Dental'],
      ['bounce@clinic.example', 'failed', 'Bayside Dental'],
    ]);
    const owner = client(main.app);
    await owner.login('owner@bayside.example', PASSWORD);
    expect((await owner.request('/api/admin/mail')).status).toBe(403);
  });
});

describe.each(testTargets())('captured mail (no SMTP_URL) on %s', (target) => {
  let database: TestDatabase;
  let demo: TestServer;

  beforeAll(async () => {
    database = await openTestDatabase(target);
    demo = server(database, {});
  });
  afterAll(async () => {
    await database.cleanup();
  });

  it('keeps an invitation for the Sent mail page and shows the inviter its link', async () => {
    const orgId = await createOrg(database, 'Harbor Vets');
    await createUser(database, 'root@example.com', { platformAdmin: true, password: PASSWORD });
    const admin = client(demo.app);
    await admin.login('root@example.com', PASSWORD);
    const invited = await admin.json<{ invitation: { delivery: string }; url: string }>(
      `/api/admin/orgs/${orgId}/members`,
      json({ email: 'vet@harbor.example', role: 'org_admin' }),
    );
    expect(invited.status).toBe(201);
    // Not emailed: the inviter may pass the link on, so accepting it proves nothing about the address.
    expect(invited.body.invitation.delivery).toBe('link');
    expect(invited.body.url).toMatch(/^http:\/\/localhost\/accept-invite#token=/);
    await demo.deps.jobs.runDueJobs();

    const list = await admin.json<{ mode: { mode: string }; messages: Array<{ id: string; status: string }> }>(
      '/api/admin/mail',
    );
    expect(list.body.mode.mode).toBe('capture');
    expect(list.body.messages.map((m) => m.status)).toEqual(['captured']);
    const id = list.body.messages[0]?.id ?? '';
    const opened = await admin.json<{
      message: { subject: string; text: string; html: string; orgName: string; attachments: unknown[] };
    }>(`/api/admin/mail/${id}`);
    expect(opened.body.message.subject).toBe("You're invited to Harbor Vets on VictorySync");
    expect(opened.body.message.orgName).toBe('Harbor Vets');
    expect(opened.body.message.text).toContain(invited.body.url);
    expect(opened.body.message.html).toContain('Join Harbor Vets on VictorySync');
    expect(opened.body.message.attachments).toEqual([]);
    expect((await admin.request('/api/admin/mail/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});
