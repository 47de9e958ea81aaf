// Determinism: the same seed and clock give the same data; the history is exactly the datagen stream.
import { demoTopology, generateCalls } from '@victorysync/datagen';
import { describe, expect, it } from 'vitest';
import { apiClient, arr, obj } from '../test/support.js';
import { DEMO_API_KEY } from './accounts.js';
import { createManualClock } from './clock.js';
import { createSimulator, type Simulator } from './simulator.js';

const NOW = Date.parse('2026-04-10T10:00:00Z');

function sim(seed: number, historyDays = 14): Simulator {
  return createSimulator({ clock: createManualClock(NOW), demo: { seed, historyDays } });
}

async function snapshot(s: Simulator): Promise<unknown[]> {
  const api = await apiClient(s);
  const paths = [
    '/calls?pageSize=500&startUtc=2026-04-01T00:00:00',
    '/journal/requests?pageSize=500&showUsers=true',
    '/journal/requests/counts',
    '/voicemails?pageSize=100',
    '/phonenumbers',
    '/team',
    '/profile/105',
  ];
  return Promise.all(paths.map(async (p) => (await api.get(p)).body));
}

describe('determinism', () => {
  it('generates the same calls for a span whether it is asked for whole or in pieces cut mid-hour', () => {
    const from = Date.parse('2026-04-06T08:00:00Z');
    const to = from + 2 * 86_400_000;
    const ids = (windows: Array<[number, number]>) =>
      windows.flatMap(([a, b]) =>
        [...generateCalls(demoTopology(), { seed: 42, from: new Date(a), to: new Date(b), volume: 3 })].map(
          (c) => c.providerCallId,
        ),
      );
    const whole = ids([[from, to]]);
    expect(whole.length).toBeGreaterThan(100);
    // Pieces of 48 minutes, as the live mode walks them (100 ms ticks at 8 h per second).
    const pieces: Array<[number, number]> = [];
    for (let a = from; a < to; a += 48 * 60_000) pieces.push([a, Math.min(to, a + 48 * 60_000)]);
    expect(new Set(ids(pieces))).toEqual(new Set(whole));
    expect(ids(pieces)).toHaveLength(whole.length);
  });

  it('same seed and clock → identical responses', async () => {
    expect(await snapshot(sim(7))).toEqual(await snapshot(sim(7)));
  });

  it('a different seed → different calls', async () => {
    const a = sim(7)
      .accounts.require(DEMO_API_KEY)
      .calls.map((c) => c.plan.id);
    const b = sim(8)
      .accounts.require(DEMO_API_KEY)
      .calls.map((c) => c.plan.id);
    expect(a.filter((id) => b.includes(id))).toEqual([]);
  });

  it('the default demo history is generateCalls(demoTopology(), {seed: 42, from: now − 60 d, to: now})', () => {
    const s = createSimulator({ clock: createManualClock(NOW) });
    const account = s.accounts.require(DEMO_API_KEY);
    const expected = [
      ...generateCalls(demoTopology(), { seed: 42, from: new Date(NOW - 60 * 86_400_000), to: new Date(NOW) }),
    ];
    expect(account.calls).toHaveLength(expected.length);
    const byId = new Map(account.calls.map((c) => [c.plan.id, c]));
    const status = { answered: 'answered', missed: 'missed', voicemail: 'voicemail' } as const;
    for (const g of expected) {
      const call = byId.get(g.providerCallId);
      expect(call).toBeDefined();
      if (!call) continue;
      expect(call.plan.startMs).toBe(g.startedAt.getTime());
      expect(call.endedMs).toBe(g.endedAt.getTime());
      expect(call.answeredMs).toBe(g.answeredAt ? g.answeredAt.getTime() : null);
      expect(call.outcome).toBe(status[g.status]);
      expect(call.plan.kind).toBe(g.direction === 'inbound' ? 'incoming' : 'outgoing');
      expect(call.plan.businessNumber).toBe(g.businessNumber);
      expect(call.plan.client).toBe(g.externalNumber);
      if (g.status === 'answered') {
        expect(g.direction === 'inbound' ? call.plan.answeredBy : call.plan.caller).toBe(g.agentExtension);
      }
    }
  });

  it('the generated call shows up in /calls exactly as the generator describes it', async () => {
    const s = sim(42, 2);
    const [g] = [
      ...generateCalls(demoTopology(), { seed: 42, from: new Date(NOW - 86_400_000), to: new Date(NOW) }),
    ].filter((c) => c.status === 'answered' && c.direction === 'inbound');
    if (!g) throw new Error('no answered inbound call in the window');
    const api = await apiClient(s);
    const call = obj(obj((await api.get(`/calls/${g.providerCallId}`)).body).data);
    expect(call).toMatchObject({
      id: g.providerCallId,
      businessNumber: g.businessNumber,
      direction: 'Incoming',
      callStatus: 'Connected',
      duration: String(g.endedAt.getTime() - g.startedAt.getTime()),
      caller: { phone: g.externalNumber },
    });
    expect(Date.parse(String(call.dateTimeUtc))).toBe(g.startedAt.getTime());
    const connected = arr(call.called)
      .map(obj)
      .filter((leg) => leg.isConnected === true);
    expect(connected.map((leg) => leg.extension)).toContain(g.agentExtension);
  });

  it('scripted calls with a fixed id produce the same webhook envelopes', async () => {
    const script = { id: '11111111-2222-4333-8444-555555555555', ringExtensions: ['101', '102'], answeredBy: '102' };
    const a = await sim(42, 0).control.emitCall(DEMO_API_KEY, script);
    const b = await sim(42, 0).control.emitCall(DEMO_API_KEY, script);
    expect(a.events).toEqual(b.events);
    expect(a.journalId).toBe(b.journalId);
  });
});
