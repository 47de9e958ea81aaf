// Orgs and memberships through the HTTP API: creation, settings, adding by email or id, the last-admin rule.
import { z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, call, errorOf, type World } from '../../test/isolation-world.js';
import { testTargets } from '../../test/support/database.js';
import { createOrg, createUser } from '../../test/support/fixtures.js';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import { InvitationSchema, MemberSchema, OrgSchema } from './schema.js';

const OrgBody = z.object({ org: OrgSchema });
const Added = z.object({ member: MemberSchema.nullable(), invitation: InvitationSchema.nullable() });
const Members = z.object({ members: z.array(MemberSchema) });

describe.each(testTargets())('orgs and members on %s', (target) => {
  let w: World;
  const root = () => ({ session: w.users.platformAdmin.session });
  const adminA = () => ({ session: w.users.adminA.session });

  beforeAll(async () => {
    w = await buildWorld(target);
  });
  afterAll(async () => {
    await w.close();
  });

  it('creates an org with a unique slug; the signed-in creator becomes its org_admin', async () => {
    const first = await call(w.app, 'POST', '/api/admin/orgs', {
      as: root(),
      body: { name: 'Harbor Vet Clinic', timezone: 'America/Chicago' },
    });
    expect(first.status).toBe(201);
    const org = OrgBody.parse(await first.json()).org;
    expect(org).toMatchObject({ name: 'Harbor Vet Clinic', slug: 'harbor-vet-clinic', timezone: 'America/Chicago' });
    const second = OrgBody.parse(
      await (await call(w.app, 'POST', '/api/admin/orgs', { as: root(), body: { name: 'Harbor Vet Clinic' } })).json(),
    ).org;
    expect(second.slug).toBe('harbor-vet-clinic-2');
    const members = Members.parse(
      await (await call(w.app, 'GET', `/api/orgs/${org.id}/members`, { as: root() })).json(),
    );
    expect(members.members).toEqual([expect.objectContaining({ userId: w.users.platformAdmin.id, role: 'org_admin' })]);
    // A platform key creates orgs without becoming anyone's member.
    const byKey = await call(w.app, 'POST', '/api/admin/orgs', {
      as: { key: w.keys.platform },
      body: { name: 'Keyed' },
    });
    const keyed = OrgBody.parse(await byKey.json()).org;
    const none = Members.parse(
      await (await call(w.app, 'GET', `/api/orgs/${keyed.id}/members`, { as: root() })).json(),
    );
    expect(none.members).toEqual([]);
  });

  it('refuses bad input naming the field, and changes nothing', async () => {
    const before = await w.database.db.selectFrom('organizations').select('id').execute();
    const badZone = await call(w.app, 'POST', '/api/admin/orgs', {
      as: root(),
      body: { name: 'X', timezone: 'Mars/Base' },
    });
    expect(badZone.status).toBe(400);
    expect((await errorOf(badZone)).message).toMatch(/timezone/);
    const taken = await call(w.app, 'POST', '/api/admin/orgs', {
      as: root(),
      body: { name: 'X', slug: 'acme-plumbing' },
    });
    expect(taken.status).toBe(409);
    const extra = await call(w.app, 'PATCH', `/api/orgs/${w.orgA}`, { as: adminA(), body: { slug: 'mine' } });
    expect(extra.status).toBe(400);
    expect((await errorOf(extra)).message).toMatch(/slug/);
    const badId = await call(w.app, 'GET', '/api/orgs/not-a-uuid', { as: adminA() });
    expect(badId.status).toBe(400);
    expect((await errorOf(badId)).message).toMatch(/orgId/);
    expect(await w.database.db.selectFrom('organizations').select('id').execute()).toEqual(before);
  });

  it("lets an org admin change the org's settings and records before and after", async () => {
    const res = await call(w.app, 'PATCH', `/api/orgs/${w.orgA}`, {
      as: adminA(),
      body: { timezone: 'America/New_York', slThresholdSeconds: 30, slTargetPct: 85.5 },
    });
    expect(res.status).toBe(200);
    expect(OrgBody.parse(await res.json()).org).toMatchObject({
      timezone: 'America/New_York',
      slThresholdSeconds: 30,
      slTargetPct: 85.5,
    });
    const audit = await w.database.db
      .selectFrom('audit_log')
      .select(['before', 'after', 'actor_user_id', 'org_id'])
      .where('action', '=', 'org.settings')
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor_user_id: w.users.adminA.id, org_id: w.orgA });
    expect(audit.before).toMatchObject({ timezone: 'UTC', slThresholdSeconds: 20 });
    expect(audit.after).toMatchObject({ timezone: 'America/New_York', slThresholdSeconds: 30 });
  });

  it('refuses a service-level threshold or target of 0 (or none at all), naming the field, and keeps the settings', async () => {
    const read = () =>
      w.database.db
        .selectFrom('organizations')
        .select(['sl_threshold_seconds', 'sl_target_pct', 'short_abandon_seconds'])
        .where('id', '=', w.orgA)
        .executeTakeFirstOrThrow();
    const before = await read();
    for (const [body, field] of [
      [{ slThresholdSeconds: 0 }, 'slThresholdSeconds'],
      [{ slTargetPct: 0 }, 'slTargetPct'],
      [{ slThresholdSeconds: null }, 'slThresholdSeconds'],
      [{ slTargetPct: '' }, 'slTargetPct'],
      [{ shortAbandonSeconds: -1 }, 'shortAbandonSeconds'],
    ] as const) {
      const res = await call(w.app, 'PATCH', `/api/orgs/${w.orgA}`, { as: adminA(), body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = await errorOf(res);
      expect(error.message).toMatch(new RegExp(`^body\\.${field}: must be a `));
      expect(error.details).toEqual({
        issues: [{ path: `body.${field}`, message: expect.stringMatching(/from \d+ to/) }],
      });
    }
    expect(await read()).toEqual(before);
    // 0 still turns short abandons off.
    const off = await call(w.app, 'PATCH', `/api/orgs/${w.orgA}`, { as: adminA(), body: { shortAbandonSeconds: 0 } });
    expect(off.status).toBe(200);
    expect(OrgBody.parse(await off.json()).org.shortAbandonSeconds).toBe(0);
    await call(w.app, 'PATCH', `/api/orgs/${w.orgA}`, {
      as: adminA(),
      body: { shortAbandonSeconds: before.short_abandon_seconds },
    });
  });

  it('adds someone already in one of the admin’s orgs by id at once; by email it is an invitation', async () => {
    // adminA also administers a scratch org, where the agent of org A is added by id at once.
    const scratch = await createOrg(w.database, 'Acme Annex');
    await withPrincipal(w.database.db, systemPrincipal('test'), (tx) =>
      tx
        .insertInto('org_memberships')
        .values({ org_id: scratch, user_id: w.users.adminA.id, role: 'org_admin' })
        .execute(),
    );
    const annexAdmin = { session: await w.session(w.users.adminA.id) }; // a fresh session sees the new membership
    const byId = await call(w.app, 'POST', `/api/orgs/${scratch}/members`, {
      as: annexAdmin,
      body: { userId: w.users.agentA.id, role: 'agent', mightycallExtension: '104' },
    });
    expect(byId.status).toBe(201);
    expect(Added.parse(await byId.json())).toMatchObject({
      member: { userId: w.users.agentA.id, role: 'agent', mightycallExtension: '104' },
      invitation: null,
    });
    const byEmail = await call(w.app, 'POST', `/api/orgs/${scratch}/members`, {
      as: annexAdmin,
      body: { email: 'Manager@Acme.example', role: 'org_manager' },
    });
    expect(byEmail.status).toBe(201);
    expect(Added.parse(await byEmail.json())).toMatchObject({
      member: null,
      invitation: { email: 'manager@acme.example', role: 'org_manager', status: 'pending' },
    });
    const again = await call(w.app, 'POST', `/api/orgs/${scratch}/members`, {
      as: annexAdmin,
      body: { userId: w.users.agentA.id, role: 'org_manager' },
    });
    expect(again.status).toBe(409);
  });

  it("cannot add by id a user the org admin cannot see, nor touch another org's members", async () => {
    const stranger = await createUser(w.database, 'stranger@elsewhere.example');
    const hidden = await call(w.app, 'POST', `/api/orgs/${w.orgA}/members`, {
      as: adminA(),
      body: { userId: stranger, role: 'agent' },
    });
    expect(hidden.status).toBe(404);
    expect((await errorOf(hidden)).code).toBe('user_not_found');
    const both = await call(w.app, 'POST', `/api/orgs/${w.orgA}/members`, {
      as: adminA(),
      body: { userId: stranger, email: 'x@example.com', role: 'agent' },
    });
    expect(both.status).toBe(400);
    const reach = await call(w.app, 'DELETE', `/api/orgs/${w.orgB}/members/${w.users.adminB.id}`, { as: adminA() });
    expect(reach.status).toBe(404);
  });

  it('keeps one org admin on org routes; platform admins may still remove the last one', async () => {
    const demote = await call(w.app, 'PATCH', `/api/orgs/${w.orgB}/members/${w.users.adminB.id}`, {
      as: { session: w.users.adminB.session },
      body: { role: 'agent' },
    });
    expect(demote.status).toBe(409);
    expect((await errorOf(demote)).code).toBe('last_org_admin');
    const promote = await call(w.app, 'PATCH', `/api/orgs/${w.orgA}/members/${w.users.managerA.id}`, {
      as: adminA(),
      body: { role: 'org_admin', mightycallExtension: '102' },
    });
    expect(z.object({ member: MemberSchema }).parse(await promote.json()).member).toMatchObject({
      role: 'org_admin',
      mightycallExtension: '102',
    });
    const scratch = OrgBody.parse(
      await (await call(w.app, 'POST', '/api/admin/orgs', { as: root(), body: { name: 'Short Lived' } })).json(),
    ).org;
    const removed = await call(w.app, 'DELETE', `/api/admin/orgs/${scratch.id}/members/${w.users.platformAdmin.id}`, {
      as: root(),
    });
    expect(removed.status).toBe(204);
    expect((await call(w.app, 'DELETE', `/api/admin/orgs/${scratch.id}`, { as: root() })).status).toBe(204);
    expect((await call(w.app, 'GET', `/api/admin/orgs/${scratch.id}`, { as: root() })).status).toBe(404);
  });
});
