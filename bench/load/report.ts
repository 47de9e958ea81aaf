// The load benchmark's verdict: one row per target (value, target, meets), plus the details, as Markdown.
import type { ClusterResult } from './cluster.js';
import type { CpuSplit } from './cpu.js';
import type { MixResult } from './dashboard.js';
import { formatProfile, type ProfileSummary } from './profile.js';
import type { Percentiles, RssSummary, RssTrend } from './stats.js';
import type { WebhookResult } from './webhooks.js';

/** One endpoint alone (8 connections, a few seconds): its throughput, latency and CPU per request. */
export interface EndpointCost {
  tag: string;
  requestsPerSecond: number;
  latencyMs: Percentiles;
  cpu: CpuSplit;
}

export interface MixScenario extends MixResult {
  cpu: CpuSplit;
  endpointCost?: EndpointCost[];
  rss: RssSummary;
  rssMb: number[];
}

export type WebhookScenario = WebhookResult & { cpu: CpuSplit; rss: RssSummary; rssMb: number[] };

export interface LoadResults {
  at: string;
  commit: string;
  settings: Record<string, string | number | boolean>;
  machine: Record<string, string | number>;
  session?: MixScenario;
  keys?: MixScenario;
  webhooks?: WebhookScenario;
  /** the same with each burst sent evenly over LOAD_WEBHOOK_BURST_SPREAD_MS */
  webhooksSpread?: WebhookScenario;
  soak?: MixScenario & { trend: RssTrend; steady: boolean };
  cluster?: ClusterResult & { rss: RssSummary[] };
  profiles?: ProfileSummary[];
  notes: string[];
}

export interface Row {
  measure: string;
  value: string;
  target: string;
  /** null: information only */
  meets: boolean | null;
}

export const TARGETS = {
  rps: 2000,
  p99Ms: 100,
  keysWithin: 0.1,
  ackP99Ms: 100,
  processMs: 5000,
  rssGrowthPercent: 10,
};

const n = (x: number) => (Number.isFinite(x) ? x.toLocaleString('en-US') : 'n/a');

/** A process's RSS over a scenario: information only. */
function rssRow(label: string, rss: RssSummary): Row {
  return {
    measure: `${label} server RSS min / max / last MB`,
    value: `${rss.minMb} / ${rss.maxMb} / ${rss.lastMb}`,
    target: '—',
    meets: null,
  };
}

function mixRows(label: string, m: MixScenario, cores: number): Row[] {
  return [
    {
      measure: `${label} requests/s`,
      value: n(m.requestsPerSecond),
      target: `≥ ${n(TARGETS.rps)}`,
      meets: m.requestsPerSecond >= TARGETS.rps,
    },
    {
      measure: `${label} latency p50 / p95 / p99 ms`,
      value: `${m.latencyMs.p50} / ${m.latencyMs.p95} / ${m.latencyMs.p99}`,
      target: `p99 ≤ ${TARGETS.p99Ms}`,
      meets: m.latencyMs.p99 <= TARGETS.p99Ms,
    },
    {
      measure: `${label} errors (non-2xx / errors / timeouts)`,
      value: `${m.non2xx} / ${m.errors} / ${m.timeouts}`,
      target: '0',
      meets: m.non2xx + m.errors === 0,
    },
    {
      measure: `${label} CPU ms per request: server + PostgreSQL (ceiling: ${cores} cores with nothing else running / the server's one thread)`,
      value: `${m.cpu.perRequestMs.server} + ${m.cpu.perRequestMs.postgres} (≈ ${n(Math.round((cores * 1000) / (m.cpu.perRequestMs.server + m.cpu.perRequestMs.postgres)))} / ${n(Math.round(1000 / m.cpu.perRequestMs.server))} req/s)`,
      target: '—',
      meets: null,
    },
    rssRow(label, m.rss),
  ];
}

