// Sign-in, sessions, brute-force limits, CSRF and invites, through the HTTP API on every database target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, call, errorOf, ORIGIN, type World } from '../../test/isolation-world.js';
import { testTargets } from '../../test/support/database.js';
import { listen } from '../../test/support/mightycall.js';
import { withPrincipal } from '../db/tenant.js';
import { UserWithInvite } from '../users/schema.js';
import { MeSchema } from './me.js';
import { hashPassword } from './passwords.js';
import { systemPrincipal } from './principal.js';
import { sha256 } from './tokens.js';

const PASSWORD = 'correct horse battery staple';

function sessionCookie(res: Response): string | null {
  const header = res.headers.get('set-cookie') ?? '';
  return /vs_session=([^;]+)/.exec(header)?.[1] ?? null;
}

describe.each(testTargets())('sign-in and sessions on %s', (target) => {
  let w: World;
  let server: { url: string; close(): Promise<void> };
  // Over a real socket from 127.0.0.1, a trusted proxy here: X-Forwarded-For and -Proto count.
  const login = (email: string, password: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ email, password }),
    });

  beforeAll(async () => {
    w = await buildWorld(target, { VICTORYSYNC_TRUSTED_PROXIES: '127.0.0.1' });
    const hash = await hashPassword(PASSWORD);
    await withPrincipal(w.database.db, systemPrincipal('test'), (tx) =>
      tx.updateTable('users').set({ password_hash: hash }).execute(),
    );
    server = await listen(w.app);
  });
  afterAll(async () => {
    await server.close();
    await w.close();
  });

  it('signs in with email and password: httpOnly Lax cookie, /api/me shows the user and memberships', async () => {
    const res = await login('Agent@Acme.example', PASSWORD);
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    const body = MeSchema.parse(await res.json());
    expect(body.user).toMatchObject({ email: 'agent@acme.example', platformRole: 'none', status: 'active' });
    expect(body.user).not.toHaveProperty('passwordHash');
    expect(body.memberships).toEqual([
      expect.objectContaining({ orgId: w.orgA, role: 'agent', mightycallExtension: '101' }),
    ]);
    const token = sessionCookie(res) ?? '';
    const me = await call(w.app, 'GET', '/api/me', { as: { session: token } });
    expect(me.status).toBe(200);
    expect(MeSchema.parse(await me.json()).user?.email).toBe('agent@acme.example');
    // Only the hash is stored.
    const stored = await w.database.db.selectFrom('sessions').select('token_hash').execute();
    expect(stored.some((s) => Buffer.from(s.token_hash).equals(sha256(token)))).toBe(true);
  });

  it('marks the cookie Secure behind an https proxy', async () => {
    const res = await login('manager@acme.example', PASSWORD, { 'x-forwarded-proto': 'https' });
    expect(res.headers.get('set-cookie')).toMatch(/Secure/);
  });

  it('gives the same answer for an unknown email and a wrong password', async () => {
    const unknown = await login('nobody@acme.example', 'whatever-password', { 'x-forwarded-for': '10.0.0.1' });
    const wrong = await login('manager@acme.example', 'not-the-password', { 'x-forwarded-for': '10.0.0.1' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(await unknown.json()).toEqual(await wrong.json());
  });

  it('refuses the 11th wrong password in 15 minutes for one account with 429 and Retry-After, even if correct', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await login('admin@bayside.example', `wrong-${i}`, { 'x-forwarded-for': `10.1.0.${i}` })).status);
    }
    expect(statuses).toEqual(Array(10).fill(401));
    const eleventh = await login('admin@bayside.example', 'wrong-again', { 'x-forwarded-for': '10.1.1.1' });
    expect(eleventh.status).toBe(429);
    expect(Number(eleventh.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(eleventh.headers.get('retry-after'))).toBeLessThanOrEqual(15 * 60);
    expect((await errorOf(eleventh)).code).toBe('too_many_attempts');
    const correct = await login('admin@bayside.example', PASSWORD, { 'x-forwarded-for': '10.1.1.2' });
    expect(correct.status).toBe(429);
    // Another account is unaffected.
    expect((await login('admin@acme.example', PASSWORD, { 'x-forwarded-for': '10.1.1.3' })).status).toBe(200);
  }, 30_000);

  it('signs out: the session stops working and the cookie is cleared', async () => {
    const token = sessionCookie(await login('root@agency.example', PASSWORD)) ?? '';
    const out = await call(w.app, 'POST', '/api/auth/logout', { as: { session: token } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/vs_session=;.*Max-Age=0/);
    const me = await call(w.app, 'GET', '/api/me', { as: { session: token } });
    expect(me.status).toBe(401);
    expect((await errorOf(me)).code).toBe('session_invalid');
  });

  it('expires sessions after the idle time and at the absolute limit, and touches last_seen at most once a minute', async () => {
    const idle = await w.session(w.users.managerA.id);
    const old = new Date(Date.now() - w.deps.config.auth.sessionIdleMs - 1000);
    await w.database.db
      .updateTable('sessions')
      .set({ last_seen_at: old })
      .where('token_hash', '=', sha256(idle))
      .execute();
    expect((await call(w.app, 'GET', '/api/me', { as: { session: idle } })).status).toBe(401);

    const capped = await w.session(w.users.managerA.id);
    await w.database.db
      .updateTable('sessions')
      .set({ expires_at: new Date(Date.now() - 1) })
      .where('token_hash', '=', sha256(capped))
      .execute();
    expect((await call(w.app, 'GET', '/api/me', { as: { session: capped } })).status).toBe(401);

    const fresh = await w.session(w.users.managerA.id);
    const seen = async () =>
      (
        await w.database.db
          .selectFrom('sessions')
          .select('last_seen_at')
          .where('token_hash', '=', sha256(fresh))
          .executeTakeFirstOrThrow()
      ).last_seen_at.getTime();
    const first = await seen();
    await call(w.app, 'GET', '/api/me', { as: { session: fresh } });
    expect(await seen()).toBe(first);
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await w.database.db
      .updateTable('sessions')
      .set({ last_seen_at: twoMinutesAgo })
      .where('token_hash', '=', sha256(fresh))
      .execute();
    // The session cache time passes (a cached session is not looked up, so not touched).
    w.deps.auth.sessions.clear();
    await call(w.app, 'GET', '/api/me', { as: { session: fresh } });
    expect(await seen()).toBeGreaterThan(twoMinutesAgo.getTime());
  });

  it('trusts a verified session for the cache time only; sign-out and membership changes here apply at once', async () => {
    const token = await w.session(w.users.managerA.id);
    const metrics = () =>
      call(w.app, 'GET', `/api/client-metrics?org_id=${w.orgA}&range=day`, { as: { session: token } });
    expect((await metrics()).status).toBe(200);
    // Revoked by another instance (straight in the database): still trusted here until the cache time passes.
    await w.database.db
      .updateTable('sessions')
      .set({ revoked_at: new Date() })
      .where('token_hash', '=', sha256(token))
      .execute();
    const sessions = w.deps.auth.sessions;
    expect((await metrics()).status).toBe(200);
    sessions.clear();
    expect((await metrics()).status).toBe(401);

    // A membership removed through this instance's API takes effect on the member's very next request.
    const member = await w.session(w.users.managerA.id);
    const asMember = () =>
      call(w.app, 'GET', `/api/client-metrics?org_id=${w.orgA}&range=day`, { as: { session: member } });
    expect((await asMember()).status).toBe(200);
    const admin = { session: w.users.adminA.session };
    const removed = await call(w.app, 'DELETE', `/api/orgs/${w.orgA}/members/${w.users.managerA.id}`, { as: admin });
    expect(removed.status).toBe(204);
    expect((await asMember()).status).toBe(404);
    // Back through a platform admin, who adds an existing account at once (an org admin's add would be an invitation).
    const back = await call(w.app, 'POST', `/api/admin/orgs/${w.orgA}/members`, {
      as: { session: w.users.platformAdmin.session },
      body: { email: w.users.managerA.email, role: 'org_manager' },
    });
    expect(back.status).toBe(201);
    expect((await asMember()).status).toBe(200);
  });

  it('refuses cookie-authenticated changes without our Origin, and accepts them with it', async () => {
    const session = w.users.platformAdmin.session;
    const body = { name: 'Csrf Test Org' };
    const bare = await w.app.request('/api/admin/orgs', {
      method: 'POST',
      headers: { cookie: `vs_session=${session}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(bare.status).toBe(403);
    const evil = await call(w.app, 'POST', '/api/admin/orgs', {
      as: { session },
      body,
      headers: { origin: 'https://evil.example' },
    });
    expect(evil.status).toBe(403);
    expect((await errorOf(evil)).code).toBe('csrf_rejected');
    const ours = await call(w.app, 'POST', '/api/admin/orgs', { as: { session }, body, headers: { origin: ORIGIN } });
    expect(ours.status).toBe(201);
    const byKey = await call(w.app, 'POST', '/api/admin/orgs', { as: { key: w.keys.platform }, body });
    expect(byKey.status).toBe(201);
  });

  it('creates a user without a password as an invite, which signs them in once', async () => {
    const created = await call(w.app, 'POST', '/api/admin/users', {
      as: { session: w.users.platformAdmin.session },
      body: { email: 'new.hire@acme.example', displayName: 'New Hire' },
    });
    expect(created.status).toBe(201);
    const { user, invite } = UserWithInvite.parse(await created.json());
    expect(user.status).toBe('invited');
    expect(invite?.url).toContain(`#token=${invite?.token}`);
    expect((await login('new.hire@acme.example', '')).status).toBe(400);
    const accepted = await call(w.app, 'POST', '/api/auth/accept-invite', {
      body: { token: invite?.token, password: 'a brand new password' },
    });
    expect(accepted.status).toBe(200);
    expect(sessionCookie(accepted)).not.toBeNull();
    const again = await call(w.app, 'POST', '/api/auth/accept-invite', {
      body: { token: invite?.token, password: 'another new password' },
    });
    expect(again.status).toBe(400);
    expect((await errorOf(again)).message).toMatch(/body\.token/);
    expect((await login('new.hire@acme.example', 'a brand new password')).status).toBe(200);
  });

  it('records sign-ins, failures and sign-outs in the audit log', async () => {
    const rows = await w.database.db.selectFrom('audit_log').select(['action', 'actor_user_id', 'ip']).execute();
    const actions = new Set(rows.map((r) => r.action));
    for (const a of ['auth.login', 'auth.login_failed', 'auth.logout', 'auth.accept_invite', 'user.create']) {
      expect(actions).toContain(a);
    }
    expect(rows.find((r) => r.action === 'auth.login_failed' && r.ip === '10.0.0.1')).toBeDefined();
  });
});
