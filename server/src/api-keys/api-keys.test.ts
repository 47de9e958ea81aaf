// API-key lifecycle through the HTTP API: create → use → listed as used → revoke → 401; expiry, limits, act_as.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, call, errorOf, type World } from '../../test/isolation-world.js';
import { testTargets } from '../../test/support/database.js';
import { createApp } from '../app.js';
import { AuditPage } from '../audit/queries.js';
import { MeSchema } from '../auth/me.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../http/logger.js';
import { createServices } from '../services.js';
import { ApiKeySchema, CreatedKey } from './schema.js';

const KeyList = z.object({ apiKeys: z.array(ApiKeySchema) });

describe.each(testTargets())('API keys on %s', (target) => {
  let w: World;
  const admin = () => ({ session: w.users.adminA.session });

  beforeAll(async () => {
    w = await buildWorld(target);
  });
  afterAll(async () => {
    await w.close();
  });

  it('lives a whole life: create, use, list as used, revoke, refused — and the plaintext is never shown again', async () => {
    const created = await call(w.app, 'POST', `/api/orgs/${w.orgA}/api-keys`, {
      as: admin(),
      body: { name: 'Wallboard', scopes: ['metrics:read', 'calls:read'] },
    });
    expect(created.status).toBe(201);
    const { apiKey, key } = CreatedKey.parse(await created.json());
    expect(key).toMatch(/^vs_org_[0-9A-Za-z]{38}$/);
    expect(apiKey).toMatchObject({
      kind: 'org',
      orgId: w.orgA,
      name: 'Wallboard',
      prefix: key.slice(0, 11),
      last4: key.slice(-4),
      display: `${key.slice(0, 11)}…${key.slice(-4)}`,
      scopes: ['metrics:read', 'calls:read'],
      createdBy: { id: w.users.adminA.id, email: 'admin@acme.example' },
      lastUsedAt: null,
      status: 'active',
    });

    const used = await call(w.app, 'GET', `/api/orgs/${w.orgA}`, { headers: { 'x-api-key': key } });
    expect(used.status).toBe(200);
    expect(used.headers.get('x-ratelimit-limit')).toBe('100000');

    const listed = await call(w.app, 'GET', `/api/orgs/${w.orgA}/api-keys`, { as: admin() });
    const listText = await listed.text();
    const mine = KeyList.parse(JSON.parse(listText)).apiKeys.find((k) => k.id === apiKey.id);
    expect(mine?.lastUsedAt).not.toBeNull();

    const revoked = await call(w.app, 'DELETE', `/api/orgs/${w.orgA}/api-keys/${apiKey.id}`, { as: admin() });
    expect(revoked.status).toBe(204);
    const refused = await call(w.app, 'GET', `/api/orgs/${w.orgA}`, { as: { key } });
    expect(refused.status).toBe(401);
    expect((await errorOf(refused)).code).toBe('api_key_revoked');

    const audit = await call(w.app, 'GET', `/api/orgs/${w.orgA}/audit?action=api_key.`, { as: admin() });
    const auditText = await audit.text();
    expect(AuditPage.parse(JSON.parse(auditText)).entries.map((e) => e.action)).toEqual([
      'api_key.revoke',
      'api_key.create',
    ]);
    const me = await (await call(w.app, 'GET', '/api/me', { as: admin() })).text();
    for (const text of [listText, auditText, me, ...w.logLines]) expect(text).not.toContain(key);
    const stored = await w.database.db.selectFrom('api_keys').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(key.slice(11, -4));
  });

  it('honours expiry', async () => {
    const created = await call(w.app, 'POST', `/api/orgs/${w.orgA}/api-keys`, {
      as: admin(),
      body: { name: 'Short-lived', scopes: ['metrics:read'], expiresAt: new Date(Date.now() + 1500).toISOString() },
    });
    const { key } = CreatedKey.parse(await created.json());
    expect((await call(w.app, 'GET', `/api/orgs/${w.orgA}`, { as: { key } })).status).toBe(200);
    await sleep(1600);
    const expired = await call(w.app, 'GET', `/api/orgs/${w.orgA}`, { as: { key } });
    expect(expired.status).toBe(401);
    expect((await errorOf(expired)).code).toBe('api_key_expired');
  });

  it('refuses a past expiry, unknown scopes and scopes beyond the creator, naming the field', async () => {
    const past = await call(w.app, 'POST', `/api/orgs/${w.orgA}/api-keys`, {
      as: admin(),
      body: { name: 'x', scopes: ['metrics:read'], expiresAt: '2020-01-01T00:00:00Z' },
    });
    expect(past.status).toBe(400);
    expect((await errorOf(past)).message).toMatch(/body\.expiresAt/);
    const unknown = await call(w.app, 'POST', `/api/orgs/${w.orgA}/api-keys`, {
      as: admin(),
      body: { name: 'x', scopes: ['everything'] },
    });
    expect(unknown.status).toBe(400);
    expect((await errorOf(unknown)).message).toMatch(/scopes/);
    const beyond = await call(w.app, 'POST', `/api/orgs/${w.orgA}/api-keys`, {
      as: admin(),
      body: { name: 'x', scopes: ['metrics:read', 'act_as'] },
    });
    expect(beyond.status).toBe(403);
    expect(await errorOf(beyond)).toMatchObject({ code: 'scope_not_allowed', details: { refused: ['act_as'] } });
    const count = await w.database.db.selectFrom('api_keys').select('id').where('name', '=', 'x').execute();
    expect(count).toEqual([]);
  });

  it('rejects malformed keys (bad checksum) and unknown keys with 401, never ignoring them', async () => {
    const key = w.keys.orgA;
    const flipped = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
    const bad = await call(w.app, 'GET', '/api/me', { as: { key: flipped } });
    expect(bad.status).toBe(401);
    expect((await errorOf(bad)).code).toBe('api_key_malformed');
    const junk = await call(w.app, 'GET', '/api/auth/login', { headers: { authorization: 'Basic abc' } });
    expect(junk.status).toBe(404);
    const badScheme = await call(w.app, 'GET', '/api/me', { headers: { authorization: 'Basic abc' } });
    expect(badScheme.status).toBe(401);
  });

  it('limits each key per minute with X-RateLimit headers, then 429 with Retry-After', async () => {
    const config = loadConfig({ VICTORYSYNC_KEY_RATE_LIMIT: '3' });
    const deps = createServices({ config, database: w.database, logger: createLogger('silent') });
    const app = createApp(deps);
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 4; i++) {
      last = await call(app, 'GET', '/api/me', { as: { key: w.keys.platform } });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last?.headers.get('x-ratelimit-limit')).toBe('3');
    expect(last?.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(last?.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another key has its own budget.
    expect((await call(app, 'GET', '/api/me', { as: { key: w.keys.orgA } })).status).toBe(200);
    await deps.auth.keys.close();
  });

  it('revocation reaches another instance within its cache time', async () => {
    const config = loadConfig({ VICTORYSYNC_KEY_CACHE_SECONDS: '0.5' });
    const otherDeps = createServices({ config, database: w.database, logger: createLogger('silent') });
    const other = createApp(otherDeps);
    const key = await w.orgKey(w.orgA, ['metrics:read']);
    expect((await call(other, 'GET', '/api/me', { as: { key } })).status).toBe(200);
    const list = await call(w.app, 'GET', `/api/orgs/${w.orgA}/api-keys`, { as: admin() });
    const id = KeyList.parse(await list.json()).apiKeys.find((k) => k.last4 === key.slice(-4))?.id;
    expect((await call(w.app, 'DELETE', `/api/orgs/${w.orgA}/api-keys/${id}`, { as: admin() })).status).toBe(204);
    expect((await call(w.app, 'GET', '/api/me', { as: { key } })).status).toBe(401);
    await sleep(600);
    expect((await call(other, 'GET', '/api/me', { as: { key } })).status).toBe(401);
    await otherDeps.auth.keys.close();
  });

  it('lets a platform key with act_as act as a user, auditing both identities; x-user-id alone is refused', async () => {
    const actor = await w.platformKey(['act_as']);
    const asAgent = { key: actor };
    const headers = { 'x-user-id': w.users.agentA.id };
    const me = await call(w.app, 'GET', '/api/me', { as: asAgent, headers });
    expect(me.status).toBe(200);
    expect(MeSchema.parse(await me.json())).toMatchObject({ user: { email: 'agent@acme.example' }, actingAs: true });
    expect((await call(w.app, 'GET', `/api/orgs/${w.orgB}`, { as: asAgent, headers })).status).toBe(404);
    expect((await call(w.app, 'GET', `/api/orgs/${w.orgA}/members`, { as: asAgent, headers })).status).toBe(403);

    const rows = await w.database.db
      .selectFrom('audit_log')
      .select(['action', 'actor_key_id', 'act_as_user_id', 'target_id'])
      .where('action', '=', 'auth.act_as')
      .execute();
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ act_as_user_id: w.users.agentA.id, target_id: 'GET /api/me' });
    expect(rows[0]?.actor_key_id).not.toBeNull();

    const alone = await call(w.app, 'GET', '/api/me', { headers });
    expect(alone.status).toBe(401);
    expect((await errorOf(alone)).message).toMatch(/act_as scope.*Authorization: Bearer/);
    const withSession = await call(w.app, 'GET', '/api/me', { as: admin(), headers });
    expect(withSession.status).toBe(401);
    const noScope = await call(w.app, 'GET', '/api/me', { as: { key: w.keys.platform }, headers });
    expect(noScope.status).toBe(403);
  });
});
