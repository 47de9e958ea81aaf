// The HTTP shell every route shares: one error shape, unknown routes, malformed and oversized bodies,
// request ids, security headers, and the OpenAPI document listing every route in the route table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRouteTable } from '../src/http/route.js';
import { client, ORIGIN, testApp } from './support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from './support/database.js';
import { createUser } from './support/fixtures.js';

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

  it('echoes a request id and sets security headers on every answer', async () => {
    const res = await harness.app.request(`${ORIGIN}/health`, { headers: { 'x-request-id': 'trace-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const generated = await harness.app.request(`${ORIGIN}/health`, {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
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
    const table = getRouteTable(harness.app);
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
