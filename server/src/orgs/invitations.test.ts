// Adding people by email: pending invitations, no account takeover across orgs, nothing revealed about outsiders.
import { z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, type Credential, call, errorOf, ORIGIN, type World } from '../../test/isolation-world.js';
import { testTargets } from '../../test/support/database.js';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import { inviteToOrg } from './invitations.js';
import { InvitationSchema, MemberSchema } from './schema.js';

const Added = z.object({
  member: MemberSchema.nullable(),
  invitation: InvitationSchema.nullable(),
  url: z.string().nullable(),
});
const Members = z.object({ members: z.array(MemberSchema) });
const tokenOf = (url: string | null) => new URL(url ?? '', ORIGIN).hash.replace('#token=', '');

describe.each(testTargets())('org invitations on %s', (target) => {
  let w: World;
  const adminA = (): Credential => ({ session: w.users.adminA.session });
  const adminB = (): Credential => ({ session: w.users.adminB.session });

  beforeAll(async () => {
    w = await buildWorld(target);
  });
  afterAll(async () => {
    await w.close();
  });

  async function invite(as: Credential, orgId: string, email: string, role = 'agent') {
    const res = await call(w.app, 'POST', `/api/orgs/${orgId}/members`, { as, body: { email, role } });
    expect(res.status).toBe(201);
    return Added.parse(await res.json());
  }

  async function accept(token: string, body: Record<string, unknown> = {}, as: Credential = null) {
    return call(w.app, 'POST', '/api/auth/accept-invite', {
      as,
      body: { token, ...body },
      headers: { origin: ORIGIN },
    });
  }

  async function login(email: string, password: string): Promise<{ status: number; session: string | null }> {
    const res = await call(w.app, 'POST', '/api/auth/login', {
      body: { email, password },
      headers: { origin: ORIGIN },
    });
    return { status: res.status, session: /vs_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? null };
  }

  const memberIds = async (orgId: string) =>
    Members.parse(
      await (
        await call(w.app, 'GET', `/api/orgs/${orgId}/members`, { as: { session: w.users.platformAdmin.session } })
      ).json(),
    ).members.map((m) => m.userId);

  it("blocks the pre-registration takeover: an account squatted through org A's invite never reaches org B", async () => {
    // Given: org A's admin invites an address of org B's business and redeems the link with their own password.
    const email = 'newhire@clientb.example';
    const squat = await invite(adminA(), w.orgA, email);
    expect(squat.member).toBeNull();
    expect(squat.invitation).toMatchObject({ email, status: 'pending', delivery: 'link' });
    const redeemed = await accept(tokenOf(squat.url), { password: 'attacker chosen password' });
    expect(redeemed.status).toBe(200);
    const attackerSession = /vs_session=([^;]+)/.exec(redeemed.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const squatted = z.object({ user: z.object({ id: z.string() }) }).parse(await redeemed.json()).user.id;
    const removed = await call(w.app, 'DELETE', `/api/orgs/${w.orgA}/members/${squatted}`, { as: adminA() });
    expect(removed.status).toBe(204);

    // When: org B's admin later adds the same address.
    const later = await invite(adminB(), w.orgB, email, 'org_manager');

    // Then: it is only a pending invitation, the squatted account is not in org B, and the attacker reads nothing there.
    expect(later.member).toBeNull();
    expect(later.invitation).toMatchObject({ email, role: 'org_manager', status: 'pending' });
    expect(await memberIds(w.orgB)).not.toContain(squatted);
    const signedIn = await login(email, 'attacker chosen password');
    expect(signedIn.status).toBe(200);
    const attacker = { session: signedIn.session ?? '' };
    expect((await call(w.app, 'GET', `/api/orgs/${w.orgB}/members`, { as: attacker })).status).toBe(404);
    expect((await call(w.app, 'GET', `/api/calls?org_id=${w.orgB}`, { as: attacker })).status).toBe(404);

    // The real newhire, given org B's link (shown to org B's admin), cannot attach an account someone else holds
    // without signing in to it.
    const refused = await accept(tokenOf(later.url), { password: 'the real newhire password' });
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).code).toBe('sign_in_required');
    expect(await memberIds(w.orgB)).not.toContain(squatted);

    // With the link emailed to the address (proof of control), accepting resets the credentials and ends the
    // attacker's sessions.
    const emailed = await withPrincipal(w.database.db, systemPrincipal('test mailer'), (tx) =>
      inviteToOrg(tx, { orgId: w.orgB, email, role: 'org_manager', extension: null, delivery: 'email' }, null, null),
    );
    const reset = await accept(emailed.token, { password: 'the real newhire password' });
    expect(reset.status).toBe(200);
    expect(await memberIds(w.orgB)).toContain(squatted);
    expect((await call(w.app, 'GET', '/api/me', { as: attacker })).status).toBe(401);
    expect((await call(w.app, 'GET', '/api/me', { as: { session: attackerSession } })).status).toBe(401);
    expect((await login(email, 'attacker chosen password')).status).toBe(401);
    expect((await login(email, 'the real newhire password')).status).toBe(200);
    const verified = await withPrincipal(w.database.db, systemPrincipal('test'), (tx) =>
      tx.selectFrom('users').select('email_verified_at').where('id', '=', squatted).executeTakeFirstOrThrow(),
    );
    expect(verified.email_verified_at).not.toBeNull();
  });

  it('adding by email says nothing about accounts outside the caller’s orgs', async () => {
    // org A's admin adds org B's admin (an account they cannot see) and an address nobody has.
    const outsider = await invite(adminA(), w.orgA, w.users.adminB.email);
    const nobody = await invite(adminA(), w.orgA, 'nobody.yet@acme.example');
    const shape = (a: z.infer<typeof Added>) => ({
      member: a.member,
      invitation: { ...a.invitation, id: '', email: '', createdAt: '', expiresAt: '' },
      url: typeof a.url,
    });
    expect(shape(outsider)).toEqual(shape(nobody));
    const text = JSON.stringify(outsider);
    expect(text).not.toContain(w.users.adminB.id);
    expect(text).not.toMatch(/"status":"active"|displayName|userId/);
  });

  it('an invitation to an existing account stays pending until that account, signed in, accepts it', async () => {
    const pending = await invite(adminA(), w.orgA, w.users.adminB.email, 'org_manager');
    expect(await memberIds(w.orgA)).not.toContain(w.users.adminB.id);
    // Somebody else holding the link (the inviter) cannot accept it for them, with or without a password.
    expect((await accept(tokenOf(pending.url), { password: 'inviter picks this one' })).status).toBe(409);
    expect((await accept(tokenOf(pending.url), {}, adminA())).status).toBe(409);
    expect(await memberIds(w.orgA)).not.toContain(w.users.adminB.id);
    // The account holder, signed in, accepts without touching their password.
    const ok = await accept(tokenOf(pending.url), {}, adminB());
    expect(ok.status).toBe(200);
    expect(await memberIds(w.orgA)).toContain(w.users.adminB.id);
    expect((await accept(tokenOf(pending.url), {}, adminB())).status).toBe(400);
  });

  it('lists, revokes and re-issues invitations; only the newest link works', async () => {
    const first = await invite(adminA(), w.orgA, 'dispatcher@acme.example');
    const listed = await call(w.app, 'GET', `/api/orgs/${w.orgA}/invitations`, { as: adminA() });
    expect(listed.status).toBe(200);
    const invitations = z.object({ invitations: z.array(InvitationSchema) }).parse(await listed.json()).invitations;
    expect(invitations).toContainEqual(expect.objectContaining({ id: first.invitation?.id, status: 'pending' }));
    // Managers read members but do not manage invitations; org B's admin reaches nothing of org A's.
    expect(
      (await call(w.app, 'GET', `/api/orgs/${w.orgA}/invitations`, { as: { session: w.users.managerA.session } }))
        .status,
    ).toBe(403);
    expect(
      (await call(w.app, 'DELETE', `/api/orgs/${w.orgA}/invitations/${first.invitation?.id}`, { as: adminB() })).status,
    ).toBe(403);

    const again = await call(w.app, 'POST', `/api/orgs/${w.orgA}/invitations/${first.invitation?.id}/reissue`, {
      as: adminA(),
    });
    expect(again.status).toBe(201);
    const second = Added.omit({ member: true }).parse(await again.json());
    expect(second.url).toMatch(/\/accept-invite#token=/);
    expect((await accept(tokenOf(first.url), { password: 'dispatcher password 1' })).status).toBe(400);

    const revoked = await call(w.app, 'DELETE', `/api/orgs/${w.orgA}/invitations/${second.invitation?.id}`, {
      as: adminA(),
    });
    expect(revoked.status).toBe(200);
    const dead = await accept(tokenOf(second.url), { password: 'dispatcher password 1' });
    expect(dead.status).toBe(400);
    expect((await errorOf(dead)).code).toBe('invite_invalid');

    const third = await invite(adminA(), w.orgA, 'dispatcher@acme.example', 'org_manager');
    const joined = await accept(tokenOf(third.url), { password: 'dispatcher password 1', displayName: 'Dee Spatcher' });
    expect(joined.status).toBe(200);
    const members = Members.parse(
      await (await call(w.app, 'GET', `/api/orgs/${w.orgA}/members`, { as: adminA() })).json(),
    );
    expect(members.members).toContainEqual(
      expect.objectContaining({ email: 'dispatcher@acme.example', role: 'org_manager', displayName: 'Dee Spatcher' }),
    );
    const dup = await call(w.app, 'POST', `/api/orgs/${w.orgA}/members`, {
      as: adminA(),
      body: { email: 'Dispatcher@acme.example', role: 'agent' },
    });
    expect(dup.status).toBe(409);
  });

  it('a platform admin adds an existing account by email at once', async () => {
    const res = await call(w.app, 'POST', `/api/admin/orgs/${w.orgB}/members`, {
      as: { session: w.users.platformAdmin.session },
      body: { email: w.users.agentA.email, role: 'agent' },
    });
    expect(res.status).toBe(201);
    const added = Added.parse(await res.json());
    expect(added.member).toMatchObject({ userId: w.users.agentA.id, role: 'agent' });
    expect(added.invitation).toBeNull();
  });
});
