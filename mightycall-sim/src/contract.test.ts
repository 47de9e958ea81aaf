// Contract tests: every simulator response the client uses validates against contract/swagger-v4.json.
import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, apiClient, arr, BASE, mintToken, obj } from '../test/support.js';
import { DEMO_API_KEY } from './accounts.js';
import {
  authDeniedSchema,
  oauthErrorSchema,
  quotaExceededSchema,
  tokenResponseSchema,
} from './conformance/notes-schemas.js';
import { Contract } from './conformance/validator.js';
import { createSimulator, type Simulator } from './simulator.js';

const contract = new Contract();
const WRAPPED_JOURNAL = 'API.HttpService.Models.Common.OkDataResponse[Infratel.JournalLibrary.Models.RequestListModel]';
/** Production-only PhoneNumber fields (API-NOTES 2.4); nothing else may be undeclared. */
const PHONE_EXTRAS =
  /^\.data\.(phoneNumbers|deletedPhoneNumbers)\[\d+\]\.(objectGuid|doNotOriginate|whenDeleted)$|^\.data\.(objectGuid|doNotOriginate|whenDeleted)$/;

function expectContract(method: string, path: string, status: number, response: { status: number; body: unknown }) {
  expect(response.status).toBe(status);
  const result = contract.validateResponse(method, path, status, response.body);
  expect(result.errors).toEqual([]);
  const extra = contract.undeclared(contract.responseSchema(method, path, status), response.body);
  expect(extra.filter((p) => !PHONE_EXTRAS.test(p))).toEqual([]);
}

let sim: Simulator;
let api: ApiClient;

beforeAll(async () => {
  sim = createSimulator({ demo: { historyDays: 3 } });
  const emit = sim.control.emitCall.bind(sim.control, DEMO_API_KEY);
  await emit({ kind: 'incoming', ringExtensions: ['101', '102'], answeredBy: '102', transferTo: '103' });
  await emit({ kind: 'incoming', widgetName: 'Website chat', answeredBy: '101', consultWith: '102' });
  await emit({ kind: 'incoming', ringExtensions: [['101', '102']], voicemail: true });
  await emit({ kind: 'outgoing', extension: '101', to: '105' });
  await emit({ kind: 'outgoing', extension: '102', to: '+15557770000', answered: false });
  await emit({ kind: 'callback', ringExtensions: ['101'], answeredBy: '101' });
  api = await apiClient(sim);
});

describe('the validator itself (API-NOTES 0.3)', () => {
  it('passes every Swagger example under the relaxations except GET /contacts/tags', () => {
    const failing = contract
      .examples()
      .filter((ex) => !contract.validateResponse(ex.method, ex.path, ex.status, ex.example).valid)
      .map((ex) => `${ex.method.toUpperCase()} ${ex.path} ${ex.status}`);
    expect(contract.examples()).toHaveLength(169);
    expect(failing).toEqual(['GET /contacts/tags 200']);
  });

  it('fails many examples without the relaxations, so they are really in effect', () => {
    const strict = new Contract(undefined, false);
    const failing = strict
      .examples()
      .filter((ex) => !strict.validateResponse(ex.method, ex.path, ex.status, ex.example).valid);
    expect(failing.length).toBeGreaterThanOrEqual(20);
    expect(contract.validateDefinition('API.HttpService.Entities.Call', { id: 1 }).valid).toBe(false);
    expect(contract.validateDefinition('Infratel.JournalLibrary.Models.RequestModel', { state: 'bogus' }).valid).toBe(
      false,
    );
  });
});

describe('CRM endpoints', () => {
  it('GET /ping needs no auth', async () => {
    const response = await sim.app.request(`${BASE}/v4/api/ping`);
    const body = await response.json();
    expectContract('get', '/ping', 200, { status: response.status, body });
    expect(body).toEqual({ data: '3', isSuccess: true });
  });

  it('GET /phonenumbers and /phonenumbers/{phoneNumber}', async () => {
    expectContract('get', '/phonenumbers', 200, await api.get('/phonenumbers'));
    expectContract('get', '/phonenumbers/{phoneNumber}', 200, await api.get('/phonenumbers/2125550142'));
    expectContract('get', '/phonenumbers/{phoneNumber}', 400, await api.get('/phonenumbers/99999'));
  });

  it('GET /calls (every call kind) and its 400', async () => {
    const response = await api.get('/calls?pageSize=2000&startUtc=2000-01-01T00:00:00');
    expectContract('get', '/calls', 200, response);
    const calls = arr(obj(obj(response.body).data).calls).map(obj);
    expect(new Set(calls.map((c) => c.callStatus))).toEqual(new Set(['Connected', 'Missed', 'VoiceMail']));
    expect(new Set(calls.map((c) => c.direction))).toEqual(new Set(['Incoming', 'Outgoing']));
    expect(calls.some((c) => c.callRecord !== null)).toBe(true);
    expectContract('get', '/calls', 400, await api.get('/calls?pageSize=abc'));
  });

  it('GET /calls/{id}: envelope, and 400 "Call not found"', async () => {
    const list = await api.get('/calls?pageSize=1');
    const id = String(obj(arr(obj(obj(list.body).data).calls)[0]).id);
    expectContract('get', '/calls/{id}', 200, await api.get(`/calls/${id}`));
    const missing = await api.get('/calls/00000000-0000-0000-0000-000000000000');
    expectContract('get', '/calls/{id}', 400, missing);
    expect(missing.body).toEqual({ message: 'Call not found' });
  });

  it('GET /profile, /profile/{extension}, /profile/status, PUT /profile/status/{status}', async () => {
    expectContract('get', '/profile', 200, await api.get('/profile'));
    expectContract('get', '/profile/{extension}', 200, await api.get('/profile/104'));
    expectContract('get', '/profile/{extension}', 400, await api.get('/profile/999'));
    expectContract('get', '/profile/status', 200, await api.get('/profile/status'));
    expectContract('put', '/profile/status/{status}', 200, await api.request('PUT', '/profile/status/dnd'));
    expectContract('put', '/profile/status/{status}', 400, await api.request('PUT', '/profile/status/busy'));
    expect(obj(obj((await api.get('/profile/status')).body).data).status).toBe('dnd');
    await api.request('PUT', '/profile/status/available');
  });

  it('GET /team (unwrapped, no extensions)', async () => {
    const response = await api.get('/team');
    expectContract('get', '/team', 200, response);
    expect(JSON.stringify(response.body)).not.toContain('extension');
  });

  it('GET /voicemails and /voicemails/{id}', async () => {
    const list = await api.get('/voicemails?pageSize=50');
    expectContract('get', '/voicemails', 200, list);
    const id = String(obj(arr(obj(obj(list.body).data).voicemails)[0]).id);
    expectContract('get', '/voicemails/{id}', 200, await api.get(`/voicemails/${id}`));
    expectContract('get', '/voicemails/{id}', 400, await api.get('/voicemails/nope'));
    expectContract('get', '/voicemails', 400, await api.get('/voicemails?voicemailFilter=Bogus'));
  });
});

