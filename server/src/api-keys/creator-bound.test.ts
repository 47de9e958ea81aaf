// A key never holds more than its creator may do today: demoting or removing the creator narrows the key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, call, errorOf, type World } from '../../test/isolation-world.js';
import { testTargets } from '../../test/support/database.js';
import { createUser } from '../../test/support/fixtures.js';
import { CreatedKey } from './schema.js';

describe.each(testTargets())('keys bounded by their creator on %s', (target) => {
  let w: World;

  beforeAll(async () => {
    // No key cache, so the change is visible on the next request.
    w = await buildWorld(target, { VICTORYSYNC_KEY_CACHE_SECONDS: '0' });
  });
  afterAll(async () => {
    await w.close();
  });

  it('follows the creator down from org admin to agent, then out of the org', async () => {
    const created = await call(w.app, 'POST', `/api/orgs/${w.orgA}/api-keys`, {
      as: { session: w.users.adminA.session },
      body: { name: 'Reporting', scopes: ['metrics:read', 'members:read'] },
    });
    expect(created.status).toBe(201);
    const { key } = CreatedKey.parse(await created.json());
    const members = () => call(w.app, 'GET', `/api/orgs/${w.orgA}/members`, { as: { key } });
    const metrics = () => call(w.app, 'GET', `/api/client-metrics?org_id=${w.orgA}&range=day`, { as: { key } });
    expect((await members()).status).toBe(200);
    expect((await metrics()).status).toBe(200);

    const platform = { session: w.users.platformAdmin.session };
    const demoted = await call(w.app, 'PATCH', `/api/admin/orgs/${w.orgA}/members/${w.users.adminA.id}`, {
      as: platform,
      body: { role: 'agent' },
    });
    expect(demoted.status).toBe(200);
    expect((await members()).status).toBe(403); // agents may not read members, so neither may their key
    expect((await metrics()).status).toBe(200);

    const removed = await call(w.app, 'DELETE', `/api/admin/orgs/${w.orgA}/members/${w.users.adminA.id}`, {
      as: platform,
    });
    expect([200, 204]).toContain(removed.status);
    expect((await metrics()).status).toBe(401);
    // Not even the org's profile: a key is never more than its creator, and its creator is out of the org.
    const profile = await call(w.app, 'GET', `/api/orgs/${w.orgA}`, { as: { key } });
    expect(profile.status).toBe(401);
    expect((await errorOf(profile)).code).toBe('api_key_creator_inactive');
  });

  it('an act_as key dies with its creator: no re-promotion after the creator is demoted and disabled', async () => {
    // Given: a second platform admin who mints an act_as key.
    const second = await createUser(w.database, 'second.admin@agency.example', { platformAdmin: true });
    const secondSession = { session: await w.session(second) };
    const created = await call(w.app, 'POST', '/api/admin/platform-keys', {
      as: secondSession,
      body: { name: 'Automation', scopes: ['act_as'] },
    });
    expect(created.status).toBe(201);
    const { key } = CreatedKey.parse(await created.json());
    const asFirst = { headers: { authorization: `Bearer ${key}`, 'x-user-id': w.users.platformAdmin.id } };
    expect((await call(w.app, 'GET', '/api/admin/users', { as: asFirst })).status).toBe(200);

    // When: the first admin demotes and disables the second.
    const root = { session: w.users.platformAdmin.session };
    for (const body of [{ platformRole: 'none' }, { disabled: true }]) {
      const res = await call(w.app, 'PATCH', `/api/admin/users/${second}`, { as: root, body });
      expect(res.status).toBe(200);
    }

    // Then: the key, acting as the first admin, can neither list users nor undo the demotion.
    const list = await call(w.app, 'GET', '/api/admin/users', { as: asFirst });
    expect(list.status).toBe(401);
    expect((await errorOf(list)).code).toBe('api_key_creator_inactive');
    for (const body of [{ platformRole: 'platform_admin' }, { disabled: false }]) {
      const res = await call(w.app, 'PATCH', `/api/admin/users/${second}`, { as: asFirst, body });
      expect(res.status).toBe(401);
    }
    const after = await call(w.app, 'GET', `/api/admin/users/${second}`, { as: root });
    expect(await after.json()).toMatchObject({ user: { platformRole: 'none', status: 'disabled' } });
  });

  it('an act_as key whose creator is only demoted cannot act as anyone', async () => {
    const third = await createUser(w.database, 'third.admin@agency.example', { platformAdmin: true });
    const created = await call(w.app, 'POST', '/api/admin/platform-keys', {
      as: { session: await w.session(third) },
      body: { name: 'Automation 2', scopes: ['act_as'] },
    });
    const { key } = CreatedKey.parse(await created.json());
    const demoted = await call(w.app, 'PATCH', `/api/admin/users/${third}`, {
      as: { session: w.users.platformAdmin.session },
      body: { platformRole: 'none' },
    });
    expect(demoted.status).toBe(200);
    // Acting as an org admin or the platform admin: the key gives nothing its creator no longer has.
    for (const userId of [w.users.platformAdmin.id, w.users.adminB.id]) {
      const asUser = { headers: { authorization: `Bearer ${key}`, 'x-user-id': userId } };
      expect((await call(w.app, 'GET', `/api/orgs/${w.orgB}/members`, { as: asUser })).status).toBe(401);
      expect((await call(w.app, 'GET', '/api/admin/orgs', { as: asUser })).status).toBe(401);
    }
  });
});
