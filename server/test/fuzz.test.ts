// Bad input on every route of the route table: hostile variants generated from the OpenAPI document, sent as a
// platform admin, an org admin of org A and an org API key of org A. Every answer must be a 4xx in the one
// error shape naming the problem; the database must not change; nothing of org B may appear in any answer.
//
// Short by default (a seeded sample per route); FUZZ_ITERATIONS=50 runs fifty rounds, FUZZ_SEED=… another seed,
// FUZZ_PER_ROUTE=… more variants per route and caller and round.
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { defineRoute, json, jsonBody } from '../src/http/route.js';
import { createServices } from '../src/services.js';
import { call, headersFor } from './isolation-world.js';
import { testTargets } from './support/database.js';
import {
  type BaseRequest,
  deepJson,
  describeRoutes,
  type FuzzActor,
  type FuzzRoute,
  IMPOSSIBLE_DATES,
  ODD_TEXT,
  type OpenApiDoc,
  type QuerySemantics,
  runFuzz,
  SCRIPT_INJECTION,
  SQL_INJECTION,
  TRAVERSAL,
  type Variant,
} from './support/fuzz.js';
import { buildFuzzWorld, dataTables, type FuzzWorld, tableDigests } from './support/fuzz-world.js';

const ROUNDS = Number(process.env.FUZZ_ITERATIONS ?? 1);
const PER_ROUTE = Number(process.env.FUZZ_PER_ROUTE ?? 8);
const SEED = process.env.FUZZ_SEED ?? 'victorysync';

const FREE_TEXT = [...SQL_INJECTION, ...SCRIPT_INJECTION, ...TRAVERSAL, ...ODD_TEXT, '%', '_', '\\', "O'Brien"];
const IMPOSSIBLE_DAYS = [...IMPOSSIBLE_DATES, '0000-01-01', '2026-1-1'];

/** What query parameters mean beyond their schemas (the document types them as bounded strings). */
function semantics(route: FuzzRoute, name: string): QuerySemantics {
  const isCalls = route.entry.path === '/api/calls';
  const isMetrics = route.entry.permission === 'metrics:read' && route.entry.org === 'query';
  const free = (s: string[] = FREE_TEXT) => s.filter((v) => v.length <= 40);
  switch (name) {
    case 'from':
    case 'to': {
      if (!isMetrics && !isCalls) return {};
      const other: Record<string, string> = name === 'from' ? { to: '2026-03-31' } : { from: '2026-03-01' };
      return {
        reject: [
          ...IMPOSSIBLE_DAYS.map((value) => ({ value, with: other })),
          ...['2026-03-01T25:00:00Z', '2026-03-01T00:00:00+99:00', 'yesterday'].map((value) => ({
            value,
            with: other,
          })),
          // Instants JavaScript accepts and PostgreSQL does not (there is no year 0).
          name === 'from'
            ? { value: '0000-01-01T00:00:00Z', with: { to: '0000-02-01T00:00:00Z' } }
            : { value: '0000-02-01T00:00:00Z', with: { from: '0001-01-01T00:00:00Z' } },
        ],
      };
    }
    case 'tz':
      // Org figures always use the org's zone, so even a real zone is refused together with org_id.
      return { reject: ['Mars/Olympus', '../../', "UTC'; DROP TABLE calls; --", 'America/New_York'] };
    case 'sort':
      return { reject: ['no_such_field', '-no_such_field', "totalCalls'--", '__proto__', 'constructor'] };
    case 'cursor': {
      const crafted = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      return {
        reject: [
          'not-a-cursor',
          "' OR 1=1 --",
          crafted(['2026-01-01T00:00:00Z', '------------------------------------']),
          crafted(['+275760-09-13T00:00:00Z', '00000000-0000-4000-8000-000000000000']),
          crafted(['0000-01-01T00:00:00Z', '00000000-0000-4000-8000-000000000000']),
          crafted({ startedAt: 1, id: 2 }),
        ],
      };
    }
    case 'number':
      return isCalls ? { reject: free([...SQL_INJECTION, ...SCRIPT_INJECTION, 'not a number']) } : {};
    case 'q':
      return isCalls
        ? { reject: ['<script>alert(x)</script>', '../../etc/passwd', "' OR ''='"], safe: free(SQL_INJECTION) }
        : { safe: free() };
    case 'agent':
    case 'targetType':
    case 'targetId':
      return { safe: free() };
    default:
      return {};
  }
}

