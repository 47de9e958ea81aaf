// Issue 21, defect 6: a MightyCall connection is "connected" only once MightyCall accepted its keys; keys it refuses
// are told in its words, and a connection whose keys are refused stops its scheduled sync instead of spending quota.
import {
  createManualClock,
  DEMO_API_KEY,
  DEMO_USER_KEY,
  type RunningSimulator,
  startSimulator,
} from '@victorysync/mightycall-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type client, platformAdminClient } from '../../../test/support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../../../test/support/database.js';
import { mightyCallApp, type TestServer } from '../../../test/support/mightycall.js';
import { systemPrincipal } from '../../auth/principal.js';
import { withPrincipal } from '../../db/tenant.js';
import { createConnection } from '../connections.js';

const START = Date.parse('2026-03-02T15:00:00Z');
const PASSWORD = 'a-long-test-password-1';
const BASE = '/api/admin/mightycall/connections';

interface Connection {
  id: string;
  name: string;
  credentialsRefused: { at: string; message: string } | null;
}
interface Check {
  ok: boolean;
  message: string;
  token: { ok: boolean; refused: boolean };
}
interface ErrorBody {
  error: { code: string; message: string; details?: { issues?: Array<{ path: string }> } };
}

describe.each(testTargets())('MightyCall credentials on %s', (target) => {
  const clock = createManualClock(START);
  let database: TestDatabase;
  let sim: RunningSimulator;
  let server: TestServer;
  let admin: ReturnType<typeof client>;

  const send = (method: string, path: string, body?: unknown) =>
    admin.json<unknown>(path, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  const connection = async (id: string) =>
    (await admin.json<{ connection: Connection }>(`${BASE}/${id}`)).body.connection;
  const simRequests = () => sim.control.usage(DEMO_API_KEY).total;

  beforeAll(async () => {
    database = await openTestDatabase(target);
    sim = await startSimulator({ port: 0, clock, demo: { historyDays: 2 } });
    server = mightyCallApp(database, { clock });
    admin = await platformAdminClient(database, server.app, PASSWORD);
  });
  afterAll(async () => {
    await server.runtime.stop();
    await sim.close();
    await database.cleanup();
  });

  it('refuses made-up keys with MightyCall’s own answer, naming both key fields, and saves nothing', async () => {
    for (const keys of [
      { apiKey: 'nope', userKey: 'nope' },
      { apiKey: DEMO_API_KEY, userKey: 'nope' },
    ]) {
      const res = await send('POST', BASE, { name: 'Made up', host: 'custom', baseUrl: sim.url, ...keys });
      expect(res.status).toBe(422);
      const { error } = res.body as ErrorBody;
      expect(error.code).toBe('mightycall_credentials_refused');
      expect(error.message).toContain('refused the API key or user key: "invalid_client"');
      expect(error.message).not.toMatch(/connected/i);
      expect(error.details?.issues?.map((i) => i.path)).toEqual(['body.apiKey', 'body.userKey']);
    }
    const list = (await admin.json<{ connections: Connection[] }>(BASE)).body;
    expect(list.connections).toEqual([]);
  });

  it('says "Connected" only after MightyCall accepted the keys', async () => {
    const res = await send('POST', BASE, {
      name: 'Demo',
      host: 'custom',
      baseUrl: sim.url,
      apiKey: DEMO_API_KEY,
      userKey: DEMO_USER_KEY,
      providerAccount: 'sim-good',
    });
    expect(res.status).toBe(201);
    const { connection: created, check } = res.body as { connection: Connection; check: Check };
    expect(check.ok).toBe(true);
    expect(check.token).toEqual({ ok: true, error: null, refused: false });
    expect(check.message).toMatch(/^Connected: .* accepted the API key and user key\.$/);
    expect(created.credentialsRefused).toBeNull();
    expect((await admin.request(`${BASE}/${created.id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('stops the scheduled sync of a connection whose keys MightyCall refuses, until new keys are saved', async () => {
    // Given a connection saved with keys that no longer work (changed in MightyCall since, say).
    const row = await withPrincipal(database.db, systemPrincipal('test'), (tx) =>
      createConnection(
        tx,
        server.runtime.box(),
        { name: 'Stale keys', host: 'custom', baseUrl: sim.url, apiKey: DEMO_API_KEY, userKey: 'revoked-key' },
        { createdBy: null, callsFrom: new Date(START - 86_400_000) },
      ),
    );
    const id = row.id;

    // When its sync runs: one refused token request, and the connection is marked as needing new keys.
    const before = simRequests();
    await server.runtime.scheduler.runConnection(id);
    expect(simRequests() - before).toBe(1);
    const refused = await connection(id);
    expect(refused.credentialsRefused?.message).toContain('"invalid_client"');

    // Then later passes spend nothing on it, and asking for a sync says why not.
    clock.advance(6 * 3_600_000);
    await server.runtime.scheduler.tick();
    await server.runtime.scheduler.runConnection(id);
    expect(simRequests() - before).toBe(1);
    const sync = await send('POST', `${BASE}/${id}/sync`, {});
    expect(sync.status).toBe(409);
    expect((sync.body as ErrorBody).error.code).toBe('mightycall_credentials_refused');

    // The test says it in MightyCall's words too.
    const test = (await send('POST', `${BASE}/${id}/test`)).body as Check;
    expect(test.ok).toBe(false);
    expect(test.token.refused).toBe(true);
    expect(test.message).toContain('refused the API key or user key: "invalid_client"');

    // New keys MightyCall refuses too are not saved: 422 in its words, the connection as it was.
    const saved = await connection(id);
    const wrong = await send('PATCH', `${BASE}/${id}`, { userKey: 'another-made-up-key', name: 'Renamed' });
    expect(wrong.status).toBe(422);
    expect((wrong.body as ErrorBody).error.code).toBe('mightycall_credentials_refused');
    expect((wrong.body as ErrorBody).error.message).toContain('"invalid_client"');
    // (its quota count may have grown by the check's requests)
    const { quotaUsed: _spentOnTheCheck, ...unchanged } = saved as Connection & { quotaUsed: number };
    expect(await connection(id)).toMatchObject(unchanged);

    // New keys it accepts lift the mark; the next pass syncs.
    const patched = await send('PATCH', `${BASE}/${id}`, { userKey: DEMO_USER_KEY });
    expect(patched.status).toBe(200);
    const answer = patched.body as { connection: Connection; check: Check };
    expect(answer.connection.credentialsRefused).toBeNull();
    expect(answer.check.message).toMatch(/^Connected: /);
    // A rename alone asks MightyCall nothing.
    const asked = simRequests();
    const renamed = await send('PATCH', `${BASE}/${id}`, { name: 'Fresh keys' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).not.toHaveProperty('check');
    expect(simRequests()).toBe(asked);
    clock.advance(3_600_000);
    await server.runtime.scheduler.tick();
    const status = (await admin.json<{ jobs: Array<{ job: string; status: string }> }>(`${BASE}/${id}/status`)).body;
    expect(status.jobs.map((j) => [j.job, j.status])).toEqual([
      ['numbers', 'ok'],
      ['agents', 'ok'],
      ['calls', 'ok'],
    ]);
  });
});
