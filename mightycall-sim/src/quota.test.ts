// Daily quota: 429 with the documented "Retry after" text and a Retry-After header; rolling window; counters.
import { describe, expect, it } from 'vitest';
import { apiClient, BASE } from '../test/support.js';
import { DEMO_API_KEY } from './accounts.js';
import { createManualClock } from './clock.js';
import { DAY_MS, DEFAULT_DAILY_QUOTA } from './quota.js';
import { createSimulator } from './simulator.js';

const OTHER = 'f0e1d2c3-b4a5-4968-8776-655443322110';

describe('per-api-key daily quota', () => {
  it('defaults to 2500 requests', () => {
    const sim = createSimulator({ demo: { historyDays: 0 } });
    expect(sim.control.usage(DEMO_API_KEY).quotaLimit).toBe(DEFAULT_DAILY_QUOTA);
    expect(DEFAULT_DAILY_QUOTA).toBe(2500);
  });

  it('answers 429 with "Retry after <7-digit time> UTC" and Retry-After once spent, then reopens after 24 h', async () => {
    const start = Date.parse('2026-05-04T08:00:00Z');
    const clock = createManualClock(start);
    const sim = createSimulator({ clock, tokenTtlSeconds: 3 * 86_400, demo: { historyDays: 0, quotaLimit: 5 } });
    const api = await apiClient(sim);
    for (let i = 0; i < 5; i++) {
      expect((await api.get('/profile')).status).toBe(200);
      clock.advance(60_000);
    }
    const limited = await api.get('/phonenumbers');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ message: 'Too many requests. Retry after 2026-05-05T08:00:00.0000000 UTC' });
    expect(Number(limited.headers.get('retry-after'))).toBe(DAY_MS / 1000 - 5 * 60);
    // Ping and token requests are not counted (they carry no bearer); the quota stays closed.
    expect((await sim.app.request(`${BASE}/v4/api/ping`)).status).toBe(200);
    // The rolling window frees the first request's slot exactly 24 h after it.
    clock.set(start + DAY_MS - 1);
    expect((await api.get('/profile')).status).toBe(429);
    clock.set(start + DAY_MS);
    expect((await api.get('/profile')).status).toBe(200);
    expect((await api.get('/profile')).status).toBe(429);
    const usage = sim.control.usage(DEMO_API_KEY);
    expect(usage.quotaUsed).toBe(5);
    expect(usage.byStatus['429']).toBe(3);
    expect(usage.byEndpoint['GET /v4/api/profile']).toBe(8);
    expect(usage.byEndpoint['POST /v4/auth/token']).toBe(1);
  });

  it('is counted per api key, and setQuota changes or resets it', async () => {
    const sim = createSimulator({
      demo: { historyDays: 0, quotaLimit: 2 },
      accounts: [{ apiKey: OTHER, historyDays: 0, quotaLimit: 2 }],
    });
    const demo = await apiClient(sim);
    const other = await apiClient(sim, OTHER, sim.control.getAccount(OTHER)?.users[0]?.userKey);
    await demo.get('/team');
    await demo.get('/team');
    expect((await demo.get('/team')).status).toBe(429);
    expect((await other.get('/team')).status).toBe(200);
    sim.control.setQuota(DEMO_API_KEY, { reset: true });
    expect((await demo.get('/team')).status).toBe(200);
    sim.control.setQuota(DEMO_API_KEY, { limit: 10 });
    expect((await demo.get('/team')).status).toBe(200);
    expect(sim.control.usage(DEMO_API_KEY).quotaUsed).toBe(2);
    expect(sim.control.usage(OTHER).quotaUsed).toBe(1);
  });

  it('counts requests refused with 401 against nothing but the counters', async () => {
    const sim = createSimulator({ demo: { historyDays: 0, quotaLimit: 1 } });
    const bad = await sim.app.request(`${BASE}/v4/api/calls`, {
      headers: { authorization: 'Bearer nope', 'x-api-key': DEMO_API_KEY },
    });
    expect(bad.status).toBe(401);
    const usage = sim.control.usage(DEMO_API_KEY);
    expect(usage.quotaUsed).toBe(0);
    expect(usage.byStatus['401']).toBe(1);
    const api = await apiClient(sim);
    expect((await api.get('/calls')).status).toBe(200);
  });
});