describe.each(testTargets())('fuzzing every route on %s', (target) => {
  let w: FuzzWorld;
  let doc: OpenApiDoc;
  let routes: FuzzRoute[];
  let actors: FuzzActor[];
  let tables: string[];

  beforeAll(async () => {
    w = await buildFuzzWorld(target);
    doc = (await (await w.app.request('http://localhost/api/openapi.json')).json()) as OpenApiDoc;
    routes = describeRoutes(doc, w.deps.routes.entries());
    actors = [
      { name: 'platform admin', headers: headersFor({ session: w.users.platformAdmin.session }) },
      { name: 'org admin of A', headers: headersFor({ session: w.users.adminA.session }) },
      { name: 'org key of A', headers: headersFor({ key: w.keys.orgA }) },
    ];
    tables = await dataTables(w.database);
  });
  afterAll(async () => {
    await w.close();
  });

  const base = (route: FuzzRoute): BaseRequest => ({
    params: {
      orgId: w.orgA,
      userId: w.ids.memberA,
      keyId: route.entry.path.includes('platform-keys') ? w.ids.spareKeyPlatform : w.ids.spareKeyA,
      phoneNumberId: w.ids.numberA,
      callId: w.ids.callA,
      id: w.ids.connection,
      connectionId: w.ids.connection,
      token: w.ids.webhookToken,
    },
    query: route.entry.org === 'query' ? { org_id: w.orgA } : {},
  });

  /** Route-specific attacks: org B's ids for org A's callers, and the webhook's and the import's own bodies. */
  function extra(route: FuzzRoute, actor: FuzzActor): Variant[] {
    const out: Variant[] = [];
    const reject = (label: string, v: Partial<Variant>): Variant => ({
      family: 'route',
      label,
      expect: 'reject',
      names: [],
      ...v,
    });
    if (actor.name !== 'platform admin') {
      const foreign: Record<string, string> = {
        orgId: w.orgB,
        userId: w.ids.memberB,
        keyId: w.ids.keyB,
        phoneNumberId: w.ids.numberB,
        callId: w.ids.callB,
      };
      for (const p of route.pathParams) {
        const id = foreign[p.name];
        if (id) out.push(reject(`org B's ${p.name}`, { family: 'foreign-id', core: true, params: { [p.name]: id } }));
      }
      if (route.entry.org === 'query') {
        out.push(reject("org B's org_id", { family: 'foreign-id', core: true, query: `org_id=${w.orgB}` }));
      }
    }
    if (route.entry.path === '/api/webhooks/mightycall/:connectionId/:token') {
      const event = (body: Record<string, unknown>) =>
        JSON.stringify({ EventType: 'IncomingCall', Guid: 'fuzz', ...body });
      const raw = (label: string, bytes: string, extraV: Partial<Variant> = {}) =>
        reject(label, { family: 'webhook', body: { bytes, type: 'application/json' }, ...extraV });
      out.push(raw('webhook: malformed JSON', '{"EventType": ', { core: true, names: ['JSON'] }));
      out.push(raw('webhook: event of the wrong shape', event({ Body: 'x' }), { core: true, names: ['Body'] }));
      out.push(
        raw('webhook: event with a forged ApiKey', event({ Body: { Id: 'c1' }, ApiKey: 'forged' }), { core: true }),
      );
      out.push(
        raw(
          'webhook: a genuine event nested 10,000 deep',
          event({ Body: { Id: 'c1', Deep: '\u0000deep\u0000' }, ApiKey: w.ids.mightycallApiKey }).replace(
            JSON.stringify('\u0000deep\u0000'),
            deepJson(10_000),
          ),
          { core: true, names: ['nested'] },
        ),
      );
      out.push(
        raw(
          'webhook: a genuine event with a 100,000-item array, forged ApiKey',
          event({ Body: { Id: 'c1', List: Array(100_000).fill(0) }, ApiKey: 'x' }),
        ),
      );
      out.push(
        reject('webhook: the wrong token', {
          params: { token: 'x'.repeat(43) },
          body: { bytes: '{}', type: 'application/json' },
        }),
      );
      out.push(
        reject("webhook: another connection's id", {
          params: { connectionId: '00000000-0000-4000-8000-000000000000' },
          body: { bytes: '{}', type: 'application/json' },
        }),
      );
    }
    if (route.entry.path === '/api/admin/calls/import') {
      const body = (bytes: string | Uint8Array, type: string | null) => ({ bytes, type });
      out.push(
        reject('import: JSON instead of CSV/NDJSON', {
          core: true,
          body: body('{"a":1}', 'application/json'),
          names: ['csv'],
        }),
      );
      out.push(reject('import: no content type', { body: body('a,b\n1,2', null) }));
      out.push(
        reject('import: invalid UTF-8 CSV', {
          core: true,
          body: body(new Uint8Array([0x61, 0x2c, 0x62, 0x0a, 0xff, 0xfe, 0x2c, 0x31]), 'text/csv'),
          names: ['UTF-8'],
        }),
      );
    }
    return out;
  }

  it('covers every route of the route table and every table of the schema', () => {
    expect(routes.length).toBe(w.deps.routes.entries().length);
    expect(routes.length).toBeGreaterThan(50);
    expect(tables).toEqual(expect.arrayContaining(['organizations', 'calls', 'audit_log', 'sessions', 'api_keys']));
  });

  it(
    'answers every hostile request with a 4xx error naming the problem, changes nothing, leaks nothing',
    async () => {
      const started = Date.now();
      const report = await runFuzz({
        app: w.app,
        doc,
        routes,
        actors,
        base,
        extra,
        semantics,
        snapshot: () => tableDigests(w.database, tables),
        markers: w.markersB,
        seed: SEED,
        rounds: ROUNDS,
        perRoute: PER_ROUTE,
      });
      const errors = w.logLines.filter((l) => /"level":"error"/.test(l));
      console.info(
        `fuzz on ${target}: ${report.sent} requests in ${((Date.now() - started) / 1000).toFixed(1)} s, statuses ${JSON.stringify(report.statuses)}`,
      );
      expect(report.findings.slice(0, 60), `${report.findings.length} findings`).toEqual([]);
      expect(errors).toEqual([]);
      // The suite reached the validators: every body, query and UUID path parameter was refused with a 400 naming it.
      const expected = routes.flatMap((r) => [
        ...(r.body?.type === 'application/json' ? [`${r.key} body`] : []),
        ...(r.query.length > 0 ? [`${r.key} query`] : []),
        ...(r.pathParams.some((p) => p.schema?.format === 'uuid') ? [`${r.key} path`] : []),
      ]);
      expect(expected.filter((k) => !report.validated.has(k))).toEqual([]);
      for (const family of [
        'body.unknown-field',
        'body.deep',
        'body.utf8',
        'query.duplicate',
        'query.utf8',
        'path.traversal',
      ]) {
        expect(report.families).toContain(family);
      }
    },
    Math.max(600_000, ROUNDS * 180_000),
  );

  it('stores injection strings in free-text fields literally, changing nothing else', async () => {
    // Creating an org also makes its creator a member; nothing else may move.
    const UNTOUCHED = ['calls', 'users', 'phone_numbers', 'api_keys', 'sessions'];
    const as = { session: w.users.platformAdmin.session };
    const before = await tableDigests(w.database, UNTOUCHED);
    for (const name of [
      ...SQL_INJECTION,
      ...SCRIPT_INJECTION,
      "Robert'); DROP TABLE organizations;--",
      'Zoë 🏴‍☠️ \u202e',
    ]) {
      const res = await call(w.app, 'POST', 'http://localhost/api/admin/orgs', { as, body: { name } });
      expect(res.status, name).toBe(201);
      expect(res.headers.get('content-type')).toContain('application/json');
      const { org } = (await res.json()) as { org: { id: string; name: string } };
      expect(org.name).toBe(name.trim());
      const back = await call(w.app, 'GET', `http://localhost/api/admin/orgs/${org.id}`, { as });
      expect(((await back.json()) as { org: { name: string } }).org.name).toBe(name.trim());
    }
    // Text PostgreSQL cannot store is refused up front, not failed on in SQL.
    const nul = await call(w.app, 'POST', 'http://localhost/api/admin/orgs', { as, body: { name: 'a\u0000b' } });
    expect(nul.status).toBe(400);
    expect(((await nul.json()) as { error: { message: string } }).error.message).toMatch(/NUL/);
    expect(await tableDigests(w.database, UNTOUCHED)).toEqual(before);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM calls`.execute(w.database.db);
    expect(rows[0]?.n).toBeGreaterThan(0);
  });

  it('can fail: a route answering 500, or accepting an unknown field that changes data, is reported', async () => {
    const canaryDeps = createServices(w.deps);
    const canary = createApp(canaryDeps);
    defineRoute(
      canary,
      canaryDeps,
      {
        permission: 'platform:orgs',
        org: 'none',
        route: createRoute({
          method: 'post',
          path: '/api/fuzz-canary/orgs',
          request: { body: jsonBody(z.object({ name: z.string().min(1).max(50) })) },
          responses: { 201: json(z.object({ id: z.string() }), 'Created') },
        }),
      },
      async (c, ctx) => {
        const { name } = c.req.valid('json');
        const row = await ctx.tenant((tx) =>
          tx
            .insertInto('organizations')
            .values({ name, slug: `canary-${Date.now()}-${Math.random()}`.replace('.', '') })
            .returning('id')
            .executeTakeFirstOrThrow(),
        );
        return c.json({ id: row.id }, 201);
      },
    );
    defineRoute(
      canary,
      canaryDeps,
      {
        permission: 'platform:orgs',
        org: 'none',
        route: createRoute({
          method: 'get',
          path: '/api/fuzz-canary/search',
          request: { query: z.object({ q: z.string().max(100).optional() }) },
          responses: { 200: json(z.object({ n: z.number() }), 'Count') },
        }),
      },
      async (c, ctx) => {
        const { q } = c.req.valid('query');
        // Deliberately injectable.
        const { rows } = await ctx.tenant((tx) =>
          sql.raw<{ n: number }>(`SELECT count(*)::int AS n FROM organizations WHERE name = '${q ?? ''}'`).execute(tx),
        );
        return c.json({ n: rows[0]?.n ?? 0 }, 200);
      },
    );
    const canaryDoc = (await (await canary.request('http://localhost/api/openapi.json')).json()) as OpenApiDoc;
    const canaryRoutes = describeRoutes(canaryDoc, canaryDeps.routes.entries()).filter((r) =>
      r.key.includes('fuzz-canary'),
    );
    const report = await runFuzz({
      app: canary,
      doc: canaryDoc,
      routes: canaryRoutes,
      actors: [actors[0] as FuzzActor],
      base: () => ({ params: {}, query: {} }),
      semantics: (_r, name) => (name === 'q' ? { safe: ["O'Brien"] } : {}),
      snapshot: () => tableDigests(w.database, tables),
      markers: w.markersB,
      seed: SEED,
      rounds: 1,
      perRoute: 1000,
    });
    await canaryDeps.auth.keys.close();
    const text = report.findings.join('\n');
    expect(text).toMatch(/POST \/api\/fuzz-canary\/orgs .*unknown field.* 201: status 201 \(wanted a 4xx\)/);
    expect(text).toMatch(/POST \/api\/fuzz-canary\/orgs .*unknown field.*changed the database \(organizations\)/);
    expect(text).toMatch(/GET \/api\/fuzz-canary\/search .* 500: status 500/);
  });
});
