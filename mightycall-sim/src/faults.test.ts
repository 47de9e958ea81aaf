// Fault injection over real HTTP: forced statuses for the next N requests, latency, drops, malformed bodies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_USER_KEY } from './accounts.js';
import { type RunningSimulator, startSimulator } from './simulator.js';

let sim: RunningSimulator;
let token: string;

async function call(path: string, apiKey = DEMO_API_KEY): Promise<Response> {
  return fetch(`${sim.url}/v4/api${path}`, { headers: { authorization: `Bearer ${token}`, 'x-api-key': apiKey } });
}

async function mint(): Promise<Response> {
  return fetch(`${sim.url}/v4/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-api-key': DEMO_API_KEY },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: DEMO_API_KEY,
      client_secret: DEMO_USER_KEY,
    }),
  });
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, demo: { historyDays: 1 } });
  token = ((await (await mint()).json()) as { access_token: string }).access_token;
});

afterAll(async () => {
  await sim.close();
});

describe('faults', () => {
  it('a status fault hits the next N matching requests only', async () => {
    sim.control.addFault({ path: '/calls*', kind: 'status', status: 500, times: 2 });
    const first = await call('/calls');
    expect(first.status).toBe(500);
    expect(await first.json()).toEqual({ message: 'An error has occurred.' });
    expect((await call('/phonenumbers')).status).toBe(200);
    expect((await call('/calls?pageSize=1')).status).toBe(500);
    expect((await call('/calls')).status).toBe(200);
    expect(sim.control.listFaults()).toEqual([]);
  });

  it('after lets the first N matching requests through, then hits', async () => {
    sim.control.addFault({ path: '/calls*', kind: 'status', status: 503, after: 2, times: 1 });
    expect((await call('/calls')).status).toBe(200);
    expect((await call('/phonenumbers')).status).toBe(200);
    expect((await call('/calls?pageSize=1')).status).toBe(200);
    expect((await call('/calls')).status).toBe(503);
    expect((await call('/calls')).status).toBe(200);
    expect(sim.control.listFaults()).toEqual([]);
    expect(() => sim.control.addFault({ path: '/calls', kind: 'status', after: -1 })).toThrow(/after/);
  });

  it('a 403 with a custom body, scoped to one api key and method', async () => {
    const rule = sim.control.addFault({
      path: '/team',
      method: 'GET',
      apiKey: DEMO_API_KEY,
      kind: 'status',
      status: 403,
      body: { message: 'Tenant with your role have no access to this method' },
    });
    expect((await call('/team')).status).toBe(403);
    expect((await call('/team')).status).toBe(403);
    expect(sim.control.listFaults()[0]?.hits).toBe(2);
    expect(sim.control.clearFaults(rule.id)).toBe(1);
    expect((await call('/team')).status).toBe(200);
  });

  it('latency delays the response', async () => {
    sim.control.addFault({ path: '/profile', kind: 'latency', latencyMs: 300, times: 1 });
    const started = Date.now();
    expect((await call('/profile')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    const quick = Date.now();
    await call('/profile');
    expect(Date.now() - quick).toBeLessThan(280);
  });

  it('drop destroys the socket: the client sees a network error', async () => {
    sim.control.addFault({ path: '/profile/status', kind: 'drop', times: 1 });
    await expect(call('/profile/status').then((r) => r.text())).rejects.toThrow();
    expect((await call('/profile/status')).status).toBe(200);
  });

  it('malformed truncates the JSON body but keeps the status', async () => {
    sim.control.addFault({ path: '/phonenumbers', kind: 'malformed', times: 1 });
    const broken = await call('/phonenumbers');
    expect(broken.status).toBe(200);
    const text = await broken.text();
    expect(text.startsWith('{"data":')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
    expect(JSON.parse(await (await call('/phonenumbers')).text())).toHaveProperty('isSuccess', true);
  });

  it('the token endpoint can fail too, and faults are managed over /_sim/faults', async () => {
    const added = await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/v4/auth/token', kind: 'status', status: 500, times: 1 }),
    });
    expect(added.status).toBe(201);
    const listed = (await (await fetch(`${sim.url}/_sim/faults`)).json()) as Array<{ remaining: number }>;
    expect(listed).toHaveLength(1);
    expect(listed[0]?.remaining).toBe(1);
    expect((await mint()).status).toBe(500);
    expect((await mint()).status).toBe(200);
    await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"path":"*","kind":"status"}',
    });
    expect((await call('/team')).status).toBe(500);
    expect(await (await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' })).json()).toEqual({ cleared: 1 });
    expect((await call('/team')).status).toBe(200);
    const bad = await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"path":"*","kind":"explode"}',
    });
    expect(bad.status).toBe(400);
  });
});
