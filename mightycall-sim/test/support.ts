// Helpers for the simulator's tests: in-process requests with tokens, and a local webhook receiver.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_API_KEY, DEMO_USER_KEY } from '../src/accounts.js';
import type { Simulator } from '../src/simulator.js';
import type { WebhookEnvelope } from '../src/webhooks.js';

export const BASE = 'http://sim.test';

export async function mintToken(sim: Simulator, apiKey = DEMO_API_KEY, secret = DEMO_USER_KEY): Promise<Response> {
  return sim.app.request(`${BASE}/v4/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-api-key': apiKey },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: apiKey,
      client_secret: secret,
    }).toString(),
  });
}

export async function accessToken(sim: Simulator, apiKey = DEMO_API_KEY, secret = DEMO_USER_KEY): Promise<string> {
  const response = await mintToken(sim, apiKey, secret);
  if (response.status !== 200) throw new Error(`token request failed: ${response.status}`);
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

export interface ApiClient {
  get(path: string): Promise<{ status: number; body: unknown; headers: Headers }>;
  request(method: string, path: string): Promise<{ status: number; body: unknown; headers: Headers }>;
  token: string;
}

/** Authenticated calls to /v4/api (path relative to it, e.g. '/calls?pageSize=5'). */
export async function apiClient(sim: Simulator, apiKey = DEMO_API_KEY, secret = DEMO_USER_KEY): Promise<ApiClient> {
  const token = await accessToken(sim, apiKey, secret);
  const request = async (method: string, path: string) => {
    const response = await sim.app.request(`${BASE}/v4/api${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'x-api-key': apiKey, accept: 'application/json' },
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null, headers: response.headers };
  };
  return { get: (path) => request('GET', path), request, token };
}

/** Plain object access for test assertions on unknown JSON. */
export function obj(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`not an object: ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

export function arr(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new Error(`not an array: ${JSON.stringify(value)}`);
  return value;
}

export interface WebhookSink {
  url: string;
  received: WebhookEnvelope[];
  /** raw bodies, including the validation POST */
  raw: string[];
  /** status the sink answers with (default 200) */
  status: number;
  waitFor(count: number, timeoutMs?: number): Promise<WebhookEnvelope[]>;
  close(): Promise<void>;
}

/** A local HTTP listener that records every webhook POST. */
export async function webhookSink(): Promise<WebhookSink> {
  const sink: Omit<WebhookSink, 'url' | 'close'> = {
    received: [],
    raw: [],
    status: 200,
    waitFor: async (count, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      while (sink.received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} webhooks, got ${sink.received.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return sink.received;
    },
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      sink.raw.push(body);
      const parsed = JSON.parse(body) as Partial<WebhookEnvelope>;
      if (parsed.EventType !== undefined) sink.received.push(parsed as WebhookEnvelope);
      res.statusCode = sink.status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(sink, {
    url: `http://127.0.0.1:${port}/hooks/mightycall`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

/** The event sequence as "Type(ext)" strings; ext "-" for an explicit null, nothing when the key is absent. */
export function sequence(events: WebhookEnvelope[]): string[] {
  return events.map((e) => {
    if (!('Extension' in e.Body)) return e.EventType;
    return `${e.EventType}(${e.Body.Extension ?? '-'})`;
  });
}