describe('journal endpoints, both envelopes and both casings', () => {
  for (const enumCase of ['camel', 'pascal'] as const) {
    it(`GET /journal/requests top-level and data-wrapped (${enumCase})`, async () => {
      sim.control.setJournalFormat(DEMO_API_KEY, { envelope: 'top', enumCase });
      const top = await api.get('/journal/requests?pageSize=1000&showUsers=true');
      expectContract('get', '/journal/requests', 200, top);
      const requests = arr(obj(top.body).requests).map(obj);
      const states = new Set(requests.map((r) => r.state));
      expect(states).toEqual(
        enumCase === 'camel'
          ? new Set(['connected', 'missed', 'voiceMail', 'noAnswer'])
          : new Set(['Connected', 'Missed', 'VoiceMail', 'NoAnswer']),
      );
      expect(requests.some((r) => r.voicemail !== undefined && r.recording === undefined)).toBe(true);

      sim.control.setJournalFormat(DEMO_API_KEY, { envelope: 'data' });
      const wrapped = await api.get('/journal/requests?pageSize=1000&showUsers=true');
      expect(wrapped.status).toBe(200);
      // Departure: the prose's {data:{currentPage,requests}} has no operation schema; its definition is used.
      expect(contract.validateDefinition(WRAPPED_JOURNAL, wrapped.body).errors).toEqual([]);
      expect(obj(obj(wrapped.body).data).requests).toEqual(requests);

      const id = String(requests[0]?.id);
      expectContract('get', '/journal/requests/{requestId}', 200, await api.get(`/journal/requests/${id}`));
    });
  }

  it('journal errors: unknown filter, pageSize > 1000, bad id, unknown id', async () => {
    sim.control.setJournalFormat(DEMO_API_KEY, { envelope: 'top', enumCase: 'camel' });
    const unknown = await api.get('/journal/requests?someUnknownFilter=1');
    expectContract('get', '/journal/requests', 400, unknown);
    expect(unknown.body).toEqual({
      data: { unsupportedFilters: ['someUnknownFilter'] },
      errorCode: 'FilterParamsMalformed',
      message: 'Filter params malformed',
    });
    expectContract('get', '/journal/requests', 400, await api.get('/journal/requests?pageSize=1001'));
    expectContract('get', '/journal/requests/{requestId}', 400, await api.get('/journal/requests/xyz'));
    expectContract(
      'get',
      '/journal/requests/{requestId}',
      404,
      await api.get('/journal/requests/aaaaaaaaaaaaaaaaaaaaaaaa'),
    );
  });

  it('GET /journal/requests/counts and its 400', async () => {
    expectContract('get', '/journal/requests/counts', 200, await api.get('/journal/requests/counts'));
    expectContract('get', '/journal/requests/counts', 400, await api.get('/journal/requests/counts?page=2'));
  });
});

describe('responses the Swagger has no schema for (checked against the notes)', () => {
  it('token 200 and invalid_client', async () => {
    const ok = await mintToken(sim);
    expect(contract.validateSchema('token', tokenResponseSchema, await ok.json()).errors).toEqual([]);
    const bad = await mintToken(sim, DEMO_API_KEY, 'wrong');
    expect(bad.status).toBe(400);
    expect(contract.validateSchema('oauth', oauthErrorSchema, await bad.json()).errors).toEqual([]);
  });

  it('401 and 429 bodies', async () => {
    const denied = await sim.app.request(`${BASE}/v4/api/calls`, { headers: { 'x-api-key': DEMO_API_KEY } });
    expect(denied.status).toBe(401);
    expect(contract.validateSchema('401', authDeniedSchema, await denied.json()).errors).toEqual([]);
    sim.control.setQuota(DEMO_API_KEY, { limit: 0 });
    const limited = await api.get('/profile');
    expect(limited.status).toBe(429);
    expect(contract.validateSchema('429', quotaExceededSchema, limited.body).errors).toEqual([]);
    // Departure: the Swagger documents 429 only for messages/send; the body matches that schema.
    expect(contract.validateResponse('post', '/messages/send', 429, limited.body).errors).toEqual([]);
    sim.control.setQuota(DEMO_API_KEY, { limit: 2500, reset: true });
  });
});
