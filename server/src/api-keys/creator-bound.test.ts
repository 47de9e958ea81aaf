// A key never holds more than its creator may do today: demoting or removing the creator narrows the key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, call, type World } from '../../test/isolation-world.js';
import { testTargets } from '../../test/support/database.js';
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
    expect((await metrics()).status).toBe(403);
  });
});
