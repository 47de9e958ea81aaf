// The one way figures are read: a query (org or platform, range, zone, dimension, with or without the previous
// period) → a plan per period (whole local days from the daily rollups or blocks of days where the dimension
// allows, platform-wide whole UTC hours or blocks of UTC days, raw calls for the rest) → one SQL statement → sums per period and key. Every view (KPIs, series, queue, agents, numbers,
// platform-wide) goes through run(); views only derive and shape.
import { type RawBuilder, sql } from 'kysely';
import type { Tx } from '../db/tenant.js';
import { agentNameSql } from './agent-names.js';
import {
  aggregates,
  EMPTY_SUMS,
  mergeSums,
  ORG_BLOCK_SPANS,
  ORG_BLOCK_TABLES,
  PLATFORM_BLOCK_SPANS,
  PLATFORM_BREAKDOWN_TABLES,
  PLATFORM_ROLLUP,
  PLATFORM_THRESHOLDS,
  pickSums,
  ROLLUP_AGGREGATES,
  ROLLUP_TABLES,
  type RollupTable,
  type Sums,
  type Thresholds,
} from './definitions.js';
import { advance, previousRange, type RangeRequest, type ResolvedRange, resolveRange, truncate } from './range.js';
import { scopedCalls } from './scope.js';
import { type OrgContext, type OrgSettingsMemo, perSettings, readWithSettings } from './settings.js';
import { localParts } from './zoned.js';

export interface MetricsQuery extends RangeRequest {
  orgId: string | null;
  /** platform-wide views only; an org always uses its own zone */
  tz?: string;
  /** also read the previous period (the route's default depends on the view) */
  compare?: boolean;
  /** the server's memo of org settings (services.ts): with it, a warm dashboard read is one statement */
  settings?: OrgSettingsMemo;
}

/** What the sums are grouped by; each key's columns come back under these names. */
export interface DimensionKeys {
  total: Record<string, never>;
  bucket: { bucket: number };
  queue: { queueName: string | null };
  agent: { agentExtension: string; providerAccount: string; provider: string; agentName: string | null };
  number: { phoneNumberId: string; e164: string; label: string | null };
  /** the local hour of day (0–23) and ISO weekday (1 Monday … 7 Sunday) a call started in */
  hourWeekday: { weekday: number; hour: number };
}
export type Dimension = keyof DimensionKeys;

interface DimensionSql {
  /** the key columns over raw calls `c`, named as in DimensionKeys */
  keys: (period: Period) => RawBuilder<unknown>[];
  /** the calls the dimension counts, appended to the scope's WHERE */
  where?: RawBuilder<unknown>;
  /** the daily rollup table (as `r`) that answers this dimension for whole local days, and its key columns; none
   * when daily sums cannot answer it (hours of the day), so it is always read from raw calls */
  rollup?: { from: string; keys: (period: Period) => RawBuilder<unknown>[] };
  /** a statement around the parts' UNION ALL (columns every part would otherwise join for) */
  wrap?: (parts: RawBuilder<unknown>, orgId: string | null) => RawBuilder<unknown>;
  /** platform-wide: the key columns over the platform's hourly rollup `r`, when it can answer this dimension */
  platformKeys?: (period: Period) => RawBuilder<unknown>[];
  /** an org: its blocks of 64, 16 and 4 local days (as `r`) beside the daily rollup (the blocks of one day) */
  orgBlocks?: { from: string; keys: RawBuilder<unknown>[] };
  /** platform-wide: the table of blocks of whole UTC days (as `r`) that answers this dimension, and its key columns */
  platformBlocks?: { from: string; keys: RawBuilder<unknown>[] };
}

/** One period of a query as its parts see it: the range, and its bucket starts built once for all its parts. */
interface Period {
  range: ResolvedRange;
  bucketStarts(): RawBuilder<unknown>;
}

function periodOf(range: ResolvedRange): Period {
  let starts: RawBuilder<unknown> | undefined;
  return {
    range,
    // Epoch seconds in one array literal, one parameter: formatting hundreds of dates as ISO text for every part
    // cost more than the statement. Compared with extract(epoch …) of each row's instant.
    bucketStarts: () => {
      starts ??= sql`${`{${range.buckets.map((d) => d.getTime() / 1000).join(',')}}`}::numeric[]`;
      return starts;
    },
  };
}

