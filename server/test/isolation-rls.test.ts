// Row-level security under the route wrapper: handlers written without any org filter still see only the caller's orgs.
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteContext } from '../src/http/context.js';
import { defineRoute, json } from '../src/http/route.js';
import { buildWorld, type Credential, call, type World } from './isolation-world.js';
import { testTargets } from './support/database.js';
import { assignNumber, call as callRow, createNumber, insertCalls } from './support/fixtures.js';

const Rows = z.object({ calls: z.array(z.string()), orgs: z.array(z.string()), members: z.number(), keys: z.number() });

describe.each(testTargets())('row-level security beneath the routes on %s', (target) => {
  let w: World;

  beforeAll(async () => {
    w = await buildWorld(target);
    const numberA = await createNumber(w.database, '+13125550101');
    const numberB = await createNumber(w.database, '+13125550202');
    await assignNumber(w.database, w.orgA, numberA);
    await assignNumber(w.database, w.orgB, numberB);
    const at = new Date('2026-03-02T15:00:00Z');
    await insertCalls(w.database, [
      callRow({ providerCallId: 'acme-1', businessNumber: '+13125550101', startedAt: at }),
      callRow({ providerCallId: 'acme-2', businessNumber: '+13125550101', startedAt: at, status: 'missed' }),
      callRow({ providerCallId: 'bayside-1', businessNumber: '+13125550202', startedAt: at }),
    ]);
    await w.orgKey(w.orgB, ['calls:read']); // a key row in B the A callers must not count

    // Deliberately careless handlers: no WHERE on the org anywhere, only the policies decide.
    const unscoped = async (ctx: RouteContext) =>
      ctx.tenant(async (tx) => ({
        calls: (await sql<{ id: string }>`select provider_call_id as id from calls order by 1`.execute(tx)).rows.map(
          (r) => r.id,
        ),
        orgs: (await sql<{ name: string }>`select name from organizations order by 1`.execute(tx)).rows.map(
          (r) => r.name,
        ),
        members: Number(
          (await sql<{ n: number }>`select count(*)::int as n from org_memberships`.execute(tx)).rows[0]?.n,
        ),
        keys: Number((await sql<{ n: number }>`select count(*)::int as n from api_keys`.execute(tx)).rows[0]?.n),
      }));
    defineRoute(
      w.app,
      w.deps,
      {
        permission: 'calls:read',
        org: 'param',
        route: createRoute({
          method: 'get',
          path: '/api/orgs/{orgId}/careless',
          responses: { 200: json(Rows, 'whatever the database lets through') },
        }),
      },
      async (c, ctx) => c.json(await unscoped(ctx), 200),
    );
    defineRoute(
      w.app,
      w.deps,
      {
        permission: 'self',
        org: 'none',
        route: createRoute({
          method: 'get',
          path: '/api/careless',
          responses: { 200: json(Rows, 'whatever the database lets through') },
        }),
      },
      async (c, ctx) => c.json(await unscoped(ctx), 200),
    );
  });
  afterAll(async () => {
    await w.close();
  });

  const rows = async (path: string, as: Credential) => {
    const res = await call(w.app, 'GET', path, { as });
    expect(res.status).toBe(200);
    return Rows.parse(await res.json());
  };

  it("an org A agent reading through an unfiltered handler gets exactly org A's rows", async () => {
    const seen = await rows(`/api/orgs/${w.orgA}/careless`, { session: w.users.agentA.session });
    expect(seen).toEqual({ calls: ['acme-1', 'acme-2'], orgs: ['Acme Plumbing'], members: 3, keys: 0 });
  });

  it("an org A key gets exactly org A's rows, and cannot aim the handler at org B", async () => {
    expect(await rows(`/api/orgs/${w.orgA}/careless`, { key: w.keys.orgA })).toEqual({
      calls: ['acme-1', 'acme-2'],
      orgs: ['Acme Plumbing'],
      members: 3,
      keys: 0,
    });
    expect((await call(w.app, 'GET', `/api/orgs/${w.orgB}/careless`, { as: { key: w.keys.orgA } })).status).toBe(404);
  });

  it("an org B admin gets org B's rows, including B's keys", async () => {
    const seen = await rows(`/api/orgs/${w.orgB}/careless`, { session: w.users.adminB.session });
    expect(seen).toEqual({ calls: ['bayside-1'], orgs: ['Bayside Dental'], members: 1, keys: 1 });
  });

  it('an org-less route with a careless handler still shows a member only their own orgs', async () => {
    expect(await rows('/api/careless', { session: w.users.managerA.session })).toMatchObject({
      calls: ['acme-1', 'acme-2'],
      orgs: ['Acme Plumbing'],
    });
  });

  it('a platform admin sees everything', async () => {
    const seen = await rows('/api/careless', { session: w.users.platformAdmin.session });
    expect(seen.calls).toEqual(['acme-1', 'acme-2', 'bayside-1']);
    expect(seen.orgs).toEqual(['Acme Plumbing', 'Bayside Dental']);
  });
});
