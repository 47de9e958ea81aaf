// An org's audit log carries nothing about other orgs (shared numbers, members of several orgs); platform admins see it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, call, type World } from '../../test/isolation-world.js';
import { testTargets } from '../../test/support/database.js';
import { AuditPage } from './queries.js';

describe.each(testTargets())('audit entries across orgs on %s', (target) => {
  let w: World;
  let numberId: string;
  const ok = async (res: Response, status = 200) => {
    expect(res.status, await res.clone().text()).toBe(status);
    return res;
  };
  /** The raw JSON of an audit page, to search for any trace of another org. */
  const auditText = async (path: string, session: string) => {
    const res = await ok(await call(w.app, 'GET', path, { as: { session } }));
    const text = await res.text();
    AuditPage.parse(JSON.parse(text));
    return text;
  };

  beforeAll(async () => {
    w = await buildWorld(target);
    const root = { session: w.users.platformAdmin.session };
    const created = await ok(
      await call(w.app, 'POST', '/api/admin/phone-numbers', { as: root, body: { number: '+1 212 555 0142' } }),
      201,
    );
    numberId = ((await created.json()) as { phoneNumber: { id: string } }).phoneNumber.id;
    // Given the number serves Acme (org A), when it is assigned to Bayside (org B) too…
    for (const orgId of [w.orgA, w.orgB]) {
      await ok(
        await call(w.app, 'POST', `/api/admin/orgs/${orgId}/phone-numbers`, {
          as: root,
          body: { phoneNumberIds: [numberId] },
        }),
      );
    }
    // …and Acme's agent (a member of Acme) joins Bayside too, then the number leaves Bayside.
    await ok(
      await call(w.app, 'POST', `/api/admin/orgs/${w.orgB}/members`, {
        as: root,
        body: { userId: w.users.agentA.id, role: 'agent' },
      }),
      201,
    );
    await ok(await call(w.app, 'DELETE', `/api/admin/orgs/${w.orgB}/phone-numbers/${numberId}`, { as: root }));
  });
  afterAll(async () => {
    await w.close();
  });

  it("gives Bayside's admin its own assignment, membership and unassignment, with no trace of Acme", async () => {
    const text = await auditText(`/api/orgs/${w.orgB}/audit`, w.users.adminB.session);
    expect(text).not.toContain(w.orgA);
    expect(text).not.toContain('Acme Plumbing');
    const page = AuditPage.parse(JSON.parse(text));
    expect(page.entries.map((e) => e.action).sort()).toEqual([
      'member.add',
      'phone_number.assign',
      'phone_number.unassign',
    ]);
    expect(page.entries.find((e) => e.action === 'phone_number.assign')?.after).toEqual({
      phoneNumberId: numberId,
      e164: '+12125550142',
      outcome: 'assigned',
      assignedFrom: null,
    });
  });

  it("gives Acme's admin nothing about Bayside either", async () => {
    const text = await auditText(`/api/orgs/${w.orgA}/audit`, w.users.adminA.session);
    expect(text).not.toContain(w.orgB);
    expect(text).not.toContain('Bayside Dental');
  });

  it('still tells a platform admin whom the number is shared with', async () => {
    const res = await ok(
      await call(w.app, 'GET', `/api/admin/audit?action=phone_number.&targetId=${numberId}`, {
        as: { session: w.users.platformAdmin.session },
      }),
    );
    const shared = AuditPage.parse(await res.json()).entries.filter((e) => e.action === 'phone_number.share');
    expect(shared).toHaveLength(1);
    expect(shared[0]?.orgId).toBeNull();
    expect(shared[0]?.after).toEqual({
      orgId: w.orgB,
      e164: '+12125550142',
      sharedWith: [{ orgId: w.orgA, orgName: 'Acme Plumbing' }],
    });
  });
});
