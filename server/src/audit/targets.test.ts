// Audit entries name their targets (issue 21): by what the reader may see, never by another org's data.
import { z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, call, type World } from '../../test/isolation-world.js';
import { testTargets } from '../../test/support/database.js';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import { AuditPage } from './queries.js';

describe.each(testTargets())('audit target names on %s', (target) => {
  let w: World;
  let acmeKeyId: string;
  const root = () => ({ session: w.users.platformAdmin.session });
  const ok = async (res: Response, status = 200) => {
    expect(res.status, await res.clone().text()).toBe(status);
    return res;
  };
  const read = async (path: string, session: string) => {
    const text = await (await ok(await call(w.app, 'GET', path, { as: { session } }))).text();
    return { text, page: AuditPage.parse(JSON.parse(text)) };
  };

  beforeAll(async () => {
    w = await buildWorld(target);
    // Given Bayside (org B) gets a number, Acme's agent as a member, and a settings change by its admin…
    const created = await ok(
      await call(w.app, 'POST', '/api/admin/phone-numbers', { as: root(), body: { number: '(212) 555-0143' } }),
      201,
    );
    const numberId = ((await created.json()) as { phoneNumber: { id: string } }).phoneNumber.id;
    await ok(
      await call(w.app, 'POST', `/api/admin/orgs/${w.orgB}/phone-numbers`, {
        as: root(),
        body: { phoneNumberIds: [numberId] },
      }),
    );
    await ok(
      await call(w.app, 'POST', `/api/admin/orgs/${w.orgB}/members`, {
        as: root(),
        body: { userId: w.users.agentA.id, role: 'agent' },
      }),
      201,
    );
    await ok(
      await call(w.app, 'PATCH', `/api/orgs/${w.orgB}/settings`, {
        as: { session: w.users.adminB.session },
        body: { slThresholdSeconds: 25 },
      }),
    );
    // …and two entries in Bayside's log that point at Acme's org and at one of Acme's keys, recording nothing else
    // (no route writes such entries; they stand for any target the reader may not see).
    await withPrincipal(w.database.db, systemPrincipal('audit target test'), async (tx) => {
      const key = await tx.selectFrom('api_keys').select('id').where('org_id', '=', w.orgA).executeTakeFirstOrThrow();
      acmeKeyId = key.id;
      await tx
        .insertInto('audit_log')
        .values([
          { org_id: w.orgB, action: 'test.foreign_org', target_type: 'org', target_id: w.orgA },
          { org_id: w.orgB, action: 'test.foreign_key', target_type: 'api_key', target_id: acmeKeyId },
        ])
        .execute();
    });
  });
  afterAll(async () => {
    await w.close();
  });

  it("names Bayside's targets for its admin: the member by name and email, the number, the org", async () => {
    const { page } = await read(`/api/orgs/${w.orgB}/audit`, w.users.adminB.session);
    const entry = (action: string) => page.entries.find((e) => e.action === action);
    const added = entry('member.add');
    const member = z.object({ displayName: z.string(), email: z.string() }).parse(added?.after);
    expect(member.email).toBe(w.users.agentA.email);
    expect(added?.targetName).toBe(`${member.displayName} (${member.email})`);
    expect(entry('phone_number.assign')?.targetName).toBe('+12125550143');
    expect(entry('org.settings')?.targetName).toBe('Bayside Dental');
  });

  it('leaves a target the reader may not see unnamed, with no trace of the other org', async () => {
    const { text, page } = await read(`/api/orgs/${w.orgB}/audit`, w.users.adminB.session);
    const foreign = page.entries.filter((e) => e.action.startsWith('test.foreign_'));
    expect(foreign.map((e) => [e.action, e.targetName])).toEqual([
      ['test.foreign_key', null],
      ['test.foreign_org', null],
    ]);
    expect(text).not.toContain('Acme Plumbing');
  });

  it('names those targets for a platform admin, who may see both orgs', async () => {
    const { page } = await read(`/api/admin/audit?orgId=${w.orgB}&action=test.`, w.users.platformAdmin.session);
    const names = Object.fromEntries(page.entries.map((e) => [e.action, e.targetName]));
    expect(names['test.foreign_org']).toBe('Acme Plumbing');
    expect(names['test.foreign_key']).toEqual(expect.any(String));
  });
});
