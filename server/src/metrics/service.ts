// The metrics pipeline: query → org settings and range in its time zone → SQL sums → derived figures (+ previous period).
import { type RawBuilder, sql } from 'kysely';
import type { Tx } from '../db/tenant.js';
import { orgNotFound } from '../http/errors.js';
import { compareFigures, deriveFigures, EMPTY_SUMS, ratio, round1 } from './derive.js';
import { rangeBucketsSql, rangeTotalsSql, sumsByBucket, totalsOfWindows } from './plan.js';
import { byAgent, byNumber, byQueue, type Scope, type Thresholds } from './queries.js';
import { previousRange, type RangeRequest, type ResolvedRange, resolveRange } from './range.js';
import type { Figures, KpiChange, KpiFigures } from './schema.js';
import { isoWithOffset } from './zoned.js';

export interface MetricsQuery extends RangeRequest {
  orgId: string | null;
  /** platform-wide views only; an org always uses its own zone */
  tz?: string;
  compare?: boolean;
  /** the server's memo of org settings (services.ts): with it, a warm dashboard read is one statement */
  settings?: OrgSettingsMemo;
}

export interface OrgContext {
  orgId: string | null;
  timezone: string;
  thresholds: Thresholds;
  slTargetPct: number;
}

const platformContext = (tz?: string): OrgContext => ({
  orgId: null,
  timezone: tz ?? 'UTC',
  thresholds: { slThresholdSeconds: 20, shortAbandonSeconds: 10 },
  slTargetPct: 80,
});

interface SettingsRow {
  timezone: string;
  sl_threshold_seconds: number;
  sl_target_pct: string | number;
  short_abandon_seconds: number;
}

const contextOf = (orgId: string, org: SettingsRow): OrgContext => ({
  orgId,
  timezone: org.timezone,
  thresholds: { slThresholdSeconds: org.sl_threshold_seconds, shortAbandonSeconds: org.short_abandon_seconds },
  slTargetPct: Number(org.sl_target_pct),
});

export async function orgContext(tx: Tx, orgId: string | null, tz?: string): Promise<OrgContext> {
  if (orgId === null) return platformContext(tz);
  const org = await tx
    .selectFrom('organizations')
    .select(['timezone', 'sl_threshold_seconds', 'sl_target_pct', 'short_abandon_seconds'])
    .where('id', '=', orgId)
    .executeTakeFirst();
  if (!org) throw orgNotFound();
  return contextOf(orgId, org);
}

/**
 * The settings each org had when this process last read them. Only a guess: readWithSettings checks it against
 * the org's row in the same statement that uses it, so a stale entry (a change made through another process,
 * say) costs a second statement, never a wrong figure. Bounded; cleared when full.
 */
export class OrgSettingsMemo {
  private readonly seen = new Map<string, OrgContext>();

  constructor(private readonly maxEntries = 10_000) {}

  get(orgId: string): OrgContext | undefined {
    return this.seen.get(orgId);
  }

  remember(orgId: string, ctx: OrgContext): void {
    if (this.seen.size >= this.maxEntries && !this.seen.has(orgId)) this.seen.clear();
    this.seen.set(orgId, ctx);
  }

  forget(orgId: string): void {
    this.seen.delete(orgId);
  }
}

const sameSettings = (a: OrgContext, b: OrgContext) =>
  a.timezone === b.timezone &&
  a.slTargetPct === b.slTargetPct &&
  a.thresholds.slThresholdSeconds === b.thresholds.slThresholdSeconds &&
  a.thresholds.shortAbandonSeconds === b.thresholds.shortAbandonSeconds;

interface SettingsColumns {
  vs_org_timezone: string;
  vs_org_sl_threshold_seconds: number;
  vs_org_sl_target_pct: string | number;
  vs_org_short_abandon_seconds: number;
}

/**
 * Runs a statement that depends on the org's settings (time zone, thresholds) and reads those settings in the
 * same statement, so a dashboard read is one round trip. The statement is built for the settings last seen; the
 * org's row comes back beside its rows, and when the two differ the statement is built again for the row's
 * settings and run again. `key` is a column every real row has (not null): the org's row alone, when the
 * statement finds nothing, has it null. An org the caller cannot see (row-level security) is a 404.
 */
export async function readWithSettings<R extends object>(
  tx: Tx,
  settings: OrgSettingsMemo | undefined,
  orgId: string | null,
  tz: string | undefined,
  key: keyof R & string,
  build: (ctx: OrgContext) => RawBuilder<R>,
): Promise<{ ctx: OrgContext; rows: R[] }> {
  if (orgId === null) {
    const ctx = platformContext(tz);
    return { ctx, rows: (await build(ctx).execute(tx)).rows };
  }
  let ctx = settings?.get(orgId) ?? (await orgContext(tx, orgId));
  // A third differing answer means the settings changed between each of three statements: give up loudly.
  for (let attempt = 0; attempt < 3; attempt++) {
    const result = await sql<R & SettingsColumns>`
      SELECT o.timezone AS vs_org_timezone, o.sl_threshold_seconds AS vs_org_sl_threshold_seconds,
        o.sl_target_pct AS vs_org_sl_target_pct, o.short_abandon_seconds AS vs_org_short_abandon_seconds, q.*
      FROM organizations o LEFT JOIN LATERAL (${build(ctx)}) q ON true
      WHERE o.id = ${orgId}`.execute(tx);
    const first = result.rows[0];
    if (!first) {
      settings?.forget(orgId);
      throw orgNotFound();
    }
    const current = contextOf(orgId, {
      timezone: first.vs_org_timezone,
      sl_threshold_seconds: first.vs_org_sl_threshold_seconds,
      sl_target_pct: first.vs_org_sl_target_pct,
      short_abandon_seconds: first.vs_org_short_abandon_seconds,
    });
    settings?.remember(orgId, current);
    if (sameSettings(current, ctx)) {
      // The settings columns stay on each row (callers read their own columns); the org's row alone is dropped.
      const rows: R[] = result.rows.filter((row) => row[key] !== null);
      return { ctx, rows };
    }
    ctx = current;
  }
  throw new Error(`readWithSettings: the settings of org ${orgId} changed during three statements in a row`);
}

