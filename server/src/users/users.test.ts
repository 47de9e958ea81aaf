// Platform user administration through the HTTP API: create, list, disable, re-invite, the last platform admin.
import { z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, call, errorOf, type World } from '../../test/isolation-world.js';
import { testTargets } from '../../test/support/database.js';
import { InviteSchema } from '../orgs/schema.js';
import { UserListItemSchema, UserSchema, UserWithInvite } from './schema.js';

const UserBody = z.object({ user: UserSchema });

describe.each(testTargets())('user administration on %s', (target) => {
  let w: World;
  let supervisorId = '';
  const root = () => ({ session: w.users.platformAdmin.session });
  const login = (email: string, password: string) =>
    call(w.app, 'POST', '/api/auth/login', { body: { email, password } });

  beforeAll(async () => {
    w = await buildWorld(target);
  });
  afterAll(async () => {
    await w.close();
  });

  it('creates a user with an initial password who can then sign in; the hash never leaves the server', async () => {
    const res = await call(w.app, 'POST', '/api/admin/users', {
      as: root(),
      body: { email: 'Supervisor@Acme.example', displayName: 'Sam Supervisor', password: 'initial password 1' },
    });
    expect(res.status).toBe(201);
    const text = await res.text();
    expect(text).not.toMatch(/scrypt|password/i);
    const { user, invite } = UserWithInvite.parse(JSON.parse(text));
    expect(user).toMatchObject({ email: 'supervisor@acme.example', status: 'active', platformRole: 'none' });
    expect(invite).toBeNull();
    supervisorId = user.id;
    expect((await login('supervisor@acme.example', 'initial password 1')).status).toBe(200);
    const dup = await call(w.app, 'POST', '/api/admin/users', {
      as: root(),
      body: { email: 'SUPERVISOR@acme.example', displayName: 'Again' },
    });
    expect(dup.status).toBe(409);
    const short = await call(w.app, 'POST', '/api/admin/users', {
      as: root(),
      body: { email: 'short@acme.example', displayName: 'Short', password: 'short' },
    });
    expect(short.status).toBe(400);
    expect((await errorOf(short)).message).toMatch(/password/);
  });

  it('lists users with their memberships, and searches', async () => {
    const res = await call(w.app, 'GET', '/api/admin/users?q=acme', { as: root() });
    const { users } = z.object({ users: z.array(UserListItemSchema) }).parse(await res.json());
    expect(users.map((u) => u.email)).toContain('agent@acme.example');
    expect(users.map((u) => u.email)).not.toContain('admin@bayside.example');
    const agent = users.find((u) => u.email === 'agent@acme.example');
    expect(agent?.memberships).toEqual([{ orgId: w.orgA, orgName: 'Acme Plumbing', role: 'agent' }]);
  });

  it('disabling a user ends their sessions and sign-ins; enabling restores sign-in', async () => {
    const session = await w.session(w.users.managerA.id);
    expect((await call(w.app, 'GET', '/api/me', { as: { session } })).status).toBe(200);
    const off = await call(w.app, 'PATCH', `/api/admin/users/${w.users.managerA.id}`, {
      as: root(),
      body: { disabled: true },
    });
    expect(UserBody.parse(await off.json()).user.status).toBe('disabled');
    expect((await call(w.app, 'GET', '/api/me', { as: { session } })).status).toBe(401);
    const on = await call(w.app, 'PATCH', `/api/admin/users/${w.users.managerA.id}`, {
      as: root(),
      body: { disabled: false, password: 'a new password 99' },
    });
    expect(UserBody.parse(await on.json()).user.status).toBe('active');
    expect((await login('manager@acme.example', 'a new password 99')).status).toBe(200);
  });

  it('keeps at least one active platform admin', async () => {
    const res = await call(w.app, 'PATCH', `/api/admin/users/${w.users.platformAdmin.id}`, {
      as: root(),
      body: { platformRole: 'none' },
    });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe('last_platform_admin');
  });

  it('re-issues an invite for a user who has not signed up yet, and refuses it for active users', async () => {
    const created = UserWithInvite.parse(
      await (
        await call(w.app, 'POST', '/api/admin/users', {
          as: root(),
          body: { email: 'late@acme.example', displayName: 'Late Joiner' },
        })
      ).json(),
    );
    const again = await call(w.app, 'POST', `/api/admin/users/${created.user.id}/invite`, { as: root() });
    expect(again.status).toBe(201);
    const { invite } = z.object({ invite: InviteSchema }).parse(await again.json());
    expect(invite.token).not.toBe(created.invite?.token);
    const stale = await call(w.app, 'POST', '/api/auth/accept-invite', {
      body: { token: created.invite?.token, password: 'stale invite pass' },
    });
    expect(stale.status).toBe(400);
    const active = await call(w.app, 'POST', `/api/admin/users/${supervisorId}/invite`, { as: root() });
    expect(active.status).toBe(409);
  });
  it('gives whole invite links; an admin revokes a pending invite, its link stops working, and both are audited', async () => {
    const created = UserWithInvite.parse(
      await (
        await call(w.app, 'POST', '/api/admin/users', {
          as: root(),
          body: { email: 'revoked@acme.example', displayName: 'Revoked Invitee' },
        })
      ).json(),
    );
    // No public URL configured here: the link carries the origin the request came to.
    expect(created.invite?.url).toBe(`http://localhost/accept-invite#token=${created.invite?.token}`);
    const path = `/api/admin/users/${created.user.id}/invite`;
    // Default deny: an org admin may not revoke a platform user's invite.
    expect((await call(w.app, 'DELETE', path, { as: { session: w.users.adminA.session } })).status).toBe(403);
    expect((await call(w.app, 'DELETE', path, { as: root() })).status).toBe(204);
    const spent = await call(w.app, 'POST', '/api/auth/accept-invite', {
      body: { token: created.invite?.token, password: 'revoked invite pass' },
    });
    expect(spent.status).toBe(400);
    // Nothing left to revoke: said plainly.
    const again = await call(w.app, 'DELETE', path, { as: root() });
    expect(again.status).toBe(404);
    expect((await errorOf(again)).code).toBe('invite_not_found');
    // A new link can still be issued, and it works.
    const fresh = z
      .object({ invite: InviteSchema })
      .parse(await (await call(w.app, 'POST', path, { as: root() })).json());
    expect(fresh.invite.url).toMatch(/^http:\/\/localhost\/accept-invite#token=/);
    const accepted = await call(w.app, 'POST', '/api/auth/accept-invite', {
      body: { token: fresh.invite.token, password: 'fresh invite password' },
    });
    expect(accepted.status).toBe(200);
    const actions = await w.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', created.user.id)
      .where('action', 'in', ['user.create', 'user.invite', 'user.invite_revoke'])
      .execute();
    expect(actions.map((a) => a.action).sort()).toEqual(['user.create', 'user.invite', 'user.invite_revoke']);
  });
});
