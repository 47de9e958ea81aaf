// The webhook receiver's connection cache: lookups saved, changes through the admin API seen at once on this
// process and within the cache time on another, status codes unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type client, platformAdminClient } from '../../test/support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { mightyCallApp, registerConnection, type TestServer } from '../../test/support/mightycall.js';
import { ConnectionCache, type WebhookConnection } from './connection-cache.js';
import type { ConnectionRow } from './db-types.js';
import { secretDigest } from './secrets.js';

const PASSWORD = 'a-long-test-password-1';
const API_KEY = 'cache-test-api-key';

const fake = (id: string): WebhookConnection => ({
  row: { id, enabled: true } as ConnectionRow,
  webhookTokenDigest: secretDigest(`token-${id}`),
  apiKeyDigest: secretDigest(`key-${id}`),
});

describe('ConnectionCache', () => {
  const setup = (options: { ttlMs?: number; maxEntries?: number } = {}) => {
    let now = 1_000_000;
    const loads: string[] = [];
    const gates: Array<() => void> = [];
    let gated = false;
    const cache = new ConnectionCache(
      async (id) => {
        loads.push(id);
        if (gated) await new Promise<void>((resolve) => gates.push(resolve));
        return id.startsWith('missing') ? null : fake(id);
      },
      { ...options, now: () => now },
    );
    return {
      cache,
      loads,
      advance: (ms: number) => {
        now += ms;
      },
      gate: (on: boolean) => {
        gated = on;
      },
      open: () => {
        for (const g of gates.splice(0)) g();
      },
    };
  };

  it('answers from memory within the ttl, looks up again after it, and never keeps unknown ids', async () => {
    const t = setup({ ttlMs: 5_000 });
    expect((await t.cache.get('a'))?.webhookTokenDigest).toEqual(secretDigest('token-a'));
    expect((await t.cache.get('a'))?.apiKeyDigest).toEqual(secretDigest('key-a'));
    t.advance(4_999);
    await t.cache.get('a');
    expect(t.loads).toEqual(['a']);
    t.advance(1);
    await t.cache.get('a');
    expect(t.loads).toEqual(['a', 'a']);
    expect(await t.cache.get('missing-1')).toBeNull();
    expect(await t.cache.get('missing-1')).toBeNull();
    expect(t.loads).toEqual(['a', 'a', 'missing-1', 'missing-1']);
    expect(t.cache.stats()).toEqual({ hits: 2, misses: 4, size: 1 });
  });

  it('shares one lookup between concurrent misses and stays within its size', async () => {
    const t = setup({ maxEntries: 3 });
    t.gate(true);
    const many = Promise.all(Array.from({ length: 50 }, () => t.cache.get('a')));
    t.open();
    expect((await many).every((c) => c?.webhookTokenDigest.equals(secretDigest('token-a')))).toBe(true);
    expect(t.loads).toEqual(['a']);
    t.gate(false);
    for (const id of ['b', 'c', 'd', 'e']) await t.cache.get(id);
    expect(t.cache.stats().size).toBe(3);
    await t.cache.get('a');
    expect(t.loads.filter((id) => id === 'a')).toHaveLength(2);
  });

  it('forgets a changed connection at once and keeps nothing read while the change may be uncommitted', async () => {
    const t = setup({ ttlMs: 60_000 });
    await t.cache.get('x');
    t.cache.forget('x');
    await t.cache.get('x');
    expect(t.loads).toEqual(['x', 'x']);
    // Read right after the change (its transaction may not have committed): answered, not kept.
    t.advance(1_000);
    await t.cache.get('x');
    expect(t.loads).toEqual(['x', 'x', 'x']);
    // Once the change has settled, entries are kept again.
    t.advance(10_001);
    await t.cache.get('x');
    await t.cache.get('x');
    expect(t.loads).toEqual(['x', 'x', 'x', 'x']);
    // A lookup running when the change lands is answered but not kept either.
    t.gate(true);
    t.advance(60_000);
    const running = t.cache.get('x');
    t.cache.forget('x');
    t.open();
    await running;
    t.gate(false);
    t.advance(11_000);
    await t.cache.get('x');
    expect(t.loads).toHaveLength(6);
  });
});

