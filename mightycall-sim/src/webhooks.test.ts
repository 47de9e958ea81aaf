// Webhooks captured by a local listener: documented sequences, envelope shape, switches, call state.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiClient, arr, obj, sequence, type WebhookSink, webhookSink } from '../test/support.js';
import { DEMO_API_KEY } from './accounts.js';
import { webhookEnvelopeSchema } from './conformance/notes-schemas.js';
import { Contract } from './conformance/validator.js';
import type { ScriptedCall } from './script.js';
import { createSimulator, type Simulator } from './simulator.js';

const contract = new Contract();
let sim: Simulator;
let sink: WebhookSink;

beforeEach(async () => {
  sim = createSimulator({ demo: { historyDays: 0 } });
  sink = await webhookSink();
  const registered = await sim.control.registerWebhook(DEMO_API_KEY, sink.url);
  expect(registered).toEqual({ ok: true, urls: [sink.url] });
});

afterEach(async () => {
  await sim.close();
  await sink.close();
});

async function play(script: ScriptedCall): Promise<string[]> {
  const result = await sim.control.emitCall(DEMO_API_KEY, script);
  const events = sink.received.filter((e) => e.Body.Id === result.callId);
  return sequence(events);
}

describe('documented sequences (API-NOTES 3.5)', () => {
  const cases: Array<[string, ScriptedCall, string[]]> = [
    [
      'incoming answered',
      { answeredBy: '101' },
      ['IncomingCall', 'IncomingCallRinging(101)', 'IncomingCallConnected(101)', 'IncomingCallCompleted(-)'],
    ],
    [
      'sequential hunt',
      { ringExtensions: ['101', '102'], answeredBy: '102' },
      [
        'IncomingCall',
        'IncomingCallRinging(101)',
        'IncomingCallStopRinging(101)',
        'IncomingCallRinging(102)',
        'IncomingCallConnected(102)',
        'IncomingCallCompleted(-)',
      ],
    ],
    [
      'unanswered',
      { ringExtensions: ['103'] },
      ['IncomingCall', 'IncomingCallRinging(103)', 'IncomingCallStopRinging(103)', 'IncomingCallCompleted(-)'],
    ],
    [
      'voicemail',
      { ringExtensions: ['101'], voicemail: true },
      ['IncomingCall', 'IncomingCallRinging(101)', 'IncomingCallStopRinging(101)', 'IncomingCallCompleted(-)'],
    ],
    [
      'group ring',
      { ringExtensions: [['101', '102', '103']], answeredBy: '102' },
      [
        'IncomingCall',
        'IncomingCallRinging(101)',
        'IncomingCallRinging(102)',
        'IncomingCallRinging(103)',
        'IncomingCallStopRinging(101)',
        'IncomingCallStopRinging(103)',
        'IncomingCallConnected(102)',
        'IncomingCallCompleted(-)',
      ],
    ],
    [
      'outgoing',
      { kind: 'outgoing', extension: '101', to: '+15557770000' },
      ['OutgoingCall(101)', 'OutgoingCallConnected(101)', 'OutgoingCallCompleted(101)'],
    ],
    [
      'outgoing, no answer',
      { kind: 'outgoing', extension: '104', answered: false },
      ['OutgoingCall(104)', 'OutgoingCallCompleted(104)'],
    ],
    [
      'outgoing to a colleague',
      { kind: 'outgoing', extension: '101', to: '105' },
      [
        'OutgoingCall(101)',
        'IncomingCallRinging(105)',
        'IncomingCallConnected(105)',
        'IncomingCallCompleted(105)',
        'OutgoingCallCompleted(-)',
      ],
    ],
    [
      'consultation (callback)',
      { kind: 'callback', ringExtensions: ['101'], answeredBy: '101', consultWith: '102' },
      [
        'CallbackCall',
        'CallbackCallRinging(101)',
        'CallbackCallConnected(101)',
        'IncomingCallRinging(102)',
        'IncomingCallConnected(102)',
        'IncomingCallCompleted(102)',
        'CallbackCallCompleted(-)',
      ],
    ],
    [
      'transfer (callback)',
      { kind: 'callback', ringExtensions: ['105'], answeredBy: '105', transferTo: '101' },
      [
        'CallbackCall',
        'CallbackCallRinging(105)',
        'CallbackCallConnected(105)',
        'IncomingCallRinging(101)',
        'CallbackCallCompleted(105)',
        'IncomingCallConnected(101)',
        'IncomingCallCompleted(101)',
        'CallbackCallCompleted(-)',
      ],
    ],
    [
      'transfer (incoming)',
      { answeredBy: '102', transferTo: '103' },
      [
        'IncomingCall',
        'IncomingCallRinging(102)',
        'IncomingCallConnected(102)',
        'IncomingCallRinging(103)',
        'IncomingCallCompleted(102)',
        'IncomingCallConnected(103)',
        'IncomingCallCompleted(103)',
        'IncomingCallCompleted(-)',
      ],
    ],
  ];
  for (const [name, script, expected] of cases) {
    it(name, async () => {
      expect(await play(script)).toEqual(expected);
    });
  }

  it('envelopes: same From/To/Id, unique Guids, ApiKey, ordered 7-digit Timestamps, valid JSON', async () => {
    const result = await sim.control.emitCall(DEMO_API_KEY, {
      from: '+15559371200',
      to: '+12125550142',
      ringExtensions: ['101', '102'],
      answeredBy: '102',
      transferTo: '103',
    });
    expect(sink.received).toEqual(result.events);
    for (const event of sink.received) {
      expect(contract.validateSchema('webhook', webhookEnvelopeSchema, event).errors).toEqual([]);
      expect(event.Body.From).toBe('+15559371200');
      expect(event.Body.To).toBe('+12125550142');
      expect(event.Body.Id).toBe(result.callId);
      expect(event.ApiKey).toBe(DEMO_API_KEY);
    }
    expect('Extension' in (sink.received[0]?.Body ?? {})).toBe(false);
    expect(new Set(sink.received.map((e) => e.Guid)).size).toBe(sink.received.length);
    const stamps = sink.received.map((e) => e.Timestamp);
    expect([...stamps].sort()).toEqual(stamps);
    expect(new Set(stamps).size).toBe(stamps.length);
    expect(sink.raw.every((body) => JSON.parse(body) !== null)).toBe(true);
  });

  it('widget calls carry the widget name in Body.From; outgoing-to-colleague the extension in Body.To', async () => {
    await sim.control.emitCall(DEMO_API_KEY, { widgetName: 'Website chat', answeredBy: '101' });
    await sim.control.emitCall(DEMO_API_KEY, { kind: 'outgoing', extension: '101', to: '105' });
    expect(sink.received[0]?.Body.From).toBe('Website chat');
    expect(sink.received.at(-1)?.Body).toMatchObject({ From: '+12125550141', To: '105' });
  });
});

