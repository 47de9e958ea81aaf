// The MightyCall client against the simulator: tokens (2 s TTL, 401 re-mint), retries, 429, paging; adapter fixtures.
import {
  createManualClock,
  DEMO_API_KEY,
  DEMO_USER_KEY,
  type RunningSimulator,
  startSimulator,
} from '@victorysync/mightycall-sim';
import { Contract } from '@victorysync/mightycall-sim/contract';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MightyCallClient } from './client.js';
import { callFromCallsApi, callFromJournal } from './mapping.js';
import { CallSchema, RequestSchema } from './responses.js';
import { MightyCallError, QuotaDeferred } from './transport.js';

const START = Date.parse('2026-03-02T15:00:00Z');
const DAY = 86_400_000;

describe('MightyCall client against the simulator', () => {
  const clock = createManualClock(START);
  let sim: RunningSimulator;
  const requests: Array<{ path: string; status: number; grant: string | null }> = [];
  // Every attempt, failed ones as status 0.
  const recording: typeof fetch = async (input, init) => {
    const body = typeof init?.body === 'string' ? new URLSearchParams(init.body) : null;
    const entry = { path: new URL(String(input)).pathname, status: 0, grant: body?.get('grant_type') ?? null };
    requests.push(entry);
    const res = await fetch(input, init);
    entry.status = res.status;
    return res;
  };
  const client = (options: { userKey?: string; timeoutMs?: number; maxRetries?: number } = {}) =>
    new MightyCallClient(
      {
        baseUrl: `${sim.url}/v4/api`,
        apiKey: DEMO_API_KEY,
        userKey: options.userKey ?? DEMO_USER_KEY,
        account: 'sim-demo',
      },
      {
        budget: null,
        clock,
        fetch: recording,
        backoffBaseMs: 5,
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      },
    );

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, clock, tokenTtlSeconds: 2, demo: { historyDays: 3 } });
  });
  afterEach(() => {
    sim.control.clearFaults();
    sim.control.setJournalFormat(DEMO_API_KEY, { envelope: 'top', enumCase: 'camel' });
    requests.length = 0;
  });
  afterAll(async () => {
    await sim.close();
  });

  it('caches the token, refreshes it when its 2 s run out, and re-mints once on a 401', async () => {
    const c = client();
    await c.phoneNumbers('sync');
    await c.phoneNumbers('sync');
    expect(requests.filter((r) => r.grant).map((r) => r.grant)).toEqual(['client_credentials']);

    clock.advance(2500);
    await c.phoneNumbers('sync');
    expect(requests.filter((r) => r.grant).map((r) => r.grant)).toEqual(['client_credentials', 'refresh_token']);
    expect(requests.some((r) => r.status === 401)).toBe(false);

    // MightyCall drops the token early: one 401, one re-mint, the same request again.
    sim.control.expireTokens(DEMO_API_KEY);
    requests.length = 0;
    const numbers = await c.phoneNumbers('sync');
    expect(numbers.active.length).toBe(6);
    expect(requests.map((r) => `${r.status} ${r.grant ?? r.path}`)).toEqual([
      '401 /v4/api/phonenumbers',
      '200 refresh_token',
      '200 /v4/api/phonenumbers',
    ]);
  });

  it('falls back to client_credentials when the refresh token is refused', async () => {
    const c = client();
    await c.token('sync');
    clock.advance(2500);
    sim.control.addFault({
      path: '/v4/auth/token',
      kind: 'status',
      status: 400,
      body: { error: 'invalid_grant' },
      times: 1,
    });
    await c.phoneNumbers('sync');
    expect(requests.filter((r) => r.grant).map((r) => `${r.status} ${r.grant}`)).toEqual([
      '200 client_credentials',
      '400 refresh_token',
      '200 client_credentials',
    ]);
  });

  it('reports wrong keys as an auth error', async () => {
    await expect(client({ userKey: 'not-a-key' }).token('interactive')).rejects.toMatchObject({ kind: 'auth' });
  });

  it('backs off and retries 5xx, dropped connections, cut-off bodies and timeouts', async () => {
    const c = client({ timeoutMs: 300 });
    await c.token('sync');
    const faults = [
      { kind: 'status' as const, status: 500, first: 500 },
      { kind: 'drop' as const, first: 0 },
      { kind: 'malformed' as const, first: 200 },
      { kind: 'latency' as const, latencyMs: 1000, first: 0 },
    ];
    for (const { first, ...fault } of faults) {
      requests.length = 0;
      sim.control.addFault({ path: '/phonenumbers', times: 1, ...fault });
      expect((await c.phoneNumbers('sync')).active).toHaveLength(6);
      // one failed attempt (a cut-off body still says 200), then the answer
      expect(requests.map((r) => r.status)).toEqual([first, 200]);
    }
  });

  it('gives up after its retries with an http error', async () => {
    const c = client({ maxRetries: 2 });
    sim.control.addFault({ path: '/phonenumbers', kind: 'status', status: 503, times: 10 });
    const error = await c.phoneNumbers('sync').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MightyCallError);
    expect(requests.filter((r) => r.path.endsWith('/phonenumbers')).map((r) => r.status)).toEqual([503, 503, 503]);
  });

  it('stops at a 429 and reads when access reopens from the "Retry after" text', async () => {
    const c = client();
    await c.token('sync');
    const used = sim.control.usage(DEMO_API_KEY).quotaUsed;
    sim.control.setQuota(DEMO_API_KEY, { limit: used + 1 });
    try {
      await c.phoneNumbers('sync');
      const error = await c.phoneNumbers('sync').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QuotaDeferred);
      const resumeAt = (error as QuotaDeferred).resumeAt;
      expect(resumeAt).toBeGreaterThan(clock.now() + DAY - 60_000);
      expect(requests.filter((r) => r.status === 429)).toHaveLength(1);
    } finally {
      sim.control.setQuota(DEMO_API_KEY, { limit: 2500, reset: true });
    }
  });

  it('pages the journal until a short page, in either envelope and enum casing, with identical results', async () => {
    const c = client();
    const window = { fromMs: clock.now() - 2 * DAY, toMs: clock.now(), pageSize: 97, priority: 'sync' as const };
    const collect = async () => {
      const out = [];
      for await (const page of c.journal(window))
        for (const r of page.requests) out.push(callFromJournal(r, 'sim-demo', null));
      return out;
    };
    const camel = await collect();
    const summary = sim.control.getAccount(DEMO_API_KEY);
    const expected = sim.accounts
      .require(DEMO_API_KEY)
      .calls.filter((x) => x.outcome !== null && x.plan.startMs >= window.fromMs && x.plan.startMs <= window.toMs);
    expect(summary).toBeDefined();
    expect(camel).toHaveLength(expected.length);
    expect(new Set(camel.map((x) => x?.providerCallId)).size).toBe(expected.length);
    sim.control.setJournalFormat(DEMO_API_KEY, { envelope: 'data', enumCase: 'pascal' });
    const pascal = await collect();
    expect(pascal.map((x) => ({ ...x, raw: null }))).toEqual(camel.map((x) => ({ ...x, raw: null })));
  });

  it('pages /calls with skip/pageSize over a window', async () => {
    const c = client();
    const ids: string[] = [];
    for await (const page of c.calls({
      startMs: clock.now() - DAY,
      endMs: clock.now(),
      pageSize: 40,
      priority: 'sync',
    })) {
      ids.push(...page.map((x) => x.id));
    }
    const expected = sim.accounts
      .require(DEMO_API_KEY)
      .calls.filter((x) => x.plan.startMs >= clock.now() - DAY - 1000 && x.plan.startMs <= clock.now());
    expect(new Set(ids).size).toBe(ids.length);
    expect(Math.abs(ids.length - expected.length)).toBeLessThanOrEqual(1);
  });
});

