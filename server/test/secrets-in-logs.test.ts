// Secrets never reach the logs: a whole run through the in-process app with the logger at debug — sign-in
// (and a wrong password), API keys made and used (and a forged one), act-as, an invite accepted, a MightyCall
// connection tested, synced and fed webhooks — then every captured line (and the audit log) is searched for
// every secret the run handled.
import {
  DEMO_API_KEY,
  DEMO_USER_KEY,
  type RunningSimulator,
  startSimulator,
  type WebhookEnvelope,
} from '@victorysync/mightycall-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../src/auth/tokens.js';
import { ORIGIN } from './support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from './support/database.js';
import { createUser } from './support/fixtures.js';
import { mightyCallApp, TEST_SECRET_KEY, type TestServer } from './support/mightycall.js';

describe.each(testTargets())('secrets in the logs on %s', (target) => {
  let database: TestDatabase;
  let sim: RunningSimulator;
  let server: TestServer;
  /** every secret value the scenario handled, by what it is */
  const secrets = new Map<string, string>();
  /** MightyCall access and refresh tokens, read off the token responses the server received */
  const providerTokens: string[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(target);
    sim = await startSimulator({ port: 0, demo: { historyDays: 1 } });
    const recordingFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (String(input instanceof Request ? input.url : input).includes('/auth/token')) {
        const body = (await res.clone().json()) as { access_token?: string; refresh_token?: string };
        for (const t of [body.access_token, body.refresh_token]) if (t) providerTokens.push(t);
      }
      return res;
    };
    server = mightyCallApp(database, { fetch: recordingFetch }, { VICTORYSYNC_LOG_LEVEL: 'debug' });
  });
  afterAll(async () => {
    await server.runtime.stop();
    await sim.close();
    await database.cleanup();
  });

  const send = (path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) =>
    server.app.request(`${ORIGIN}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.method && init.method !== 'GET' ? { origin: ORIGIN } : {}),
        ...init.headers,
      },
      ...(init.body === undefined
        ? {}
        : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
    });
  const sessionOf = (res: Response) => /vs_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? '';

  it('never writes a password, token, API key or provider credential to a log line', async () => {
    const password = 'correct horse battery staple 42';
    const wrongPassword = 'not-the-password-but-still-a-secret-17';
    secrets.set('password', password);
    secrets.set('wrong password', wrongPassword);
    secrets.set('secret key', TEST_SECRET_KEY);
    await createUser(database, 'root@secrets.example', { platformAdmin: true, password });

    // Sign-in: a wrong password first, then the right one.
    expect(
      (
        await send('/api/auth/login', {
          method: 'POST',
          body: { email: 'root@secrets.example', password: wrongPassword },
        })
      ).status,
    ).toBe(401);
    const login = await send('/api/auth/login', { method: 'POST', body: { email: 'root@secrets.example', password } });
    expect(login.status).toBe(200);
    const session = sessionOf(login);
    secrets.set('session token', session);
    const admin = { cookie: `vs_session=${session}` };

    // An org and an org API key, used both ways; a forged key refused.
    const org = (await (
      await send('/api/admin/orgs', { method: 'POST', headers: admin, body: { name: 'Secret Org' } })
    ).json()) as {
      org: { id: string };
    };
    const created = await send(`/api/orgs/${org.org.id}/api-keys`, {
      method: 'POST',
      headers: admin,
      body: { name: 'dashboards', scopes: ['metrics:read', 'calls:read'] },
    });
    expect(created.status).toBe(201);
    const orgKey = ((await created.json()) as { key: string }).key;
    secrets.set('org API key', orgKey);
    expect(
      (await send(`/api/client-metrics?org_id=${org.org.id}`, { headers: { authorization: `Bearer ${orgKey}` } }))
        .status,
    ).toBe(200);
    expect((await send(`/api/calls/recent?org_id=${org.org.id}`, { headers: { 'x-api-key': orgKey } })).status).toBe(
      200,
    );
    const forged = generateApiKey('org').key;
    secrets.set('forged API key', forged);
    expect((await send('/api/me', { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);

    // A platform key acting as a user.
    const platform = await send('/api/admin/platform-keys', {
      method: 'POST',
      headers: admin,
      body: { name: 'automation', scopes: ['act_as', 'orgs:admin'] },
    });
    expect(platform.status).toBe(201);
    const platformKey = ((await platform.json()) as { key: string }).key;
    secrets.set('platform API key', platformKey);

    // An invited user: the token accepted with a password of their own, then a sign-in as them.
    const invited = await send('/api/admin/users', {
      method: 'POST',
      headers: admin,
      body: { email: 'new.hire@secrets.example', displayName: 'New Hire' },
    });
    expect(invited.status).toBe(201);
    const { user, invite } = (await invited.json()) as { user: { id: string }; invite: { token: string; url: string } };
    secrets.set('invite token', invite.token);
    const invitedPassword = 'an invited password that is long';
    secrets.set('invited password', invitedPassword);
    const accepted = await send('/api/auth/accept-invite', {
      method: 'POST',
      body: { token: invite.token, password: invitedPassword },
    });
    expect(accepted.status).toBe(200);
    secrets.set('invited session token', sessionOf(accepted));
    const actAs = await send('/api/me', { headers: { authorization: `Bearer ${platformKey}`, 'x-user-id': user.id } });
    expect(actAs.status).toBe(200);
    // Used once more after a failed attempt with a wrong token.
    expect(
      (
        await send('/api/auth/accept-invite', {
          method: 'POST',
          body: { token: `${invite.token}x`, password: invitedPassword },
        })
      ).status,
    ).toBeGreaterThanOrEqual(400);

    // A MightyCall connection: created, tested, synced, fed webhooks and a forged one.
    const connection = await send('/api/admin/mightycall/connections', {
      method: 'POST',
      headers: admin,
      body: {
        name: 'Sim',
        host: 'custom',
        baseUrl: sim.url,
        apiKey: DEMO_API_KEY,
        userKey: DEMO_USER_KEY,
        providerAccount: 'sim-secrets',
      },
    });
    expect(connection.status).toBe(201);
    const { connection: conn } = (await connection.json()) as { connection: { id: string; webhookUrl: string } };
    secrets.set('MightyCall API key', DEMO_API_KEY);
    secrets.set('MightyCall user key', DEMO_USER_KEY);
    const hookPath = new URL(conn.webhookUrl).pathname;
    secrets.set('webhook token', hookPath.split('/').at(-1) ?? '');
    const test = await send(`/api/admin/mightycall/connections/${conn.id}/test`, { method: 'POST', headers: admin });
    expect(((await test.json()) as { ok: boolean }).ok).toBe(true);
    await server.runtime.scheduler.runConnection(conn.id);
    const emitted = await sim.control.emitCall(DEMO_API_KEY, {
      from: '+15559371299',
      to: '+12125550141',
      ringExtensions: ['101'],
      answeredBy: '101',
      talkSeconds: 30,
    });
    const deliver = (event: WebhookEnvelope | Record<string, unknown>) =>
      server.app.request(`${ORIGIN}${hookPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
    for (const event of emitted.events) expect((await deliver(event)).status).toBe(200);
    expect((await deliver({ ...emitted.events[0], ApiKey: 'forged-mightycall-api-key' })).status).toBe(403);
    secrets.set('forged MightyCall API key', 'forged-mightycall-api-key');
    await server.runtime.worker.drain();
    const status = await send(`/api/admin/mightycall/connections/${conn.id}/status`, { headers: admin });
    expect(status.status).toBe(200);
    // Re-keyed with a key MightyCall refuses (checked before saving: 422; a refused key is a secret too), then
    // with the one it accepts, then signed out.
    const rekey = (userKey: string) =>
      send(`/api/admin/mightycall/connections/${conn.id}`, { method: 'PATCH', headers: admin, body: { userKey } });
    expect((await rekey('rotated-user-key-5521')).status).toBe(422);
    expect((await rekey(DEMO_USER_KEY)).status).toBe(200);
    secrets.set('rotated MightyCall user key', 'rotated-user-key-5521');
    expect((await send('/api/auth/logout', { method: 'POST', headers: admin })).status).toBe(204);

    expect(providerTokens.length).toBeGreaterThan(0);
    for (const [i, t] of providerTokens.entries()) secrets.set(`MightyCall token ${i + 1}`, t);

    const logs = server.logs.join('\n');
    expect(server.logs.length).toBeGreaterThan(20);
    // The logger ran at debug, so nothing was filtered out; the run logged its requests and the sync.
    expect(server.deps.config.logLevel).toBe('debug');
    expect(server.logs.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThan(20);
    const audit = (await database.db.selectFrom('audit_log').selectAll().execute())
      .map((r) => JSON.stringify(r))
      .join('\n');
    const found: string[] = [];
    for (const [what, value] of secrets) {
      expect(value.length, what).toBeGreaterThanOrEqual(8);
      if (logs.includes(value)) found.push(`${what} in a log line`);
      if (audit.includes(value)) found.push(`${what} in the audit log`);
    }
    expect(found).toEqual([]);
    // The capture is real: a secret passed to the logger at debug would have been found above.
    server.deps.logger.debug('planted', { note: password });
    expect(server.logs.at(-1)).toContain(password);
  });
});
