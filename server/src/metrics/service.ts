// The metrics pipeline: query → org settings and range in its time zone → SQL sums → derived figures (+ previous period).
import type { Tx } from '../db/tenant.js';
import { AppError } from '../http/errors.js';
import { type Change, compareMetrics, deriveMetrics, EMPTY_SUMS, type Metrics, ratio, round1 } from './derive.js';
import { rangeBuckets, rangeTotalsMany } from './plan.js';
import { byAgent, byNumber, byQueue, type Scope, type Thresholds } from './queries.js';
import { previousRange, type RangeRequest, type ResolvedRange, resolveRange } from './range.js';
import { isoWithOffset } from './zoned.js';

export interface MetricsQuery extends RangeRequest {
  orgId: string | null;
  /** platform-wide views only; an org always uses its own zone */
  tz?: string;
  compare?: boolean;
}

export interface OrgContext {
  orgId: string | null;
  timezone: string;
  thresholds: Thresholds;
  slTargetPct: number;
}

export async function orgContext(tx: Tx, orgId: string | null, tz?: string): Promise<OrgContext> {
  if (orgId === null) {
    return {
      orgId,
      timezone: tz ?? 'UTC',
      thresholds: { slThresholdSeconds: 20, shortAbandonSeconds: 10 },
      slTargetPct: 80,
    };
  }
  const org = await tx
    .selectFrom('organizations')
    .select(['timezone', 'sl_threshold_seconds', 'sl_target_pct', 'short_abandon_seconds'])
    .where('id', '=', orgId)
    .executeTakeFirst();
  if (!org) throw new AppError(404, 'org_not_found', 'Organization not found');
  return {
    orgId,
    timezone: org.timezone,
    thresholds: { slThresholdSeconds: org.sl_threshold_seconds, shortAbandonSeconds: org.short_abandon_seconds },
    slTargetPct: Number(org.sl_target_pct),
  };
}

function scopeOf(ctx: OrgContext, range: Pick<ResolvedRange, 'from' | 'to'>): Scope {
  return { orgId: ctx.orgId, from: range.from, to: range.to };
}

export function describeRange(range: ResolvedRange) {
  return {
    from: isoWithOffset(range.from, range.timezone),
    to: isoWithOffset(range.to, range.timezone),
    periodEnd: isoWithOffset(range.periodEnd, range.timezone),
    timezone: range.timezone,
    interval: range.interval,
  };
}

export type MetricsWithOrg = Metrics & {
  org_id: string | null;
  service_level_threshold_seconds: number;
  service_level_target_pct: number;
};

export interface ClientMetrics {
  range: ReturnType<typeof describeRange>;
  metrics: MetricsWithOrg;
  previous: MetricsWithOrg | null;
  change: Change | null;
}

export async function clientMetrics(tx: Tx, query: MetricsQuery, now = new Date()): Promise<ClientMetrics> {
  const ctx = await orgContext(tx, query.orgId, query.tz);
  const range = resolveRange(query, ctx.timezone, now);
  const decorate = (m: Metrics): MetricsWithOrg => ({
    org_id: ctx.orgId,
    ...m,
    service_level_threshold_seconds: ctx.thresholds.slThresholdSeconds,
    service_level_target_pct: ctx.slTargetPct,
  });
  const windows = query.compare === false ? [range] : [range, previousRange(range)];
  const [sums, before] = await rangeTotalsMany(tx, ctx.orgId, windows, ctx.timezone, ctx.thresholds);
  if (!sums) throw new Error('clientMetrics: no sums');
  const current = deriveMetrics(sums);
  if (!before) return { range: describeRange(range), metrics: decorate(current), previous: null, change: null };
  const prior = deriveMetrics(before);
  return {
    range: describeRange(range),
    metrics: decorate(current),
    previous: decorate(prior),
    change: compareMetrics(current, prior),
  };
}

export interface SeriesPoint {
  bucketStart: string;
  totalCalls: number;
  offered: number;
  outbound: number;
  answered: number;
  missed: number;
  voicemail: number;
  serviceLevelPct: number | null;
  avgWaitSeconds: number | null;
}

export async function series(tx: Tx, query: MetricsQuery, now = new Date()) {
  const ctx = await orgContext(tx, query.orgId, query.tz);
  const range = resolveRange(query, ctx.timezone, now);
  const byBucket = await rangeBuckets(tx, ctx.orgId, range, ctx.thresholds);
  // Every bucket is present, empty ones with zeros.
  const points: SeriesPoint[] = range.buckets.map((start, i) => {
    const m = deriveMetrics(byBucket.get(i) ?? EMPTY_SUMS);
    return {
      bucketStart: isoWithOffset(start, ctx.timezone),
      totalCalls: m.total_calls,
      offered: m.offered_calls,
      outbound: m.outbound_calls,
      answered: m.answered_calls,
      missed: m.missed_calls,
      voicemail: m.voicemail_calls,
      serviceLevelPct: m.service_level_pct,
      avgWaitSeconds: m.avg_wait_seconds,
    };
  });
  return { interval: range.interval, timezone: ctx.timezone, range: describeRange(range), points };
}

