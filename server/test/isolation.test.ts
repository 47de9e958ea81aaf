// The isolation matrix: every route in the route table × every kind of caller × own and other org → exact status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/auth/passwords.js';
import { SCOPES, type Scope } from '../src/auth/permissions.js';
import { systemPrincipal } from '../src/auth/principal.js';
import { generateApiKey } from '../src/auth/tokens.js';
import { withPrincipal } from '../src/db/tenant.js';
import type { RouteEntry } from '../src/http/route-table.js';
import {
  ACCESS,
  ACTORS,
  type Actor,
  KEY_ACTORS,
  MATRIX,
  MATRIX_LOGIN,
  MATRIX_PASSWORD,
  type MatrixEntry,
  PLATFORM_WIDE,
  scratchOrg,
  type Target,
} from './isolation.matrix.js';
import { buildWorld, type Credential, call, type World } from './isolation-world.js';
import { testTargets } from './support/database.js';
import { createUser } from './support/fixtures.js';

const ORG_SCOPES: Scope[] = SCOPES.filter((s) => s.kinds.includes('org')).map((s) => s.scope);
const routeKey = (r: RouteEntry) => `${r.method} ${r.path}`;

function expectedStatus(route: RouteEntry, actor: Actor, target: Target, entry: MatrixEntry): number {
  const ok = entry.ok;
  if (actor === 'badKey' || actor === 'revokedKey') return 401;
  if (route.permission === 'public') return ok;
  if (actor === 'anonymous') return 401;
  if (entry.usersOnly && KEY_ACTORS.includes(actor)) return 403;
  if (route.org !== 'none' && target === 'other' && !PLATFORM_WIDE.includes(actor)) return 404;
  return ACCESS[route.permission].includes(actor) ? ok : 403;
}

describe.each(testTargets())('isolation matrix on %s', (target) => {
  let w: World;
  const keysWithout = new Map<string, string>();

  beforeAll(async () => {
    w = await buildWorld(target);
    const loginUser = await createUser(w.database, MATRIX_LOGIN, { memberships: [{ orgId: w.orgA, role: 'agent' }] });
    const hash = await hashPassword(MATRIX_PASSWORD);
    await withPrincipal(w.database.db, systemPrincipal('matrix'), (tx) =>
      tx.updateTable('users').set({ password_hash: hash }).where('id', '=', loginUser).execute(),
    );
  });
  afterAll(async () => {
    await w.close();
  });

  const homeOrg = (actor: Actor) => (actor === 'adminB' ? w.orgB : w.orgA);
  const otherOrg = (actor: Actor) => (actor === 'adminB' ? w.orgA : w.orgB);

  /** An org-A key holding every org scope except those that grant the route's permission. */
  async function keyWithout(route: RouteEntry): Promise<string> {
    const scopes = ORG_SCOPES.filter((s) => !SCOPES.find((e) => e.scope === s)?.grants.includes(route.permission));
    const id = scopes.join(',');
    let key = keysWithout.get(id);
    if (!key) {
      key = await w.orgKey(w.orgA, scopes);
      keysWithout.set(id, key);
    }
    return key;
  }

  async function credential(actor: Actor, route: RouteEntry, fresh: boolean): Promise<Credential> {
    switch (actor) {
      case 'anonymous':
        return null;
      case 'badKey':
        return { key: generateApiKey('org').key };
      case 'revokedKey':
        return { key: w.keys.revoked };
      case 'orgKeyWithScope':
        return { key: w.keys.orgA };
      case 'orgKeyWithoutScope':
        return { key: await keyWithout(route) };
      case 'platformKey':
        return { key: w.keys.platform };
      default: {
        const user = w.users[actor];
        return { session: fresh ? await w.session(user.id) : user.session };
      }
    }
  }

  it('has a matrix entry for every route, and every API route goes through defineRoute', () => {
    const table = w.deps.routes.entries().map(routeKey);
    expect(table.filter((k) => !(k in MATRIX))).toEqual([]);
    expect(Object.keys(MATRIX).filter((k) => !table.includes(k))).toEqual([]);
    const outside = w.app.routes
      .filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/') && !/^\/api\/(docs|openapi\.json)/.test(r.path))
      .map((r) => `${r.method} ${r.path}`)
      .filter((k) => !table.includes(k));
    expect([...new Set(outside)]).toEqual([]);
  });

  it('answers every route × caller × org with the expected status', async () => {
    const mismatches: string[] = [];
    let checked = 0;
    for (const route of w.deps.routes.entries()) {
      const entry = MATRIX[routeKey(route)];
      if (!entry) continue;
      for (const actor of ACTORS) {
        for (const side of ['own', 'other'] as const) {
          const want = expectedStatus(route, actor, side, entry);
          let orgId = side === 'own' ? homeOrg(actor) : otherOrg(actor);
          if (entry.deletesOrg && want === entry.ok) orgId = await scratchOrg(w);
          const req = await entry.request(w, orgId);
          const as = await credential(actor, route, entry.endsSession === true);
          const res = await call(w.app, route.method, req.path, { as, ...req });
          checked++;
          if (res.status !== want) {
            const text = (await res.text()).slice(0, 200);
            mismatches.push(`${routeKey(route)} as ${actor} on ${side} org: got ${res.status}, want ${want} — ${text}`);
          } else {
            await res.body?.cancel(); // event streams stay open otherwise
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(w.deps.routes.entries().length * ACTORS.length * 2);
  }, 600_000);
});
