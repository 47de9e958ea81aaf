// Live traffic: generator calls over a time-compressed sliding window, played as webhooks and stored.
import { demoTopology, generateCalls } from '@victorysync/datagen';
import { afterEach, describe, expect, it } from 'vitest';
import { apiClient, arr, obj, type WebhookSink, webhookSink } from '../test/support.js';
import { DEMO_API_KEY } from './accounts.js';
import { createSimulator, type Simulator } from './simulator.js';

let sim: Simulator | undefined;
let sink: WebhookSink | undefined;

afterEach(async () => {
  await sim?.close();
  await sink?.close();
});

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('live generator', () => {
  it('emits generator calls every few (compressed) seconds and appends them to the history', async () => {
    sim = createSimulator({ demo: { historyDays: 0 } });
    sink = await webhookSink();
    await sim.control.registerWebhook(DEMO_API_KEY, sink.url);
    const startedAt = Date.now();
    sim.control.startLive({ compression: 8 * 3600, tickMs: 100, durationScale: 0.002, volume: 3 });
    await until(
      () => sim?.control.liveStatus().started !== undefined && (sim?.control.liveStatus().started ?? 0) >= 3,
      10_000,
    );
    const stopped = sim.control.stopLive();
    expect(stopped.running).toBe(false);
    await until(() => sim?.control.liveStatus().completed === stopped.started, 10_000);

    const account = sim.accounts.require(DEMO_API_KEY);
    expect(account.calls).toHaveLength(stopped.started);
    // Every played call is a call of the shared generator in the window the live mode walked.
    const window = { seed: 42, from: new Date(startedAt - 1000), to: new Date(stopped.generatorTime ?? 0), volume: 3 };
    const generated = new Set([...generateCalls(demoTopology(), window)].map((g) => g.providerCallId));
    for (const call of account.calls) expect(generated.has(call.plan.id)).toBe(true);

    // Each call's webhooks arrived, ending with the extensionless (or outgoing) Completed.
    const finals = sink.received.filter(
      (e) => e.EventType.endsWith('Completed') && (e.Body.Extension === null || e.EventType.startsWith('Outgoing')),
    );
    expect(new Set(finals.map((e) => e.Body.Id))).toEqual(new Set(account.calls.map((c) => c.plan.id)));

    // A later sync finds them, completed, through /calls and the journal.
    const api = await apiClient(sim);
    const calls = arr(obj(obj((await api.get('/calls?pageSize=100')).body).data).calls).map(obj);
    expect(calls).toHaveLength(stopped.started);
    expect(calls.every((c) => ['Connected', 'Missed', 'VoiceMail'].includes(String(c.callStatus)))).toBe(true);
    const counts = obj((await api.get('/journal/requests/counts')).body);
    expect(counts.records).toBe(stopped.started);
  });

  it('can be started and stopped over /_sim/live', async () => {
    sim = createSimulator({ demo: { historyDays: 0 } });
    const start = await sim.app.request('http://sim.test/_sim/live/start', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ compression: 120, tickMs: 1000 }),
    });
    expect(obj(await start.json())).toMatchObject({ running: true, apiKey: DEMO_API_KEY, compression: 120 });
    expect(obj(await (await sim.app.request('http://sim.test/_sim/live')).json()).running).toBe(true);
    const stop = await sim.app.request('http://sim.test/_sim/live/stop', { method: 'POST' });
    expect(obj(await stop.json()).running).toBe(false);
    const bad = await sim.app.request('http://sim.test/_sim/live/start', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: 'nope' }),
    });
    expect(bad.status).toBe(400);
  });
});
