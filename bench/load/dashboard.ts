// The dashboard mix (client metrics, series, recent calls, queue summary) for many orgs, driven by autocannon.
import autocannon from 'autocannon';
import { type Percentiles, percentiles, round, Samples } from './stats.js';

export interface MixEndpoint {
  tag: string;
  path(orgId: string): string;
}

export const DASHBOARD_ENDPOINTS: MixEndpoint[] = [
  { tag: 'client-metrics month', path: (org) => `/api/client-metrics?org_id=${org}&range=month` },
  { tag: 'series week', path: (org) => `/api/calls/series?org_id=${org}&range=week` },
  { tag: 'recent 20', path: (org) => `/api/calls/recent?org_id=${org}&limit=20` },
  { tag: 'queue-summary', path: (org) => `/api/calls/queue-summary?org_id=${org}` },
];

export interface MixRequest {
  tag: string;
  path: string;
  headers: Record<string, string>;
}

/**
 * Every endpoint for every org, each org with its own credential. Consecutive requests differ in both org
 * and endpoint, so the connections (which all walk this list) do not hammer one org at a time.
 */
export function dashboardMix(
  orgIds: readonly string[],
  credentials: ReadonlyArray<Record<string, string>>,
): MixRequest[] {
  const out: MixRequest[] = [];
  const n = orgIds.length;
  for (let round = 0; round < n; round++) {
    for (const [e, endpoint] of DASHBOARD_ENDPOINTS.entries()) {
      const i = (round + e * Math.max(1, Math.floor(n / DASHBOARD_ENDPOINTS.length))) % n;
      out.push({ tag: endpoint.tag, path: endpoint.path(orgIds[i] ?? ''), headers: credentials[i] ?? {} });
    }
  }
  return out;
}

export interface MixResult {
  seconds: number;
  connections: number;
  responses: number;
  requestsPerSecond: number;
  latencyMs: Percentiles;
  byEndpoint: Record<string, Percentiles & { non2xx: number }>;
  non2xx: number;
  /** connection errors, timeouts included */
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

export interface MixOptions {
  url: string;
  requests: MixRequest[];
  seconds: number;
  connections: number;
  /** per-request timeout, seconds */
  timeoutSeconds?: number;
}

/** Runs the mix for `seconds`; latency percentiles are computed from every response (autocannon has no p95). */
export async function runMix(options: MixOptions): Promise<MixResult> {
  const all = new Samples();
  const byTag = new Map<string, { samples: Samples; non2xx: number }>();
  for (const r of options.requests) if (!byTag.has(r.tag)) byTag.set(r.tag, { samples: new Samples(), non2xx: 0 });
  // autocannon calls a request's onResponse right before it emits 'response' for it (one thread): the tag
  // set here names the response the listener below is about to see.
  let current = '';
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    timeout: options.timeoutSeconds ?? 10,
    requests: options.requests.map((r) => ({
      method: 'GET',
      path: r.path,
      headers: r.headers,
      onResponse: () => {
        current = r.tag;
      },
    })),
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    all.push(ms);
    const bucket = byTag.get(current);
    if (!bucket) return;
    bucket.samples.push(ms);
    if (status < 200 || status > 299) bucket.non2xx++;
  });
  const result = await instance;
  const byEndpoint: MixResult['byEndpoint'] = {};
  for (const [tag, b] of byTag) byEndpoint[tag] = { ...percentiles(b.samples.values()), non2xx: b.non2xx };
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(result.statusCodeStats)) statusCodes[code] = s.count;
  return {
    seconds: result.duration,
    connections: options.connections,
    responses: all.length,
    requestsPerSecond: round(all.length / result.duration, 1),
    latencyMs: percentiles(all.values()),
    byEndpoint,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
  };
}
