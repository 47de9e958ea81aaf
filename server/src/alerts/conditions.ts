// What each alert rule measures now, and whether its condition holds (docs/alerts.md): live queue figures as the
// wallboard counts them, window figures from stored calls with the dashboard's metric definitions.
import { sql } from 'kysely';
import type { Tx } from '../db/tenant.js';
import type { AlertKind } from '../db/types.js';
import { aggregates, FIGURES, type Sums } from '../metrics/definitions.js';
import { inAssignmentWindow, scopedCalls } from '../metrics/scope.js';
import { STALE_RINGING_MS } from '../mightycall/ingest/live-store.js';
import type { BusinessHoursRange } from './schema.js';

export interface RuleToMeasure {
  orgId: string;
  kind: AlertKind;
  threshold: number;
  windowMinutes: number | null;
  minCalls: number | null;
}

export interface OrgContext {
  timezone: string;
  slThresholdSeconds: number;
  shortAbandonSeconds: number;
  hours: readonly BusinessHoursRange[];
}

export interface Measurement {
  /** the condition holds now */
  active: boolean;
  /** what was measured (percent, calls, seconds, minutes), null when there is nothing to measure */
  value: number | null;
}

const MINUTE = 60_000;

/** ISO weekday (1 = Monday) and minute of the day of `at` in `timezone`. */
export function localWeekMinute(at: Date, timezone: string): { weekday: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(get('weekday')) + 1;
  return { weekday, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

/** The business-hours range `at` falls in, if any. */
export function openRangeAt(at: Date, timezone: string, hours: readonly BusinessHoursRange[]) {
  const { weekday, minute } = localWeekMinute(at, timezone);
  return hours.find((r) => r.weekday === weekday && r.startMinute <= minute && minute < r.endMinute) ?? null;
}

/**
 * Whether the whole span [from, to] lies in business hours: both ends in the same open range of the same local
 * day (a span crossing midnight or a closed gap is not).
 */
export function withinBusinessHours(from: Date, to: Date, timezone: string, hours: readonly BusinessHoursRange[]) {
  const start = openRangeAt(from, timezone, hours);
  const end = openRangeAt(to, timezone, hours);
  return start !== null && start === end && to.getTime() - from.getTime() < 86_400_000;
}

/** The org's calls ringing now, as the wallboard and portfolio count them: how many, and the oldest's start. */
async function ringing(tx: Tx, orgId: string, now: Date): Promise<{ waiting: number; oldest: Date | null }> {
  const after = new Date(now.getTime() - STALE_RINGING_MS);
  const result = await sql<{ waiting: number; oldest: Date | string | null }>`
    SELECT count(*)::int AS waiting, min(w.started_at) AS oldest FROM (
      SELECT DISTINCT lc.connection_id, lc.call_id, lc.started_at
      FROM mightycall_live_calls lc
      JOIN org_phone_numbers a ON ${inAssignmentWindow('a', 'lc')}
      WHERE a.org_id = ${orgId} AND lc.state = 'ringing' AND lc.last_event_at > ${after}
    ) w`.execute(tx);
  const row = result.rows[0];
  return { waiting: row?.waiting ?? 0, oldest: row?.oldest ? new Date(row.oldest) : null };
}

/** The dashboard's sums over the org's calls that started in [from, to). */
async function windowSums(tx: Tx, orgId: string, org: OrgContext, from: Date, to: Date): Promise<Sums> {
  const result = await sql<Sums>`SELECT ${aggregates({
    slThresholdSeconds: org.slThresholdSeconds,
    shortAbandonSeconds: org.shortAbandonSeconds,
  })} FROM ${scopedCalls({ orgId, from, to })}`.execute(tx);
  const row = result.rows[0];
  if (!row) throw new Error('alerts: no sums row');
  return row;
}

/** When the org's latest inbound call started at or before `now`: stored calls and calls still live. */
async function lastInboundStart(tx: Tx, orgId: string, since: Date, now: Date): Promise<Date | null> {
  const result = await sql<{ at: Date | string | null }>`
    SELECT greatest(
      (SELECT max(c.started_at) FROM ${scopedCalls({ orgId, from: since, to: now })} AND c.direction = 'inbound'),
      (SELECT max(lc.started_at) FROM mightycall_live_calls lc
        JOIN org_phone_numbers a ON ${inAssignmentWindow('a', 'lc')}
        WHERE a.org_id = ${orgId} AND lc.direction = 'inbound' AND lc.started_at >= ${since}
          AND lc.started_at < ${now})
    ) AS at`.execute(tx);
  const at = result.rows[0]?.at;
  return at ? new Date(at) : null;
}

/** Measures one rule at `now`. */
export async function measure(tx: Tx, rule: RuleToMeasure, org: OrgContext, now: Date): Promise<Measurement> {
  const windowMs = (rule.windowMinutes ?? 0) * MINUTE;
  const from = new Date(now.getTime() - windowMs);
  switch (rule.kind) {
    case 'calls_waiting': {
      const { waiting } = await ringing(tx, rule.orgId, now);
      return { active: waiting >= rule.threshold, value: waiting };
    }
    case 'longest_wait': {
      const { oldest } = await ringing(tx, rule.orgId, now);
      const seconds = oldest === null ? null : Math.max(0, Math.floor((now.getTime() - oldest.getTime()) / 1000));
      return { active: seconds !== null && seconds >= rule.threshold, value: seconds };
    }
    case 'service_level_below': {
      const sums = await windowSums(tx, rule.orgId, org, from, now);
      const sl = FIGURES.serviceLevelPct(sums);
      const handled = sums.offered - sums.shortAbandoned;
      const enough = handled >= Math.max(1, rule.minCalls ?? 0);
      return { active: enough && sl !== null && sl < rule.threshold, value: sl };
    }
    case 'missed_calls': {
      const missed = FIGURES.missedCalls(await windowSums(tx, rule.orgId, org, from, now));
      return { active: missed >= rule.threshold, value: missed };
    }
    case 'no_inbound': {
      if (!withinBusinessHours(from, now, org.timezone, org.hours)) return { active: false, value: null };
      const last = await lastInboundStart(tx, rule.orgId, from, now);
      if (last !== null) return { active: false, value: Math.floor((now.getTime() - last.getTime()) / MINUTE) };
      return { active: true, value: rule.windowMinutes };
    }
  }
}
