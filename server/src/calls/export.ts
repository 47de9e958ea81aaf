// The CSV export of the call log in time slices: the rollups say how many calls each local day (an org) or UTC hour
// (platform-wide) holds, and consecutive ones are grouped into slices of about SLICE_CALLS calls (the first one
// smaller), each read in one statement, newest first. The slices cover the whole range without gaps, so nothing is
// lost however the counts move while the export runs, and each call is read once.
import { sql } from 'kysely';
import type { Tx } from '../db/tenant.js';
import { PLATFORM_ROLLUP, ROLLUP_TABLES } from '../metrics/definitions.js';
import { resolveRange } from '../metrics/range.js';
import { orgContext } from '../metrics/settings.js';
import { isoWithOffset, zonedInstant } from '../metrics/zoned.js';
import { type CallFilters, filterSql } from './service.js';

export const SLICE_CALLS = 20_000;
/** The first slice is small, so the first rows go out at once. */
const FIRST_SLICE_CALLS = 1_000;

export interface Slice {
  /** null: unbounded on that side */
  from: Date | null;
  to: Date | null;
}

interface Unit {
  start: Date;
  calls: number;
}

export interface ExportPlan {
  /** the org's zone (UTC platform-wide): local-time columns and the file's date */
  timeZone: string;
  /** newest first */
  slices: Slice[];
}

/** The export's zone and slices. Also checks the filters (a bad one is a 400 before the first byte). */
export async function planExport(
  tx: Tx,
  f: CallFilters,
  now = new Date(),
  sliceCalls = SLICE_CALLS,
): Promise<ExportPlan> {
  filterSql(f);
  const hasRange = Boolean(f.range || f.from || f.to);
  const tz = f.orgId === null ? 'UTC' : (await orgContext(tx, f.orgId)).timezone;
  const range = hasRange ? resolveRange(f, tz, now) : null;
  // The hour or local day holding the range's start, through the one holding its end.
  const hours = range ? sql`AND hour > ${range.from}::timestamptz - interval '1 hour' AND hour < ${range.to}` : sql``;
  const days = range
    ? sql`AND day >= (${range.from}::timestamptz AT TIME ZONE ${tz})::date AND day <= (${range.to}::timestamptz AT TIME ZONE ${tz})::date`
    : sql``;
  const units: Unit[] =
    f.orgId === null
      ? (
          await sql<{ start: Date; calls: number }>`SELECT hour AS start, (offered + outbound)::int AS calls
            FROM ${sql.table(PLATFORM_ROLLUP.table)}
            WHERE offered + outbound > 0 ${hours}
            ORDER BY hour DESC`.execute(tx)
        ).rows
      : (
          await sql<{
            day: string;
            calls: number;
          }>`SELECT to_char(day, 'YYYY-MM-DD') AS day, (offered + outbound)::int AS calls
            FROM ${sql.table(ROLLUP_TABLES.total.table)}
            WHERE org_id = ${f.orgId} AND offered + outbound > 0 ${days}
            ORDER BY day DESC`.execute(tx)
        ).rows.map((r) => {
          const [y, m, d] = r.day.split('-').map(Number) as [number, number, number];
          return { start: zonedInstant(y, m, d, 0, tz), calls: r.calls };
        });
  // Slices end where the next (older) one starts; the newest reaches the range's end, the oldest its start.
  const slices: Slice[] = [];
  let to: Date | null = range?.to ?? null;
  let sum = 0;
  units.forEach((unit, i) => {
    sum += unit.calls;
    const last = i === units.length - 1;
    if (sum >= (slices.length === 0 ? Math.min(FIRST_SLICE_CALLS, sliceCalls) : sliceCalls) || last) {
      const from = last ? (range?.from ?? null) : unit.start;
      if (!range || !from || from < range.to)
        slices.push({ from: range && from && from < range.from ? range.from : from, to });
      to = from;
      sum = 0;
    }
  });
  return {
    timeZone: tz,
    slices: slices.length > 0 ? slices : [{ from: range?.from ?? null, to: range?.to ?? null }],
  };
}

/** The file's name: the date on the org's clock (calls-2026-12-06.csv late on Dec 6 in New York, not Dec 7). */
export function exportFileName(timeZone: string, now = new Date()): string {
  return `calls-${isoWithOffset(now, timeZone).slice(0, 10)}.csv`;
}