/** A rollup table's key columns over `alias`, under their names in answers. */
const keysOf = (t: RollupTable, alias: string) =>
  t.keys.map((k) => sql`${sql.raw(`${alias}.${k.column}`)} AS ${sql.ref(k.name)}`);
const whereOf = (t: RollupTable) => (t.where ? sql.raw(t.where('c')) : undefined);

const DIMENSIONS: Record<Dimension, DimensionSql> = {
  total: { keys: () => [], rollup: { from: `${ROLLUP_TABLES.total.table} r`, keys: () => [] }, platformKeys: () => [] },
  bucket: {
    keys: (p) => [sql`(width_bucket(extract(epoch FROM c.started_at), ${p.bucketStarts()}) - 1)::int AS bucket`],
    rollup: {
      from: `${ROLLUP_TABLES.total.table} r`,
      keys: (p) => [
        sql`(width_bucket(extract(epoch FROM r.day::timestamp AT TIME ZONE ${p.range.timezone}), ${p.bucketStarts()}) - 1)::int AS bucket`,
      ],
    },
    platformKeys: (p) => [sql`(width_bucket(extract(epoch FROM r.hour), ${p.bucketStarts()}) - 1)::int AS bucket`],
  },
  queue: {
    keys: () => keysOf(ROLLUP_TABLES.queue, 'c'),
    where: whereOf(ROLLUP_TABLES.queue),
    rollup: { from: `${ROLLUP_TABLES.queue.table} r`, keys: () => keysOf(ROLLUP_TABLES.queue, 'r') },
    platformBlocks: {
      from: `${PLATFORM_BREAKDOWN_TABLES.queue.table} r`,
      keys: keysOf(PLATFORM_BREAKDOWN_TABLES.queue, 'r'),
    },
  },
  agent: {
    keys: () => keysOf(ROLLUP_TABLES.agent, 'c'),
    where: whereOf(ROLLUP_TABLES.agent),
    rollup: { from: `${ROLLUP_TABLES.agent.table} r`, keys: () => keysOf(ROLLUP_TABLES.agent, 'r') },
    orgBlocks: { from: `${ORG_BLOCK_TABLES.agent.table} r`, keys: keysOf(ORG_BLOCK_TABLES.agent, 'r') },
    platformBlocks: {
      from: `${PLATFORM_BREAKDOWN_TABLES.agent.table} r`,
      keys: keysOf(PLATFORM_BREAKDOWN_TABLES.agent, 'r'),
    },
    // The agent's name looked up once per group, after summing, in the same statement.
    wrap: (parts, orgId) => {
      const name = agentNameSql(orgId, {
        provider: 'u.provider',
        providerAccount: 'u."providerAccount"',
        extension: 'u."agentExtension"',
      });
      return sql`SELECT u.*, ${name} AS "agentName" FROM (${parts}) u`;
    },
  },
  number: {
    keys: () => keysOf(ROLLUP_TABLES.number, 'c'),
    rollup: { from: `${ROLLUP_TABLES.number.table} r`, keys: () => keysOf(ROLLUP_TABLES.number, 'r') },
    orgBlocks: { from: `${ORG_BLOCK_TABLES.number.table} r`, keys: keysOf(ORG_BLOCK_TABLES.number, 'r') },
    platformBlocks: {
      from: `${PLATFORM_BREAKDOWN_TABLES.number.table} r`,
      keys: keysOf(PLATFORM_BREAKDOWN_TABLES.number, 'r'),
    },
    // The number's E.164 and label joined once per group, after summing.
    wrap: (parts) =>
      sql`SELECT u.*, p.e164, p.label FROM (${parts}) u JOIN phone_numbers p ON p.id = u."phoneNumberId"`,
  },
  // The wall clock of the range's zone at each call's start: PostgreSQL's zone rules place a call in the right
  // local hour on both sides of a DST change. Daily rollups carry no hours, so this reads raw calls only.
  hourWeekday: {
    keys: (p) => [
      sql`extract(isodow FROM c.started_at AT TIME ZONE ${p.range.timezone})::int AS weekday`,
      sql`extract(hour FROM c.started_at AT TIME ZONE ${p.range.timezone})::int AS hour`,
    ],
  },
};

interface Window {
  from: Date;
  to: Date;
}

export interface ReadPlan {
  /** whole local days served by rollups, as [fromDay, toDay) dates */
  days: { fromDay: string; toDay: string } | null;
  /** the rest, read from raw calls */
  raw: Window[];
}