export async function queueSummary(tx: Tx, query: MetricsQuery, now = new Date()) {
  const ctx = await orgContext(tx, query.orgId, query.tz);
  const range = resolveRange(query, ctx.timezone, now);
  const rows = await byQueue(tx, scopeOf(ctx, range), ctx.thresholds);
  return {
    range: describeRange(range),
    items: rows.map((r) => {
      const m = deriveMetrics(r);
      return {
        queueName: r.queueName,
        totalCalls: m.offered_calls,
        answered: m.answered_calls,
        missed: m.missed_calls,
        voicemail: m.voicemail_calls,
        shortAbandoned: m.short_abandoned_calls,
        answerRatePct: m.answer_rate_pct,
        serviceLevelPct: m.service_level_pct,
        avgWaitSeconds: m.avg_wait_seconds,
      };
    }),
  };
}

export async function numberBreakdown(tx: Tx, query: MetricsQuery, now = new Date()) {
  const ctx = await orgContext(tx, query.orgId, query.tz);
  const range = resolveRange(query, ctx.timezone, now);
  const rows = await byNumber(tx, scopeOf(ctx, range), ctx.thresholds);
  return {
    range: describeRange(range),
    items: rows.map((r) => {
      const m = deriveMetrics(r);
      return {
        phoneNumberId: r.phoneNumberId,
        e164: r.e164,
        label: r.label,
        offered: m.offered_calls,
        answered: m.answered_calls,
        missed: m.missed_calls,
        voicemail: m.voicemail_calls,
        outbound: m.outbound_calls,
        answerRatePct: m.answer_rate_pct,
        serviceLevelPct: m.service_level_pct,
        avgWaitSeconds: m.avg_wait_seconds,
      };
    }),
  };
}

export async function agentBreakdown(tx: Tx, query: MetricsQuery, now = new Date()) {
  const ctx = await orgContext(tx, query.orgId, query.tz);
  const range = resolveRange(query, ctx.timezone, now);
  const rows = await byAgent(tx, scopeOf(ctx, range), ctx.thresholds);
  const names = await agentNames(
    tx,
    ctx.orgId,
    rows.map((r) => ({ provider: r.provider, providerAccount: r.providerAccount, extension: r.agentExtension })),
  );
  // One row per extension even when calls came from several provider accounts.
  const merged = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    const prev = merged.get(r.agentExtension);
    merged.set(r.agentExtension, prev ? mergeAgentSums(prev, r) : r);
  }
  return {
    range: describeRange(range),
    items: [...merged.values()].map((r) => {
      const handled = r.answered + r.outboundConnected;
      return {
        agentExtension: r.agentExtension,
        agentName: names.get(nameKey(r.provider, r.providerAccount, r.agentExtension)) ?? null,
        answered: r.answered,
        outbound: r.outbound,
        outboundConnected: r.outboundConnected,
        avgWaitSeconds: ratio(r.waitSumAnswered, r.answered),
        avgTalkSeconds: ratio(r.talkSumAll, handled),
        totalTalkSeconds: round1(r.talkSumAll),
      };
    }),
  };
}

function mergeAgentSums<T extends { talkSumAll: number } & typeof EMPTY_SUMS>(a: T, b: T): T {
  const out = { ...a };
  for (const key of Object.keys(EMPTY_SUMS) as Array<keyof typeof EMPTY_SUMS>) {
    if (key === 'waitMax') out.waitMax = Math.max(a.waitMax ?? 0, b.waitMax ?? 0);
    else out[key] = a[key] + b[key];
  }
  out.talkSumAll = a.talkSumAll + b.talkSumAll;
  return out;
}

const nameKey = (provider: string, account: string, extension: string) =>
  `${provider}\u0000${account}\u0000${extension}`;

/**
 * Extension → display name: the org member linked to that MightyCall extension first, then the
 * provider's agent directory; null when neither knows the extension.
 */
export async function agentNames(
  tx: Tx,
  orgId: string | null,
  keys: ReadonlyArray<{ provider: string; providerAccount: string; extension: string | null }>,
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const wanted = keys.filter(
    (k): k is { provider: string; providerAccount: string; extension: string } => k.extension !== null,
  );
  if (wanted.length === 0) return names;
  const extensions = [...new Set(wanted.map((k) => k.extension))];
  const directory = await tx
    .selectFrom('agents')
    .select(['provider', 'provider_account', 'extension', 'display_name'])
    .where('extension', 'in', extensions)
    .execute();
  for (const a of directory) names.set(nameKey(a.provider, a.provider_account, a.extension), a.display_name);
  if (orgId !== null) {
    const members = await tx
      .selectFrom('org_memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.mightycall_extension as extension', 'u.display_name'])
      .where('m.org_id', '=', orgId)
      .where('m.mightycall_extension', 'in', extensions)
      .execute();
    const byExtension = new Map(members.map((m) => [m.extension, m.display_name]));
    for (const k of wanted) {
      const member = byExtension.get(k.extension);
      if (member) names.set(nameKey(k.provider, k.providerAccount, k.extension), member);
    }
  }
  return names;
}

export { nameKey };
