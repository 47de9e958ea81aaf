// Batch folding: hundreds of calls from shuffled, duplicated deliveries folded in a few transactions, exact live
// rows and legs, one calls row per call after the fetches; a crash inside a batch leaves nothing behind; two
// workers on one backlog fold each call once.
import {
  DEMO_API_KEY,
  type EmitResult,
  type RunningSimulator,
  type ScriptedCall,
  startSimulator,
  type WebhookEnvelope,
} from '@victorysync/mightycall-sim';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformAdminClient } from '../../../test/support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../../../test/support/database.js';
import {
  callRows,
  demoConnectionBody,
  expectedCallRow,
  mightyCallApp,
  registerConnection,
  type TestServer,
} from '../../../test/support/mightycall.js';
import type { MightyCallClient } from '../client/client.js';
import { systemClock } from '../client/transport.js';
import { InboxWorker } from './fold-loop.js';
import { foldCall } from './live-fold.js';
import type { WorkerHooks } from './worker-deps.js';

const PASSWORD = 'a-long-test-password-1';
const NUMBERS = ['+12125550141', '+12125550142', '+18005550199'];
const EXTENSIONS = ['101', '102', '103'];

/** A deterministic shuffle (so a failure repeats). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function script(i: number): ScriptedCall {
  const to = NUMBERS[i % NUMBERS.length] ?? '';
  const a = EXTENSIONS[i % 3] ?? '101';
  const b = EXTENSIONS[(i + 1) % 3] ?? '102';
  switch (i % 5) {
    case 0:
      return { to, ringExtensions: [a, b], answeredBy: b, talkSeconds: 30 + (i % 50) };
    case 1:
      return { to, ringExtensions: [[a, b]], answeredBy: a, talkSeconds: 20 };
    case 2:
      return { kind: 'outgoing', from: to, to: `+1555${String(3_000_000 + i)}`, extension: a, talkSeconds: 25 };
    case 3:
      return { to, ringExtensions: [a], voicemail: true, voicemailSeconds: 15 };
    default:
      return { to, ringExtensions: [a], answeredBy: a, transferTo: b, talkSeconds: 60 };
  }
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(testTargets())('inbox worker batches on %s', (target) => {
  let database: TestDatabase;
  let sim: RunningSimulator;
  let server: TestServer;
  let connectionId: string;
  let hookPath: string;
  let serial = 0;

  /** Delivers with a few requests in flight at once; every answer must be 200. */
  const deliver = async (events: readonly WebhookEnvelope[]) => {
    const queue = [...events];
    const lane = async () => {
      for (let e = queue.shift(); e; e = queue.shift()) {
        const res = await server.app.request(`http://localhost${hookPath}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(e),
        });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
  };

  const emitCalls = async (count: number): Promise<EmitResult[]> => {
    const out: EmitResult[] = [];
    for (let i = 0; i < count; i++) {
      serial++;
      const id = `b47c0000-0000-4000-8000-${String(serial).padStart(12, '0')}`;
      const s = script(serial);
      const from = s.kind === 'outgoing' ? s.from : `+1555938${String(1000 + (serial % 9000))}`;
      out.push(await sim.control.emitCall(DEMO_API_KEY, { ...s, id, from, startAt: Date.now() - 10 * 60_000 }));
    }
    return out;
  };

  const workerWith = (hooks: WorkerHooks = {}, batchSize?: number) =>
    new InboxWorker({
      db: database.db,
      clock: systemClock,
      logger: server.deps.logger,
      clientFor: async () => null,
      hooks,
      ...(batchSize ? { batchSize } : {}),
    });

  /** What the live tables must hold for these calls: each call's events folded on their own (live-fold.ts). */
  const expectedLive = async (callIds: readonly string[]) => {
    const events = await database.db
      .selectFrom('mightycall_webhook_inbox')
      .select(['id', 'call_id', 'event_type', 'extension', 'event_ts', 'event_at', 'body'])
      .where('connection_id', '=', connectionId)
      .where('call_id', 'in', callIds)
      .execute();
    const numbers = new Map(
      (await database.db.selectFrom('phone_numbers').select(['id', 'e164']).execute()).map((n) => [n.e164, n.id]),
    );
    const calls = [];
    const legs = [];
    for (const callId of callIds) {
      const fold = foldCall(
        events
          .filter((e) => e.call_id === callId)
          .map((e) => {
            const body = (e.body as { Body: { From?: string | null; To?: string | null } }).Body;
            return {
              id: Number(e.id),
              eventType: e.event_type,
              extension: e.extension,
              key: e.event_ts,
              ms: new Date(e.event_at).getTime(),
              from: body.From ?? null,
              to: body.To ?? null,
            };
          }),
      );
      if (!fold) throw new Error(`nothing to fold for ${callId}`);
      const completed = fold.state === 'completed';
      const numberId = fold.businessNumber ? (numbers.get(fold.businessNumber) ?? null) : null;
      calls.push({
        call_id: callId,
        state: fold.state,
        direction: fold.direction,
        from_party: fold.from,
        to_party: fold.to,
        business_number_id: numberId,
        extension: fold.extension,
        started_at: fold.startedMs,
        answered_at: fold.answeredMs,
        ended_at: fold.endedMs,
        last_event_ts: fold.lastKey,
        closed_at: null,
      });
      for (const leg of fold.legs) {
        const state = completed ? 'ended' : leg.state;
        legs.push({
          call_id: callId,
          extension: leg.extension,
          state,
          since: state === leg.state ? leg.sinceMs : (fold.endedMs ?? leg.sinceMs),
          last_event_ts: leg.key,
          business_number_id: numberId,
          call_started_at: fold.startedMs,
        });
      }
    }
    return { calls: sortCalls(calls), legs: sortLegs(legs) };
  };

  const ms = (d: Date | null) => (d === null ? null : new Date(d).getTime());
  const sortCalls = <T extends { call_id: string }>(rows: T[]) =>
    rows.sort((a, b) => a.call_id.localeCompare(b.call_id));
  const sortLegs = <T extends { call_id: string; extension: string }>(rows: T[]) =>
    rows.sort((a, b) => a.call_id.localeCompare(b.call_id) || a.extension.localeCompare(b.extension));

  const actualLive = async (callIds: readonly string[]) => {
    const calls = await database.db
      .selectFrom('mightycall_live_calls')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('call_id', 'in', callIds)
      .execute();
    const legs = await database.db
      .selectFrom('mightycall_live_legs')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('call_id', 'in', callIds)
      .execute();
    return {
      calls: sortCalls(
        calls.map((c) => ({
          call_id: c.call_id,
          state: c.state,
          direction: c.direction,
          from_party: c.from_party,
          to_party: c.to_party,
          business_number_id: c.business_number_id,
          extension: c.extension,
          started_at: ms(c.started_at),
          answered_at: ms(c.answered_at),
          ended_at: ms(c.ended_at),
          last_event_ts: c.last_event_ts,
          closed_at: ms(c.closed_at),
        })),
      ),
      legs: sortLegs(
        legs.map((l) => ({
          call_id: l.call_id,
          extension: l.extension,
          state: l.state,
          since: ms(l.since),
          last_event_ts: l.last_event_ts,
          business_number_id: l.business_number_id,
          call_started_at: ms(l.call_started_at),
        })),
      ),
      fetch: Object.fromEntries(calls.map((c) => [c.call_id, c.fetch_state])),
    };
  };

  /** Everything the fold writes, as it is now (to compare before and after a failed batch). */
  const tables = async () => ({
    calls: await database.db
      .selectFrom('mightycall_live_calls')
      .selectAll()
      .orderBy('connection_id')
      .orderBy('call_id')
      .execute(),
    legs: await database.db
      .selectFrom('mightycall_live_legs')
      .selectAll()
      .orderBy('connection_id')
      .orderBy('call_id')
      .orderBy('extension')
      .execute(),
    inbox: await database.db
      .selectFrom('mightycall_webhook_inbox')
      .select(['id', 'processed_at'])
      .orderBy('id')
      .execute(),
    version: await database.db.selectFrom('mightycall_live_version').selectAll().execute(),
    numbers: await database.db.selectFrom('phone_numbers').select(['id', 'e164']).orderBy('e164').execute(),
  });

  const unprocessed = async () =>
    Number(
      (
        await database.db
          .selectFrom('mightycall_webhook_inbox')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('processed_at', 'is', null)
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    database = await openTestDatabase(target);
    sim = await startSimulator({ port: 0, demo: { historyDays: 1 } });
    server = mightyCallApp(database);
    const admin = await platformAdminClient(database, server.app, PASSWORD);
    ({ connectionId, hookPath } = await registerConnection(admin, demoConnectionBody(sim.url)));
  });
  afterAll(async () => {
    await server.runtime.stop();
    await sim.close();
    await database.cleanup();
  });

  it('folds 300 calls of shuffled, duplicated events in two transactions, exactly; one calls row each', async () => {
    const results = await emitCalls(300);
    const events = results.flatMap((r) => r.events);
    expect(events.length).toBeGreaterThanOrEqual(1_200);
    // Every tenth event twice, all of it in random order.
    await deliver(shuffled([...events, ...events.filter((_, i) => i % 10 === 0)], 7));
    const ids = results.map((r) => r.callId.toLowerCase());

    let batches = 0;
    const planModes: string[] = [];
    const worker = workerWith({
      afterFoldWrite: async (_calls, tx) => {
        batches++;
        planModes.push(
          String(
            (await sql<{ mode: string }>`select current_setting('plan_cache_mode') as mode`.execute(tx)).rows[0]?.mode,
          ),
        );
      },
    });
    expect(await worker.processPending()).toBe(300);
    expect(batches).toBe(2);
    // Planned afresh as the inbox grows, not from a plan cached while it was empty (see fresh-plans.test.ts).
    expect(planModes).toEqual(['force_custom_plan', 'force_custom_plan']);
    expect(await unprocessed()).toBe(0);
    const live = await actualLive(ids);
    const want = await expectedLive(ids);
    expect(live.calls).toEqual(want.calls);
    expect(live.legs).toEqual(want.legs);
    expect(live.calls.every((c) => c.state === 'completed')).toBe(true);
    expect(Object.values(live.fetch).every((s) => s === 'pending')).toBe(true);

    // Late duplicates refold to the same state.
    await deliver(shuffled(events, 11).slice(0, 200));
    expect(await unprocessed()).toBe(0);
    expect(await worker.processPending()).toBe(0);

    // The fetches: each finished call once into calls, with the simulator's figures.
    await server.runtime.worker.drain();
    const rows = await callRows(database, 'sim-demo');
    for (const r of results) {
      const call = sim.accounts.require(DEMO_API_KEY).callsById.get(r.callId.toLowerCase());
      if (!call) throw new Error(`no simulator call ${r.callId}`);
      const { updated_at: _u, ...row } = rows.get(r.callId.toLowerCase()) ?? { updated_at: null };
      expect({ id: r.callId, ...row }).toEqual({ id: r.callId, ...expectedCallRow(call) });
    }
    const counts = await database.db
      .selectFrom('calls')
      .select(['provider_call_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('provider_call_id', 'in', ids)
      .groupBy('provider_call_id')
      .execute();
    expect(counts.length).toBe(300);
    expect(counts.every((c) => Number(c.n) === 1)).toBe(true);
    const after = await actualLive(ids);
    expect(Object.values(after.fetch).every((s) => s === 'done')).toBe(true);
    expect(after.calls).toEqual(want.calls);
  }, 120_000);

  it('a crash in the middle of a batch leaves no partial state; the next cycle folds exactly', async () => {
    const results = await emitCalls(250);
    const ids = results.map((r) => r.callId.toLowerCase());
    // First the early events of every call (folded), then the rest (the batch that fails).
    const early = results.flatMap((r) => r.events.slice(0, 2));
    const late = results.flatMap((r) => r.events.slice(2));
    await deliver(shuffled(early, 3));
    const worker = workerWith({}, 120);
    expect(await worker.processPending()).toBe(250);
    const wantEarly = await expectedLive(ids);
    expect((await actualLive(ids)).calls).toEqual(wantEarly.calls);
    expect((await actualLive(ids)).legs).toEqual(wantEarly.legs);

    await deliver(shuffled([...late, ...late.slice(0, 50)], 5));
    const before = await tables();
    let crashes = 0;
    const crashing = workerWith(
      {
        afterFoldWrite: () => {
          crashes++;
          if (crashes === 1) throw new Error('injected crash after the live rows were written');
        },
      },
      120,
    );
    await expect(crashing.processPending()).rejects.toThrow('injected crash');
    expect(await tables()).toEqual(before);

    // The next cycle (this worker again) folds everything, exactly.
    expect(await crashing.processPending()).toBe(250);
    expect(crashes).toBe(4);
    expect(await unprocessed()).toBe(0);
    const live = await actualLive(ids);
    const want = await expectedLive(ids);
    expect(live.calls).toEqual(want.calls);
    expect(live.legs).toEqual(want.legs);
    expect(live.calls.every((c) => c.state === 'completed')).toBe(true);
    // maxCalls still stops early.
    const more = await emitCalls(10);
    await deliver(more.flatMap((r) => r.events));
    expect(await worker.processPending({ maxCalls: 4 })).toBe(4);
    expect(await worker.processPending({ maxCalls: 100 })).toBe(6);
  }, 120_000);

  it('two workers on one backlog fold every call once, exactly', async () => {
    const results = await emitCalls(240);
    const ids = results.map((r) => r.callId.toLowerCase());
    await deliver(
      shuffled(
        results.flatMap((r) => r.events),
        9,
      ),
    );
    const a = workerWith({}, 50);
    const b = workerWith({}, 50);
    const [x, y] = await Promise.all([a.processPending(), b.processPending()]);
    // A worker stops when the next calls are all held by the other; whatever is left, one more pass folds.
    const rest = await a.processPending();
    expect(x + y + rest).toBe(240);
    expect(await unprocessed()).toBe(0);
    const live = await actualLive(ids);
    const want = await expectedLive(ids);
    expect(live.calls).toEqual(want.calls);
    expect(live.legs).toEqual(want.legs);
  }, 120_000);

  it('keeps folding while fetches hang, with four fetches in flight at most', async () => {
    let inFlight = 0;
    let most = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hanging = {
      callById: async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await gate;
        inFlight--;
        return null;
      },
    } as unknown as MightyCallClient;
    const worker = new InboxWorker({
      db: database.db,
      clock: systemClock,
      logger: server.deps.logger,
      clientFor: async () => ({ client: hanging, account: 'sim-demo' }),
      pollMs: 25,
      fetchConcurrency: 4,
    });
    const first = await emitCalls(20);
    await deliver(first.flatMap((r) => r.events));
    worker.start();
    try {
      await waitFor('the first calls folded', async () => (await unprocessed()) === 0);
      await waitFor('four fetches hanging', () => inFlight === 4);
      const second = await emitCalls(20);
      await deliver(second.flatMap((r) => r.events));
      worker.wake();
      await waitFor('the second calls folded while the fetches hang', async () => (await unprocessed()) === 0);
      expect(inFlight).toBe(4);
      const ids = [...first, ...second].map((r) => r.callId.toLowerCase());
      const live = await actualLive(ids);
      expect(live.calls).toEqual((await expectedLive(ids)).calls);
    } finally {
      release();
      await worker.stop();
    }
    expect(most).toBe(4);
  }, 60_000);
  it('stands aside while webhooks pour in, and for maxYieldMs at most', async () => {
    const background = (pressure: () => boolean, maxYieldMs: number) =>
      new InboxWorker({
        db: database.db,
        clock: systemClock,
        logger: server.deps.logger,
        clientFor: async () => null,
        pollMs: 25,
        gatherMs: 5,
        pressure,
        maxYieldMs,
      });
    const first = await emitCalls(5);
    await deliver(first.flatMap((r) => r.events));
    let busy = true;
    const patient = background(() => busy, 60_000);
    patient.start();
    try {
      // Busy: nothing is folded, though the worker is woken every 25 ms.
      await new Promise((r) => setTimeout(r, 400));
      expect(await unprocessed()).toBeGreaterThan(0);
      busy = false;
      await waitFor('folding once the pressure is gone', async () => (await unprocessed()) === 0);
    } finally {
      await patient.stop();
    }
    // Pressure that never ends delays folding by maxYieldMs, then the work runs anyway.
    const second = await emitCalls(5);
    await deliver(second.flatMap((r) => r.events));
    const started = performance.now();
    const stubborn = background(() => true, 300);
    stubborn.start();
    try {
      await waitFor('folding despite endless pressure', async () => (await unprocessed()) === 0);
    } finally {
      await stubborn.stop();
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
    const ids = [...first, ...second].map((r) => r.callId.toLowerCase());
    expect((await actualLive(ids)).calls).toEqual((await expectedLive(ids)).calls);
  }, 60_000);
});