describe('adapter fixtures (validated against swagger-v4.json with the notes’ relaxations)', () => {
  const contract = new Contract();

  it('maps a /calls/{id} Call with ms duration and a +00:00 timestamp', () => {
    const body = {
      data: {
        id: '5b0d1a2c-3f4e-4a5b-8c6d-7e8f9a0b1c2d',
        caller: { phone: '+15559371200' },
        called: [
          { isConnected: false, isFirstConnected: false, name: 'Maya Chen', extension: '101' },
          { isConnected: true, isFirstConnected: true, name: 'Luis Ortega', extension: '102' },
        ],
        businessNumber: '+12125550141',
        dateTimeUtc: '2026-03-02T14:00:00.250+00:00',
        duration: '83066',
        direction: 'Incoming',
        callStatus: 'Connected',
        callRecord: { fileName: 'callrecord.wav', uri: 'https://panel.example/Files/callrecord.wav?recordid=1' },
        somethingNew: 'tolerated',
      },
      isSuccess: true,
    };
    expect(contract.validateResponse('get', '/calls/{id}', 200, body).errors).toEqual([]);
    const call = callFromCallsApi(CallSchema.parse(body.data), 'acct', Date.parse('2026-03-02T14:00:12.250Z'));
    expect(call).toMatchObject({
      providerCallId: '5b0d1a2c-3f4e-4a5b-8c6d-7e8f9a0b1c2d',
      direction: 'inbound',
      status: 'answered',
      businessNumber: '+12125550141',
      externalNumber: '+15559371200',
      startedAt: new Date('2026-03-02T14:00:00.250Z'),
      answeredAt: new Date('2026-03-02T14:00:12.250Z'),
      endedAt: new Date('2026-03-02T14:01:23.316Z'),
      agentExtension: '102',
      recordingRef: 'mightycall:call:5b0d1a2c-3f4e-4a5b-8c6d-7e8f9a0b1c2d',
    });
  });

  it('maps a PascalCase journal request with hh:mm:ss duration and 6-digit respondedAt', () => {
    const request = {
      id: '5d565c298558e7cce8d7b8e0',
      requestGuid: '0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f',
      state: 'VoiceMail',
      client: { address: '+442079460999', type: 'PhoneNumber', callerKind: 'Default' },
      type: 'Call',
      created: '2026-03-02T09:15:00.1234567Z',
      businessNumber: { number: '+442079460311', label: 'Thames lettings' },
      origin: 'Inbound',
      duration: '00:01:05',
    };
    const envelope = { currentPage: 1, requests: [request] };
    expect(contract.validateResponse('get', '/journal/requests', 200, envelope).errors).toEqual([]);
    expect(callFromJournal(RequestSchema.parse(request), 'acct', request)).toMatchObject({
      providerCallId: '0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f',
      direction: 'inbound',
      status: 'voicemail',
      externalNumber: '+442079460999',
      startedAt: new Date('2026-03-02T09:15:00.123Z'),
      answeredAt: null,
      endedAt: new Date('2026-03-02T09:16:05.123Z'),
      agentExtension: null,
    });
  });
});