describe('registration', () => {
  it('sends a validation POST with {} and refuses URLs that do not answer 2xx', async () => {
    expect(sink.raw).toEqual(['{}']);
    const failing = await webhookSink();
    failing.status = 500;
    const refused = await sim.control.registerWebhook(DEMO_API_KEY, failing.url);
    expect(refused.ok).toBe(false);
    expect(failing.raw).toEqual(['{}']);
    const unreachable = await sim.control.registerWebhook(DEMO_API_KEY, 'http://127.0.0.1:9/nothing');
    expect(unreachable.ok).toBe(false);
    await failing.close();
  });

  it('allows at most 10 URLs, and every URL gets every event', async () => {
    const extra = await webhookSink();
    for (let i = 0; i < 9; i++)
      expect((await sim.control.registerWebhook(DEMO_API_KEY, `${extra.url}?n=${i}`)).ok).toBe(true);
    expect(await sim.control.registerWebhook(DEMO_API_KEY, `${extra.url}?n=10`)).toEqual({
      ok: false,
      error: 'at most 10 webhook urls',
    });
    extra.raw.length = 0;
    await sim.control.emitCall(DEMO_API_KEY, { answeredBy: '101' });
    expect(sink.received).toHaveLength(4);
    expect(extra.received).toHaveLength(36);
    await extra.close();
  });
});

