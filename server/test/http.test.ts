// The HTTP shell every route shares: one error shape, unknown routes, malformed and oversized bodies,
// request ids, security headers, and the OpenAPI document listing every route in the route table.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import type { AppEnv } from '../src/http/context.js';
import { securityHeaders } from '../src/http/middleware.js';
import { registerWebApp } from '../src/web-app/routes.js';
import { client, ORIGIN, testApp } from './support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from './support/database.js';
import { createOrg, createUser } from './support/fixtures.js';
import { listen } from './support/mightycall.js';

/** The headers every answer carries, whatever produced it. */
function expectSecurityHeaders(res: Response, what: string): void {
  expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(res.headers.get('referrer-policy'), what).toBe('strict-origin-when-cross-origin');
  expect(res.headers.get('x-frame-options'), what).toBe('DENY');
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp, what).toContain("default-src 'self'");
  expect(csp, what).toContain("script-src 'self'");
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).toContain("base-uri 'none'");
  // These answers all went over plain http: no HSTS (it is only meaningful, and only sent, over https).
  expect(res.headers.get('strict-transport-security'), what).toBeNull();
}

describe.each(testTargets())('the HTTP shell on %s', (target) => {
  let database: TestDatabase;
  let harness: ReturnType<typeof testApp>;
  const PASSWORD = 'http shell password 1';

  beforeAll(async () => {
    database = await openTestDatabase(target);
    harness = testApp(database, { VICTORYSYNC_MAX_BODY_BYTES: '2048' });
    await createUser(database, 'shell@example.com', { platformAdmin: true, password: PASSWORD });
  });
  afterAll(async () => {
    await database.cleanup();
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    harness.app.request(`${ORIGIN}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN, ...headers },
      body,
    });

  it('answers unknown routes with a 404 in the one error shape', async () => {
    const res = await harness.app.request(`${ORIGIN}/api/nothing-here`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: 'route_not_found', message: 'No route for GET /api/nothing-here' },
    });
  });

  it('answers a malformed JSON body with 400 and an oversized one with 413, changing nothing', async () => {
    const malformed = await post('/api/auth/login', '{"email": "shell@example.com", "password": ');
    expect(malformed.status).toBe(400);
    const body = (await malformed.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toMatch(/malformed|invalid/);
    const huge = await post(
      '/api/auth/login',
      JSON.stringify({ email: 'shell@example.com', password: 'x'.repeat(5000) }),
    );
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    const sessions = await database.db.selectFrom('sessions').select('id').execute();
    expect(sessions).toHaveLength(0);
  });

  it('names the bad field of a body in a 400', async () => {
    const c = client(harness.app);
    await c.login('shell@example.com', PASSWORD);
    const res = await c.json<{ error: { message: string } }>('/api/admin/orgs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 42 }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/body\.name/);
  });

  it('refuses repeated, unknown and undecodable query parameters, and bodies not UTF-8, with NUL or too deep', async () => {
    const c = client(harness.app);
    await c.login('shell@example.com', PASSWORD);
    const message = async (res: Response) => {
      expect(res.status).toBe(400);
      return ((await res.json()) as { error: { code: string; message: string } }).error.message;
    };
    // Checked after authorization (which reads the first org_id, and must find that org): a second org_id,
    // the same or another, never reaches the handler.
    const org = await createOrg(database, 'Query rules');
    const other = await createOrg(database, 'Query rules too');
    expect(await message(await c.request(`/api/client-metrics?org_id=${org}&org_id=${org}`))).toBe(
      'query.org_id: given more than once',
    );
    expect(await message(await c.request(`/api/client-metrics?org_id=${org}&org_id=${other}`))).toBe(
      'query.org_id: given more than once',
    );
    expect(await message(await c.request('/api/client-metrics?orgId=x'))).toMatch(
      /^query\.orgId: not a parameter of this endpoint \(it takes .*org_id/,
    );
    expect(await message(await c.request('/api/me?x=1'))).toBe('query.x: this endpoint takes no query parameters');
    expect(await message(await c.request('/api/admin/users?q=%ff'))).toMatch(/^query\.q: .*UTF-8/);
    expect(await message(await c.request('/api/admin/users?q=a%00b'))).toBe('query.q: contains a NUL character');
    const body = (bytes: Uint8Array | string) =>
      c.request('/api/admin/orgs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes });
    expect(await message(await body(new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])))).toBe(
      'body: not valid UTF-8',
    );
    expect(await message(await body('{"name":"a\\u0000b"}'))).toMatch(/^body: contains a NUL character/);
    expect(await message(await body(`{"name":${'['.repeat(65)}${']'.repeat(65)}}`))).toMatch(/nested deeper than 64/);
    // 64 levels is fine as far as the guard goes (the schema then refuses the array).
    expect(await message(await body(`{"name":${'['.repeat(63)}${']'.repeat(63)}}`))).toMatch(/^body\.name: /);
    // Authorization first: an anonymous caller hears 401, whatever it put in the query string.
    const anonymous = await harness.app.request(`${ORIGIN}/api/client-metrics?orgId=x&orgId=y`);
    expect(anonymous.status).toBe(401);
    // /health stays lenient for load balancers that add their own parameters.
    expect((await harness.app.request(`${ORIGIN}/health?probe=1&probe=2`)).status).toBe(200);
  });

  it('echoes a request id and sets security headers on every answer', async () => {
    const res = await harness.app.request(`${ORIGIN}/health`, { headers: { 'x-request-id': 'trace-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
    expectSecurityHeaders(res, '/health');
    const generated = await harness.app.request(`${ORIGIN}/health`, {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets the security headers on every kind of answer: JSON, errors, 404, app, assets, docs, CSV', async () => {
    const c = client(harness.app);
    await c.login('shell@example.com', PASSWORD);
    const answers: Array<[string, Response]> = [
      ['JSON', await c.request('/api/me')],
      ['validation error', await c.request('/api/admin/orgs/not-a-uuid')],
      ['401', await harness.app.request(`${ORIGIN}/api/me`)],
      ['API 404', await harness.app.request(`${ORIGIN}/api/nothing-here`)],
      ['413', await post('/api/auth/login', JSON.stringify({ email: 'x@example.com', password: 'y'.repeat(5000) }))],
      ['web app (index or not-built notice)', await harness.app.request(`${ORIGIN}/`)],
      ['client-side route', await harness.app.request(`${ORIGIN}/orgs/123/calls`)],
      ['missing asset', await harness.app.request(`${ORIGIN}/assets/missing.js`)],
      ['asset path traversal', await harness.app.request(`${ORIGIN}/assets/..%2f..%2f..%2fpackage.json`)],
      ['docs asset traversal', await harness.app.request(`${ORIGIN}/api/docs/assets/..%2f..%2fpackage.json`)],
      ['docs page', await harness.app.request(`${ORIGIN}/api/docs`)],
      ['docs asset', await harness.app.request(`${ORIGIN}/api/docs/assets/swagger-ui.css`)],
      ['OpenAPI document', await harness.app.request(`${ORIGIN}/api/openapi.json`)],
      ['CSV', await c.request('/api/calls?format=csv')],
      ['event stream', await c.request(`/api/orgs/${await createOrg(database, `Headers ${Date.now()}`)}/live`)],
      ['OPTIONS', await harness.app.request(`${ORIGIN}/api/me`, { method: 'OPTIONS' })],
    ];
    expect(answers.find(([w]) => w === 'event stream')?.[1].headers.get('content-type')).toContain('text/event-stream');
    for (const [what, res] of answers) {
      expectSecurityHeaders(res, what);
      await res.body?.cancel();
    }
    for (const what of ['asset path traversal', 'docs asset traversal']) {
      expect(answers.find(([w]) => w === what)?.[1].status, what).toBe(404);
    }
  });

  it('sets them on the built web app too: its HTML and its hashed assets', async () => {
    const dist = await mkdtemp(join(tmpdir(), 'vs-dist-'));
    await mkdir(join(dist, 'assets'));
    await writeFile(
      join(dist, 'index.html'),
      '<!doctype html><title>VictorySync</title><script src="/assets/app-1.js"></script>',
    );
    await writeFile(join(dist, 'assets', 'app-1.js'), 'console.log(1)');
    await writeFile(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const web = new OpenAPIHono<AppEnv>();
    web.use('*', securityHeaders());
    registerWebApp(web, { distDir: dist });
    try {
      for (const [path, type] of [
        ['/', 'text/html'],
        ['/orgs/1/live', 'text/html'],
        ['/assets/app-1.js', 'text/javascript'],
        ['/favicon.svg', 'image/svg+xml'],
      ] as const) {
        const res = await web.request(`${ORIGIN}${path}`);
        expect(res.status, path).toBe(200);
        expect(res.headers.get('content-type'), path).toContain(type);
        expectSecurityHeaders(res, path);
      }
    } finally {
      await rm(dist, { recursive: true, force: true });
    }
  });

  it('sends HSTS only over https: directly, or per X-Forwarded-Proto when the proxy is trusted', async () => {
    const hsts = (res: Response) => res.headers.get('strict-transport-security');
    expect(hsts(await harness.app.request(`${ORIGIN}/health`))).toBeNull();
    expect(hsts(await harness.app.request('https://localhost/health'))).toMatch(/max-age=\d+/);
    // Anyone can send X-Forwarded-Proto; it counts only behind a trusted proxy.
    const forwarded = { headers: { 'x-forwarded-proto': 'https' } };
    expect(hsts(await harness.app.request(`${ORIGIN}/health`, forwarded))).toBeNull();
    // Trusted means the socket peer is a configured proxy: served for real, the peer is 127.0.0.1.
    const proxied = await listen(testApp(database, { VICTORYSYNC_TRUSTED_PROXIES: '127.0.0.1' }).app);
    const untrusting = await listen(testApp(database, { VICTORYSYNC_TRUSTED_PROXIES: '10.0.0.0/8' }).app);
    try {
      expect(hsts(await fetch(`${proxied.url}/health`, forwarded))).toMatch(/max-age=\d+; includeSubDomains/);
      expect(hsts(await fetch(`${proxied.url}/api/nothing-here`, forwarded))).toMatch(/max-age/);
      expect(hsts(await fetch(`${proxied.url}/health`, { headers: { 'x-forwarded-proto': 'http' } }))).toBeNull();
      expect(hsts(await fetch(`${untrusting.url}/health`, forwarded))).toBeNull();
    } finally {
      await proxied.close();
      await untrusting.close();
    }
  });

  it('sets the session cookie HttpOnly and SameSite=Lax (Secure over https), and clears it the same way', async () => {
    const login = (url: string) =>
      harness.app.request(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: url },
        body: JSON.stringify({ email: 'shell@example.com', password: PASSWORD }),
      });
    const plain = (await login(ORIGIN)).headers.get('set-cookie') ?? '';
    expect(plain).toMatch(/^vs_session=[A-Za-z0-9_-]{20,}/);
    expect(plain).toMatch(/; HttpOnly/);
    expect(plain).toMatch(/; SameSite=Lax/);
    expect(plain).toMatch(/; Path=\//);
    expect(plain).not.toMatch(/; Secure/);
    const secure = (await login('https://localhost')).headers.get('set-cookie') ?? '';
    expect(secure).toMatch(/; HttpOnly/);
    expect(secure).toMatch(/; SameSite=Lax/);
    expect(secure).toMatch(/; Secure/);
    const token = plain.split(';')[0] ?? '';
    const out = await harness.app.request(`${ORIGIN}/api/auth/logout`, {
      method: 'POST',
      headers: { cookie: token, origin: ORIGIN },
    });
    expect(out.status).toBe(204);
    const cleared = out.headers.get('set-cookie') ?? '';
    expect(cleared).toMatch(/^vs_session=;/);
    expect(cleared).toMatch(/Max-Age=0/);
    expect(cleared).toMatch(/; HttpOnly/);
    expect(cleared).toMatch(/; SameSite=Lax/);
  });

  it('documents every route of the route table in /api/openapi.json, and serves the interactive docs', async () => {
    const doc = (await (await harness.app.request(`${ORIGIN}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replaceAll(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    const table = harness.deps.routes.entries();
    expect(table.length).toBeGreaterThan(50);
    for (const r of table) expect(documented, `${r.method} ${r.path}`).toContain(`${r.method} ${r.path}`);
    const docs = await harness.app.request(`${ORIGIN}/api/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/api/docs/assets/swagger-ui-bundle.js');
    const asset = await harness.app.request(`${ORIGIN}/api/docs/assets/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
  });

  it('writes JSON log lines with the request id and the route pattern, never the raw path', async () => {
    const before = harness.logs.length;
    await harness.app.request(
      `${ORIGIN}/api/webhooks/mightycall/00000000-0000-4000-8000-000000000000/secret-token-value`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'log-check' },
        body: '{}',
      },
    );
    const lines = harness.logs.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = lines.find((l) => l.requestId === 'log-check');
    expect(line).toMatchObject({ level: 'info', msg: 'request', method: 'POST' });
    expect(harness.logs.join('\n')).not.toContain('secret-token-value');
  });
});

describe.each(testTargets())('CORS on %s', (target) => {
  let database: TestDatabase;
  const APP = 'https://app.example.com';
  const DEV = 'http://localhost:5173';
  const EVIL = 'https://evil.example';
  const PASSWORD = 'cors test password 1';

  beforeAll(async () => {
    database = await openTestDatabase(target);
    await createUser(database, 'cors@example.com', { platformAdmin: true, password: PASSWORD });
  });
  afterAll(async () => {
    await database.cleanup();
  });

  const preflight = (app: ReturnType<typeof testApp>['app'], origin: string, method = 'POST') =>
    app.request(`${ORIGIN}/api/admin/orgs`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type' },
    });
  const corsHeaders = (res: Response) => [...res.headers.keys()].filter((k) => k.startsWith('access-control-'));

  it('is closed by default: no CORS header on any answer, preflights find no route', async () => {
    const { app } = testApp(database);
    for (const origin of [APP, EVIL]) {
      const pre = await preflight(app, origin);
      expect(pre.status).toBe(404);
      expect(corsHeaders(pre)).toEqual([]);
      const get = await app.request(`${ORIGIN}/health`, { headers: { origin } });
      expect(get.status).toBe(200);
      expect(corsHeaders(get)).toEqual([]);
      expect(get.headers.get('vary') ?? '').not.toMatch(/origin/i);
      const error = await app.request(`${ORIGIN}/api/me`, { headers: { origin } });
      expect(error.status).toBe(401);
      expect(corsHeaders(error)).toEqual([]);
    }
  });

  it('answers exactly the configured origins, with credentials and Vary: Origin, and no other', async () => {
    const { app } = testApp(database, { VICTORYSYNC_CORS_ORIGINS: `${APP}, ${DEV}/` });
    for (const origin of [APP, DEV]) {
      const pre = await preflight(app, origin, 'PATCH');
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
      expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
      expect(pre.headers.get('access-control-allow-methods')).toContain('PATCH');
      expect(pre.headers.get('access-control-allow-headers')).toContain('content-type');
      expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
      expect(Number(pre.headers.get('access-control-max-age'))).toBeGreaterThan(0);
      expect(pre.headers.get('vary')).toMatch(/\bOrigin\b/);
      expectSecurityHeaders(pre, `preflight from ${origin}`);

      const get = await app.request(`${ORIGIN}/health`, { headers: { origin } });
      expect(get.headers.get('access-control-allow-origin')).toBe(origin);
      expect(get.headers.get('access-control-allow-credentials')).toBe('true');
      expect(get.headers.get('access-control-expose-headers')).toContain('x-request-id');
      expect(get.headers.get('vary')).toMatch(/\bOrigin\b/);
      // Errors are readable cross-origin too, so the app can show their messages.
      const error = await app.request(`${ORIGIN}/api/me`, { headers: { origin } });
      expect(error.status).toBe(401);
      expect(error.headers.get('access-control-allow-origin')).toBe(origin);
    }
    // Any other origin, a lookalike or the literal "null" gets nothing to read.
    for (const origin of [EVIL, 'https://app.example.com.evil.example', 'http://app.example.com', 'null']) {
      const pre = await preflight(app, origin);
      expect(pre.status, origin).toBe(403);
      expect(((await pre.json()) as { error: { code: string } }).error.code).toBe('cors_origin_rejected');
      expect(corsHeaders(pre), origin).toEqual([]);
      const get = await app.request(`${ORIGIN}/health`, { headers: { origin } });
      expect(get.status).toBe(200);
      expect(corsHeaders(get), origin).toEqual([]);
      expect(get.headers.get('vary')).toMatch(/\bOrigin\b/);
    }
    // Without an Origin (same-origin navigation, curl) nothing changes but Vary.
    const plain = await app.request(`${ORIGIN}/health`);
    expect(corsHeaders(plain)).toEqual([]);
  });

  it('lets a configured origin make cookie-authenticated changes, and refuses any other (CSRF)', async () => {
    const { app } = testApp(database, { VICTORYSYNC_CORS_ORIGINS: APP });
    const login = await app.request(`${ORIGIN}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'cors@example.com', password: PASSWORD }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const create = (origin: string) =>
      app.request(`${ORIGIN}/api/admin/orgs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin, cookie },
        body: JSON.stringify({ name: `CORS org ${origin}` }),
      });
    const allowed = await create(APP);
    expect(allowed.status).toBe(201);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP);
    const refused = await create(EVIL);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('csrf_rejected');
    expect(corsHeaders(refused)).toEqual([]);
  });

  it('refuses a configuration that is not a list of origins', () => {
    for (const bad of [
      '*',
      'https://app.example.com/path',
      'app.example.com',
      'ftp://files.example.com',
      'https://*.example.com',
    ]) {
      expect(() => loadConfig({ VICTORYSYNC_CORS_ORIGINS: bad }), bad).toThrow(/VICTORYSYNC_CORS_ORIGINS/);
    }
    expect(loadConfig({ VICTORYSYNC_CORS_ORIGINS: `${APP}, ${DEV}` }).corsOrigins).toEqual([APP, DEV]);
  });
});
