// A rolling restart behind nginx under steady dashboard load and webhooks: process 1 stopped with SIGTERM and
// started again, then process 2. No request fails, no call is lost or doubled; a stopping process finishes what
// it was doing (an import in flight, its live streams end cleanly), gives its jobs back and exits on its own.
import type { EmitResult } from '@victorysync/mightycall-sim';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN, waitFor } from '../faults/helpers.js';
import { type Answer, openEventStream, request } from './client.js';
import { type Cluster, describeDeploy, METRICS_TOKEN, NUMBERS, startCluster, waitForCalls } from './cluster.js';

const DAY_MS = 86_400_000;

describeDeploy('a rolling restart behind nginx', { nginx: true }, () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ env: { VICTORYSYNC_LIVE_HEARTBEAT_SECONDS: '1' } });
  });
  afterAll(async () => {
    if (process.env.DEPLOY_NGINX_LOG)
      (await import('node:fs')).writeFileSync(process.env.DEPLOY_NGINX_LOG, cluster.nginx.output());
    await cluster?.close();
  });

  it('loses and fails nothing while each process in turn stops gracefully and starts again', {
    timeout: 300_000,
  }, async () => {
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const range = `org_id=${cluster.orgId}&from=${day(Date.now() - DAY_MS)}&to=${day(Date.now() + DAY_MS)}`;
    const reads = [
      `/api/metrics/kpis?${range}`,
      `/api/calls?${range}&limit=50`,
      `/api/calls/recent?org_id=${cluster.orgId}&limit=20`,
    ];
    let loading = true;
    const failures: string[] = [];
    let served = 0;
    // Steady dashboard load: four readers, one request after another.
    const reader = async (offset: number) => {
      for (let i = offset; loading; i++) {
        const path = reads[i % reads.length] ?? '';
        const res: Answer | null = await cluster.api(path).catch((error: unknown) => {
          failures.push(`${path}: ${String(error)}`);
          return null;
        });
        if (res && res.status !== 200) failures.push(`${path}: ${res.status} ${res.text.slice(0, 200)}`);
        served++;
      }
    };
    // Webhooks all along: batches of calls, each event sent once and retried only if not acknowledged.
    const emitted: EmitResult[] = [];
    const webhookFailures: number[] = [];
    let batch = 0;
    const hooks = async () => {
      while (loading) {
        batch++;
        const { calls, events } = await cluster.emitCalls(4, `feed${String(batch).padStart(4, '0')}`);
        emitted.push(...calls);
        await Promise.all(
          [0, 1, 2, 3].map(async (lane) => {
            for (const event of events.filter((_, i) => i % 4 === lane)) {
              webhookFailures.push(...(await cluster.deliver(event)));
            }
          }),
        );
      }
    };
    const load = Promise.all([reader(0), reader(1), reader(2), hooks(), hooks()]);
    await waitFor('some load', () => served > 30, { timeoutMs: 30_000 });

    for (const i of [0, 1]) {
      const server = cluster.servers[i];
      if (!server) throw new Error('no server');
      const pid = server.child.pid;
      // In flight when the stop begins: a call import sent straight to this process, and a live stream on it.
      const lines = importLines(i, 15_000);
      const importing = request(
        `${server.base}/api/admin/calls/import`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson', cookie: cluster.cookie, origin: cluster.base },
          body: lines,
          timeoutMs: 60_000,
        },
        { ...cluster.client, localAddress: '127.0.0.1' },
      );
      const stream = await openEventStream(
        `${server.base}/api/orgs/${cluster.orgId}/live`,
        { cookie: cluster.cookie },
        { ...cluster.client, localAddress: '127.0.0.1' },
      );
      await waitFor('the stream to open', () => stream.events.length > 0);
      await waitFor('the import to be under way', () => importUnderWay(cluster, i), {
        timeoutMs: 20_000,
        intervalMs: 5,
      });
      const stopping = performance.now();
      const exited = server.kill('SIGTERM');
      // The listener closes first: a new connection is refused (nginx sends it to the other process).
      await waitFor('the listener to close', () =>
        fetch(`${server.base}/health`).then(
          () => false,
          () => true,
        ),
      );

      const imported = await importing;
      expect(imported.status).toBe(200);
      expect(imported.json()).toMatchObject({ received: 15_000, errors: [] });
      await stream.ended;
      // It ended cleanly: its last event a snapshot (heartbeats aside), no error or revocation.
      expect(stream.events.filter((e) => e.event !== 'heartbeat').at(-1)?.event).toBe('snapshot');
      expect(await exited).toEqual({ code: 0, signal: null });
      // On its own, before the forced exit (which exits 1 after VICTORYSYNC_SHUTDOWN_TIMEOUT_SECONDS, 20 s here).
      expect(performance.now() - stopping).toBeLessThan(20_000);
      // Its sync lease, if it held one, was given back.
      const leases = await cluster.query<{ owner: string | null }>(
        "select owner from job_leases where kind = 'mightycall.sync'",
      );
      expect(leases.filter((l) => l.owner?.startsWith(`${pid}-`))).toEqual([]);
      // The other process takes the jobs: a sync asked for now is run there.
      const [before] = await cluster.query<{ runs: number }>(
        `select coalesce(sum(runs), 0)::int as runs from mightycall_sync_state`,
      );
      const asked = await cluster.api(`/api/admin/mightycall/connections/${cluster.connectionId}/sync`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ job: 'numbers' }),
      });
      expect(asked.status).toBe(202);
      await waitFor(
        'a sync run by the remaining process',
        async () => {
          const [now] = await cluster.query<{ runs: number }>(
            `select coalesce(sum(runs), 0)::int as runs from mightycall_sync_state`,
          );
          return (now?.runs ?? 0) > (before?.runs ?? 0);
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      await cluster.restart(i);
      // As an operator does before stopping the next one: the restarted process takes traffic from nginx again
      // (nginx keeps a process it saw failing out of the rotation for fail_timeout).
      const restarted = cluster.servers[i];
      if (!restarted) throw new Error('no server');
      await waitFor(
        'nginx to send the restarted process requests',
        async () => (await apiRequests(restarted.base)) > 20,
        {
          timeoutMs: 30_000,
          intervalMs: 250,
        },
      );
    }

    loading = false;
    await load;
    expect(failures.slice(0, 5).map((f) => f.slice(0, 120))).toEqual([]);
    expect(webhookFailures).toEqual([]);
    expect(served).toBeGreaterThan(100);

    await waitForCalls(cluster, emitted, 120_000);
    const counts = await cluster.callCounts();
    expect(emitted.map((c) => counts.get(c.callId))).toEqual(emitted.map(() => 1));
    const doubled = await cluster.query(
      'select dedupe_key from mightycall_webhook_inbox group by dedupe_key having count(*) > 1',
    );
    expect(doubled).toEqual([]);
    // Both imports landed whole, once.
    const [imports] = await cluster.query<{ n: number }>(
      `select count(*)::int as n from calls where provider like 'rolling-%'`,
    );
    expect(imports?.n).toBe(30_000);
    // Sign-in still works through the restarted pair.
    const login = await cluster.api('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: '' },
      body: JSON.stringify(ADMIN),
    });
    expect(login.status).toBe(200);
  });
});

