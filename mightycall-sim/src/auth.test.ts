// Token endpoint and bearer checks: grants, invalid_client, expiry, refresh, 401s, account isolation.
import { beforeEach, describe, expect, it } from 'vitest';
import { BASE, mintToken, obj } from '../test/support.js';
import { DEMO_API_KEY, DEMO_USER_KEY } from './accounts.js';
import { createManualClock, type ManualClock } from './clock.js';
import { createSimulator, type Simulator } from './simulator.js';

const CC_KEY = '0b7c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3';
let clock: ManualClock;
let sim: Simulator;

beforeEach(() => {
  clock = createManualClock(Date.parse('2026-03-02T12:00:00Z'));
  sim = createSimulator({
    clock,
    tokenTtlSeconds: 2,
    demo: { historyDays: 1 },
    accounts: [
      { apiKey: CC_KEY, product: 'contactCenter', orgKeys: ['thames'], historyDays: 1, adminUserKey: 'cc-admin-key' },
    ],
  });
});

function tokenRequest(
  body: Record<string, string>,
  apiKey: string | null = DEMO_API_KEY,
  type = 'application/x-www-form-urlencoded',
) {
  const headers: Record<string, string> = { 'content-type': type };
  if (apiKey !== null) headers['x-api-key'] = apiKey;
  return sim.app.request(`${BASE}/v4/auth/token`, {
    method: 'POST',
    headers,
    body: new URLSearchParams(body).toString(),
  });
}

function profile(token: string, apiKey: string | null = DEMO_API_KEY) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (apiKey !== null) headers['x-api-key'] = apiKey;
  return sim.app.request(`${BASE}/v4/api/profile`, { headers });
}

