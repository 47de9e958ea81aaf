// The /_sim HTTP control endpoints (and their /__sim alias), recording links, and in-process faults.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiClient, arr, BASE, obj, type WebhookSink, webhookSink } from '../test/support.js';
import { DEMO_API_KEY } from './accounts.js';
import { createManualClock, type ManualClock } from './clock.js';
import { createSimulator, type Simulator } from './simulator.js';

const SUNSET = '5e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b';
let clock: ManualClock;
let sim: Simulator;
let sink: WebhookSink;

async function ctl(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const response = await sim.app.request(`${BASE}/_sim${path}`, init);
  return { status: response.status, body: await response.json() };
}

beforeEach(async () => {
  clock = createManualClock(Date.parse('2026-06-01T14:00:00Z'));
  sim = createSimulator({ clock, demo: { historyDays: 1 } });
  sink = await webhookSink();
});

afterEach(async () => {
  await sim.close();
  await sink.close();
});

describe('/_sim accounts, settings, quota, usage, tokens', () => {
  it('adds an account that then works through the API, and removes it', async () => {
    const created = await ctl('POST', '/accounts', {
      apiKey: SUNSET,
      name: 'Sunset only',
      orgKeys: ['sunset'],
      historyDays: 2,
      quotaLimit: 3,
    });
    expect(created.status).toBe(201);
    const summary = obj(created.body);
    expect(summary.numbers).toEqual(['+13105550177', '+18005550199']);
    const admin = obj(arr(summary.users)[0]);
    expect(admin).toMatchObject({ extension: '107', role: 'admin' });
    expect(arr((await ctl('GET', '/accounts')).body)).toHaveLength(2);

    const api = await apiClient(sim, SUNSET, String(admin.userKey));
    expect((await api.get('/profile')).body).toMatchObject({ data: { extension: '107' } });
    await api.get('/team');
    await api.get('/team');
    expect((await api.get('/team')).status).toBe(429);
    const usage = obj((await ctl('GET', `/accounts/${SUNSET}/usage`)).body);
    expect(usage).toMatchObject({ quotaUsed: 3, quotaLimit: 3 });
    expect(obj(usage.byEndpoint)['GET /v4/api/team']).toBe(3);
    expect(obj((await ctl('PUT', `/accounts/${SUNSET}/quota`, { limit: 10 })).body).quotaLimit).toBe(10);
    expect((await api.get('/team')).status).toBe(200);

    expect((await ctl('POST', `/accounts/${SUNSET}/tokens/expire`)).body).toEqual({ expired: 1 });
    expect((await api.get('/team')).status).toBe(401);
    expect((await ctl('DELETE', `/accounts/${SUNSET}`)).body).toEqual({ removed: true });
    expect((await ctl('GET', `/accounts/${SUNSET}`)).status).toBe(404);
  });

  it('switches the journal envelope and enum casing per account', async () => {
    const api = await apiClient(sim);
    const patched = await ctl('PATCH', `/accounts/${DEMO_API_KEY}/settings`, {
      journalEnvelope: 'data',
      enumCase: 'pascal',
    });
    expect(obj(patched.body)).toMatchObject({ journalEnvelope: 'data', enumCase: 'pascal' });
    const body = obj((await api.get('/journal/requests?pageSize=5')).body);
    const requests = arr(obj(body.data).requests).map(obj);
    expect(requests).toHaveLength(5);
    expect(requests.every((r) => r.type === 'Call' && /^[A-Z]/.test(String(r.origin)))).toBe(true);
    expect((await ctl('PATCH', `/accounts/${DEMO_API_KEY}/settings`, { enumCase: 'shouty' })).status).toBe(400);
    expect((await ctl('PATCH', `/accounts/${DEMO_API_KEY}/settings`, { nope: true })).status).toBe(400);
    await ctl('PATCH', `/accounts/${DEMO_API_KEY}/settings`, { callByIdEnvelope: 'bare' });
    const id = String(requests[0]?.requestGuid);
    expect(obj((await api.get(`/calls/${id}`)).body).id).toBe(id);
  });

  it('answers 404 for unknown accounts and 400 for bad bodies; /__sim is an alias', async () => {
    expect((await ctl('GET', '/accounts/nope/usage')).status).toBe(404);
    const bad = await sim.app.request(`${BASE}/_sim/accounts`, {
      method: 'POST',
      body: '{oops',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect((await ctl('POST', '/accounts', { apiKey: DEMO_API_KEY })).status).toBe(400);
    const alias = await sim.app.request(`${BASE}/__sim/accounts/${DEMO_API_KEY}`);
    expect(obj(await alias.json()).apiKey).toBe(DEMO_API_KEY);
  });

  it('advances a manual clock and sets the token TTL', async () => {
    expect((await ctl('PUT', '/token-ttl', { seconds: 5 })).status).toBe(200);
    const api = await apiClient(sim);
    expect((await api.get('/profile')).status).toBe(200);
    expect(obj((await ctl('POST', '/clock/advance', { ms: 6000 })).body).now).toBe('2026-06-01T14:00:06.000Z');
    expect((await api.get('/profile')).status).toBe(401);
  });
});

describe('/_sim webhooks and scripted calls', () => {
  it('registers a URL, emits a scripted call, lists deliveries', async () => {
    const registered = await ctl('POST', `/accounts/${DEMO_API_KEY}/webhooks`, { url: sink.url });
    expect(registered).toEqual({ status: 201, body: { urls: [sink.url] } });
    await ctl('PATCH', `/accounts/${DEMO_API_KEY}/webhook-switches`, { repeatRinging: true });
    const emitted = await ctl('POST', `/accounts/${DEMO_API_KEY}/calls`, {
      kind: 'incoming',
      ringExtensions: ['102'],
      answeredBy: '102',
      talkSeconds: 90,
    });
    expect(emitted.status).toBe(201);
    const result = obj(emitted.body);
    expect(result.outcome).toBe('answered');
    expect(sink.received.map((e) => e.EventType)).toEqual([
      'IncomingCall',
      'IncomingCallRinging',
      'IncomingCallRinging',
      'IncomingCallConnected',
      'IncomingCallCompleted',
    ]);
    const deliveries = arr((await ctl('GET', `/deliveries?apiKey=${DEMO_API_KEY}`)).body).map(obj);
    expect(deliveries).toHaveLength(5);
    expect(deliveries.every((d) => d.status === 200 && d.callId === result.callId)).toBe(true);
    const api = await apiClient(sim);
    const call = obj(obj((await api.get(`/calls/${String(result.callId)}`)).body).data);
    expect(call.callStatus).toBe('Connected');
    expect(Number(call.duration)).toBe(96_000);
    expect((await ctl('POST', `/accounts/${DEMO_API_KEY}/calls`, { answeredBy: '999' })).status).toBe(400);
    expect(
      (await ctl('DELETE', `/accounts/${DEMO_API_KEY}/webhooks?url=${encodeURIComponent(sink.url)}`)).body,
    ).toEqual({ urls: [] });
  });
});

describe('recording links and in-process faults', () => {
  it('serves audio behind callRecord.uri; links expire when a TTL is set', async () => {
    sim.control.updateSettings(DEMO_API_KEY, { recordingLinkTtlMs: 60_000 });
    const api = await apiClient(sim);
    const calls = arr(obj(obj((await api.get('/calls?pageSize=100&callFilter=connected')).body).data).calls).map(obj);
    const uri = String(obj(calls[0]?.callRecord).uri);
    expect(uri.startsWith(`${BASE}/_sim/recordings/`)).toBe(true);
    const audio = await sim.app.request(uri);
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    expect(new TextDecoder().decode((await audio.arrayBuffer()).slice(0, 4))).toBe('RIFF');
    clock.advance(61_000);
    expect((await sim.app.request(uri)).status).toBe(403);
    const fresh = obj(obj((await api.get(`/calls/${String(calls[0]?.id)}`)).body).data);
    expect((await sim.app.request(String(obj(fresh.callRecord).uri))).status).toBe(200);
    expect((await sim.app.request(`${BASE}/_sim/recordings/unknown.wav`)).status).toBe(404);
  });

  it('the audio is a half-second tone and honours byte ranges (seeking)', async () => {
    const api = await apiClient(sim);
    const calls = arr(obj(obj((await api.get('/calls?pageSize=100&callFilter=connected')).body).data).calls).map(obj);
    const uri = String(obj(calls[0]?.callRecord).uri);
    const whole = new Uint8Array(await (await sim.app.request(uri)).arrayBuffer());
    const view = new DataView(whole.buffer);
    expect(view.getUint32(24, true)).toBe(8000); // sample rate
    expect(view.getUint32(40, true)).toBe(4000); // data bytes: 0.5 s of 8-bit mono
    expect(whole.length).toBe(44 + 4000);
    const samples = whole.slice(44);
    expect(Math.max(...samples) - Math.min(...samples)).toBeGreaterThan(100); // a tone, not silence
    const part = await sim.app.request(uri, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${whole.length}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(whole.slice(100, 200));
    const tail = await sim.app.request(uri, { headers: { range: 'bytes=-4' } });
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(whole.slice(-4));
    const beyond = await sim.app.request(uri, { headers: { range: 'bytes=99999-' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${whole.length}`);
  });

  it('a drop without a socket (app.request) fails while reading the body', async () => {
    sim.control.addFault({ path: '/team', kind: 'drop', times: 1 });
    const api = await apiClient(sim);
    await expect(api.get('/team')).rejects.toThrow();
    expect((await api.get('/team')).status).toBe(200);
  });
});