/** Requests to /api routes a process has answered, from its own /metrics. */
async function apiRequests(base: string): Promise<number> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  let total = 0;
  for (const m of (await res.text()).matchAll(
    /^victorysync_http_requests_total\{[^}]*route="\/api\/[^}]*\} (\d+)$/gm,
  )) {
    total += Number(m[1]);
  }
  return total;
}

/** PostgreSQL shows the import's transaction writing (background jobs' transactions last milliseconds). */
async function importUnderWay(cluster: Cluster, i: number): Promise<boolean> {
  const [row] = await cluster.query<{ n: number }>(`select count(*)::int as n from calls where provider = $1`, [
    `rolling-${i}`,
  ]);
  // Nothing is visible before the import commits: wait for its body to be flowing instead.
  if ((row?.n ?? 0) > 0) return true;
  const active = await cluster.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity where application_name = $1 and backend_xid is not null
       and now() - xact_start > interval '200 milliseconds'`,
    [cluster.schema],
  );
  return (active[0]?.n ?? 0) > 0;
}

function importLines(i: number, count: number): string {
  const base = Date.now() - 6 * 3_600_000;
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    const started = base + n * 1000;
    out.push(
      JSON.stringify({
        provider: `rolling-${i}`,
        provider_call_id: `r${i}-${n}`,
        direction: 'inbound',
        status: 'answered',
        business_number: NUMBERS[n % 2],
        external_number: `+1555${String(4_000_000 + n).padStart(7, '0')}`,
        started_at: new Date(started).toISOString(),
        answered_at: new Date(started + 2000).toISOString(),
        ended_at: new Date(started + 45_000).toISOString(),
      }),
    );
  }
  return out.join('\n');
}