describe.each(testTargets())('webhook connection cache on %s', (target) => {
  let database: TestDatabase;
  let server: TestServer;
  let admin: ReturnType<typeof client>;
  let connectionId: string;
  let hookPath: string;
  let seq = 0;

  const event = (apiKey = API_KEY) => {
    seq++;
    return JSON.stringify({
      EventType: 'IncomingCall',
      Body: {
        Id: `c0ffee00-0000-4000-8000-${String(seq).padStart(12, '0')}`,
        From: '+15550001111',
        To: '+12125550141',
      },
      Guid: `0a000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      ApiKey: apiKey,
      // Now: the receiver refuses events stamped outside its window (ingest/event-window.ts).
      Timestamp: new Date().toISOString(),
    });
  };
  const post = async (app: TestServer['app'], body: string, path = hookPath) =>
    (await app.request(`http://localhost${path}`, { method: 'POST', body })).status;
  const patch = async (body: Record<string, unknown>) => {
    const res = await admin.request(`/api/admin/mightycall/connections/${connectionId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    database = await openTestDatabase(target);
    server = mightyCallApp(database);
    admin = await platformAdminClient(database, server.app, PASSWORD);
    ({ connectionId, hookPath } = await registerConnection(admin, {
      name: 'Cache test',
      host: 'custom',
      baseUrl: 'http://127.0.0.1:9/v4/api',
      apiKey: API_KEY,
      userKey: 'cache-test-user-key',
      providerAccount: 'cache-test',
    }));
  });
  afterAll(async () => {
    await server.runtime.stop();
    await database.cleanup();
  });

  it('checks the token and ApiKey from the cache: one lookup for many events, same answers', async () => {
    const cache = server.runtime.webhookConnections;
    const before = cache.stats();
    expect(await post(server.app, event())).toBe(200);
    expect(await post(server.app, event())).toBe(200);
    expect(await post(server.app, '')).toBe(200);
    expect(await post(server.app, event('not-the-key'))).toBe(403);
    expect(await post(server.app, '{"EventType":')).toBe(400);
    expect(await post(server.app, event(), hookPath.replace(/[^/]+$/, 'x'.repeat(32)))).toBe(404);
    const after = cache.stats();
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(5);
    const stored = await database.db
      .selectFrom('mightycall_webhook_inbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(2);
  });

  it('stops accepting at once when the connection is disabled, re-keyed or deleted through the API', async () => {
    expect(await post(server.app, event())).toBe(200);
    await patch({ enabled: false });
    expect(await post(server.app, event())).toBe(404);
    expect(await post(server.app, '')).toBe(404);
    await patch({ enabled: true });
    expect(await post(server.app, event())).toBe(200);
    await patch({ apiKey: 'cache-test-api-key-2' });
    expect(await post(server.app, event())).toBe(403);
    expect(await post(server.app, event('cache-test-api-key-2'))).toBe(200);
    await patch({ apiKey: API_KEY });
    expect(await post(server.app, event())).toBe(200);
  });

  it('another process sees a change within its cache time', async () => {
    let now = 0;
    const other = mightyCallApp(database, { webhookCache: { ttlMs: 5_000, now: () => now } });
    // Out of this process's reach: the change is made as another instance would, straight in the database.
    const setEnabled = (enabled: boolean) =>
      database.db.updateTable('mightycall_connections').set({ enabled }).where('id', '=', connectionId).execute();
    expect(await post(other.app, event())).toBe(200);
    await setEnabled(false);
    now += 4_000;
    expect(await post(other.app, event())).toBe(200);
    now += 1_000;
    expect(await post(other.app, event())).toBe(404);
    await setEnabled(true);
    now += 5_000;
    expect(await post(other.app, event())).toBe(200);
    await other.runtime.stop();
  });

  it('answers 404 for a deleted connection at once', async () => {
    expect(await post(server.app, event())).toBe(200);
    const res = await admin.request(`/api/admin/mightycall/connections/${connectionId}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await post(server.app, event())).toBe(404);
  });
});
