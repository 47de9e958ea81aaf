// Two server processes on one database behind nginx (deploy/nginx.conf): the dashboard mix through it, the same
// answers from both processes, one sync run per connection however many processes are asked, and the live
// stream of one process showing a webhook the other one received.
import http from 'node:http';
import type { RunningSimulator } from '@victorysync/mightycall-sim';
import type pg from 'pg';
import { Api } from './api.js';
import { DASHBOARD_ENDPOINTS, dashboardMix, type MixResult, runMix } from './dashboard.js';
import { type Fixtures, LIVE_NUMBER, SIM_API_KEY } from './fixtures.js';
import { requestsAnswered, type ServerProcess } from './processes.js';
import { round } from './stats.js';

export interface ClusterOptions {
  servers: [ServerProcess, ServerProcess];
  proxyUrl: string;
  fixtures: Fixtures;
  owner: pg.Pool;
  sim: RunningSimulator;
  seconds: number;
  connections: number;
  log(msg: string): void;
}

export interface ClusterResult {
  mix: MixResult;
  /** responses per backend during the mix, from each process's /metrics */
  servedBy: number[];
  /** equal: same status and body from both processes, directly and through nginx; notOk: equal but not 200 */
  sameAnswers: { compared: number; equal: number; notOk: number; alternated: number; mismatches: string[] };
  syncLease: {
    jobsRunOnce: boolean;
    runs: Record<string, number>;
    owners: string[];
    ownerServer: string | null;
    heldSeconds: number;
    released: boolean;
    ok: boolean;
  };
  liveStream: {
    ok: boolean;
    /** webhook sent to process 2 → snapshot with the ringing call on process 1's stream */
    ringingSeenMs: number | null;
    /** the rest of the call's events → snapshot without it */
    endedSeenMs: number | null;
    error?: string;
  };
}

/** Volatile fields (generation times) are not part of the figures. */
function normalize(text: string): string {
  return JSON.stringify(JSON.parse(text), function (this: Record<string, unknown>, key: string, value: unknown) {
    if (key === 'asOf' || key === 'generatedAt') return undefined;
    // A period in progress ends "now" (to the second): two processes, each with its own 1 s dashboard cache,
    // may have computed it in different seconds. The figures must still agree.
    if (key === 'to' && this !== null && typeof this === 'object' && 'periodEnd' in this) return undefined;
    return value;
  });
}

