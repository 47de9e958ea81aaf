// End-to-end sync from a simulator account (numbers, agents, calls), leases, and a backfill larger than the quota.
import type { Topology } from '@victorysync/datagen';
import {
  createManualClock,
  DEMO_API_KEY,
  DEMO_USER_KEY,
  type RunningSimulator,
  startSimulator,
} from '@victorysync/mightycall-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, platformAdminClient } from '../../../test/support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../../../test/support/database.js';
import { assignNumber, createOrg, createUser } from '../../../test/support/fixtures.js';
import {
  callRows,
  expectedCallRow,
  mightyCallApp,
  registerConnection,
  type TestServer,
} from '../../../test/support/mightycall.js';

const START = Date.parse('2026-03-02T15:00:00Z');
const PASSWORD = 'a-long-test-password-1';
const QUOTA_KEY = 'quota-account-key';
const QUOTA_USER_KEY = 'quota-user-key';

/** A small account of its own numbers, so the quota test does not touch the demo account's rows. */
const quotaTopology: Topology = {
  orgs: [{ key: 'q', name: 'Quota Co', slug: 'quota-co', timezone: 'America/Chicago' }],
  agents: [
    { extension: '201', name: 'Quinn Ames', email: 'quinn@quota.example', orgKey: 'q' },
    { extension: '202', name: 'Rory Bell', email: 'rory@quota.example', orgKey: 'q' },
  ],
  numbers: [{ e164: '+13125550100', label: 'Quota line', orgKeys: ['q'], callsPerDay: 4, queue: 'Main' }],
};

interface StatusBody {
  connection: { status: string; accountId: string; webhookUrl: string };
  quota: { used: number; limit: number; blockedUntil: string | null; throttledCount: number };
  jobs: Array<{
    job: string;
    status: string;
    lastRows: number;
    lastError: string | null;
    nextRunAt: string | null;
    backfill: { slicesDone: number; slicesTotal: number; rows: number; finishedAt: string | null } | null;
  }>;
}