const localDate = (d: Date, tz: string) => {
  const p = localParts(d, tz);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
};

/** Whole local days of an org's window come from its daily rollups; partial days at the edges from raw calls. */
export function planRead(orgId: string | null, window: Window, tz: string): ReadPlan {
  if (orgId === null) return { days: null, raw: [window] };
  const startOfFrom = truncate(window.from, 'day', tz);
  const firstMidnight = startOfFrom.getTime() === window.from.getTime() ? window.from : advance(startOfFrom, 'day', tz);
  const lastMidnight = truncate(window.to, 'day', tz);
  if (firstMidnight >= lastMidnight) return { days: null, raw: [window] };
  const raw: Window[] = [];
  if (window.from < firstMidnight) raw.push({ from: window.from, to: firstMidnight });
  if (lastMidnight < window.to) raw.push({ from: lastMidnight, to: window.to });
  return { days: { fromDay: localDate(firstMidnight, tz), toDay: localDate(lastMidnight, tz) }, raw };
}

const HOUR = 3_600_000;
const onHour = (d: Date) => d.getTime() % HOUR === 0;

export interface HourPlan {
  /** whole UTC hours served by the platform's hourly rollup, [from, to) */
  hours: Window | null;
  raw: Window[];
}

/**
 * Platform-wide: whole UTC hours from the hourly rollup, the partial hours at the edges from raw calls. Buckets
 * must start on whole hours for hourly sums to fill them (true in every zone whose offset is whole hours).
 */
export function planHours(window: Window, buckets: Date[] | null): HourPlan {
  const first = new Date(Math.ceil(window.from.getTime() / HOUR) * HOUR);
  const last = new Date(Math.floor(window.to.getTime() / HOUR) * HOUR);
  if (first >= last || (buckets && !buckets.every(onHour))) return { hours: null, raw: [window] };
  const raw: Window[] = [];
  if (window.from < first) raw.push({ from: window.from, to: first });
  if (last < window.to) raw.push({ from: last, to: window.to });
  return { hours: { from: first, to: last }, raw };
}

const DAY = 86_400_000;

export interface BlockPlan {
  /** blocks of whole UTC days served by the platform's breakdown rollups: span in days, first day (YYYY-MM-DD) */
  blocks: Array<{ spanDays: number; firstDay: string }>;
  raw: Window[];
}

/**
 * Platform-wide breakdowns: the whole UTC days of the window as the fewest aligned blocks (the longest span that
 * starts on the day and fits, so spans rise and then fall across the window), the partial days at the edges from
 * raw calls.
 */
export function planBlocks(window: Window): BlockPlan {
  const first = Math.ceil(window.from.getTime() / DAY);
  const last = Math.floor(window.to.getTime() / DAY);
  if (first >= last) return { blocks: [], raw: [window] };
  const blocks = blocksOfDays(first, last, PLATFORM_BLOCK_SPANS);
  const raw: Window[] = [];
  if (window.from.getTime() < first * DAY) raw.push({ from: window.from, to: new Date(first * DAY) });
  if (last * DAY < window.to.getTime()) raw.push({ from: new Date(last * DAY), to: window.to });
  return { blocks, raw };
}

/**
 * Days numbered from 1970-01-01, [first, last), as the fewest aligned blocks: at each day the longest span (longest
 * first in `spans`) that starts there and fits, so spans rise and then fall across the run; 1 when none does.
 */
export function blocksOfDays(first: number, last: number, spans: readonly number[]): BlockPlan['blocks'] {
  const blocks: BlockPlan['blocks'] = [];
  for (let day = first; day < last; ) {
    const span = spans.find((n) => day % n === 0 && day + n <= last) ?? 1;
    blocks.push({ spanDays: span, firstDay: new Date(day * DAY).toISOString().slice(0, 10) });
    day += span;
  }
  return blocks;
}

const dayNumber = (isoDate: string) => Date.parse(`${isoDate}T00:00:00Z`) / DAY;

/** The rows of a block plan in a table aliased `r`: one list of first days per span. */
function blocksWhere(blocks: BlockPlan['blocks']): RawBuilder<unknown> {
  const spans = [...new Set(blocks.map((b) => b.spanDays))];
  return sql.join(
    spans.map((span) => {
      const days = blocks.filter((b) => b.spanDays === span).map((b) => b.firstDay);
      return sql`(r.span_days = ${sql.lit(span)} AND r.first_day = ANY (${`{${days.join(',')}}`}::date[]))`;
    }),
    sql` OR `,
  );
}