async function get(base: string, path: string, cookie: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}${path}`, { headers: { cookie } });
  return { status: res.status, body: await res.text() };
}

/** Every endpoint of every org from both processes directly, and twice through nginx. */
async function compareAnswers(o: ClusterOptions): Promise<ClusterResult['sameAnswers']> {
  const [one, two] = o.servers;
  let compared = 0;
  let equal = 0;
  let notOk = 0;
  let alternated = 0;
  const mismatches: string[] = [];
  for (const [i, org] of o.fixtures.orgs.entries()) {
    const cookie = o.fixtures.cookies[i] ?? '';
    for (const endpoint of DASHBOARD_ENDPOINTS) {
      const path = endpoint.path(org.id);
      let same = false;
      let status = 0;
      let detail = '';
      // A day or hour boundary between the two reads can change a range: one retry.
      for (let attempt = 0; attempt < 2 && !same; attempt++) {
        const [a, b] = await Promise.all([get(one.url, path, cookie), get(two.url, path, cookie)]);
        const served = await Promise.all(o.servers.map(requestsAnswered));
        const [c, d] = [await get(o.proxyUrl, path, cookie), await get(o.proxyUrl, path, cookie)];
        const servedAfter = await Promise.all(o.servers.map(requestsAnswered));
        const answers = [a, b, c, d];
        const bodies = answers.map((r) => `${r.status} ${normalize(r.body)}`);
        same = bodies.every((x) => x === bodies[0]);
        status = a.status;
        const each = servedAfter.map((n, k) => n - (served[k] ?? 0));
        if (each[0] === 1 && each[1] === 1 && attempt === 0) alternated++;
        detail = `statuses ${answers.map((r) => r.status).join('/')}${same ? '' : ', answers differ'}`;
      }
      compared++;
      if (same) equal++;
      if (same && status !== 200) notOk++;
      if ((!same || status !== 200) && mismatches.length < 10) mismatches.push(`${path}: ${detail}`);
    }
  }
  return { compared, equal, notOk, alternated, mismatches };
}

/**
 * Both processes are asked to sync the connection at the same moment while the simulator answers slowly
 * (a run then outlasts several scheduler ticks of both): exactly one run per job may happen, under one owner.
 */
async function checkSyncLease(o: ClusterOptions): Promise<ClusterResult['syncLease']> {
  const connectionId = o.fixtures.connectionId;
  const runsOf = async () => {
    const r = await o.owner.query<{ job: string; runs: number }>(
      'select job, runs from mightycall_sync_state where connection_id = $1',
      [connectionId],
    );
    return new Map(r.rows.map((x) => [x.job, x.runs]));
  };
  const before = await runsOf();
  const faults = [
    o.sim.control.addFault({ path: '/phonenumbers', kind: 'latency', latencyMs: 3000, times: 1 }),
    o.sim.control.addFault({ path: '/journal/requests', kind: 'latency', latencyMs: 3000, times: 2 }),
  ];
  const started = performance.now();
  await Promise.all(
    o.servers.map((s) =>
      new Api(s.url, { cookie: o.fixtures.adminCookie }).json(
        'POST',
        `/api/admin/mightycall/connections/${connectionId}/sync`,
        {},
      ),
    ),
  );
  const owners: string[] = [];
  let firstHeld: number | null = null;
  let lastHeld: number | null = null;
  let released = false;
  while (performance.now() - started < 180_000) {
    const lease = await o.owner.query<{ owner: string | null }>(
      "select owner from job_leases where kind = 'mightycall.sync' and key = $1::text",
      [connectionId],
    );
    const state = await o.owner.query<{ pending: number }>(
      `select count(*) filter (where requested_at is not null or status = 'running')::int as pending
         from mightycall_sync_state where connection_id = $1`,
      [connectionId],
    );
    const owner = lease.rows[0]?.owner ?? null;
    const now = performance.now();
    if (owner) {
      if (owners.at(-1) !== owner) owners.push(owner);
      firstHeld ??= now;
      lastHeld = now;
    }
    if (firstHeld !== null && owner === null && (state.rows[0]?.pending ?? 1) === 0) {
      released = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const f of faults) o.sim.control.clearFaults(f.id);
  const after = await runsOf();
  const runs: Record<string, number> = {};
  for (const [job, n] of after) runs[job] = n - (before.get(job) ?? 0);
  const jobsRunOnce = Object.values(runs).length === 3 && Object.values(runs).every((n) => n === 1);
  const distinct = [...new Set(owners)];
  const pid = distinct[0]?.split('-')[0];
  const ownerServer = o.servers.find((s) => String(s.pid) === pid)?.name ?? null;
  const heldSeconds = firstHeld !== null && lastHeld !== null ? round((lastHeld - firstHeld) / 1000, 1) : 0;
  return {
    jobsRunOnce,
    runs,
    owners: distinct,
    ownerServer,
    heldSeconds,
    released,
    ok: jobsRunOnce && distinct.length === 1 && released,
  };
}

interface Snapshot {
  calls: Array<{ callId: string }>;
}

/** Opens the SSE stream and hands each "snapshot" event to `onSnapshot`. */
function openStream(url: string, cookie: string, onSnapshot: (s: Snapshot) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { cookie, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`live stream answered ${res.statusCode}`));
        res.resume();
        return;
      }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event === 'snapshot' && data) onSnapshot(JSON.parse(data) as Snapshot);
        }
      });
      res.on('error', () => undefined);
      resolve(() => req.destroy());
    });
    req.on('error', reject);
  });
}

async function checkLiveStream(o: ClusterOptions): Promise<ClusterResult['liveStream']> {
  const [one, two] = o.servers;
  const snapshots: Array<{ at: number; ids: Set<string> }> = [];
  const close = await openStream(`${one.url}/api/orgs/${o.fixtures.liveOrgId}/live`, o.fixtures.adminCookie, (s) =>
    snapshots.push({ at: performance.now(), ids: new Set(s.calls.map((c) => c.callId.toLowerCase())) }),
  );
  try {
    const waitFor = async (test: (ids: Set<string>) => boolean, since: number, timeoutMs: number) => {
      const until = performance.now() + timeoutMs;
      while (performance.now() < until) {
        const hit = snapshots.find((s) => s.at >= since && test(s.ids));
        if (hit) return round(hit.at - since, 0);
        await new Promise((r) => setTimeout(r, 20));
      }
      return null;
    };
    if ((await waitFor(() => true, 0, 10_000)) === null) {
      return { ok: false, ringingSeenMs: null, endedSeenMs: null, error: 'no first snapshot' };
    }
    const call = await o.sim.control.emitCall(SIM_API_KEY, {
      to: LIVE_NUMBER,
      ringExtensions: ['201'],
      answeredBy: '201',
      ringSeconds: 5,
      talkSeconds: 20,
      startAt: Date.now() - 60_000,
    });
    const id = call.callId.toLowerCase();
    const send = async (events: typeof call.events) => {
      for (const e of events) {
        const res = await fetch(`${two.url}${o.fixtures.hookPath}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(e),
        });
        if (!res.ok) throw new Error(`webhook to process 2 answered ${res.status}`);
        await res.arrayBuffer();
      }
    };
    // IncomingCall and the first ring: the call is ringing.
    const ringingSince = performance.now();
    await send(call.events.slice(0, 2));
    const ringingSeenMs = await waitFor((ids) => ids.has(id), ringingSince, 20_000);
    const endedSince = performance.now();
    await send(call.events.slice(2));
    const endedSeenMs = await waitFor((ids) => !ids.has(id), endedSince, 20_000);
    return { ok: ringingSeenMs !== null && endedSeenMs !== null, ringingSeenMs, endedSeenMs };
  } catch (error) {
    return { ok: false, ringingSeenMs: null, endedSeenMs: null, error: String(error) };
  } finally {
    close();
  }
}

export async function runCluster(o: ClusterOptions): Promise<ClusterResult> {
  o.log('  same answers from both processes…');
  const sameAnswers = await compareAnswers(o);
  o.log('  dashboard mix through nginx…');
  const credentials = o.fixtures.cookies.map((cookie) => ({ cookie }));
  const before = await Promise.all(o.servers.map(requestsAnswered));
  const mix = await runMix({
    url: o.proxyUrl,
    requests: dashboardMix(
      o.fixtures.orgs.map((x) => x.id),
      credentials,
    ),
    seconds: o.seconds,
    connections: o.connections,
  });
  const after = await Promise.all(o.servers.map(requestsAnswered));
  o.log('  sync lease…');
  const syncLease = await checkSyncLease(o);
  o.log('  live stream across processes…');
  const liveStream = await checkLiveStream(o);
  return { mix, servedBy: after.map((n, i) => n - (before[i] ?? 0)), sameAnswers, syncLease, liveStream };
}
