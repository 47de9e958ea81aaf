// The agency's portfolio: every client org's today (the same figures as its dashboard), seven-day trend and live
// queue, worst first. Served from the daily rollups and the live state, two statements for all orgs.
import type { Tx } from '../db/tenant.js';
import { AppError } from '../http/errors.js';
import { EMPTY_SUMS, FIGURES, round1, type Sums } from '../metrics/definitions.js';
import { firingPerOrg, type OrgDayRow, orgDays, PORTFOLIO_DAYS, ringingPerOrg } from './queries.js';
import {
  PORTFOLIO_SORT_FIELDS,
  type Portfolio,
  type PortfolioOrg,
  type PortfolioQuery,
  type PortfolioSortField,
} from './schema.js';

const DAY_MS = 86_400_000;

/** The local dates of the sparkline: the six days before `today` and today, oldest first. */
export function sparklineDays(today: string): string[] {
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const end = Date.UTC(y, m - 1, d);
  return Array.from({ length: PORTFOLIO_DAYS }, (_, i) =>
    new Date(end - (PORTFOLIO_DAYS - 1 - i) * DAY_MS).toISOString().slice(0, 10),
  );
}

const { offeredCalls, answeredCalls, answerRatePct, serviceLevelPct } = FIGURES;

/** One org's entry from its rows (one per day with calls, or one with `day` null) and its ringing calls. */
function orgOf(
  rows: OrgDayRow[],
  days: readonly string[],
  waiting: { waiting: number; oldest: Date | string | null } | undefined,
  alertsFiring: number,
  now: Date,
): PortfolioOrg {
  const [first] = rows;
  if (!first) throw new Error('portfolio: an org without rows');
  // A row's sums are read as they are (each figure reads only its own sums), without copying them out first.
  const byDay = new Map<string, Sums>();
  for (const row of rows) if (row.day !== null) byDay.set(row.day, row);
  const today = byDay.get(first.today) ?? EMPTY_SUMS;
  const sl = serviceLevelPct(today);
  const oldest = waiting?.oldest ? new Date(waiting.oldest).getTime() : null;
  return {
    orgId: first.orgId,
    name: first.name,
    timezone: first.timezone,
    today: first.today,
    offeredCalls: offeredCalls(today),
    answeredCalls: answeredCalls(today),
    answerRatePct: answerRatePct(today),
    serviceLevelPct: sl,
    serviceLevelTargetPct: first.slTargetPct,
    serviceLevelThresholdSeconds: first.slThresholdSeconds,
    serviceLevelGapPts: sl === null ? null : round1(sl - first.slTargetPct),
    waitingNow: waiting?.waiting ?? 0,
    longestWaitNowSeconds: oldest === null ? null : Math.max(0, Math.floor((now.getTime() - oldest) / 1000)),
    alertsFiring,
    days: days.map((day) => {
      const sums = byDay.get(day) ?? EMPTY_SUMS;
      return {
        day,
        offeredCalls: offeredCalls(sums),
        answerRatePct: answerRatePct(sums),
        serviceLevelPct: serviceLevelPct(sums),
      };
    }),
  };
}

type Compare = (a: PortfolioOrg, b: PortfolioOrg) => number;

// One collator for every comparison: localeCompare with options builds a new one per call.
const names = new Intl.Collator('en', { sensitivity: 'base' });

/** Ascending, empty (null) values last. */
function ascending(a: number | string | null, b: number | string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'string' && typeof b === 'string') return names.compare(a, b);
  return a < b ? -1 : 1;
}

/** Descending, empty (null) values still last. */
const descending = (a: number | string | null, b: number | string | null) =>
  a === null || b === null ? ascending(a, b) : ascending(b, a);

const byName: Compare = (a, b) => ascending(a.name, b.name) || ascending(a.orgId, b.orgId);

/**
 * Worst first (docs/metrics.md, "Portfolio"): service level furthest below the org's own target, then the lowest
 * answer rate, then the most calls waiting now and the longest wait now, then by name. An org with no answered
 * or missed call today has no service level and no answer rate, so it follows every org that has one.
 */
export const worstFirst: Compare = (a, b) =>
  ascending(a.serviceLevelGapPts, b.serviceLevelGapPts) ||
  ascending(a.answerRatePct, b.answerRatePct) ||
  descending(a.waitingNow, b.waitingNow) ||
  descending(a.longestWaitNowSeconds, b.longestWaitNowSeconds) ||
  byName(a, b);

/** The order a `sort` parameter names; anything else is a 400 naming the field. */
export function portfolioOrder(sort: string | undefined): { sort: string; compare: Compare } {
  if (sort === undefined || sort === '' || sort === 'worst') return { sort: 'worst', compare: worstFirst };
  const desc = sort.startsWith('-');
  const field = (desc ? sort.slice(1) : sort) as PortfolioSortField;
  if (!PORTFOLIO_SORT_FIELDS.includes(field)) {
    throw new AppError(400, 'invalid_request', `sort: unknown field ${JSON.stringify(field.slice(0, 40))}`, {
      field: 'sort',
      fields: ['worst', ...PORTFOLIO_SORT_FIELDS],
    });
  }
  const direction = desc ? descending : ascending;
  return { sort, compare: (a, b) => direction(a[field], b[field]) || byName(a, b) };
}

/** Every org the caller sees (row-level security: platform admins see all), figures as of `now`. */
export async function portfolio(tx: Tx, query: PortfolioQuery, now: Date): Promise<Portfolio> {
  const order = portfolioOrder(query.sort);
  const q = query.q?.trim();
  const rows = await orgDays(tx, now, q === '' ? undefined : q);
  const ringing = new Map((await ringingPerOrg(tx, now)).map((r) => [r.orgId, r]));
  const firing = new Map((await firingPerOrg(tx)).map((r) => [r.orgId, r.firing]));
  const perOrg = new Map<string, OrgDayRow[]>();
  for (const row of rows) {
    const list = perOrg.get(row.orgId);
    if (list) list.push(row);
    else perOrg.set(row.orgId, [row]);
  }
  // Orgs share a handful of local dates (one per zone offset's side of midnight): each date's week built once.
  const weeks = new Map<string, string[]>();
  const weekOf = (today: string) => weeks.get(today) ?? weeks.set(today, sparklineDays(today)).get(today) ?? [];
  const orgs = [...perOrg.values()].map((list) => {
    const first = list[0];
    if (!first) throw new Error('portfolio: an org without rows');
    return orgOf(list, weekOf(first.today), ringing.get(first.orgId), firing.get(first.orgId) ?? 0, now);
  });
  orgs.sort(order.compare);
  return {
    asOf: now.toISOString(),
    sort: order.sort,
    total: orgs.length,
    truncated: orgs.length > query.limit,
    orgs: orgs.slice(0, query.limit),
  };
}
