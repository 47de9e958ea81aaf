// Test helpers for the MightyCall module: an app with a configured runtime, served over HTTP for webhooks.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { DEMO_API_KEY, DEMO_USER_KEY, type Simulator } from '@victorysync/mightycall-sim';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import type { App, AppDeps } from '../../src/http/context.js';
import { createLogger } from '../../src/http/logger.js';
import type { MightyCallRuntime, RuntimeOptions } from '../../src/mightycall/runtime.js';
import { createServices } from '../../src/services.js';

type SimCall = ReturnType<Simulator['accounts']['require']>['calls'][number];

export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

export interface TestServer {
  app: App;
  deps: AppDeps;
  runtime: MightyCallRuntime;
  logs: string[];
}

/** An app over `database` whose MightyCall runtime takes the given options (clock, webhook cache…) and a fixed secret key. */
export function mightyCallApp(
  database: Database,
  options: RuntimeOptions = {},
  env: Record<string, string> = {},
): TestServer {
  const logs: string[] = [];
  const config = loadConfig({ VICTORYSYNC_LOG_LEVEL: 'info', VICTORYSYNC_SECRET_KEY: TEST_SECRET_KEY, ...env });
  const logger = createLogger(config.logLevel, (line) => {
    logs.push(line);
  });
  const deps = createServices({ config, database, logger }, { mightycall: { backoffBaseMs: 5, ...options } });
  const app = createApp(deps);
  return { app, deps, runtime: deps.mightycall, logs };
}

/** Listens on a free port, so the simulator can deliver webhooks. */
export async function listen(app: App): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            if ('closeAllConnections' in server) server.closeAllConnections();
          }),
      });
    });
  });
}

/** What a simulator call must look like in calls (the simulator's own record of it). */
export function expectedCallRow(call: SimCall) {
  const p = call.plan;
  const status = call.outcome === 'answered' ? 'answered' : call.outcome;
  return {
    direction: p.kind === 'outgoing' ? 'outbound' : 'inbound',
    status,
    business_number: p.businessNumber,
    external_number: p.client,
    started_at: new Date(p.startMs).toISOString(),
    answered_at: call.answeredMs === null ? null : new Date(call.answeredMs).toISOString(),
    ended_at: new Date(call.endedMs).toISOString(),
    agent_extension: p.kind === 'outgoing' ? p.caller : p.answeredBy,
    recording_ref: call.recordingId ? `mightycall:call:${p.id}` : null,
  };
}

/**
 * The calls of one provider (and account), by provider call id, with the business number's E.164 and the
 * timestamps as ISO strings.
 */
export async function providerCalls(database: Database, provider: string, account?: string) {
  let query = database.db
    .selectFrom('calls')
    .innerJoin('phone_numbers', 'phone_numbers.id', 'calls.business_number_id')
    .select([
      'calls.provider_call_id',
      'calls.direction',
      'calls.status',
      'phone_numbers.e164 as business_number',
      'calls.external_number',
      'calls.started_at',
      'calls.answered_at',
      'calls.ended_at',
      'calls.agent_extension',
      'calls.queue_name',
      'calls.recording_ref',
      'calls.raw',
      'calls.updated_at',
    ])
    .where('calls.provider', '=', provider);
  if (account !== undefined) query = query.where('calls.provider_account', '=', account);
  const rows = await query.execute();
  return new Map(
    rows.map((r) => [
      r.provider_call_id,
      {
        direction: r.direction,
        status: r.status,
        business_number: r.business_number,
        external_number: r.external_number,
        started_at: new Date(r.started_at).toISOString(),
        answered_at: r.answered_at ? new Date(r.answered_at).toISOString() : null,
        ended_at: new Date(r.ended_at).toISOString(),
        agent_extension: r.agent_extension,
        queue_name: r.queue_name,
        recording_ref: r.recording_ref,
        raw: r.raw,
        updated_at: new Date(r.updated_at).toISOString(),
      },
    ]),
  );
}

/** An account's MightyCall calls, by provider call id: the fields of `expectedCallRow`, and `updated_at`. */
export async function callRows(database: Database, account: string) {
  const calls = await providerCalls(database, 'mightycall', account);
  return new Map([...calls].map(([id, { queue_name: _queue, raw: _raw, ...row }]) => [id, row]));
}

/** The body that registers the simulator's demo account (provider account `sim-demo`) as a connection. */
export function demoConnectionBody(simUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Demo',
    host: 'custom',
    baseUrl: simUrl,
    apiKey: DEMO_API_KEY,
    userKey: DEMO_USER_KEY,
    providerAccount: 'sim-demo',
    ...extra,
  };
}

/** Registers a connection through the admin API, as a signed-in platform admin's client (it must answer 201). */
export async function registerConnection(
  admin: { json<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> },
  body: Record<string, unknown>,
): Promise<{ connectionId: string; hookPath: string }> {
  const created = await admin.json<{ connection: { id: string; webhookUrl: string } }>(
    '/api/admin/mightycall/connections',
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  if (created.status !== 201) {
    throw new Error(`registering the connection answered ${created.status}: ${JSON.stringify(created.body)}`);
  }
  const { id, webhookUrl } = created.body.connection;
  return { connectionId: id, hookPath: new URL(webhookUrl).pathname };
}
