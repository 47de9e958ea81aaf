// Webhooks into live state and calls: shuffled, duplicated, dropped deliveries, a restart halfway, expiry, SSE.
import { randomUUID } from 'node:crypto';
import {
  DEMO_API_KEY,
  type EmitResult,
  type RunningSimulator,
  type ScriptedCall,
  startSimulator,
  type WebhookEnvelope,
} from '@victorysync/mightycall-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, platformAdminClient } from '../../../test/support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../../../test/support/database.js';
import { assignNumber, createOrg, createUser } from '../../../test/support/fixtures.js';
import {
  callRows,
  demoConnectionBody,
  expectedCallRow,
  listen,
  mightyCallApp,
  registerConnection,
  type TestServer,
} from '../../../test/support/mightycall.js';
import { systemPrincipal } from '../../auth/principal.js';
import { type NormalizedCall, upsertCalls } from '../../calls/ingest.js';
import { withPrincipal } from '../../db/tenant.js';
import type { LiveSnapshot } from './live.js';

const PASSWORD = 'a-long-test-password-1';
const HARBOR_NUMBERS = ['+12125550141', '+12125550142', '+18005550199'];
const THAMES_NUMBERS = ['+442079460311', '+442079460312'];
const iso = (timestamp: string) => new Date(Date.parse(timestamp)).toISOString();

