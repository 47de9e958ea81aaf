// The webhook receiver's time window: an event stamped far in the past (a replay with a fresh Guid) or far ahead
// is refused with a 422 naming the problem, counted and logged, and never reaches the inbox; events inside the
// window, the simulator's included under a clock far from today's, are stored and deduplicated as before.
import { randomUUID } from 'node:crypto';
import {
  createManualClock,
  DEMO_API_KEY,
  type RunningSimulator,
  startSimulator,
  type WebhookEnvelope,
} from '@victorysync/mightycall-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformAdminClient } from '../../../test/support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../../../test/support/database.js';
import {
  demoConnectionBody,
  listen,
  mightyCallApp,
  registerConnection,
  type TestServer,
} from '../../../test/support/mightycall.js';

const PASSWORD = 'a-long-test-password-1';
// Far from the day the tests run: the window is measured against the runtime's clock, not the wall clock.
const START = Date.parse('2026-03-02T15:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A MightyCall Timestamp: UTC, 7 fractional digits. */
const stamp = (ms: number) => new Date(ms).toISOString().replace('Z', '0000Z');

interface Answer {
  status: number;
  body: {
    ok?: boolean;
    duplicate?: boolean;
    error?: { code: string; message: string; details?: Record<string, unknown> };
  };
}

describe.each(testTargets())('the webhook time window on %s', (target) => {
  const clock = createManualClock(START);
  let database: TestDatabase;
  let sim: RunningSimulator;
  let server: TestServer;
  let http: { url: string; close(): Promise<void> };
  let hookPath: string;
  let template: WebhookEnvelope;

  const post = async (app: TestServer['app'], event: unknown): Promise<Answer> => {
    const res = await app.request(`http://localhost${hookPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };
  /** Over a real socket: the receiver's fast path. */
  const postOverSocket = async (event: unknown): Promise<Answer> => {
    const res = await fetch(`${http.url}${hookPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };
  const stored = async (guid: string) =>
    (
      await database.db
        .selectFrom('mightycall_webhook_inbox')
        .select('dedupe_key')
        .where('dedupe_key', '=', `guid:${guid}`)
        .execute()
    ).length;
  /** The simulator's first event of a call, with a Guid of its own and the given Timestamp. */
  const eventAt = (ms: number | null, guid = randomUUID()) => ({
    ...template,
    Guid: guid,
    Timestamp: ms === null ? undefined : stamp(ms),
  });

  beforeAll(async () => {
    database = await openTestDatabase(target);
    sim = await startSimulator({ port: 0, clock, demo: { historyDays: 1 } });
    server = mightyCallApp(database, { clock });
    http = await listen(server.app);
    const admin = await platformAdminClient(database, server.app, PASSWORD);
    ({ hookPath } = await registerConnection(admin, demoConnectionBody(sim.url)));
    // No URL registered yet: the simulator hands the events to the test.
    const emitted = await sim.control.emitCall(DEMO_API_KEY, { ringExtensions: ['101'], answeredBy: '101' });
    template = emitted.events[0] as WebhookEnvelope;
  });
  afterAll(async () => {
    await server.runtime.stop();
    await http.close();
    await sim.close();
    await database.cleanup();
  });

  it('stores what the simulator delivers under its clock, far from today; a duplicate Guid is still a duplicate', async () => {
    expect((await sim.control.registerWebhook(DEMO_API_KEY, `${http.url}${hookPath}`)).ok).toBe(true);
    sim.control.clearDeliveries();
    // A long call: its whole event sequence is sent at once, stamped up to minutes after now.
    const call = await sim.control.emitCall(DEMO_API_KEY, {
      ringExtensions: ['101', '102'],
      answeredBy: '102',
      talkSeconds: 120,
    });
    const deliveries = sim.control.deliveries(DEMO_API_KEY);
    expect(deliveries.map((d) => d.status)).toEqual(call.events.map(() => 200));
    for (const event of call.events) expect(await stored(event.Guid)).toBe(1);
    sim.control.unregisterWebhook(DEMO_API_KEY);

    const again = await post(server.app, call.events[0]);
    expect(again).toEqual({ status: 200, body: { ok: true, duplicate: true } });
  });

  it('refuses a replay stamped in 2001 with a fresh Guid: 422 event_too_old, nothing stored, counted, logged', async () => {
    const refusedBefore = server.runtime.webhookWindow.refused.too_old;
    const replay = eventAt(Date.parse('2001-09-09T01:46:40Z'));
    for (const answer of [await post(server.app, replay), await postOverSocket(replay)]) {
      expect(answer.status).toBe(422);
      expect(answer.body.error?.code).toBe('event_too_old');
      expect(answer.body.error?.message).toMatch(/^Timestamp: the event is \d+ days older than this server's clock/);
      expect(answer.body.error?.details).toEqual({
        field: 'Timestamp',
        timestamp: '2001-09-09T01:46:40.0000000Z',
        receivedAt: new Date(START).toISOString(),
        maxAgeSeconds: 86_400,
        maxAheadSeconds: 300,
      });
    }
    expect(await stored(replay.Guid)).toBe(0);
    expect(server.runtime.webhookWindow.refused.too_old - refusedBefore).toBe(2);
    const lines = server.logs.filter((l) => l.includes('webhook event refused'));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(lines.at(-1) ?? '{}')).toMatchObject({
      level: 'warn',
      guid: replay.Guid,
      timestamp: replay.Timestamp,
      reason: 'too_old',
      eventType: template.EventType,
    });
    // Neither credential of the webhook reaches the log.
    const logs = server.logs.join('\n');
    expect(logs).not.toContain(hookPath.split('/').at(-1));
    expect(logs).not.toContain(DEMO_API_KEY);
  });

  it('refuses an event stamped far ahead: 422 event_in_future, nothing stored', async () => {
    const ahead = eventAt(START + 2 * HOUR);
    const answer = await post(server.app, ahead);
    expect(answer.status).toBe(422);
    expect(answer.body.error?.code).toBe('event_in_future');
    expect(answer.body.error?.message).toBe(
      "Timestamp: the event is 2 hours ahead of this server's clock; events more than 5 minutes ahead are refused.",
    );
    expect(await stored(ahead.Guid)).toBe(0);
    expect(server.runtime.webhookWindow.refused.in_future).toBeGreaterThanOrEqual(1);
  });

  it('takes events inside the window up to its edges, and refuses them just past', async () => {
    const cases = [
      { at: START - 24 * HOUR + MINUTE, status: 200 },
      { at: START - 24 * HOUR - MINUTE, status: 422 },
      { at: START + 4 * MINUTE, status: 200 },
      { at: START + 6 * MINUTE, status: 422 },
      { at: START - 3 * HOUR, status: 200 },
    ];
    for (const { at, status } of cases) {
      const event = eventAt(at);
      const answer = await post(server.app, event);
      expect({ at: stamp(at), status: answer.status }).toEqual({ at: stamp(at), status });
      expect(await stored(event.Guid)).toBe(status === 200 ? 1 : 0);
    }
    // Without a Timestamp an event is ordered by its arrival, as before: inside the window by definition.
    const unstamped = eventAt(null);
    expect(await post(server.app, unstamped)).toEqual({ status: 200, body: { ok: true, duplicate: false } });
  });

  it('measures against the clock as it moves, and takes its limits from the configuration', async () => {
    const event = eventAt(START - 2 * HOUR);
    expect((await post(server.app, event)).body).toEqual({ ok: true, duplicate: false });
    expect((await post(server.app, event)).body).toEqual({ ok: true, duplicate: true });
    // A day later the same delivery is a replay: refused before the dedupe is asked, and still stored once.
    clock.advance(24 * HOUR);
    expect((await post(server.app, event)).body.error?.code).toBe('event_too_old');
    expect(await stored(event.Guid)).toBe(1);
    clock.set(START);

    const strict = mightyCallApp(database, { clock }, { VICTORYSYNC_WEBHOOK_MAX_AGE_SECONDS: '3600' });
    expect(strict.runtime.webhookWindow.limits).toEqual({ maxAgeMs: HOUR, maxAheadMs: 5 * MINUTE });
    const twoHoursOld = eventAt(START - 2 * HOUR);
    const answer = await post(strict.app, twoHoursOld);
    expect(answer.body.error?.message).toBe(
      "Timestamp: the event is 2 hours older than this server's clock; events older than 60 minutes are refused (replay protection).",
    );
    expect(await stored(twoHoursOld.Guid)).toBe(0);
    await strict.runtime.stop();
  });
});
