// The dashboard micro-cache: computes once per key and cache time, never across orgs, never before authorization,
// and forgets everything when this instance makes a change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardCache, dashboardKey } from '../src/http/dashboard-cache.js';
import { buildWorld, call, type World } from './isolation-world.js';
import { call as aCall, assignNumber, createNumber, insertCalls } from './support/fixtures.js';

describe('DashboardCache', () => {
  it('computes once within the cache time, shares a running computation, and never keeps failures', async () => {
    const cache = new DashboardCache(60_000);
    let runs = 0;
    const compute = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 20));
      return { runs };
    };
    const [a, b] = await Promise.all([cache.json(() => 'k', compute), cache.json(() => 'k', compute)]);
    expect(runs).toBe(1);
    expect(a).toEqual({ body: '{"runs":1}', cached: false });
    expect(b).toEqual({ body: '{"runs":1}', cached: true });
    expect(await cache.json(() => 'k', compute)).toEqual({ body: '{"runs":1}', cached: true });
    expect((await cache.json(() => 'other', compute)).body).toBe('{"runs":2}');
    await expect(
      cache.json(
        () => 'bad',
        async () => Promise.reject(new Error('boom')),
      ),
    ).rejects.toThrow('boom');
    expect((await cache.json(() => 'bad', compute)).cached).toBe(false);
    cache.clear();
    expect((await cache.json(() => 'k', compute)).body).toBe('{"runs":4}');
  });

  it('computes a request with no key for itself alone (a caller waiting to see its own write)', async () => {
    const cache = new DashboardCache(60_000);
    let runs = 0;
    const compute = async () => ++runs;
    await cache.json(() => 'k', compute);
    expect(await cache.json(() => null, compute)).toEqual({ body: '2', cached: false });
    // The keyless answer was not stored in the place of the shared one.
    expect(await cache.json(() => 'k', compute)).toEqual({ body: '1', cached: true });
  });

  it('with a cache time of 0 computes every time', async () => {
    const cache = new DashboardCache(0);
    let runs = 0;
    let keys = 0;
    const key = () => {
      keys++;
      return 'k';
    };
    await cache.json(key, async () => ++runs);
    await cache.json(key, async () => ++runs);
    expect(runs).toBe(2);
    // Nothing is cached, so no key is worked out.
    expect(keys).toBe(0);
  });

  it('keys on the route, every query parameter in a stable order, and the resolved org', () => {
    const k = (url: string, org: string | null) => dashboardKey('/api/client-metrics', url, org);
    expect(k('http://x/api/client-metrics?range=day&org_id=a', 'a')).toBe(
      k('http://x/api/client-metrics?org_id=a&range=day', 'a'),
    );
    expect(k('http://x/api/client-metrics?range=day', 'a')).not.toBe(k('http://x/api/client-metrics?range=day', 'b'));
    expect(k('http://x/api/client-metrics?range=day', null)).not.toBe(
      k('http://x/api/client-metrics?range=week', null),
    );
  });
});

describe('dashboard answers through the API (PGlite)', () => {
  let w: World;
  beforeAll(async () => {
    w = await buildWorld('pglite', { VICTORYSYNC_DASHBOARD_CACHE_MS: '60000' });
    const a = await createNumber(w.database, '+12125550101');
    const b = await createNumber(w.database, '+13105550102');
    await assignNumber(w.database, w.orgA, a);
    await assignNumber(w.database, w.orgB, b);
    const at = new Date(Date.now() - 60_000);
    await insertCalls(w.database, [
      aCall({ businessNumber: '+12125550101', startedAt: at }),
      aCall({ businessNumber: '+13105550102', startedAt: at }),
      aCall({ businessNumber: '+13105550102', startedAt: at }),
    ]);
  });
  afterAll(async () => {
    await w.close();
  });

  const metrics = async (orgId: string, session: string) => {
    const res = await call(w.app, 'GET', `/api/client-metrics?org_id=${orgId}&range=day&compare=false`, {
      as: { session },
    });
    return {
      status: res.status,
      cache: res.headers.get('x-cache'),
      body: (await res.json()) as { metrics?: { total_calls: number } },
    };
  };

  it('serves a repeat from the cache, per org, and checks access before it', async () => {
    const first = await metrics(w.orgA, w.users.adminA.session);
    expect(first).toMatchObject({ status: 200, cache: 'miss', body: { metrics: { total_calls: 1 } } });
    // New calls straight in the database: within the cache time the answer stays as computed.
    await insertCalls(w.database, [
      aCall({ businessNumber: '+12125550101', startedAt: new Date(Date.now() - 30_000) }),
    ]);
    const again = await metrics(w.orgA, w.users.managerA.session);
    expect(again).toMatchObject({ status: 200, cache: 'hit', body: { metrics: { total_calls: 1 } } });
    // Another org's identical query is its own entry; a caller without access gets no cached answer.
    expect(await metrics(w.orgB, w.users.adminB.session)).toMatchObject({
      cache: 'miss',
      body: { metrics: { total_calls: 2 } },
    });
    expect((await metrics(w.orgB, w.users.adminA.session)).status).toBe(404);
    expect((await metrics(w.orgA, w.users.adminB.session)).status).toBe(404);
  });

  it('drops cached answers when this instance makes a change', async () => {
    const patch = await call(w.app, 'PATCH', `/api/orgs/${w.orgA}/settings`, {
      as: { session: w.users.adminA.session },
      body: { slThresholdSeconds: 25 },
    });
    expect(patch.status).toBe(200);
    const after = await metrics(w.orgA, w.users.adminA.session);
    expect(after).toMatchObject({ status: 200, cache: 'miss', body: { metrics: { total_calls: 2 } } });
  });
});