/** The webhook scenario's rows; `label` tells the variants apart, `bursts` says how a burst was sent. */
function webhookRows(label: string, bursts: string, w: WebhookScenario, r: LoadResults): Row[] {
  return [
    {
      measure: `${label} webhooks: steady rate achieved, events/s`,
      value: n(w.steadyRate),
      target: `${n(w.targetRate)}`,
      meets: w.steadyRate >= w.targetRate * 0.98,
    },
    {
      measure: `${label} ack p50 / p95 / p99 ms, steady`,
      value: `${w.ackMs.steady.p50} / ${w.ackMs.steady.p95} / ${w.ackMs.steady.p99}`,
      target: `p99 ≤ ${TARGETS.ackP99Ms}`,
      meets: w.ackMs.steady.p99 <= TARGETS.ackP99Ms,
    },
    {
      measure: `${label} ack p50 / p95 / p99 ms, steady events sent while no burst was being answered (${n(w.steadyBetweenBurstsSent)})`,
      value: `${w.ackMs.steadyBetweenBursts.p50} / ${w.ackMs.steadyBetweenBursts.p95} / ${w.ackMs.steadyBetweenBursts.p99}`,
      target: `p99 ≤ ${TARGETS.ackP99Ms}`,
      meets: w.steadyBetweenBurstsSent === 0 ? null : w.ackMs.steadyBetweenBursts.p99 <= TARGETS.ackP99Ms,
    },
    {
      measure: `${label} burst windows: first event sent → last one acknowledged, ms`,
      value: w.burstWindowsMs.map((x) => n(x)).join(' / ') || '—',
      target: '—',
      meets: null,
    },
    {
      measure: `${label} ack p50 / p95 / p99 ms, ${r.settings.webhookBursts} bursts of ${bursts}`,
      value: `${w.ackMs.burst.p50} / ${w.ackMs.burst.p95} / ${w.ackMs.burst.p99}`,
      target: `p99 ≤ ${TARGETS.ackP99Ms}`,
      meets: w.eventsSent.burst === 0 ? null : w.ackMs.burst.p99 <= TARGETS.ackP99Ms,
    },
    {
      measure: `${label} ack p99 ms, every event`,
      value: `${w.ackMs.all.p99}`,
      target: `≤ ${TARGETS.ackP99Ms}`,
      meets: w.ackMs.all.p99 <= TARGETS.ackP99Ms,
    },
    {
      measure: `${label} ack on the connection (written → answered, as autocannon and wrk time it) p50 / p95 / p99 ms, bursts`,
      value: `${w.wireAckMs.burst.p50} / ${w.wireAckMs.burst.p95} / ${w.wireAckMs.burst.p99}`,
      target: `p99 ≤ ${TARGETS.ackP99Ms}`,
      meets: w.eventsSent.burst === 0 ? null : w.wireAckMs.burst.p99 <= TARGETS.ackP99Ms,
    },
    {
      measure: `${label} of which on connections the sender already had (${n(w.wireAckMs.burstOnKeptAliveConnections.n)}) / on new connections, the first request of each (${n(w.wireAckMs.burstOnNewConnections.n)}): p99 ms`,
      value: `${w.wireAckMs.burstOnKeptAliveConnections.p99} / ${w.wireAckMs.burstOnNewConnections.p99}`,
      target: '—',
      meets: null,
    },
    {
      measure: `${label} ack on the connection p99 ms, every event`,
      value: `${w.wireAckMs.all.p99}`,
      target: `≤ ${TARGETS.ackP99Ms}`,
      meets: w.wireAckMs.all.p99 <= TARGETS.ackP99Ms,
    },
    {
      measure: `${label} ack errors (non-2xx / timeouts / network)`,
      value: `${w.non2xx} / ${w.timeouts} / ${w.networkErrors}`,
      target: '0',
      meets: w.non2xx + w.timeouts + w.networkErrors === 0,
    },
    {
      measure: `${label} processing (send → row in calls) p50 / p95 / p99 / max ms`,
      value: `${w.processingMs.p50} / ${w.processingMs.p95} / ${w.processingMs.p99} / ${w.processingMs.max}`,
      target: `all ≤ ${n(TARGETS.processMs)}`,
      meets: w.processingMs.n > 0 && w.processingMs.max <= TARGETS.processMs && w.notProcessed === 0,
    },
    {
      measure: `${label} calls per second: arriving (all events acknowledged) / landing in calls`,
      value: `${w.arrivedPerSecond} / ${w.processedPerSecond}`,
      target: '—',
      meets: null,
    },
    {
      measure: `${label} calls processed within 5 s`,
      value: `${n(w.processedWithin5s)} of ${n(w.calls.complete)}`,
      target: 'all',
      meets: w.processedWithin5s === w.calls.complete,
    },
    {
      measure: `${label} calls still queued in the server ${w.drainSeconds} s after the last event`,
      value: n(w.unfinished),
      target: '0',
      meets: w.unfinished === 0,
    },
    {
      measure: `${label} calls lost (no row, nothing queued) / accepted events not stored`,
      value: `${n(w.lost)} / ${n(Math.max(0, w.inbox.expected - w.inbox.rows))}`,
      target: '0 / 0',
      meets: w.lost === 0 && w.inbox.rows >= w.inbox.expected,
    },
    { measure: `${label} events or calls doubled`, value: n(w.doubled), target: '0', meets: w.doubled === 0 },
    {
      measure: `${label} calls with wrong final figures`,
      value: n(w.wrongFigures),
      target: '0',
      meets: w.wrongFigures === 0,
    },
    {
      measure: `${label} CPU ms per event, worker included: server + PostgreSQL (ceiling: the server's one thread)`,
      value: `${w.cpu.perRequestMs.server} + ${w.cpu.perRequestMs.postgres} (≈ ${n(Math.round(1000 / w.cpu.perRequestMs.server))} events/s)`,
      target: '—',
      meets: null,
    },
    rssRow(label, w.rss),
  ];
}