/**
 * `derive` computed once per settings object: readWithSettings builds its statement with one and answers with
 * the same object, so what the statement was built from is not computed again afterwards.
 */
function perSettings<T>(derive: (ctx: OrgContext) => T): (ctx: OrgContext) => T {
  const done = new Map<OrgContext, T>();
  return (ctx) => {
    if (!done.has(ctx)) done.set(ctx, derive(ctx));
    return done.get(ctx) as T;
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

export interface Kpis {
  range: ReturnType<typeof describeRange>;
  metrics: KpiFigures;
  previous: KpiFigures | null;
  change: KpiChange | null;
}

/** The KPIs of a range and, unless compare is false, of the previous period and the change between them. */
export async function kpis(tx: Tx, query: MetricsQuery, now = new Date()): Promise<Kpis> {
  const windowsFor = perSettings((ctx) => {
    const range = resolveRange(query, ctx.timezone, now);
    return query.compare === false ? [range] : [range, previousRange(range)];
  });
  const { ctx, rows } = await readWithSettings(tx, query.settings, query.orgId, query.tz, 'part', (c) =>
    rangeTotalsSql(c.orgId, windowsFor(c), c.timezone, c.thresholds),
  );
  const windows = windowsFor(ctx);
  const range = windows[0];
  if (!range) throw new Error('kpis: no range');
  const decorate = (figures: Figures): KpiFigures => ({
    orgId: ctx.orgId,
    ...figures,
    serviceLevelThresholdSeconds: ctx.thresholds.slThresholdSeconds,
    serviceLevelTargetPct: ctx.slTargetPct,
  });
  const [sums, before] = totalsOfWindows(rows, windows.length);
  if (!sums) throw new Error('kpis: no sums');
  const current = deriveFigures(sums);
  if (!before) return { range: describeRange(range), metrics: decorate(current), previous: null, change: null };
  const prior = deriveFigures(before);
  return {
    range: describeRange(range),
    metrics: decorate(current),
    previous: decorate(prior),
    change: compareFigures(current, prior),
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
  const rangeFor = perSettings((ctx) => resolveRange(query, ctx.timezone, now));
  const { ctx, rows } = await readWithSettings(tx, query.settings, query.orgId, query.tz, 'bucket', (c) =>
    rangeBucketsSql(c.orgId, rangeFor(c), c.thresholds),
  );
  const range = rangeFor(ctx);
  const byBucket = sumsByBucket(rows);
  // Every bucket is present, empty ones with zeros.
  const points: SeriesPoint[] = range.buckets.map((start, i) => {
    const m = deriveFigures(byBucket.get(i) ?? EMPTY_SUMS);
    return {
      bucketStart: isoWithOffset(start, ctx.timezone),
      totalCalls: m.totalCalls,
      offered: m.offeredCalls,
      outbound: m.outboundCalls,
      answered: m.answeredCalls,
      missed: m.missedCalls,
      voicemail: m.voicemailCalls,
      serviceLevelPct: m.serviceLevelPct,
      avgWaitSeconds: m.avgWaitSeconds,
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
      const m = deriveFigures(r);
      return {
        queueName: r.queueName,
        totalCalls: m.offeredCalls,
        answered: m.answeredCalls,
        missed: m.missedCalls,
        voicemail: m.voicemailCalls,
        shortAbandoned: m.shortAbandonedCalls,
        answerRatePct: m.answerRatePct,
        serviceLevelPct: m.serviceLevelPct,
        avgWaitSeconds: m.avgWaitSeconds,
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
      const m = deriveFigures(r);
      return {
        phoneNumberId: r.phoneNumberId,
        e164: r.e164,
        label: r.label,
        totalCalls: m.totalCalls,
        offered: m.offeredCalls,
        answered: m.answeredCalls,
        missed: m.missedCalls,
        voicemail: m.voicemailCalls,
        outbound: m.outboundCalls,
        answerRatePct: m.answerRatePct,
        serviceLevelPct: m.serviceLevelPct,
        avgWaitSeconds: m.avgWaitSeconds,
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
      const connected = r.answered + r.outboundConnected;
      return {
        agentExtension: r.agentExtension,
        agentName: names.get(nameKey(r.provider, r.providerAccount, r.agentExtension)) ?? null,
        answered: r.answered,
        outbound: r.outbound,
        outboundConnected: r.outboundConnected,
        avgWaitSeconds: ratio(r.waitSumAnswered, r.answered),
        avgConnectedTalkSeconds: ratio(r.talkSumAll, connected),
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