const groupBy = (keys: RawBuilder<unknown>[]) =>
  keys.length === 0 ? sql`` : sql`GROUP BY ${sql.raw(keys.map((_, i) => i + 2).join(', '))}`;

const withPart = (part: number, keys: RawBuilder<unknown>[]) => sql.join([sql`${part}::int AS part`, ...keys]);

/**
 * The statement of a query: for each period (`part` 0 the range, 1 the previous period), its rollup days (an org)
 * or hours or blocks of days (platform-wide) and raw edges, grouped by the dimension's keys, as one UNION ALL. `rollups: false` reads raw calls only (the truth the
 * rollups are tested against, and the benchmark's baseline).
 */
export function runSql(
  ctx: Pick<OrgContext, 'orgId' | 'timezone'> & { thresholds: Thresholds },
  windows: ResolvedRange[],
  dimension: Dimension,
  options: { rollups?: boolean } = {},
): RawBuilder<{ part: number } & Sums> {
  const dim = DIMENSIONS[dimension];
  const parts: RawBuilder<unknown>[] = [];
  const rawPart = (part: number, period: Period, w: Window) => {
    const keys = dim.keys(period);
    const from = scopedCalls({ orgId: ctx.orgId, from: w.from, to: w.to });
    const where = dim.where ? sql`AND ${dim.where}` : sql``;
    return sql`SELECT ${withPart(part, keys)}, ${aggregates(ctx.thresholds)} FROM ${from} ${where} ${groupBy(keys)}`;
  };
  windows.forEach((range, part) => {
    const period = periodOf(range);
    const rollups = options.rollups !== false;
    if (ctx.orgId === null) {
      // The hourly rollup holds the platform's thresholds; other thresholds are read from the calls.
      const platformThresholds =
        ctx.thresholds.slThresholdSeconds === PLATFORM_THRESHOLDS.slThresholdSeconds &&
        ctx.thresholds.shortAbandonSeconds === PLATFORM_THRESHOLDS.shortAbandonSeconds;
      const blocks = rollups && platformThresholds ? dim.platformBlocks : undefined;
      if (blocks) {
        const plan = planBlocks(range);
        if (plan.blocks.length > 0) {
          parts.push(sql`SELECT ${withPart(part, blocks.keys)}, ${ROLLUP_AGGREGATES} FROM ${sql.raw(blocks.from)}
            WHERE ${blocksWhere(plan.blocks)} ${groupBy(blocks.keys)}`);
        }
        for (const w of plan.raw) parts.push(rawPart(part, period, w));
        return;
      }
      const platformKeys = rollups && platformThresholds ? dim.platformKeys : undefined;
      const plan = platformKeys
        ? planHours(range, dimension === 'bucket' ? range.buckets : null)
        : { hours: null, raw: [range] };
      if (plan.hours && platformKeys) {
        const keys = platformKeys(period);
        parts.push(sql`SELECT ${withPart(part, keys)}, ${ROLLUP_AGGREGATES} FROM ${sql.raw(PLATFORM_ROLLUP.table)} r
          WHERE r.hour >= ${plan.hours.from}::timestamptz AND r.hour < ${plan.hours.to}::timestamptz ${groupBy(keys)}`);
      }
      for (const w of plan.raw) parts.push(rawPart(part, period, w));
      return;
    }
    // Daily rollups can fill day, week and month buckets, never hours.
    const hourly = dimension === 'bucket' && range.interval === 'hour';
    const plan =
      rollups && !hourly && dim.rollup ? planRead(ctx.orgId, range, ctx.timezone) : { days: null, raw: [range] };
    if (plan.days && dim.orgBlocks && dim.rollup) {
      // Whole local days as blocks: the longer ones from the org's block rollup, single days from the daily one.
      const blocks = blocksOfDays(dayNumber(plan.days.fromDay), dayNumber(plan.days.toDay), ORG_BLOCK_SPANS);
      const long = blocks.filter((b) => b.spanDays > 1);
      const days = blocks.filter((b) => b.spanDays === 1).map((b) => b.firstDay);
      const keys = dim.orgBlocks.keys;
      if (long.length > 0) {
        parts.push(sql`SELECT ${withPart(part, keys)}, ${ROLLUP_AGGREGATES} FROM ${sql.raw(dim.orgBlocks.from)}
          WHERE r.org_id = ${ctx.orgId} AND (${blocksWhere(long)}) ${groupBy(keys)}`);
      }
      if (days.length > 0) {
        const dayKeys = dim.rollup.keys(period);
        parts.push(sql`SELECT ${withPart(part, dayKeys)}, ${ROLLUP_AGGREGATES} FROM ${sql.raw(dim.rollup.from)}
          WHERE r.org_id = ${ctx.orgId} AND r.day = ANY (${`{${days.join(',')}}`}::date[]) ${groupBy(dayKeys)}`);
      }
    } else if (plan.days && dim.rollup) {
      const keys = dim.rollup.keys(period);
      parts.push(sql`SELECT ${withPart(part, keys)}, ${ROLLUP_AGGREGATES} FROM ${sql.raw(dim.rollup.from)}
        WHERE r.org_id = ${ctx.orgId} AND r.day >= ${plan.days.fromDay}::date AND r.day < ${plan.days.toDay}::date
        ${groupBy(keys)}`);
    }
    for (const w of plan.raw) parts.push(rawPart(part, period, w));
  });
  const union = sql`${sql.join(parts, sql` UNION ALL `)}`;
  return (dim.wrap ? dim.wrap(union, ctx.orgId) : union) as RawBuilder<{ part: number } & Sums>;
}

