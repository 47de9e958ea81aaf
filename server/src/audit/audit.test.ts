// Reading the audit log: who sees which entries, filters, and keyset paging without gaps or repeats.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, call, type World } from '../../test/isolation-world.js';
import { testTargets } from '../../test/support/database.js';
import { AuditPage } from './queries.js';

describe.each(testTargets())('audit log on %s', (target) => {
  let w: World;
  const page = async (path: string, session: string) => {
    const res = await call(w.app, 'GET', path, { as: { session } });
    expect(res.status).toBe(200);
    return AuditPage.parse(await res.json());
  };

  beforeAll(async () => {
    w = await buildWorld(target);
    // Seven changes in A (by its admin), two in B (by its admin).
    for (let i = 0; i < 7; i++) {
      await call(w.app, 'PATCH', `/api/orgs/${w.orgA}`, {
        as: { session: w.users.adminA.session },
        body: { slThresholdSeconds: 20 + i },
      });
    }
    for (let i = 0; i < 2; i++) {
      await call(w.app, 'POST', `/api/orgs/${w.orgB}/members`, {
        as: { session: w.users.adminB.session },
        body: { email: `b${i}@bayside.example`, role: 'agent' },
      });
    }
  });
  afterAll(async () => {
    await w.close();
  });

  it("shows an org admin only their org's entries, newest first, page by page", async () => {
    const session = w.users.adminA.session;
    const first = await page(`/api/orgs/${w.orgA}/audit?limit=3`, session);
    expect(first.entries).toHaveLength(3);
    expect(first.entries.map((e) => e.after)).toEqual([
      expect.objectContaining({ slThresholdSeconds: 26 }),
      expect.objectContaining({ slThresholdSeconds: 25 }),
      expect.objectContaining({ slThresholdSeconds: 24 }),
    ]);
    const ids = first.entries.map((e) => e.id);
    let cursor = first.nextCursor;
    while (cursor) {
      const next = await page(`/api/orgs/${w.orgA}/audit?limit=3&cursor=${cursor}`, session);
      ids.push(...next.entries.map((e) => e.id));
      cursor = next.nextCursor;
    }
    expect(ids).toHaveLength(7);
    expect(new Set(ids).size).toBe(7);
    expect(first.entries[0]?.actor).toEqual({
      userId: w.users.adminA.id,
      email: 'admin@acme.example',
      keyId: null,
      actAsUserId: null,
    });
  });

  it('filters by action (exact or prefix), actor and time', async () => {
    const root = w.users.platformAdmin.session;
    const members = await page('/api/admin/audit?action=member.', root);
    expect(members.entries.map((e) => e.action)).toEqual(['member.invite', 'member.invite']);
    const invitations = await page(`/api/admin/audit?action=member.invite&orgId=${w.orgB}`, root);
    expect(invitations.entries).toHaveLength(2);
    expect(await page(`/api/admin/audit?action=member.invite&orgId=${w.orgA}`, root)).toMatchObject({ entries: [] });
    const byB = await page(`/api/admin/audit?actorUserId=${w.users.adminB.id}`, root);
    expect(byB.entries.every((e) => e.orgId === w.orgB)).toBe(true);
    const future = await page(`/api/admin/audit?from=${encodeURIComponent('2999-01-01T00:00:00Z')}`, root);
    expect(future.entries).toEqual([]);
    const bad = await call(w.app, 'GET', '/api/admin/audit?cursor=abc', { as: { session: root } });
    expect(bad.status).toBe(400);
  });

  it('does not let an org admin read entries of another org', async () => {
    const res = await call(w.app, 'GET', `/api/orgs/${w.orgB}/audit`, { as: { session: w.users.adminA.session } });
    expect(res.status).toBe(404);
  });
});
