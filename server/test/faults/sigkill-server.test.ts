// The real server process killed with SIGKILL in the middle of a webhook burst and of a large import, on the
// embedded database and on PostgreSQL. Every webhook answered 2xx is in the inbox right after the kill; after a
// restart the inbox replays, MightyCall's retries are accepted once, and the import re-runs: each provider call id
// exactly once, with the fields of the ground truth.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEMO_API_KEY,
  type EmitResult,
  type RunningSimulator,
  type ScriptedCall,
  startSimulator,
  type WebhookEnvelope,
} from '@victorysync/mightycall-sim';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.js';
import { testTargets } from '../support/database.js';
import { callRows, demoConnectionBody, expectedCallRow, providerCalls } from '../support/mightycall.js';
import { createSchema, freePort, login, type ServerProcess, startServer, waitFor, waitHealthy } from './helpers.js';

const NUMBERS = ['+12125550141', '+12125550142'];
const IMPORT_NUMBER = '+13125557700';
const BURST_CALLS = 40;
const IMPORT_LINES = 20_000;
const DAY_MS = 86_400_000;

describe.each(testTargets())('the server process killed with SIGKILL on %s', (target) => {
  let sim: RunningSimulator;
  let dataDir: string;
  let pgUrl: string | null = null;
  let dropSchema: (() => Promise<void>) | null = null;
  let schema = 'public';
  let port: number;
  let server: ServerProcess;
  let cookie: string;
  let orgId: string;
  let connectionId: string;
  let hookPath: string;

  const start = async () => {
    server = startServer({ port, ...(pgUrl ? { databaseUrl: pgUrl } : { dataDir }) });
    await waitHealthy(server);
    cookie = await login(server.base);
  };
  const api = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
    const headers = new Headers(init.headers);
    headers.set('cookie', cookie);
    if (init.method && init.method !== 'GET') headers.set('origin', server.base);
    const res = await fetch(`${server.base}${path}`, { ...init, headers });
    return { status: res.status, body: (await res.json()) as T };
  };
  const post = <T>(path: string, body: unknown) =>
    api<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  /** The database while the server is down (PGlite has one owner), or beside it (PostgreSQL). */
  const inspect = async <T>(work: (database: Database) => Promise<T>): Promise<T> => {
    const database = pgUrl
      ? await openDatabase({
          kind: 'postgres',
          url: process.env.TEST_DATABASE_URL ?? '',
          poolSize: 2,
          searchPath: schema,
        })
      : await openDatabase({ kind: 'pglite', dataDir });
    try {
      return await work(database);
    } finally {
      await database.close();
    }
  };
  const callsIn = async (number: string) => {
    const now = Date.now();
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const res = await api<{ items: Array<{ id: string }> }>(
      `/api/calls?org_id=${orgId}&from=${day(now - DAY_MS)}&to=${day(now + DAY_MS)}&number=${encodeURIComponent(number)}&limit=500`,
    );
    expect(res.status).toBe(200);
    return res.body.items.length;
  };

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, demo: { historyDays: 0 } });
    // Only webhooks (and GET /calls/{id}) may bring these calls in: the journal sync is down for the whole test.
    sim.control.addFault({ path: '/journal/requests', kind: 'status', status: 500 });
    dataDir = await mkdtemp(join(tmpdir(), 'vs-sigkill-'));
    if (target === 'postgres') {
      const created = await createSchema(process.env.TEST_DATABASE_URL ?? '');
      pgUrl = created.url;
      schema = created.schema;
      dropSchema = created.drop;
      probe = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await probe.connect();
    }
    port = await freePort();
    await start();
    const org = await post<{ org: { id: string } }>('/api/admin/orgs', { name: 'Killed Co', timezone: 'UTC' });
    expect(org.status).toBe(201);
    orgId = org.body.org.id;
    const ids: string[] = [];
    for (const number of [...NUMBERS, IMPORT_NUMBER]) {
      const created = await post<{ phoneNumber: { id: string } }>('/api/admin/phone-numbers', { number });
      expect(created.status).toBe(201);
      ids.push(created.body.phoneNumber.id);
    }
    const assigned = await post(`/api/admin/orgs/${orgId}/phone-numbers`, {
      phoneNumberIds: ids,
      assignedFrom: new Date(Date.now() - 10 * DAY_MS).toISOString(),
    });
    expect(assigned.status).toBe(200);
    const connection = await post<{ connection: { id: string; webhookUrl: string } }>(
      '/api/admin/mightycall/connections',
      demoConnectionBody(sim.url, { initialSyncDays: 0 }),
    );
    expect(connection.status).toBe(201);
    connectionId = connection.body.connection.id;
    hookPath = new URL(connection.body.connection.webhookUrl).pathname;
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) await server.kill('SIGTERM');
    await probe?.end();
    await sim?.close();
    await rm(dataDir, { recursive: true, force: true });
    await dropSchema?.();
  });

  it('loses no acknowledged webhook in a burst; after restart and redelivery the calls are exact', {
    timeout: 120_000,
  }, async () => {
    const scripts: ScriptedCall[] = Array.from({ length: BURST_CALLS }, (_, i) => {
      const to = NUMBERS[i % 2] ?? '';
      if (i % 5 === 4) return { to, ringExtensions: ['103'], voicemail: true, voicemailSeconds: 15 };
      if (i % 7 === 6) return { to, ringExtensions: ['101'], ringSeconds: 12 };
      return { to, ringExtensions: ['101', '102'], answeredBy: i % 2 ? '101' : '102', talkSeconds: 20 + i };
    });
    const emitted: EmitResult[] = [];
    for (const [i, script] of scripts.entries()) {
      // No webhook URL is registered: the simulator records the call and hands the events to this test to deliver.
      emitted.push(
        await sim.control.emitCall(DEMO_API_KEY, {
          id: `5e1f0000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
          from: `+1555938${String(1000 + i)}`,
          ...script,
        }),
      );
    }
    const events = emitted.flatMap((r) => r.events).sort(() => Math.random() - 0.5);
    const acked = new Set<string>();
    let killed = false;
    const send = (event: WebhookEnvelope) =>
      fetch(`${server.base}${hookPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
      }).then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      });

    // A burst from 16 senders; SIGKILL once 40 % are acknowledged.
    const queue = [...events];
    const killAt = Math.floor(events.length * 0.4);
    let exit: Promise<unknown> | null = null;
    const sender = async () => {
      for (let event = queue.shift(); event && !killed; event = queue.shift()) {
        const status = await send(event).catch(() => null);
        if (status !== null && status >= 200 && status < 300) acked.add(event.Guid);
        if (acked.size >= killAt && !killed) {
          killed = true;
          exit = server.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, sender));
    expect(await exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(acked.size).toBeGreaterThanOrEqual(killAt);
    expect(acked.size).toBeLessThan(events.length);

    // Right after the kill, before any retry: every acknowledged event is stored.
    const stored = await inspect((db) =>
      db.db.selectFrom('mightycall_webhook_inbox').select(['dedupe_key', 'processed_at']).execute(),
    );
    const keys = new Set(stored.map((r) => r.dedupe_key));
    expect([...acked].filter((g) => !keys.has(`guid:${g.toLowerCase()}`))).toEqual([]);

    // Restart; MightyCall retries everything not acknowledged, and (as it may) some acknowledged ones again.
    await start();
    const retries = [
      ...events.filter((e) => !acked.has(e.Guid)),
      ...events.filter((e) => acked.has(e.Guid)).slice(0, 20),
    ];
    const answers = await Promise.all(retries.map((e) => send(e)));
    expect(answers.filter((s) => s !== 200)).toEqual([]);

    await waitFor(
      `all ${BURST_CALLS} calls in the call log`,
      async () => (await callsIn(NUMBERS[0] ?? '')) + (await callsIn(NUMBERS[1] ?? '')) === BURST_CALLS,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const status = await api<{ webhooks: { pending: number } }>(
      `/api/admin/mightycall/connections/${connectionId}/status`,
    );
    expect(status.body.webhooks.pending).toBe(0);
    await server.kill('SIGTERM');

    await inspect(async (db) => {
      const inbox = await db.db.selectFrom('mightycall_webhook_inbox').select(['dedupe_key', 'processed_at']).execute();
      expect(inbox.length).toBe(events.length);
      expect(new Set(inbox.map((r) => r.dedupe_key))).toEqual(
        new Set(events.map((e) => `guid:${e.Guid.toLowerCase()}`)),
      );
      expect(inbox.filter((r) => r.processed_at === null)).toEqual([]);
      const rows = await callRows(db, 'sim-demo');
      expect(rows.size).toBe(BURST_CALLS);
      for (const r of emitted) {
        const call = sim.accounts.require(DEMO_API_KEY).callsById.get(r.callId);
        if (!call) throw new Error(`no simulator call ${r.callId}`);
        const { updated_at: _updated, ...row } = rows.get(r.callId) ?? { updated_at: null };
        expect({ id: r.callId, ...row }).toEqual({ id: r.callId, ...expectedCallRow(call) });
      }
    });
  });

  it('a large import killed mid-way lands all or nothing; re-run, every line is there exactly once', {
    timeout: 120_000,
  }, async () => {
    const lines = importLines();
    const body = lines.map((l) => JSON.stringify(l)).join('\n');
    await start();
    const importing = fetch(`${server.base}/api/admin/calls/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', cookie, origin: server.base },
      body,
    }).then(
      async (res) => ({ status: res.status, text: await res.text() }),
      (error: unknown) => ({ status: null, text: String(error) }),
    );
    // Mid-way: the import's transaction is writing (PostgreSQL shows it; PGlite's process is writing its files).
    await waitFor('the import to be writing', () => importWriting(), { timeoutMs: 60_000, intervalMs: 5 });
    const exit = await server.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    const answer = await importing;
    expect(answer.status).toBeNull();

    const landed = await inspect((db) => importedCount(db));
    // One transaction: nothing of it, or (had it committed just before the kill) all of it.
    expect([0, IMPORT_LINES]).toContain(landed);

    await start();
    const rerun = await fetch(`${server.base}/api/admin/calls/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', cookie, origin: server.base },
      body,
    });
    expect(rerun.status).toBe(200);
    const report = (await rerun.json()) as { received: number; inserted: number; unchanged: number; errors: unknown[] };
    expect(report).toMatchObject({
      received: IMPORT_LINES,
      inserted: IMPORT_LINES - landed,
      unchanged: landed,
      errors: [],
    });
    await server.kill('SIGTERM');

    await inspect(async (db) => {
      expect(await importedCount(db)).toBe(IMPORT_LINES);
      const byId = await providerCalls(db, 'import-kill');
      const wrong = lines.filter((l) => {
        const r = byId.get(l.provider_call_id);
        if (!r) return true;
        const { recording_ref: _recording, raw: _raw, updated_at: _updated, ...row } = r;
        return (
          JSON.stringify(row) !==
          JSON.stringify({
            direction: l.direction,
            status: l.status,
            business_number: l.business_number,
            external_number: l.external_number,
            started_at: l.started_at,
            answered_at: l.answered_at,
            ended_at: l.ended_at,
            agent_extension: l.agent_extension,
            queue_name: l.queue,
          })
        );
      });
      expect(wrong.map((l) => l.provider_call_id)).toEqual([]);
      // The webhook calls of the first test are untouched.
      expect((await callRows(db, 'sim-demo')).size).toBe(BURST_CALLS);
    });
  });

  /** PostgreSQL: a backend of this server holds a write transaction. PGlite: the server process writes its files. */
  let writtenBefore: number | null = null;
  let probe: pg.Client | null = null;
  async function importWriting(): Promise<boolean> {
    if (pgUrl) {
      // Background jobs write in transactions of milliseconds; the import's lasts seconds.
      const r = await probe?.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where application_name = $1 and backend_xid is not null
           and now() - xact_start > interval '300 milliseconds'`,
        [schema],
      );
      return (r?.rows[0]?.n ?? 0) > 0;
    }
    const io = await readFile(`/proc/${server.child.pid}/io`, 'utf8');
    const written = Number(/^wchar: (\d+)$/m.exec(io)?.[1] ?? 0);
    writtenBefore ??= written;
    // The request body is read, not written; a few MB written are the import's rows going to disk.
    return written - writtenBefore > 2_000_000;
  }
});

async function importedCount(db: Database): Promise<number> {
  const r = await db.db
    .selectFrom('calls')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('provider', '=', 'import-kill')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

function importLines() {
  const base = Date.now() - 5 * 3_600_000;
  return Array.from({ length: IMPORT_LINES }, (_, i) => {
    const started = base + i * 700;
    const status = i % 4 === 0 ? 'missed' : i % 9 === 0 ? 'voicemail' : 'answered';
    return {
      provider: 'import-kill',
      provider_call_id: `imp-${i}`,
      direction: i % 6 === 0 ? 'outbound' : 'inbound',
      status,
      business_number: IMPORT_NUMBER,
      external_number: `+1555${String(2_000_000 + i).padStart(7, '0')}`,
      started_at: new Date(started).toISOString(),
      answered_at: status === 'answered' ? new Date(started + 4_000).toISOString() : null,
      ended_at: new Date(started + 60_000 + (i % 50) * 1000).toISOString(),
      agent_extension: status === 'answered' ? String(200 + (i % 12)) : null,
      queue: i % 3 ? 'Sales' : null,
    };
  });
}
