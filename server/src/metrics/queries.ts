// Analytics SQL: one scoped call set (org by effective-dated assignment, or platform-wide) and the aggregates over it.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../db/types.js';

/** A transaction (requests run as their principal) or, for benchmarks, the owner connection. */
type Tx = Kysely<DB>;

export interface Scope {
  /** null = platform-wide: every call once */
  orgId: string | null;
  /** null = unbounded on that side */
  from: Date | null;
  to: Date | null;
}

const lower = (d: Date | null) => (d ? sql`${d}::timestamptz` : sql`'-infinity'::timestamptz`);
const upper = (d: Date | null) => (d ? sql`${d}::timestamptz` : sql`'infinity'::timestamptz`);

export interface Thresholds {
  slThresholdSeconds: number;
  shortAbandonSeconds: number;
}

/** Sums and counts only; every rate and average is derived from these (sum, then divide). */
export interface Sums {
  offered: number;
  outbound: number;
  answered: number;
  voicemail: number;
  missed: number;
  shortAbandoned: number;
  slAnswered: number;
  waitSumAnswered: number;
  waitMax: number | null;
  talkSumAnswered: number;
  outboundConnected: number;
  outboundTalkSum: number;
}

/**
 * The calls of the scope as `c`. For an org: each assignment window of the org's numbers, intersected
 * with the range, is an index range scan on (business_number_id, started_at). Windows of one org and
 * number never overlap (the assignment service guarantees it), so no call is counted twice.
 */
export function scopedCalls(scope: Scope, options: { joinNumber?: boolean } = {}): RawBuilder<unknown> {
  const number = options.joinNumber ? sql`JOIN phone_numbers p ON p.id = c.business_number_id` : sql``;
  if (scope.orgId === null) {
    return sql`calls c ${number} WHERE c.started_at >= ${lower(scope.from)} AND c.started_at < ${upper(scope.to)}`;
  }
  // The range bounds stay plain comparisons with parameters so they become index conditions; bounds folded
  // into greatest()/least() with the window are filters under row-level security and scan to the end of data.
  return sql`org_phone_numbers a
    JOIN calls c ON c.business_number_id = a.phone_number_id
      AND c.started_at >= a.assigned_from AND (a.assigned_until IS NULL OR c.started_at < a.assigned_until)
      AND c.started_at >= ${lower(scope.from)} AND c.started_at < ${upper(scope.to)}
    ${number}
    WHERE a.org_id = ${scope.orgId}`;
}

export function aggregates(t: Thresholds): RawBuilder<unknown> {
  return sql`
    count(*) FILTER (WHERE c.direction = 'inbound')::int AS offered,
    count(*) FILTER (WHERE c.direction = 'outbound')::int AS outbound,
    count(*) FILTER (WHERE c.direction = 'inbound' AND c.status = 'answered')::int AS answered,
    count(*) FILTER (WHERE c.direction = 'inbound' AND c.status = 'voicemail')::int AS voicemail,
    count(*) FILTER (WHERE c.direction = 'inbound' AND c.status = 'missed')::int AS missed,
    count(*) FILTER (WHERE c.direction = 'inbound' AND c.status = 'missed' AND c.wait_seconds < ${t.shortAbandonSeconds})::int AS "shortAbandoned",
    count(*) FILTER (WHERE c.direction = 'inbound' AND c.status = 'answered' AND c.wait_seconds <= ${t.slThresholdSeconds})::int AS "slAnswered",
    coalesce(sum(c.wait_seconds) FILTER (WHERE c.direction = 'inbound' AND c.status = 'answered'), 0)::float8 AS "waitSumAnswered",
    (max(c.wait_seconds) FILTER (WHERE c.direction = 'inbound'))::float8 AS "waitMax",
    coalesce(sum(c.talk_seconds) FILTER (WHERE c.direction = 'inbound' AND c.status = 'answered'), 0)::float8 AS "talkSumAnswered",
    count(*) FILTER (WHERE c.direction = 'outbound' AND c.status = 'answered')::int AS "outboundConnected",
    coalesce(sum(c.talk_seconds) FILTER (WHERE c.direction = 'outbound' AND c.status = 'answered'), 0)::float8 AS "outboundTalkSum"`;
}

/** The sums of a scope, as one row (a SELECT without GROUP BY), tagged with `part`. */
export function totalsSql(scope: Scope, t: Thresholds, part = 0): RawBuilder<Sums & { part: number }> {
  return sql`SELECT ${part}::int AS part, ${aggregates(t)} FROM ${scopedCalls(scope)}`;
}

export async function totals(tx: Tx, scope: Scope, t: Thresholds): Promise<Sums> {
  const result = await totalsSql(scope, t).execute(tx);
  const { part: _part, ...sums } = result.rows[0] as Sums & { part: number };
  return sums;
}