export function assess(r: LoadResults): Row[] {
  const rows: Row[] = [];
  const cores = Number(r.machine.cpus) || 1;
  if (r.session) rows.push(...mixRows('(a) sessions, 20 orgs:', r.session, cores));
  if (r.keys) {
    rows.push(...mixRows('(b) org API keys, 20 orgs:', r.keys, cores));
    if (r.session) {
      const ratio = r.keys.requestsPerSecond / r.session.requestsPerSecond;
      rows.push({
        measure: '(b) ÷ (a) requests/s',
        value: `${Math.round(ratio * 100)} %`,
        target: `≥ ${100 - TARGETS.keysWithin * 100} %`,
        meets: ratio >= 1 - TARGETS.keysWithin,
      });
    }
  }
  const spreadMs = Number(r.settings.webhookBurstSpreadMs);
  if (r.webhooks)
    rows.push(...webhookRows('(c)', `${n(Number(r.settings.webhookBurst))} events at once`, r.webhooks, r));
  if (r.webhooksSpread) {
    rows.push(
      ...webhookRows(
        "(c')",
        `${n(Number(r.settings.webhookBurst))} events over ${n(spreadMs)} ms`,
        r.webhooksSpread,
        r,
      ),
    );
  }
  const s = r.soak;
  if (s) {
    rows.push(...mixRows(`(d) soak ${Math.round(s.seconds)} s:`, s, cores).slice(0, 3), {
      measure: `(d) soak RSS: mean ${s.trend.windowSeconds} s window 2 → last, MB (slope MB/min)`,
      value: `${s.trend.earlyMeanMb} → ${s.trend.lateMeanMb} (${s.trend.growthPercent > 0 ? '+' : ''}${s.trend.growthPercent} %, ${s.trend.slopeMbPerMin})`,
      target: `growth ≤ ${TARGETS.rssGrowthPercent} %`,
      meets: s.steady,
    });
  }
  const c = r.cluster;
  if (c) {
    rows.push(
      {
        measure: '(e) 2 processes + nginx: requests/s, p99 ms',
        value: `${n(c.mix.requestsPerSecond)}, ${c.mix.latencyMs.p99} (served ${c.servedBy.join(' / ')})`,
        target: '—',
        meets: null,
      },
      {
        measure: '(e) server RSS max, process 1 / process 2 MB',
        value: c.rss.map((x) => x.maxMb).join(' / '),
        target: '—',
        meets: null,
      },
      {
        measure: '(e) errors through nginx (non-2xx / errors)',
        value: `${c.mix.non2xx} / ${c.mix.errors}`,
        target: '0',
        meets: c.mix.non2xx + c.mix.errors === 0,
      },
      {
        measure: '(e) same answers from both processes (directly and through nginx)',
        value: `${c.sameAnswers.equal} of ${c.sameAnswers.compared}${c.sameAnswers.notOk ? ` (${c.sameAnswers.notOk} of them the same error)` : ''}`,
        target: 'all',
        meets: c.sameAnswers.equal === c.sameAnswers.compared,
      },
      {
        measure: '(e) sync asked of both processes: runs per job, lease owners',
        value: `${Object.entries(c.syncLease.runs)
          .map(([k, v]) => `${k} ${v}`)
          .join(
            ', ',
          )}; ${c.syncLease.owners.length} owner (${c.syncLease.ownerServer ?? '?'}, held ${c.syncLease.heldSeconds} s)`,
        target: '1 run each, 1 owner',
        meets: c.syncLease.ok,
      },
      {
        measure: '(e) live stream on process 1, webhook to process 2: ringing / ended seen after ms',
        value: c.liveStream.ok
          ? `${c.liveStream.ringingSeenMs} / ${c.liveStream.endedSeenMs}`
          : `failed: ${c.liveStream.error ?? 'not seen'}`,
        target: 'seen',
        meets: c.liveStream.ok,
      },
    );
  }
  return rows;
}

export function table(rows: Row[]): string {
  return [
    '| measure | value | target | meets |',
    '|---|---|---|---|',
    ...rows.map(
      (r) => `| ${r.measure} | ${r.value} | ${r.target} | ${r.meets === null ? '—' : r.meets ? 'yes' : 'NO'} |`,
    ),
  ].join('\n');
}

function endpointTable(label: string, m: MixResult): string {
  return [
    `${label}: ${n(m.responses)} responses in ${m.seconds} s over ${m.connections} connections.`,
    '',
    '| endpoint | n | p50 ms | p95 ms | p99 ms | max ms | non-2xx |',
    '|---|---|---|---|---|---|---|',
    ...Object.entries(m.byEndpoint).map(
      ([tag, p]) => `| ${tag} | ${n(p.n)} | ${p.p50} | ${p.p95} | ${p.p99} | ${p.max} | ${p.non2xx} |`,
    ),
  ].join('\n');
}