describe.each(testTargets())('MightyCall sync on %s', (target) => {
  const clock = createManualClock(START);
  let database: TestDatabase;
  let sim: RunningSimulator;
  let server: TestServer;
  let admin: ReturnType<typeof client>;

  const connect = async (body: Record<string, unknown>) => (await registerConnection(admin, body)).connectionId;
  const status = async (id: string) =>
    (await admin.json<StatusBody>(`/api/admin/mightycall/connections/${id}/status`)).body;
  const requestSync = (id: string, body: Record<string, unknown>) =>
    admin.request(`/api/admin/mightycall/connections/${id}/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    database = await openTestDatabase(target);
    sim = await startSimulator({
      port: 0,
      clock,
      demo: { historyDays: 7 },
      accounts: [
        {
          apiKey: QUOTA_KEY,
          name: 'Quota account',
          topology: quotaTopology,
          historyDays: 120,
          adminUserKey: QUOTA_USER_KEY,
          seedDeletedNumbers: false,
          quotaLimit: 50,
        },
      ],
    });
    server = mightyCallApp(database, { clock });
    admin = await platformAdminClient(database, server.app, PASSWORD);
  });
  afterAll(async () => {
    await server.runtime.stop();
    await sim.close();
    await database.cleanup();
  });

  it('syncs a simulator account: numbers, agent names and calls equal what the simulator holds', async () => {
    const id = await connect({
      name: 'Demo account',
      host: 'custom',
      baseUrl: sim.url,
      apiKey: DEMO_API_KEY,
      userKey: DEMO_USER_KEY,
      providerAccount: 'sim-demo',
      initialSyncDays: 7,
    });
    const test = await admin.json<{ ok: boolean; message: string }>(`/api/admin/mightycall/connections/${id}/test`, {
      method: 'POST',
    });
    expect(test.body.ok).toBe(true);
    expect(test.body.message).toMatch(/^Connected/);

    expect((await requestSync(id, {})).status).toBe(202);
    await server.runtime.scheduler.runConnection(id);
    const after = await status(id);
    expect(after.jobs.map((j) => [j.job, j.status, j.lastError])).toEqual([
      ['numbers', 'ok', null],
      ['agents', 'ok', null],
      ['calls', 'ok', null],
    ]);
    expect(after.connection.webhookUrl).toMatch(new RegExp(`/api/webhooks/mightycall/${id}/[A-Za-z0-9_-]{32}$`));

    const account = sim.accounts.require(DEMO_API_KEY);
    const numbers = await database.db
      .selectFrom('phone_numbers')
      .select(['e164', 'label', 'is_active', 'provider_ref'])
      .where('provider_account', '=', 'sim-demo')
      .orderBy('e164')
      .execute();
    const active = account.numbers.map((n) => ({
      e164: n.number,
      label: n.label,
      is_active: true,
      provider_ref: n.objectGuid,
    }));
    const retired = account.deletedNumbers
      .filter((d) => !account.numbers.some((n) => n.number === d.number))
      .map((n) => ({ e164: n.number, label: n.label, is_active: false, provider_ref: n.objectGuid }));
    expect(numbers).toEqual([...active, ...retired].sort((a, b) => a.e164.localeCompare(b.e164)));

    const agents = await database.db
      .selectFrom('agents')
      .select(['extension', 'display_name', 'email'])
      .where('provider_account', '=', 'sim-demo')
      .orderBy('extension')
      .execute();
    expect(agents).toEqual(
      account.users.map((u) => ({
        extension: u.extension,
        display_name: `${u.firstName} ${u.lastName}`,
        email: u.email,
      })),
    );

    const rows = await callRows(database, 'sim-demo');
    expect(rows.size).toBe(account.calls.length);
    const sample = account.calls.filter((_, i) => i % Math.ceil(account.calls.length / 40) === 0);
    for (const call of sample) {
      const { updated_at: _updated, ...row } = rows.get(call.plan.id) ?? { updated_at: null };
      expect({ id: call.plan.id, ...row }).toEqual({ id: call.plan.id, ...expectedCallRow(call) });
    }
    // Every call at once: the same fields, row by row.
    const mismatched = account.calls.filter((call) => {
      const { updated_at: _u, ...row } = rows.get(call.plan.id) ?? { updated_at: null };
      return JSON.stringify(row) !== JSON.stringify(expectedCallRow(call));
    });
    expect(mismatched.map((c) => c.plan.id)).toEqual([]);

    // A second run changes nothing.
    const stamps = [...rows.values()].map((r) => r.updated_at).sort();
    await requestSync(id, { job: 'calls' });
    await server.runtime.scheduler.runConnection(id);
    const again = await callRows(database, 'sim-demo');
    expect([...again.values()].map((r) => r.updated_at).sort()).toEqual(stamps);
  });

  it('runs one sync per connection at a time, even from two processes', async () => {
    const [connection] = await database.db.selectFrom('mightycall_connections').select('id').execute();
    if (!connection) throw new Error('setup');
    const other = mightyCallApp(database, { clock });
    await requestSync(connection.id, { job: 'calls' });
    const ran = await Promise.all([
      server.runtime.scheduler.runConnection(connection.id),
      other.runtime.scheduler.runConnection(connection.id),
    ]);
    expect(ran.filter(Boolean)).toHaveLength(1);
    // The job runner's lease on the connection was given back.
    const leases = await database.db.selectFrom('job_leases').select(['kind', 'key', 'owner']).execute();
    expect(leases).toEqual([]);
  });

  it('marks numbers deleted at MightyCall inactive and keeps their assignments', async () => {
    const account = sim.accounts.require(DEMO_API_KEY);
    const [connection] = await database.db.selectFrom('mightycall_connections').select('id').execute();
    const orgId = await createOrg(database, 'Keeps Assignments');
    const removed = account.numbers.at(-1);
    if (!connection || !removed) throw new Error('setup');
    const number = await database.db
      .selectFrom('phone_numbers')
      .select('id')
      .where('e164', '=', removed.number)
      .executeTakeFirstOrThrow();
    await assignNumber(database, orgId, number.id);
    account.numbers = account.numbers.filter((n) => n !== removed);
    try {
      await requestSync(connection.id, { job: 'numbers' });
      await server.runtime.scheduler.runConnection(connection.id);
      const row = await database.db
        .selectFrom('phone_numbers')
        .select('is_active')
        .where('id', '=', number.id)
        .executeTakeFirstOrThrow();
      expect(row.is_active).toBe(false);
      const assignment = await database.db
        .selectFrom('org_phone_numbers')
        .select('assigned_until')
        .where('phone_number_id', '=', number.id)
        .where('org_id', '=', orgId)
        .executeTakeFirstOrThrow();
      expect(assignment.assigned_until).toBeNull();
    } finally {
      account.numbers.push(removed);
    }
  });

  it('backfills more than the daily quota across windows: one 429 at most, progress reported', async () => {
    const id = await connect({
      name: 'Quota account',
      host: 'custom',
      baseUrl: sim.url,
      apiKey: QUOTA_KEY,
      userKey: QUOTA_USER_KEY,
      initialSyncDays: 0,
    });
    const expected = sim.accounts.require(QUOTA_KEY).calls.length;
    expect((await requestSync(id, { job: 'calls', backfillDays: 120 })).status).toBe(202);

    const progress: Array<{ status: string; done: number; total: number }> = [];
    for (let window = 0; window < 8; window++) {
      await server.runtime.scheduler.runConnection(id);
      const s = await status(id);
      const calls = s.jobs.find((j) => j.job === 'calls');
      if (!calls?.backfill) throw new Error('no backfill progress');
      progress.push({ status: calls.status, done: calls.backfill.slicesDone, total: calls.backfill.slicesTotal });
      if (calls.status === 'ok') break;
      expect(calls.status).toBe('waiting_quota');
      expect(calls.nextRunAt).not.toBeNull();
      // The next rolling window: move both clocks to when the quota plan says it may go on.
      clock.set(Date.parse(calls.nextRunAt ?? '') + 1000);
    }
    expect(progress.at(-1)).toEqual({ status: 'ok', done: 120, total: 120 });
    // 120 day slices with at most 50 requests a day: at least three windows, each one further on.
    const before120 = progress.filter((p) => p.done < 120);
    expect(before120.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < before120.length; i++) expect(before120[i]?.done).toBeGreaterThan(before120[i - 1]?.done ?? 0);
    // The account's limit was unknown (2500 assumed): the first window ends in one 429, never another.
    expect(sim.control.usage(QUOTA_KEY).byStatus['429']).toBe(1);
    const rows = await callRows(database, (await status(id)).connection.accountId);
    expect(rows.size).toBe(expected);
  });

  it('never returns or logs the secrets, and keeps them encrypted at rest', async () => {
    const list = await admin.request('/api/admin/mightycall/connections');
    const text = await list.text();
    for (const secret of [DEMO_API_KEY, DEMO_USER_KEY, QUOTA_KEY, QUOTA_USER_KEY]) {
      expect(text).not.toContain(secret);
      expect(server.logs.join('\n')).not.toContain(secret);
    }
    const stored = await database.db
      .selectFrom('mightycall_connections')
      .select(['api_key_enc', 'user_key_enc'])
      .execute();
    for (const row of stored) {
      expect(row.api_key_enc).toMatch(/^v1:/);
      expect(`${row.api_key_enc}${row.user_key_enc}`).not.toContain(DEMO_API_KEY);
    }
    const tokens = (await database.db.selectFrom('mightycall_connections').select('webhook_token_enc').execute())
      .length;
    expect(tokens).toBe(2);
    // Only platform admins manage connections.
    const orgId = await createOrg(database, 'Not Platform');
    await createUser(database, 'owner@example.com', {
      password: PASSWORD,
      memberships: [{ orgId, role: 'org_admin' }],
    });
    const owner = client(server.app);
    await owner.login('owner@example.com', PASSWORD);
    expect((await owner.request('/api/admin/mightycall/connections')).status).toBe(403);
  });
});
