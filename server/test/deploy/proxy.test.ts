// Through deploy/nginx.conf (TLS, two processes): sign-in, dashboard reads, CSV export, call import and webhooks
// work; the client address the servers see is the real client's, not what it writes into X-Forwarded-For; /metrics
// is per process with its token and not reachable through the proxy.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN } from '../faults/helpers.js';
import { request } from './client.js';
import {
  CLIENT_ADDRESS,
  type Cluster,
  describeDeploy,
  METRICS_TOKEN,
  NUMBERS,
  startCluster,
  waitForCalls,
} from './cluster.js';

describeDeploy('VictorySync behind nginx, as deployed', { nginx: true }, () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('signs in over TLS: the session cookie is Secure, since the trusted proxy says https', async () => {
    const res = await cluster.api('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: '' },
      body: JSON.stringify(ADMIN),
    });
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']?.[0]).toMatch(/; Secure/i);
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
    // nginx's request id reaches the server and comes back.
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    const me = await cluster.api('/api/me');
    expect(me.status).toBe(200);
  });

  it('the plain-HTTP listener redirects to https', async () => {
    const res = await fetch(`http://127.0.0.1:${cluster.httpPort}/api/me`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toMatch(/^https:\/\//);
  });

  it('webhooks, dashboard reads and the CSV export go through the proxy, served by both processes', async () => {
    const { calls, events } = await cluster.emitCalls(6, 'b0b0b0b0');
    for (const event of events) expect(await cluster.deliver(event)).toEqual([]);
    await waitForCalls(cluster, calls);
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const range = `from=${day(Date.now() - 86_400_000)}&to=${day(Date.now() + 86_400_000)}`;
    const kpis = await cluster.api(`/api/metrics/kpis?org_id=${cluster.orgId}&${range}`);
    expect(kpis.status).toBe(200);
    expect(kpis.json<{ metrics: { totalCalls: number } }>().metrics.totalCalls).toBe(6);
    const list = await cluster.api(`/api/calls?org_id=${cluster.orgId}&${range}&limit=100`);
    expect(list.json<{ items: unknown[] }>().items).toHaveLength(6);
    const csv = await cluster.api(`/api/calls?org_id=${cluster.orgId}&${range}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.trim().split('\n')).toHaveLength(1 + 6);
    // Round robin: both processes answered dashboard reads (their own request counters say so).
    const served = await Promise.all(cluster.servers.map((s) => requestsServed(s.base, '/api/calls')));
    expect(served.every((n) => n > 0)).toBe(true);
  });

  it('the call import streams a file through the proxy', async () => {
    const started = Date.now() - 3 * 3_600_000;
    const lines = Array.from({ length: 500 }, (_, i) => ({
      provider: 'deploy-import',
      provider_call_id: `imp-${i}`,
      direction: 'inbound',
      status: 'answered',
      business_number: NUMBERS[0],
      external_number: `+1555${String(3_000_000 + i).padStart(7, '0')}`,
      started_at: new Date(started + i * 1000).toISOString(),
      answered_at: new Date(started + i * 1000 + 3000).toISOString(),
      ended_at: new Date(started + i * 1000 + 60_000).toISOString(),
    }));
    const res = await cluster.api('/api/admin/calls/import', {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: lines.map((l) => JSON.stringify(l)).join('\n'),
    });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ received: 500, inserted: 500, errors: [] });
    const [row] = await cluster.query<{ n: number }>(
      `select count(*)::int as n from calls where provider = 'deploy-import'`,
    );
    expect(row?.n).toBe(500);
  });

  it('the servers see the real client address; a spoofed X-Forwarded-For changes nothing', async () => {
    const email = 'nobody-here@example.com';
    for (const spoof of [undefined, '203.0.113.77', '198.51.100.1, 203.0.113.78']) {
      const res = await cluster.api('/api/auth/login', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          cookie: '',
          ...(spoof ? { 'x-forwarded-for': spoof } : {}),
        },
        body: JSON.stringify({ email, password: 'wrong-password-here' }),
      });
      expect(res.status).toBe(401);
    }
    const audit = await cluster.api('/api/admin/audit?action=auth.login_failed&limit=50');
    expect(audit.status).toBe(200);
    const entries = audit.json<{ entries: Array<{ ip: string | null; after: { email?: string } | null }> }>().entries;
    const mine = entries.filter((e) => e.after?.email === email);
    expect(mine).toHaveLength(3);
    expect(mine.map((e) => e.ip)).toEqual([CLIENT_ADDRESS, CLIENT_ADDRESS, CLIENT_ADDRESS]);
    // Straight to a process from the client machine (not the trusted proxy), the header is not believed either.
    const direct = await request(
      `${cluster.servers[0]?.base}/api/auth/login`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.79' },
        body: JSON.stringify({ email, password: 'wrong-password-here' }),
      },
      cluster.client,
    );
    expect(direct.status).toBe(401);
    const after = await cluster.api('/api/admin/audit?action=auth.login_failed&limit=50');
    const ips = after.json<{ entries: Array<{ ip: string | null }> }>().entries.map((e) => e.ip);
    expect(ips).not.toContain('203.0.113.79');
    expect(ips).not.toContain('203.0.113.77');
    expect(ips.filter((ip) => ip === CLIENT_ADDRESS)).toHaveLength(4);
  });

  it('/metrics: each process serves its own with the token; refused without it; not through the proxy', async () => {
    const through = await cluster.api('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(through.status).toBe(404);
    expect(through.text).not.toContain('victorysync_');
    for (const server of cluster.servers) {
      const refused = await fetch(`${server.base}/metrics`);
      expect(refused.status).toBe(401);
      const res = await fetch(`${server.base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(/^victorysync_db_pool_connections\{pool="primary",state="total"\} [1-9]/m);
      expect(text).toMatch(/^victorysync_webhook_inbox_depth \d+$/m);
      expect(text).not.toContain(cluster.hookPath);
    }
    // /ready through the proxy is one process's readiness.
    expect((await cluster.api('/ready')).json()).toEqual({ status: 'ready', reason: null });
  });

  it('a request larger than the server accepts is refused by nginx (413) before it reaches a process', async () => {
    const res = await cluster.api('/api/admin/orgs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(2 * 1_048_576) }),
    });
    expect(res.status).toBe(413);
    expect(res.text).toContain('nginx');
  });
});

/** GET requests a process has answered on routes starting with `prefix`, from its own /metrics. */
async function requestsServed(base: string, prefix: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  let total = 0;
  for (const m of text.matchAll(/^victorysync_http_requests_total\{method="GET",route="([^"]+)",[^}]*\} (\d+)/gm)) {
    if ((m[1] ?? '').startsWith(prefix)) total += Number(m[2]);
  }
  return total;
}