/** Sums per bucket; `bucket` is the 0-based index into `bucketStarts` (which must be sorted). */
export function bucketedSql(scope: Scope, t: Thresholds, bucketStarts: Date[]): RawBuilder<Sums & { bucket: number }> {
  const starts = bucketStarts.map((d) => d.toISOString());
  return sql`
    SELECT (width_bucket(c.started_at, ${starts}::timestamptz[]) - 1)::int AS bucket, ${aggregates(t)}
    FROM ${scopedCalls(scope)}
    GROUP BY 1`;
}

export async function byQueue(
  tx: Tx,
  scope: Scope,
  t: Thresholds,
): Promise<Array<Sums & { queueName: string | null }>> {
  const result = await sql<Sums & { queueName: string | null }>`
    SELECT c.queue_name AS "queueName", ${aggregates(t)}
    FROM ${scopedCalls(scope)} AND c.direction = 'inbound'
    GROUP BY 1 ORDER BY offered DESC, 1`.execute(tx);
  return result.rows;
}

export async function byNumber(
  tx: Tx,
  scope: Scope,
  t: Thresholds,
): Promise<Array<Sums & { phoneNumberId: string; e164: string; label: string | null }>> {
  const result = await sql<Sums & { phoneNumberId: string; e164: string; label: string | null }>`
    WITH per AS (SELECT c.business_number_id AS id, ${aggregates(t)} FROM ${scopedCalls(scope)} GROUP BY 1)
    SELECT per.*, per.id AS "phoneNumberId", p.e164, p.label FROM per JOIN phone_numbers p ON p.id = per.id
    ORDER BY per.offered + per.outbound DESC, p.e164`.execute(tx);
  return result.rows;
}

export interface AgentSums extends Sums {
  agentExtension: string;
  providerAccount: string;
  provider: string;
  talkSumAll: number;
}

export async function byAgent(tx: Tx, scope: Scope, t: Thresholds): Promise<AgentSums[]> {
  const result = await sql<AgentSums>`
    SELECT c.agent_extension AS "agentExtension", c.provider_account AS "providerAccount", c.provider, ${aggregates(t)},
      coalesce(sum(c.talk_seconds) FILTER (WHERE c.status = 'answered'), 0)::float8 AS "talkSumAll"
    FROM ${scopedCalls(scope)} AND c.agent_extension IS NOT NULL
    GROUP BY 1, 2, 3 ORDER BY answered DESC, 1`.execute(tx);
  return result.rows;
}

const ROLLUP_SUMS = sql`
    coalesce(sum(r.offered), 0)::int AS offered,
    coalesce(sum(r.outbound), 0)::int AS outbound,
    coalesce(sum(r.answered), 0)::int AS answered,
    coalesce(sum(r.voicemail), 0)::int AS voicemail,
    coalesce(sum(r.missed), 0)::int AS missed,
    coalesce(sum(r.short_abandoned), 0)::int AS "shortAbandoned",
    coalesce(sum(r.sl_answered), 0)::int AS "slAnswered",
    coalesce(sum(r.wait_sum_answered), 0)::float8 AS "waitSumAnswered",
    max(r.wait_max)::float8 AS "waitMax",
    coalesce(sum(r.talk_sum_answered), 0)::float8 AS "talkSumAnswered",
    coalesce(sum(r.outbound_connected), 0)::int AS "outboundConnected",
    coalesce(sum(r.outbound_talk_sum), 0)::float8 AS "outboundTalkSum"`;

/** Whole local days [fromDay, toDay) of an org from its daily rollups (kept exact by triggers; migration 0005). */
export function rollupTotalsSql(
  orgId: string,
  fromDay: string,
  toDay: string,
  part = 0,
): RawBuilder<Sums & { part: number }> {
  return sql`SELECT ${part}::int AS part, ${ROLLUP_SUMS} FROM org_daily_rollups r
    WHERE r.org_id = ${orgId} AND r.day >= ${fromDay}::date AND r.day < ${toDay}::date`;
}

/** Daily rollups summed into local buckets (day, week or month); `bucket` indexes `bucketStarts`. */
export function rollupBucketedSql(
  orgId: string,
  fromDay: string,
  toDay: string,
  timezone: string,
  bucketStarts: Date[],
): RawBuilder<Sums & { bucket: number }> {
  const starts = bucketStarts.map((d) => d.toISOString());
  return sql`
    SELECT (width_bucket(r.day::timestamp AT TIME ZONE ${timezone}, ${starts}::timestamptz[]) - 1)::int AS bucket, ${ROLLUP_SUMS}
    FROM org_daily_rollups r
    WHERE r.org_id = ${orgId} AND r.day >= ${fromDay}::date AND r.day < ${toDay}::date
    GROUP BY 1`;
}
