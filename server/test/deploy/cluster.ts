// The deployment under test: deploy/nginx.conf run by nginx (TLS, a temp prefix) in front of two real server
// processes (server/src/main.ts, as `npm start` runs it) on one PostgreSQL schema, and the MightyCall simulator.
// Requests come from 127.0.0.9 (the "client machine"); nginx reaches the servers from 127.0.0.1, the only
// trusted proxy. The test plays MightyCall's webhook sender: it retries an event until it is acknowledged.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEMO_API_KEY,
  type EmitResult,
  type RunningSimulator,
  startSimulator,
  type WebhookEnvelope,
} from '@victorysync/mightycall-sim';
import pg from 'pg';
import { describe } from 'vitest';
import {
  findNginx,
  freePorts,
  type RunningNginx,
  renderSite,
  SITE_FILE,
  selfSignedCertificate,
  startNginx,
} from '../../../deploy/nginx.js';
import {
  ADMIN,
  createSchema,
  SECRET_KEY,
  type ServerProcess,
  startServer,
  waitFor,
  waitHealthy,
} from '../faults/helpers.js';
import { demoConnectionBody } from '../support/mightycall.js';
import { type Answer, type ClientOptions, type RequestInit, request } from './client.js';
import { service } from './unit.js';

export const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Why this machine cannot run the deployment tests, or null when it can: they need the PostgreSQL server the
 * suite is pointed at (TEST_DATABASE_URL, as .ci/run sets it) and, behind nginx, Debian's nginx.
 */
export function deploySkipReason(needs: { nginx: boolean }): string | null {
  if (!process.env.TEST_DATABASE_URL) return 'skipped: TEST_DATABASE_URL is not set';
  if (needs.nginx && !findNginx()) return 'skipped: nginx is not installed (apt-get install nginx-light)';
  return null;
}

/** describe() for a deployment test, skipped with the reason in its title where the machine cannot run it. */
export function describeDeploy(title: string, needs: { nginx: boolean }, body: () => void): void {
  const reason = deploySkipReason(needs);
  if (reason) describe.skip(`${title} (${reason})`, body);
  else describe(title, body);
}
export const METRICS_TOKEN = 'deploy-test-metrics-token-0123456789';
export const CLIENT_ADDRESS = '127.0.0.9';
export const NUMBERS = ['+12125550141', '+12125550142'];
const DAY_MS = 86_400_000;

export interface ClusterOptions {
  /** the live location's proxy_read_timeout (default: the file's) */
  liveReadTimeout?: string;
  /** extra environment of both server processes */
  env?: Record<string, string>;
}

export interface Cluster {
  sim: RunningSimulator;
  /** the PostgreSQL schema (also the servers' application_name) */
  schema: string;
  nginx: RunningNginx;
  /** the two processes; restart() replaces an entry */
  servers: ServerProcess[];
  /** https://localhost:<port>, through nginx */
  base: string;
  /** the plain-HTTP listener (redirects to https) */
  httpPort: number;
  client: ClientOptions;
  cookie: string;
  orgId: string;
  connectionId: string;
  hookPath: string;
  /** through nginx, as the signed-in admin (cookie and origin) unless headers say otherwise */
  api(path: string, init?: RequestInit): Promise<Answer>;
  /** starts process `i` again on its port (after it stopped or was killed) */
  restart(i: number): Promise<void>;
  /** the simulator's events for `count` new calls to NUMBERS, shuffled */
  emitCalls(count: number, tag: string): Promise<{ calls: EmitResult[]; events: WebhookEnvelope[] }>;
  /** POSTs one webhook event through nginx until acknowledged; the statuses of the failed attempts */
  deliver(event: WebhookEnvelope): Promise<number[]>;
  /** rows of calls per provider call id, read straight from the database */
  callCounts(): Promise<Map<string, number>>;
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const sim = await startSimulator({ port: 0, demo: { historyDays: 0 } });
  // Only webhooks (and GET /calls/{id}) bring calls in: the journal sync is down for the whole test.
  sim.control.addFault({ path: '/journal/requests', kind: 'status', status: 500 });
  const schema = await createSchema(DATABASE_URL);
  const pool = new pg.Pool({ connectionString: schema.url, max: 2 });
  const dir = await mkdtemp(join(tmpdir(), 'vs-deploy-'));
  const cert = await selfSignedCertificate(dir);
  const [httpPort, tlsPort, port1, port2] = (await freePorts(4)) as [number, number, number, number];
  const base = `https://localhost:${tlsPort}`;
  const ports = [port1, port2];
  // As systemd starts victorysync@1 and @2: the unit's command and environment, the environment file's settings,
  // with this test's database, ports, public URL and secrets in place of the production ones.
  const spawnServer = (i: number) => {
    const unit = service(String(i + 1));
    const port = ports[i] ?? 0;
    const env = {
      ...unit.env,
      PORT: String(port),
      DATABASE_URL: schema.url,
      VICTORYSYNC_SECRET_KEY: SECRET_KEY,
      VICTORYSYNC_PUBLIC_URL: base,
      VICTORYSYNC_METRICS_TOKEN: METRICS_TOKEN,
      VICTORYSYNC_LOG_LEVEL: 'warn',
      ...options.env,
    };
    return startServer({ port, databaseUrl: schema.url, env, args: unit.args });
  };
  const servers: ServerProcess[] = [];
  for (const i of [0, 1]) {
    const server = spawnServer(i);
    await waitHealthy(server);
    servers.push(server);
  }
  const site = renderSite(readFileSync(SITE_FILE, 'utf8'), {
    backends: ports.map((p) => `127.0.0.1:${p}`),
    httpPort,
    tls: { port: tlsPort, certificate: cert.certificate, key: cert.key },
    ...(options.liveReadTimeout ? { liveReadTimeout: options.liveReadTimeout } : {}),
  });
  const nginx = await startNginx(site, tlsPort);
  const client: ClientOptions = { ca: cert.pem, localAddress: CLIENT_ADDRESS };