describe('robustness switches', () => {
  const answered: ScriptedCall = {
    id: '7df52a62-9db2-48cd-9ae4-7dec8203d822',
    ringExtensions: ['101', '102'],
    answeredBy: '102',
  };

  it('shuffle delivers out of order; Timestamps still give the true order', async () => {
    sim.control.setWebhookSwitches(DEMO_API_KEY, { shuffle: true });
    const result = await sim.control.emitCall(DEMO_API_KEY, answered);
    expect(sink.received.map((e) => e.Guid)).not.toEqual(result.events.map((e) => e.Guid));
    const byTime = [...sink.received].sort((a, b) => a.Timestamp.localeCompare(b.Timestamp));
    expect(byTime).toEqual(result.events);
  });

  it('duplicateRate resends with the same Guid; dropRate loses deliveries', async () => {
    sim.control.setWebhookSwitches(DEMO_API_KEY, { duplicateRate: 1 });
    const result = await sim.control.emitCall(DEMO_API_KEY, answered);
    expect(sink.received).toHaveLength(result.events.length * 2);
    expect(new Set(sink.received.map((e) => e.Guid)).size).toBe(result.events.length);
    sim.control.setWebhookSwitches(DEMO_API_KEY, { duplicateRate: 0, dropRate: 1 });
    const before = sink.received.length;
    await sim.control.emitCall(DEMO_API_KEY, { answeredBy: '103' });
    expect(sink.received).toHaveLength(before);
    expect(sim.control.deliveries(DEMO_API_KEY).filter((d) => d.dropped)).toHaveLength(4);
  });

  it('repeatRinging, agent-variant names and the voicemail typo', async () => {
    sim.control.setWebhookSwitches(DEMO_API_KEY, {
      repeatRinging: true,
      agentVariantNames: true,
      typoVoicemailEvent: true,
    });
    expect(await play({ ringExtensions: ['101'], voicemail: true })).toEqual([
      'IncomingCall',
      'IncomingCallAgentRinging(101)',
      'IncomingCallAgentRinging(101)',
      'IncomingStopRinging(101)',
      'IncomingCallCompleted(-)',
    ]);
  });

  it('retryOnNon2xx sends a failed delivery once more', async () => {
    sink.status = 503;
    await sim.control.emitCall(DEMO_API_KEY, { answeredBy: '101' });
    expect(sink.received).toHaveLength(4);
    sim.control.setWebhookSwitches(DEMO_API_KEY, { retryOnNon2xx: true });
    await sim.control.emitCall(DEMO_API_KEY, { answeredBy: '101' });
    expect(sink.received).toHaveLength(12);
    expect(sim.control.deliveries(DEMO_API_KEY).every((d) => d.status === 503)).toBe(true);
  });
});

describe('calls produced by webhooks land in the REST history', () => {
  it('in progress: /calls shows callStatus null and the journal hides it; completed: both show it', async () => {
    const api = await apiClient(sim);
    const result = await sim.control.emitCall(
      DEMO_API_KEY,
      { ringExtensions: ['101'], answeredBy: '101', ringSeconds: 0.2, talkSeconds: 0.4 },
      { realtime: true },
    );
    await sink.waitFor(2);
    const during = obj(obj((await api.get(`/calls/${result.callId}`)).body).data);
    expect(during.callStatus).toBeNull();
    expect(during.duration).toBeNull();
    expect((await api.get(`/journal/requests/${result.journalId}`)).status).toBe(404);
    await result.done;
    const after = obj(obj((await api.get(`/calls/${result.callId}`)).body).data);
    expect(after.callStatus).toBe('Connected');
    expect(Number(after.duration)).toBe(600);
    const journal = obj((await api.get(`/journal/requests/${result.journalId}`)).body);
    expect(journal.requestGuid).toBe(result.callId);
    expect(obj(journal.agent).extension).toBe('101');
    const listed = arr(obj((await api.get('/journal/requests?pageSize=5')).body).requests).map(obj);
    expect(listed[0]?.id).toBe(result.journalId);
  });
});