describe('POST /v4/auth/token', () => {
  it('issues a bearer token for the user key, with the configured expires_in', async () => {
    const response = await mintToken(sim);
    expect(response.status).toBe(200);
    const body = obj(await response.json());
    expect(body.token_type).toBe('bearer');
    expect(body.expires_in).toBe(2);
    expect(String(body.refresh_token)).toMatch(/[+/]/);
    const me = obj(obj(await (await profile(String(body.access_token))).json()).data);
    expect(me.extension).toBe('101');
    expect(me.role).toBe('admin');
  });

  it('accepts the extension as secret on classic accounts only', async () => {
    const byExtension = await mintToken(sim, DEMO_API_KEY, '104');
    expect(byExtension.status).toBe(200);
    const me = obj(obj(await (await profile(String(obj(await byExtension.json()).access_token))).json()).data);
    expect(me.extension).toBe('104');
    expect((await mintToken(sim, CC_KEY, '104')).status).toBe(400);
    expect((await mintToken(sim, CC_KEY, 'cc-admin-key')).status).toBe(200);
  });

  it('answers 400 invalid_client for wrong keys and a mismatched x-api-key header', async () => {
    const cases = [
      tokenRequest({ grant_type: 'client_credentials', client_id: DEMO_API_KEY, client_secret: 'nope' }),
      tokenRequest({ grant_type: 'client_credentials', client_id: 'unknown', client_secret: DEMO_USER_KEY }, 'unknown'),
      tokenRequest({ grant_type: 'client_credentials', client_id: DEMO_API_KEY, client_secret: DEMO_USER_KEY }, CC_KEY),
      tokenRequest({ grant_type: 'client_credentials', client_id: DEMO_API_KEY, client_secret: DEMO_USER_KEY }, null),
    ];
    for (const response of await Promise.all(cases)) {
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: 'invalid_client' });
    }
  });

  it('rejects unknown grant types, bad refresh tokens and JSON bodies', async () => {
    expect(await (await tokenRequest({ grant_type: 'password' })).json()).toEqual({ error: 'unsupported_grant_type' });
    expect(await (await tokenRequest({ grant_type: 'refresh_token', refresh_token: 'x' })).json()).toEqual({
      error: 'invalid_grant',
    });
    const json = await sim.app.request(`${BASE}/v4/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': DEMO_API_KEY },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: DEMO_API_KEY, client_secret: DEMO_USER_KEY }),
    });
    expect(json.status).toBe(400);
  });
});

describe('expiry and refresh', () => {
  it('a token expires after the TTL (401), and the refresh_token grant issues a working one', async () => {
    const first = obj(await (await mintToken(sim)).json());
    expect((await profile(String(first.access_token))).status).toBe(200);
    clock.advance(2001);
    const expired = await profile(String(first.access_token));
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ Message: 'Authorization has been denied for this request.' });

    const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: String(first.refresh_token) });
    expect(refreshed.status).toBe(200);
    const second = obj(await refreshed.json());
    expect(second.access_token).not.toBe(first.access_token);
    expect(obj(obj(await (await profile(String(second.access_token))).json()).data).extension).toBe('101');
    // Refresh tokens rotate: the spent one is refused.
    const again = await tokenRequest({ grant_type: 'refresh_token', refresh_token: String(first.refresh_token) });
    expect(await again.json()).toEqual({ error: 'invalid_grant' });
    // A refresh restarts the lifetime.
    clock.advance(1500);
    expect((await profile(String(second.access_token))).status).toBe(200);
    clock.advance(600);
    expect((await profile(String(second.access_token))).status).toBe(401);
  });

  it('expireTokens() invalidates access tokens of one account only', async () => {
    const demo = obj(await (await mintToken(sim)).json());
    const cc = obj(await (await mintToken(sim, CC_KEY, 'cc-admin-key')).json());
    expect(sim.control.expireTokens(DEMO_API_KEY)).toBe(1);
    expect((await profile(String(demo.access_token))).status).toBe(401);
    expect((await profile(String(cc.access_token), CC_KEY)).status).toBe(200);
  });
});

describe('bearer and x-api-key on /v4/api', () => {
  it('401 for a missing, malformed or unknown bearer', async () => {
    expect((await sim.app.request(`${BASE}/v4/api/calls`, { headers: { 'x-api-key': DEMO_API_KEY } })).status).toBe(
      401,
    );
    expect((await profile('not-a-token')).status).toBe(401);
    const basic = await sim.app.request(`${BASE}/v4/api/profile`, {
      headers: { authorization: 'Basic abc', 'x-api-key': DEMO_API_KEY },
    });
    expect(basic.status).toBe(401);
  });

  it('401 for a mismatched x-api-key, and for a missing one unless the account allows it', async () => {
    const token = String(obj(await (await mintToken(sim)).json()).access_token);
    expect((await profile(token, CC_KEY)).status).toBe(401);
    expect((await profile(token, null)).status).toBe(401);
    sim.control.updateSettings(DEMO_API_KEY, { requireApiKeyHeader: false });
    expect((await profile(token, null)).status).toBe(200);
    expect((await profile(token, CC_KEY)).status).toBe(401);
  });

  it('tokens are bound to their account: each sees only its own numbers', async () => {
    const demoToken = String(obj(await (await mintToken(sim)).json()).access_token);
    const ccToken = String(obj(await (await mintToken(sim, CC_KEY, 'cc-admin-key')).json()).access_token);
    const numbers = async (token: string, key: string) => {
      const response = await sim.app.request(`${BASE}/v4/api/phonenumbers`, {
        headers: { authorization: `Bearer ${token}`, 'x-api-key': key },
      });
      const data = obj(obj(await response.json()).data);
      return (data.phoneNumbers as Array<{ number: string }>).map((n) => n.number);
    };
    expect(await numbers(ccToken, CC_KEY)).toEqual(['+442079460311', '+442079460312']);
    expect((await numbers(demoToken, DEMO_API_KEY)).length).toBe(6);
  });

  it('ping needs no credentials; unknown paths are 404 once authenticated', async () => {
    expect((await sim.app.request(`${BASE}/v4/api/ping`)).status).toBe(200);
    const token = String(obj(await (await mintToken(sim)).json()).access_token);
    const unknown = await sim.app.request(`${BASE}/v4/api/users/me`, {
      headers: { authorization: `Bearer ${token}`, 'x-api-key': DEMO_API_KEY },
    });
    expect(unknown.status).toBe(404);
    const mixedCase = await sim.app.request(`${BASE}/V4/API/PhoneNumbers/`, {
      headers: { authorization: `Bearer ${token}`, 'x-api-key': DEMO_API_KEY },
    });
    expect(mixedCase.status).toBe(200);
  });
});