  let cookie = '';
  const api = (path: string, init: RequestInit = {}) => {
    const headers: Record<string, string> = { ...(cookie ? { cookie } : {}), ...init.headers };
    if (init.method && init.method !== 'GET') headers.origin ??= base;
    return request(`${base}${path}`, { ...init, headers }, client);
  };
  const post = (path: string, body: unknown) =>
    api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  const login = await post('/api/auth/login', ADMIN);
  if (login.status !== 200) throw new Error(`login through nginx: ${login.status} ${login.text}`);
  const setCookie = login.headers['set-cookie']?.[0] ?? '';
  cookie = setCookie.split(';')[0] ?? '';

  const org = await post('/api/admin/orgs', { name: 'Deployed Co', timezone: 'UTC' });
  const orgId = org.json<{ org: { id: string } }>().org.id;
  const ids: string[] = [];
  for (const number of NUMBERS) {
    ids.push(
      (await post('/api/admin/phone-numbers', { number })).json<{ phoneNumber: { id: string } }>().phoneNumber.id,
    );
  }
  const assigned = await post(`/api/admin/orgs/${orgId}/phone-numbers`, {
    phoneNumberIds: ids,
    assignedFrom: new Date(Date.now() - 10 * DAY_MS).toISOString(),
  });
  if (assigned.status !== 200) throw new Error(`assigning numbers: ${assigned.status} ${assigned.text}`);
  const connection = await post(
    '/api/admin/mightycall/connections',
    demoConnectionBody(sim.url, { initialSyncDays: 0 }),
  );
  if (connection.status !== 201) throw new Error(`connection: ${connection.status} ${connection.text}`);
  const created = connection.json<{ connection: { id: string; webhookUrl: string } }>().connection;

  let emitted = 0;
  const cluster: Cluster = {
    sim,
    schema: schema.schema,
    nginx,
    servers,
    base,
    httpPort,
    client,
    cookie,
    orgId,
    connectionId: created.id,
    hookPath: new URL(created.webhookUrl).pathname,
    api,
    async restart(i) {
      const server = spawnServer(i);
      servers[i] = server;
      await waitHealthy(server);
    },
    async emitCalls(count, tag) {
      const calls: EmitResult[] = [];
      for (let i = 0; i < count; i++) {
        emitted++;
        const n = String(emitted).padStart(12, '0');
        calls.push(
          await sim.control.emitCall(DEMO_API_KEY, {
            id: `${tag.padEnd(8, '0').slice(0, 8)}-0000-4000-8000-${n}`,
            from: `+1555938${String(1000 + (emitted % 9000))}`,
            to: NUMBERS[i % 2] ?? '',
            ringExtensions: ['101', '102'],
            answeredBy: i % 2 ? '101' : '102',
            talkSeconds: 20 + i,
          }),
        );
      }
      return { calls, events: calls.flatMap((c) => c.events).sort(() => Math.random() - 0.5) };
    },
    async deliver(event) {
      const failures: number[] = [];
      const body = JSON.stringify(event);
      for (let attempt = 0; attempt < 40; attempt++) {
        const answer = await request(
          `${base}${cluster.hookPath}`,
          { method: 'POST', headers: { 'content-type': 'application/json' }, body, timeoutMs: 15_000 },
          client,
        ).catch(() => null);
        if (answer && answer.status >= 200 && answer.status < 300) return failures;
        failures.push(answer?.status ?? 0);
        await new Promise((r) => setTimeout(r, 100 * Math.min(attempt + 1, 5)));
      }
      throw new Error(`webhook ${event.Guid} never acknowledged: ${failures.join(', ')}`);
    },
    async callCounts() {
      const rows = await cluster.query<{ id: string; n: number }>(
        `select provider_call_id as id, count(*)::int as n from calls where provider = 'mightycall' group by 1`,
      );
      return new Map(rows.map((r) => [r.id, r.n]));
    },
    async query(text, values = []) {
      return (await pool.query(text, values)).rows;
    },
    async close() {
      await nginx.stop();
      for (const server of servers) {
        if (server.child.exitCode === null && server.child.signalCode === null) await server.kill('SIGTERM');
      }
      await sim.close();
      await pool.end();
      await schema.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** Waits until every call of `calls` has its row (the worker folds the inbox and fetches finished calls). */
export async function waitForCalls(cluster: Cluster, calls: EmitResult[], timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `${calls.length} calls in the calls table`,
    async () => {
      const counts = await cluster.callCounts();
      return calls.every((c) => (counts.get(c.callId) ?? 0) >= 1);
    },
    { timeoutMs, intervalMs: 250 },
  );
}