describe.each(testTargets())('MightyCall webhooks and live state on %s', (target) => {
  let database: TestDatabase;
  let sim: RunningSimulator;
  let server: TestServer;
  let http: { url: string; close(): Promise<void> };
  let admin: ReturnType<typeof client>;
  let thamesAgent: ReturnType<typeof client>;
  let connectionId: string;
  let hookPath: string;
  let harbor: string;
  let thames: string;

  const deliver = async (events: readonly WebhookEnvelope[]) => {
    const answers: boolean[] = [];
    for (const event of events) {
      const res = await server.app.request(`http://localhost${hookPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      expect(res.status).toBe(200);
      answers.push(((await res.json()) as { duplicate: boolean }).duplicate);
    }
    return answers;
  };
  const snapshot = async (as: ReturnType<typeof client>, orgId: string) => {
    const res = await as.json<LiveSnapshot>(`/api/orgs/${orgId}/live/snapshot`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const callFetches = () =>
    Object.entries(sim.control.usage(DEMO_API_KEY).byEndpoint)
      .filter(([k]) => k.startsWith('GET /v4/api/calls/:'))
      .reduce((sum, [, n]) => sum + n, 0);
  const simCall = (id: string) => {
    const call = sim.accounts.require(DEMO_API_KEY).callsById.get(id);
    if (!call) throw new Error(`no simulator call ${id}`);
    return call;
  };
  const emit = (script: ScriptedCall) => sim.control.emitCall(DEMO_API_KEY, script);

  beforeAll(async () => {
    database = await openTestDatabase(target);
    sim = await startSimulator({ port: 0, demo: { historyDays: 1 } });
    server = mightyCallApp(database);
    http = await listen(server.app);
    admin = await platformAdminClient(database, server.app, PASSWORD);
    ({ connectionId, hookPath } = await registerConnection(admin, demoConnectionBody(sim.url)));
    await server.runtime.scheduler.runConnection(connectionId);

    harbor = await createOrg(database, 'Harbor');
    thames = await createOrg(database, 'Thames');
    const ids = await database.db.selectFrom('phone_numbers').select(['id', 'e164']).execute();
    for (const n of ids) {
      if (HARBOR_NUMBERS.includes(n.e164)) await assignNumber(database, harbor, n.id);
      if (THAMES_NUMBERS.includes(n.e164)) await assignNumber(database, thames, n.id);
    }
    // The wallboard lists an org's own agents: members with their MightyCall extensions.
    for (const extension of ['101', '102', '103']) {
      await createUser(database, `agent${extension}@harbor.example`, {
        memberships: [{ orgId: harbor, role: 'agent', extension }],
      });
    }
    await createUser(database, 'oliver@thames.example', {
      password: PASSWORD,
      memberships: [{ orgId: thames, role: 'agent', extension: '104' }],
    });
    thamesAgent = client(server.app);
    await thamesAgent.login('oliver@thames.example', PASSWORD);
  });
  afterAll(async () => {
    await server.runtime.stop();
    await http.close();
    await sim.close();
    await database.cleanup();
  });

  it('answers the validation POST and refuses a wrong token or ApiKey', async () => {
    const validation = await server.app.request(`http://localhost${hookPath}`, { method: 'POST', body: '{}' });
    expect(validation.status).toBe(200);
    const wrongToken = await server.app.request(`http://localhost${hookPath.replace(/[^/]+$/, 'x'.repeat(32))}`, {
      method: 'POST',
      body: '{}',
    });
    expect(wrongToken.status).toBe(404);
    const forged = await server.app.request(`http://localhost${hookPath}`, {
      method: 'POST',
      body: JSON.stringify({
        EventType: 'IncomingCall',
        Body: { Id: 'x', From: '+1', To: '+1' },
        ApiKey: 'someone-else',
      }),
    });
    expect(forged.status).toBe(403);
    expect(server.logs.join('\n')).not.toContain(hookPath.split('/').at(-1));
  });

  it('shows exact live states from shuffled, duplicated deliveries; a finished call lands in calls once', async () => {
    const hunt = await emit({
      from: '+15559371200',
      to: '+12125550141',
      ringExtensions: ['101', '102'],
      answeredBy: '102',
      talkSeconds: 60,
    });
    const ringing = await emit({
      from: '+15559371201',
      to: '+12125550142',
      ringExtensions: ['103'],
      answeredBy: '103',
    });
    const h = hunt.events;
    const r = ringing.events;
    const partial = [h[4], r[1], h[0], h[2], h[4], r[0], h[1], h[3], h[2]].filter((e) => e !== undefined);
    expect(await deliver(partial)).toEqual([false, false, false, false, true, false, false, false, true]);
    await server.runtime.worker.drain();

    const live = await snapshot(admin, harbor);
    const at = (events: WebhookEnvelope[], i: number) => iso(events[i]?.Timestamp ?? '');
    // Both calls start at the same instant; the snapshot orders by start, then call id.
    const byStartThenId = (a: { startedAt: string; callId: string }, b: { startedAt: string; callId: string }) =>
      a.startedAt === b.startedAt ? a.callId.localeCompare(b.callId) : a.startedAt.localeCompare(b.startedAt);
    expect(live.calls).toEqual(
      [
        {
          callId: hunt.callId,
          state: 'connected',
          from: '+15559371200',
          to: '+12125550141',
          extension: '102',
          agentName: 'Luis Ortega',
          startedAt: at(h, 0),
          answeredAt: at(h, 4),
          // Nothing in this number's history names a queue (MightyCall's journal names none): unknown.
          queue: null,
        },
        {
          callId: ringing.callId,
          state: 'ringing',
          from: '+15559371201',
          to: '+12125550142',
          extension: '103',
          agentName: 'Priya Nair',
          startedAt: at(r, 0),
          answeredAt: null,
          queue: null,
        },
      ].sort(byStartThenId),
    );
    const agent = (snap: LiveSnapshot, ext: string) => snap.agents.find((a) => a.extension === ext);
    expect(agent(live, '101')).toEqual({ extension: '101', name: 'Maya Chen', state: 'available', since: at(h, 2) });
    expect(agent(live, '102')).toEqual({ extension: '102', name: 'Luis Ortega', state: 'on_call', since: at(h, 4) });
    expect(agent(live, '103')).toEqual({ extension: '103', name: 'Priya Nair', state: 'ringing', since: at(r, 1) });
    // Another org sees none of it.
    const other = await snapshot(thamesAgent, thames);
    expect(other.calls).toEqual([]);
    expect(other.agents.map((a) => a.extension)).not.toContain('102');

    // The stream starts with the same snapshot.
    const stream = await admin.request(`/api/orgs/${harbor}/live`);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reader = stream.body?.getReader();
    let text = '';
    while (reader && !text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    await reader?.cancel();
    expect(text).toMatch(/^event: snapshot\n/);
    const streamed = JSON.parse(/data: (.*)/.exec(text)?.[1] ?? 'null') as LiveSnapshot;
    expect({ ...streamed, asOf: null }).toEqual({ ...live, asOf: null });

    // The rest, twice over: calls end, agents are free, each call is fetched once and stored once.
    const fetchesBefore = callFetches();
    const { provider_account: account } = await database.db
      .selectFrom('mightycall_connections')
      .select('provider_account')
      .where('id', '=', connectionId)
      .executeTakeFirstOrThrow();
    const quotaBefore = (await server.runtime.budget.usage(account)).used;
    await deliver([...h.slice(5), ...r.slice(2), ...h, ...r]);
    await server.runtime.worker.drain();
    const done = await snapshot(admin, harbor);
    expect(done.calls).toEqual([]);
    for (const ext of ['101', '102', '103']) expect(agent(done, ext)?.state).toBe('available');
    expect(callFetches() - fetchesBefore).toBe(2);
    // The round counted its fetches at once and gave back what it did not spend: the quota shows the two made.
    expect((await server.runtime.budget.usage(account)).used - quotaBefore).toBe(2);
    const rows = await callRows(database, 'sim-demo');
    for (const result of [hunt, ringing]) {
      const { updated_at: _u, ...row } = rows.get(result.callId) ?? { updated_at: null };
      expect(row).toEqual(expectedCallRow(simCall(result.callId)));
    }
    await deliver([...h, ...r]);
    await server.runtime.worker.drain();
    expect(callFetches() - fetchesBefore).toBe(2);
    const again = await callRows(database, 'sim-demo');
    expect(again.get(hunt.callId)).toEqual(rows.get(hunt.callId));
  });

  it('lets stale states expire: ringing nobody ended stops counting and is queued for the journal', async () => {
    const old = await emit({
      to: '+12125550141',
      ringExtensions: ['103'],
      answeredBy: '103',
      startAt: Date.now() - 20 * 60_000,
    });
    await deliver(old.events.slice(0, 2));
    await server.runtime.worker.processPending();
    const live = await snapshot(admin, harbor);
    expect(live.calls.map((c) => c.callId)).not.toContain(old.callId);
    expect(live.agents.find((a) => a.extension === '103')?.state).toBe('available');
    await server.runtime.worker.sweep();
    const row = await database.db
      .selectFrom('mightycall_live_calls')
      .select(['state', 'fetch_state'])
      .where('call_id', '=', old.callId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ state: 'completed', fetch_state: 'pending' });
  });

  it('ends exact after shuffled, duplicated and dropped deliveries and a worker restart halfway', async () => {
    const registered = await sim.control.registerWebhook(DEMO_API_KEY, `${http.url}${hookPath}`);
    expect(registered.ok).toBe(true);
    sim.control.setWebhookSwitches(DEMO_API_KEY, { shuffle: true, duplicateRate: 0.3, dropRate: 0.15 });
    sim.control.clearDeliveries();
    const scripts: ScriptedCall[] = [
      { to: '+12125550141', ringExtensions: ['101', '102'], answeredBy: '102', talkSeconds: 50 },
      { to: '+12125550141', ringExtensions: [['101', '102', '103']], answeredBy: '101', talkSeconds: 40 },
      { to: '+12125550142', ringExtensions: ['102'], voicemail: true, voicemailSeconds: 20 },
      { to: '+12125550142', ringExtensions: ['103'], ringSeconds: 20 },
      { kind: 'outgoing', from: '+12125550142', to: '+15551230000', extension: '101', talkSeconds: 30 },
      { kind: 'outgoing', from: '+12125550141', to: '102', extension: '101', talkSeconds: 25 },
      { to: '+12125550141', ringExtensions: ['101'], answeredBy: '101', transferTo: '103', talkSeconds: 120 },
      { to: '+18005550199', ringExtensions: ['102'], answeredBy: '102', consultWith: '103', talkSeconds: 100 },
      { kind: 'callback', from: '+12125550141', to: '+15559990000', ringExtensions: ['101'], answeredBy: '101' },
      { to: '+442079460311', ringExtensions: ['104'], answeredBy: '104', talkSeconds: 30 },
    ];
    const results: EmitResult[] = [];
    for (const [i, script] of scripts.entries()) {
      // Fixed ids: the simulator's delivery dice are seeded by the call id, so drops are the same every run.
      const id = `d1b3c9e0-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;
      results.push(await emit({ id, from: `+1555937${String(1300 + i)}`, ...script }));
    }
    const deliveries = sim.control.deliveries(DEMO_API_KEY);
    // Lost on the way: first events, Connected events and final Completed ones.
    const lost = deliveries.filter((d) => d.dropped).map((d) => d.eventType);
    expect(lost).toEqual(expect.arrayContaining(['IncomingCall', 'IncomingCallConnected', 'OutgoingCallCompleted']));
    expect(deliveries.some((d) => d.duplicate)).toBe(true);
    const stored = new Set(deliveries.filter((d) => d.status === 200).map((d) => d.guid));
    const inbox = await database.db
      .selectFrom('mightycall_webhook_inbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(
        'call_id',
        'in',
        results.map((x) => x.callId),
      )
      .executeTakeFirstOrThrow();
    expect(Number(inbox.n)).toBe(stored.size);

    // One worker folds a few calls and dies; a new process (its own app and runtime) takes over.
    await server.runtime.worker.processPending({ maxCalls: 4 });
    const restarted = mightyCallApp(database);
    await restarted.runtime.worker.drain();
    // The journal finishes what lost its last event.
    const sync = await admin.request(`/api/admin/mightycall/connections/${connectionId}/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ job: 'calls' }),
    });
    expect(sync.status).toBe(202);
    await server.runtime.scheduler.runConnection(connectionId);
    await restarted.runtime.worker.drain();

    const rows = await callRows(database, 'sim-demo');
    for (const result of results) {
      const { updated_at: _u, ...row } = rows.get(result.callId) ?? { updated_at: null };
      expect({ id: result.callId, ...row }).toEqual({ id: result.callId, ...expectedCallRow(simCall(result.callId)) });
    }
    const open = await database.db
      .selectFrom('mightycall_live_calls')
      .select('call_id')
      .where('state', '<>', 'completed')
      .execute();
    expect(open).toEqual([]);
    const live = await snapshot(admin, harbor);
    expect(live.calls).toEqual([]);
    expect(live.agents.filter((a) => a.state !== 'available')).toEqual([]);

    // Every event again, late: nothing moves.
    const fetches = callFetches();
    await deliver(results.flatMap((x) => x.events));
    await restarted.runtime.worker.drain();
    expect(callFetches()).toBe(fetches);
    expect(await callRows(database, 'sim-demo')).toEqual(rows);
    expect((await snapshot(admin, harbor)).calls).toEqual([]);
    await restarted.runtime.stop();
  });
  it('over a real socket: stores an event once, and refuses what the generic guards refuse', async () => {
    const url = `${http.url}${hookPath}`;
    const post = async (body: string | Uint8Array, headers: Record<string, string> = {}) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      return {
        status: res.status,
        body: (await res.json()) as { ok?: boolean; duplicate?: boolean; error?: { code: string; message: string } },
      };
    };
    // The simulator delivers its own events to this socket too; this copy has a Guid of its own.
    const emitted = await emit({ ringExtensions: ['101'], answeredBy: '101', talkSeconds: 5 });
    const guid = randomUUID();
    const event = { ...(emitted.events[0] as WebhookEnvelope), Guid: guid };
    const inbox = () =>
      database.db
        .selectFrom('mightycall_webhook_inbox')
        .select(['dedupe_key'])
        .where('dedupe_key', '=', `guid:${guid}`)
        .execute();
    const first = await post(JSON.stringify(event));
    expect(first).toEqual({ status: 200, body: { ok: true, duplicate: false } });
    expect((await post(JSON.stringify(event))).body).toEqual({ ok: true, duplicate: true });
    expect(await inbox()).toHaveLength(1);

    const huge = await post(JSON.stringify({ ...event, Padding: 'x'.repeat(2_000_000) }));
    expect(huge.status).toBe(413);
    expect(huge.body.error?.code).toBe('payload_too_large');
    const notUtf8 = await post(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]));
    expect(notUtf8.status).toBe(400);
    expect(notUtf8.body.error?.message).toContain('not valid UTF-8');
    const nul = await post(JSON.stringify({ ...event, Guid: 'a\u0000b' }));
    expect(nul.status).toBe(400);
    expect(nul.body.error?.message).toContain('NUL');
    const deep = await post(`${'['.repeat(100)}${']'.repeat(100)}`);
    expect(deep.status).toBe(400);
    expect(deep.body.error?.message).toContain('nested deeper');
    const notJson = await post('{"EventType":');
    expect(notJson.status).toBe(400);
    const wrongToken = await fetch(`${http.url}${hookPath.replace(/[^/]+$/, 'y'.repeat(32))}`, {
      method: 'POST',
      body: JSON.stringify(event),
    });
    expect(wrongToken.status).toBe(404);
    const forged = await post(JSON.stringify({ ...event, Guid: undefined, ApiKey: 'someone-else' }));
    expect(forged.status).toBe(403);
    // Undeclared query parameters are refused, as on every route.
    const query = await fetch(`${url}?x=1`, { method: 'POST', body: JSON.stringify(event) });
    expect(query.status).toBe(400);
    // Security headers and a request id, as on every answer.
    const res = await fetch(url, { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(await inbox()).toHaveLength(1);
    expect(server.logs.join('\n')).not.toContain(hookPath.split('/').at(-1));
  });
  it("gives a live call its number's queue as the history shows it, and the stored call too; unknown stays null", async () => {
    // Given: the billing line's history names its queue (an import), most recently "Billing"; the main line's none.
    const hour = 3_600_000;
    const history = (id: string, queue: string, startedAt: number): NormalizedCall => ({
      provider: 'csv-import',
      providerCallId: id,
      direction: 'inbound',
      status: 'answered',
      businessNumber: '+12125550142',
      externalNumber: '+15550001111',
      startedAt: new Date(startedAt),
      answeredAt: new Date(startedAt + 5_000),
      endedAt: new Date(startedAt + 120_000),
      agentExtension: '103',
      queue,
    });
    await withPrincipal(database.db, systemPrincipal('queue history'), (tx) =>
      upsertCalls(tx, [
        history('q-old', 'Accounts', Date.now() - 10 * 24 * hour),
        history('q-new', 'Billing', Date.now() - 2 * hour),
      ]),
    );

    // The simulator keeps its events to itself (an earlier test had it deliver): this test delivers them, in parts.
    sim.control.unregisterWebhook(DEMO_API_KEY);
    // When: calls arrive by webhook on both lines, and one goes out from the billing line.
    const billing = await emit({
      from: '+15559371300',
      to: '+12125550142',
      ringExtensions: ['103'],
      answeredBy: '103',
    });
    const main = await emit({ from: '+15559371301', to: '+12125550141', ringExtensions: ['101'], answeredBy: '101' });
    const out = await emit({ kind: 'outgoing', from: '+12125550142', to: '+15551239999', extension: '102' });
    const firstThree = (events: WebhookEnvelope[]) => events.slice(0, 3);
    await deliver([...firstThree(billing.events), ...firstThree(main.events), ...out.events.slice(0, 2)]);
    await server.runtime.worker.drain();

    // Then: the wallboard names the billing call's queue; the main line's stays unknown, an outgoing call has none.
    const live = await snapshot(admin, harbor);
    const queueOf = (callId: string) => live.calls.find((c) => c.callId === callId)?.queue;
    expect(live.calls.map((c) => c.callId)).toEqual(expect.arrayContaining([billing.callId, main.callId, out.callId]));
    expect(queueOf(billing.callId)).toBe('Billing');
    expect(queueOf(main.callId)).toBeNull();
    expect(queueOf(out.callId)).toBeNull();

    // And once over, the stored calls carry the same: the dashboard's queue summary has no "No queue" for them.
    await deliver([...billing.events, ...main.events, ...out.events]);
    await server.runtime.worker.drain();
    const stored = await database.db
      .selectFrom('calls')
      .select(['provider_call_id', 'queue_name', 'direction'])
      .where('provider_call_id', 'in', [billing.callId, main.callId, out.callId])
      .execute();
    const byId = Object.fromEntries(stored.map((r) => [r.provider_call_id, r.queue_name]));
    expect(byId).toEqual({ [billing.callId]: 'Billing', [main.callId]: null, [out.callId]: null });
  });
});