export function markdown(r: LoadResults): string {
  const parts = [
    `# Load benchmark ${r.at} at commit ${r.commit}`,
    '',
    `Settings: ${Object.entries(r.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}.`,
    `Machine: ${Object.entries(r.machine)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
    table(assess(r)),
  ];
  if (r.notes.length) parts.push('', ...r.notes.map((x) => `- ${x}`));
  parts.push('', '## Details');
  const cpuRows: Array<[string, CpuSplit]> = [];
  if (r.session) cpuRows.push(['(a) sessions', r.session.cpu]);
  if (r.keys) cpuRows.push(['(b) API keys', r.keys.cpu]);
  if (r.webhooks) cpuRows.push(['(c) webhooks (per event)', r.webhooks.cpu]);
  if (r.webhooksSpread) cpuRows.push(["(c') webhooks, bursts spread (per event)", r.webhooksSpread.cpu]);
  if (r.soak) cpuRows.push(['(d) soak', r.soak.cpu]);
  if (cpuRows.length) {
    parts.push(
      '',
      'Where the CPU went (seconds over the run; per request in ms). PostgreSQL counts every postgres process on',
      'the machine; "other" is everything else that ran meanwhile (other work on a shared machine).',
      '',
      '| scenario | server s | postgres s | load generator s | other s | machine busy | server / pg / generator ms per request | db transactions per request |',
      '|---|---|---|---|---|---|---|---|',
      ...cpuRows.map(
        ([name, c]) =>
          `| ${name} | ${c.serverS} | ${c.postgresS} | ${c.loadGeneratorS} | ${c.otherS} | ${c.machineBusyPercent} % | ${c.perRequestMs.server} / ${c.perRequestMs.postgres} / ${c.perRequestMs.loadGenerator} | ${c.transactionsPerRequest} |`,
      ),
    );
  }
  if (r.session) parts.push('', endpointTable('(a) sessions', r.session));
  if (r.session?.endpointCost?.length) {
    parts.push(
      '',
      'Each endpoint alone (session cookies, 20 orgs, 8 connections): what one request costs.',
      '',
      '| endpoint | requests/s | p50 ms | p99 ms | server CPU ms | PostgreSQL CPU ms | db transactions |',
      '|---|---|---|---|---|---|---|',
      ...r.session.endpointCost.map(
        (e) =>
          `| ${e.tag} | ${n(e.requestsPerSecond)} | ${e.latencyMs.p50} | ${e.latencyMs.p99} | ${e.cpu.perRequestMs.server} | ${e.cpu.perRequestMs.postgres} | ${e.cpu.transactionsPerRequest} |`,
      ),
    );
  }
  if (r.keys) parts.push('', endpointTable('(b) API keys', r.keys));
  for (const [label, w] of [
    ['(c)', r.webhooks],
    ["(c')", r.webhooksSpread],
  ] as const) {
    if (!w) continue;
    parts.push(
      '',
      `${label} webhooks: ${n(w.eventsSent.steady)} steady + ${n(w.eventsSent.burst)} burst events (${n(w.calls.sent)} calls) in ${w.seconds} s, ` +
        `${n(w.eventsSent.duplicate)} deliberate redeliveries (answered duplicate: ${w.duplicateDeliveries.answeredDuplicate}, stored again: ${w.duplicateDeliveries.storedAgain}). ` +
        `Inbox rows ${n(w.inbox.rows)} for ${n(w.inbox.expected)} distinct accepted events (${w.inbox.unprocessed} unprocessed); ` +
        `live rows still open or unfetched: ${w.liveRowsOpen}; rows inserted before their last event (not by the webhook path): ${w.insertedEarly}. ` +
        `Waited ${w.drainSeconds} s after the last event. Status codes: ${JSON.stringify(w.statusCodes)}.`,
    );
    if (w.examples.length) parts.push('', 'Wrong figures, first ones:', '', ...w.examples.map((e) => `    ${e}`));
  }
  if (r.soak) parts.push('', endpointTable('(d) soak', r.soak));
  if (r.cluster) {
    parts.push('', endpointTable('(e) through nginx', r.cluster.mix));
    if (r.cluster.sameAnswers.mismatches.length) {
      parts.push(
        '',
        'Answers not the same, or not 200:',
        '',
        ...r.cluster.sameAnswers.mismatches.map((m) => `    ${m}`),
      );
    }
  }
  for (const p of r.profiles ?? []) parts.push('', '### CPU profile', '', formatProfile(p));
  return `${parts.join('\n')}\n`;
}
