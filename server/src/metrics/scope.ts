// "A call belongs to an org": its number is assigned to the org and the call started inside that assignment's
// window. Every query of an org's calls (metrics, calls page, call by id, live calls) states it through this module;
// the row-level security policies and rollup triggers that must repeat it in SQL are checked against it by
// scope-agreement.test.ts.
import { type RawBuilder, sql } from 'kysely';

export interface Scope {
  /** null = platform-wide: every call once */
  orgId: string | null;
  /** null = unbounded on that side */
  from: Date | null;
  to: Date | null;
}

/**
 * The assignment `a` (a row of org_phone_numbers) covers the call `call` (any alias with business_number_id and
 * started_at): same number, started on or after the window's start and before its end (an open window has none).
 */
export function inAssignmentWindow(a: string, call: string): RawBuilder<unknown> {
  const [number, started] = [sql.raw(`${call}.business_number_id`), sql.raw(`${call}.started_at`)];
  const [phone, from, until] = ['phone_number_id', 'assigned_from', 'assigned_until'].map((c) => sql.raw(`${a}.${c}`));
  return sql`${phone} = ${number} AND ${started} >= ${from} AND (${until} IS NULL OR ${started} < ${until})`;
}

/** The org has an assignment covering the call `call`. */
export function callInOrg(orgId: string, call: string): RawBuilder<unknown> {
  return sql`EXISTS (SELECT 1 FROM org_phone_numbers a WHERE a.org_id = ${orgId} AND ${inAssignmentWindow('a', call)})`;
}

export const lowerBound = (d: Date | null) => (d ? sql`${d}::timestamptz` : sql`'-infinity'::timestamptz`);
export const upperBound = (d: Date | null) => (d ? sql`${d}::timestamptz` : sql`'infinity'::timestamptz`);

/**
 * The calls of the scope as `c` (a FROM clause ending in its WHERE, so callers may append `AND …`). For an org:
 * each assignment window of the org's numbers, intersected with the range, is an index range scan on
 * (business_number_id, started_at). Windows of one org and number never overlap (the assignment service
 * guarantees it), so no call is counted twice.
 */
export function scopedCalls(scope: Scope): RawBuilder<unknown> {
  const inRange = sql`c.started_at >= ${lowerBound(scope.from)} AND c.started_at < ${upperBound(scope.to)}`;
  if (scope.orgId === null) return sql`calls c WHERE ${inRange}`;
  // The range bounds stay plain comparisons with parameters so they become index conditions; bounds folded
  // into greatest()/least() with the window are filters under row-level security and scan to the end of data.
  return sql`org_phone_numbers a
    JOIN calls c ON ${inAssignmentWindow('a', 'c')} AND ${inRange}
    WHERE a.org_id = ${scope.orgId}`;
}
