// The portfolio's two statements, for every org at once: each org's last seven local days from its daily rollups,
// and each org's ringing calls from the live state. Neither reads the calls table.
import { sql } from 'kysely';
import type { Tx } from '../db/tenant.js';
import { ROLLUP_ROW_SUMS, ROLLUP_TABLES, type Sums } from '../metrics/definitions.js';
import { inAssignmentWindow } from '../metrics/scope.js';
import { STALE_RINGING_MS } from '../mightycall/ingest/live-store.js';

/** The sparkline's days, today included. */
export const PORTFOLIO_DAYS = 7;

export interface OrgDayRow extends Sums {
  orgId: string;
  name: string;
  timezone: string;
  slThresholdSeconds: number;
  slTargetPct: number;
  /** the org's local date at `now` */
  today: string;
  /** null: the org has no rollup row in the seven days (its one row, sums null) */
  day: string | null;
}

/**
 * One row per org and local day that has calls, over the seven local days ending on each org's own today (the
 * day of `now` in its time zone, as the rollup triggers date calls). An org with no such day comes back once,
 * with `day` null and its sums null. Each org's days are one index range of the rollup's key (org_id, day).
 */
export async function orgDays(tx: Tx, now: Date, nameContains: string | undefined): Promise<OrgDayRow[]> {
  const filter = nameContains ? sql`WHERE strpos(lower(o.name), lower(${nameContains})) > 0` : sql``;
  // Each org's first and last day computed once, as columns (a materialized CTE), so the rollup's key is read as one
  // index range per org by plain comparisons: under row-level security only leakproof operators reach the index
  // ahead of the policy, and `today - 6` in the lookup left it a filter over all of the org's days.
  const result = await sql<OrgDayRow>`
    WITH o AS MATERIALIZED (
      SELECT w.*, w.today - ${PORTFOLIO_DAYS - 1}::int AS first_day
      FROM (
        SELECT o.id, o.name, o.timezone, o.sl_threshold_seconds, o.sl_target_pct,
          (${now}::timestamptz AT TIME ZONE o.timezone)::date AS today
        FROM organizations o ${filter}
      ) w
    )
    SELECT o.id AS "orgId", o.name, o.timezone, o.sl_threshold_seconds::int AS "slThresholdSeconds",
      o.sl_target_pct::float8 AS "slTargetPct", to_char(o.today, 'YYYY-MM-DD') AS today,
      to_char(r.day, 'YYYY-MM-DD') AS day, ${ROLLUP_ROW_SUMS}
    FROM o
    LEFT JOIN LATERAL (
      SELECT * FROM ${sql.raw(ROLLUP_TABLES.total.table)} d
      WHERE d.org_id = o.id AND d.day >= o.first_day AND d.day <= o.today
      -- The LIMIT (never reached: a week has seven days) keeps this a lookup per org; joined flat, the planner
      -- hashed the whole table, every org's every day, to keep one week of each.
      ORDER BY d.day LIMIT ${PORTFOLIO_DAYS}::int
    ) r ON true`.execute(tx);
  return result.rows;
}

export interface OrgWaitingRow {
  orgId: string;
  waiting: number;
  /** when the oldest ringing call started */
  oldest: Date | string | null;
}

/**
 * Per org, its calls ringing at `now` as the wallboard counts them (liveSnapshot: ringing and heard from within
 * the stale limit, on a number assigned to the org when the call started). Orgs with none are absent.
 */
export async function ringingPerOrg(tx: Tx, now: Date): Promise<OrgWaitingRow[]> {
  const ringingAfter = new Date(now.getTime() - STALE_RINGING_MS);
  // DISTINCT: a call counts once per org however many of the org's assignments cover it (none overlap today).
  const result = await sql<OrgWaitingRow>`
    SELECT w.org_id AS "orgId", count(*)::int AS waiting, min(w.started_at) AS oldest
    FROM (
      SELECT DISTINCT a.org_id, lc.connection_id, lc.call_id, lc.started_at
      FROM mightycall_live_calls lc
      JOIN org_phone_numbers a ON ${inAssignmentWindow('a', 'lc')}
      WHERE lc.state = 'ringing' AND lc.last_event_at > ${ringingAfter}
    ) w
    GROUP BY w.org_id`.execute(tx);
  return result.rows;
}

/** Per org, how many of its alert rules are firing now. Orgs with none are absent. */
export async function firingPerOrg(tx: Tx): Promise<Array<{ orgId: string; firing: number }>> {
  const result = await sql<{ orgId: string; firing: number }>`
    SELECT org_id AS "orgId", count(*)::int AS firing FROM alert_rules
    WHERE firing_since IS NOT NULL GROUP BY org_id`.execute(tx);
  return result.rows;
}