export interface Group<K> {
  key: K;
  current: Sums;
  /** null when the previous period was not asked for; zeros when the key had nothing then */
  previous: Sums | null;
}

export interface RunResult<K> {
  ctx: OrgContext;
  range: ResolvedRange;
  previousRange: ResolvedRange | null;
  /** in no particular order; `total` has exactly one group */
  groups: Group<K>[];
}

/** Rows of runSql summed per key and period. */
export function groupRows<K>(
  rows: ReadonlyArray<Record<string, unknown>>,
  dimension: Dimension,
  compare: boolean,
): Group<K>[] {
  const groups = new Map<unknown, Group<K>>();
  // The key columns: every column of the rows that is not a sum, the period or the org's settings.
  const first = rows[0];
  const keyNames = first
    ? Object.keys(first).filter((n) => !(n in EMPTY_SUMS) && n !== 'part' && !n.startsWith('vs_org_'))
    : [];
  // One key (a bucket, a queue's name): its value is the map's key; several: their values as JSON.
  const [only] = keyNames;
  const idOf =
    keyNames.length === 1 && only !== undefined
      ? (row: Record<string, unknown>) => row[only]
      : (row: Record<string, unknown>) => JSON.stringify(keyNames.map((n) => row[n]));
  for (const row of rows) {
    const id = idOf(row);
    let group = groups.get(id);
    if (!group) {
      const key = Object.fromEntries(keyNames.map((n) => [n, row[n]])) as K;
      group = { key, current: EMPTY_SUMS, previous: compare ? EMPTY_SUMS : null };
      groups.set(id, group);
    }
    const sums = row as unknown as Sums;
    if (row.part === 0) group.current = group.current === EMPTY_SUMS ? pickSums(sums) : mergeSums(group.current, sums);
    else if (group.previous) {
      group.previous = group.previous === EMPTY_SUMS ? pickSums(sums) : mergeSums(group.previous, sums);
    }
  }
  if (dimension === 'total' && groups.size === 0) {
    groups.set('{}', { key: {} as K, current: EMPTY_SUMS, previous: compare ? EMPTY_SUMS : null });
  }
  return [...groups.values()];
}

/** Runs a query grouped by `dimension`: one statement, the org's settings read and checked in it. */
export async function run<D extends Dimension>(
  tx: Tx,
  query: MetricsQuery,
  dimension: D,
  now = new Date(),
): Promise<RunResult<DimensionKeys[D]>> {
  const compare = query.compare === true;
  const windowsFor = perSettings((ctx) => {
    const range = resolveRange(query, ctx.timezone, now);
    return compare ? [range, previousRange(range)] : [range];
  });
  const { ctx, rows } = await readWithSettings(tx, query.settings, query.orgId, query.tz, 'part', (c) =>
    runSql(c, windowsFor(c), dimension),
  );
  const [range, previous] = windowsFor(ctx);
  if (!range) throw new Error('run: no range');
  return {
    ctx,
    range,
    previousRange: previous ?? null,
    groups: groupRows<DimensionKeys[D]>(rows as Array<Record<string, unknown>>, dimension, compare),
  };
}
