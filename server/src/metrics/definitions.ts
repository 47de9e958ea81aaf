// Every metric defined once: the sums counted over calls (SQL, rollup column, merge) and the figures derived from them.
// Queries over raw calls, reads of the daily rollups, merges in JS and the rollup triggers of migration 0005 (checked
// by definitions.test.ts) all come from these two tables.
import { type RawBuilder, sql } from 'kysely';
import { sqlText } from '../db/sql-text.js';
import type { FigureName, Figures } from './schema.js';

/** The org settings a sum depends on; in a query they are parameters, in the rollup triggers the org's columns. */
export interface Thresholds {
  slThresholdSeconds: number;
  shortAbandonSeconds: number;
}

interface SumDefinition {
  /** the key in Sums and the column alias of every query */
  name: string;
  /** the column of org_daily_rollups */
  column: string;
  /** count the calls, sum a column of them, or take its maximum (a maximum merges by max, not +) */
  agg: 'count' | 'sum' | 'max';
  of?: 'wait_seconds' | 'talk_seconds';
  direction: 'inbound' | 'outbound';
  status?: 'answered' | 'voicemail' | 'missed';
  wait?: { op: '<' | '<='; than: keyof Thresholds };
  type: 'int' | 'float8';
}

export const SUMS = [
  { name: 'offered', column: 'offered', agg: 'count', direction: 'inbound', type: 'int' },
  { name: 'outbound', column: 'outbound', agg: 'count', direction: 'outbound', type: 'int' },
  { name: 'answered', column: 'answered', agg: 'count', direction: 'inbound', status: 'answered', type: 'int' },
  { name: 'voicemail', column: 'voicemail', agg: 'count', direction: 'inbound', status: 'voicemail', type: 'int' },
  { name: 'missed', column: 'missed', agg: 'count', direction: 'inbound', status: 'missed', type: 'int' },
  {
    name: 'shortAbandoned',
    column: 'short_abandoned',
    agg: 'count',
    direction: 'inbound',
    status: 'missed',
    wait: { op: '<', than: 'shortAbandonSeconds' },
    type: 'int',
  },
  {
    name: 'slAnswered',
    column: 'sl_answered',
    agg: 'count',
    direction: 'inbound',
    status: 'answered',
    wait: { op: '<=', than: 'slThresholdSeconds' },
    type: 'int',
  },
  {
    name: 'waitSumAnswered',
    column: 'wait_sum_answered',
    agg: 'sum',
    of: 'wait_seconds',
    direction: 'inbound',
    status: 'answered',
    type: 'float8',
  },
  { name: 'waitMax', column: 'wait_max', agg: 'max', of: 'wait_seconds', direction: 'inbound', type: 'float8' },
  {
    name: 'talkSumAnswered',
    column: 'talk_sum_answered',
    agg: 'sum',
    of: 'talk_seconds',
    direction: 'inbound',
    status: 'answered',
    type: 'float8',
  },
  {
    name: 'outboundConnected',
    column: 'outbound_connected',
    agg: 'count',
    direction: 'outbound',
    status: 'answered',
    type: 'int',
  },
  {
    name: 'outboundTalkSum',
    column: 'outbound_talk_sum',
    agg: 'sum',
    of: 'talk_seconds',
    direction: 'outbound',
    status: 'answered',
    type: 'float8',
  },
] as const satisfies readonly SumDefinition[];

export type Def = (typeof SUMS)[number];

/** Sums and counts only; every rate and average is derived from these (sum, then divide). A maximum of nothing is null. */
export type Sums = { [D in Def as D['name']]: D['agg'] extends 'max' ? number | null : number };
export type SumName = keyof Sums;

export const EMPTY_SUMS: Sums = Object.fromEntries(SUMS.map((d) => [d.name, d.agg === 'max' ? null : 0])) as Sums;

const ADDED = SUMS.filter((d) => d.agg !== 'max').map((d) => d.name);
const MAXED = SUMS.filter((d) => d.agg === 'max').map((d) => d.name);
type SumRecord = Record<SumName, number | null>;

export function mergeSums(a: Sums, b: Sums): Sums {
  // A copy of the zeros has every field in place already (one object shape for all sums).
  const out: SumRecord = { ...EMPTY_SUMS };
  for (const n of ADDED) out[n] = (a[n] as number) + (b[n] as number);
  for (const n of MAXED) {
    const x = a[n];
    const y = b[n];
    out[n] = x === null ? y : y === null ? x : Math.max(x, y);
  }
  return out as Sums;
}

/** The sums alone, out of a row that also carries keys and other columns. */
export function pickSums(row: Sums): Sums {
  const out: SumRecord = { ...EMPTY_SUMS };
  for (const n of ADDED) out[n] = row[n];
  for (const n of MAXED) out[n] = row[n];
  return out as Sums;
}

/** SQL for a threshold: a parameter in queries, a column reference (e.g. `o.sl_threshold_seconds`) in triggers. */
export type ThresholdSql = Record<keyof Thresholds, RawBuilder<unknown>>;

/** Platform-wide figures (no org, so no org settings) use the defaults a new org gets. */
export const PLATFORM_THRESHOLDS: Thresholds = { slThresholdSeconds: 20, shortAbandonSeconds: 10 };
export const PLATFORM_SL_TARGET_PCT = 80;

/** The platform-wide sums of every call once, per UTC hour (readable by platform admins only). */
export const PLATFORM_ROLLUP = { table: 'platform_hourly_rollups' } as const;

/** Which calls a sum counts, over calls aliased `alias`. */
export function conditionsOf(d: Def, alias: string, t: ThresholdSql): RawBuilder<unknown>[] {
  const col = (name: string) => sql.raw(`${alias}.${name}`);
  const conditions: RawBuilder<unknown>[] = [sql`${col('direction')} = ${sql.lit(d.direction)}`];
  if ('status' in d) conditions.push(sql`${col('status')} = ${sql.lit(d.status)}`);
  if ('wait' in d) conditions.push(sql`${col('wait_seconds')} ${sql.raw(d.wait.op)} ${t[d.wait.than]}`);
  return conditions;
}

/** The aggregate of one sum over calls aliased `alias`, without a cast or a name (the form the triggers use). */
export function aggregateOf(d: Def, alias: string, t: ThresholdSql): RawBuilder<unknown> {
  const col = (name: string) => sql.raw(`${alias}.${name}`);
  const filter = sql`FILTER (WHERE ${sql.join(conditionsOf(d, alias, t), sql` AND `)})`;
  if (d.agg === 'count') return sql`count(*) ${filter}`;
  if (d.agg === 'max') return sql`max(${col(d.of)}) ${filter}`;
  return sql`coalesce(sum(${col(d.of)}) ${filter}, 0)`;
}

const named = (d: Def, value: RawBuilder<unknown>) => sql`(${value})::${sql.raw(d.type)} AS ${sql.ref(d.name)}`;

/**
 * A select list rendered to text once, with the thresholds marked, and filled in per query: built from the
 * definitions' fragments on every request, it cost more to assemble and compile than the database took to run it.
 */
function renderedList(build: (t: ThresholdSql) => RawBuilder<unknown>): (t: Thresholds) => RawBuilder<unknown> {
  const marks: ThresholdSql = { slThresholdSeconds: sql.raw('@@sl@@'), shortAbandonSeconds: sql.raw('@@sa@@') };
  const text = sqlText(build(marks));
  return (t) => {
    // Whole seconds from the org's settings (integer columns), written into the statement as literals.
    for (const v of [t.slThresholdSeconds, t.shortAbandonSeconds]) {
      if (!Number.isSafeInteger(v)) throw new Error(`threshold must be a whole number of seconds, not ${v}`);
    }
    return sql.raw(
      text.replaceAll('@@sl@@', String(t.slThresholdSeconds)).replaceAll('@@sa@@', String(t.shortAbandonSeconds)),
    );
  };
}

const CALL_AGGREGATES = renderedList((t) => sql.join(SUMS.map((d) => named(d, aggregateOf(d, 'c', t)))));

/** Every sum over the calls aliased `c`, as the select list of a query. */
export function aggregates(t: Thresholds): RawBuilder<unknown> {
  return CALL_AGGREGATES(t);
}

/** Every sum over daily or hourly rollup rows aliased `r` (sums of sums, max of maxima). */
export const ROLLUP_AGGREGATES: RawBuilder<unknown> = sql.raw(
  sqlText(
    sql.join(
      SUMS.map((d) => {
        const col = sql.raw(`r.${d.column}`);
        return named(d, d.agg === 'max' ? sql`max(${col})` : sql`coalesce(sum(${col}), 0)`);
      }),
    ),
  ),
);

/** Every sum of one daily rollup row aliased `r`, as stored (a row is one key's sums: nothing to add up). */
export const ROLLUP_ROW_SUMS: RawBuilder<unknown> = sql.raw(
  sqlText(sql.join(SUMS.map((d) => named(d, sql.raw(`r.${d.column}`))))),
);

/**
 * The same sum over calls `alias` that carry a `sign` column, +1 for a call added and -1 for one taken away: what
 * a change of calls adds to a rollup row. A maximum cannot be taken back: it sees the added calls only, and the
 * triggers recompute it where a removed call may have held it.
 */
export function signedAggregateOf(d: Def, alias: string, t: ThresholdSql): RawBuilder<unknown> {
  const col = (name: string) => sql.raw(`${alias}.${name}`);
  const conditions = conditionsOf(d, alias, t);
  const filter = (extra: RawBuilder<unknown>[] = []) =>
    sql`FILTER (WHERE ${sql.join([...conditions, ...extra], sql` AND `)})`;
  if (d.agg === 'count') return sql`coalesce(sum(${col('sign')}) ${filter()}, 0)`;
  if (d.agg === 'max') return sql`max(${col(d.of)}) ${filter([sql`${col('sign')} = 1`])}`;
  return sql`coalesce(sum(${col('sign')} * ${col(d.of)}) ${filter()}, 0)`;
}

/** A rollup table: the sums of an org's calls per local day and per the dimension's key columns. */
export interface RollupTable {
  table: string;
  /** columns of both calls and the rollup table; `name` is the key's name in answers */
  keys: ReadonlyArray<{ column: string; name: string; type: 'text' | 'uuid'; nullable: boolean }>;
  /** the calls the table counts, over calls aliased `alias` */
  where?: (alias: string) => string;
}

export const ROLLUP_TABLES = {
  total: { table: 'org_daily_rollups', keys: [] },
  queue: {
    table: 'org_daily_queue_rollups',
    keys: [{ column: 'queue_name', name: 'queueName', type: 'text', nullable: true }],
    where: (alias) => `${alias}.direction = 'inbound'`,
  },
  agent: {
    table: 'org_daily_agent_rollups',
    keys: [
      { column: 'agent_extension', name: 'agentExtension', type: 'text', nullable: false },
      { column: 'provider_account', name: 'providerAccount', type: 'text', nullable: false },
      { column: 'provider', name: 'provider', type: 'text', nullable: false },
    ],
    where: (alias) => `${alias}.agent_extension IS NOT NULL`,
  },
  number: {
    table: 'org_daily_number_rollups',
    keys: [{ column: 'business_number_id', name: 'phoneNumberId', type: 'uuid', nullable: false }],
  },
} as const satisfies Record<string, RollupTable>;

/**
 * Platform-wide breakdowns: the sums of every call once per key (queue, agent, number, as in the org tables) and per
 * block of whole UTC days, platform admins only. A block spans 64, 16, 4 or 1 days and starts on a day number (days
 * since 1970-01-01) that its span divides, so any run of whole days is a few blocks of each span: twelve months of
 * an agent are about fifteen rows, where daily rows would be 365 and hourly rows about as many as the calls.
 */
export const PLATFORM_BLOCK_SPANS = [64, 16, 4, 1] as const;

export const PLATFORM_BREAKDOWN_TABLES = {
  queue: { ...ROLLUP_TABLES.queue, table: 'platform_queue_rollups' },
  agent: { ...ROLLUP_TABLES.agent, table: 'platform_agent_rollups' },
  number: { ...ROLLUP_TABLES.number, table: 'platform_number_rollups' },
} as const satisfies Record<string, RollupTable>;

/**
 * An org's agents and numbers over months: the same key's sums in blocks of 64, 16 and 4 whole local days beside
 * the daily rows (the blocks of one day), aligned like the platform's blocks on local day numbers. Twelve months
 * of an agent are about fifteen rows instead of 365.
 */
export const ORG_BLOCK_SPANS = [64, 16, 4] as const;

export const ORG_BLOCK_TABLES = {
  agent: { ...ROLLUP_TABLES.agent, table: 'org_block_agent_rollups', daily: ROLLUP_TABLES.agent.table },
  number: { ...ROLLUP_TABLES.number, table: 'org_block_number_rollups', daily: ROLLUP_TABLES.number.table },
} as const satisfies Record<string, RollupTable & { daily: string }>;

/** How a rollup row absorbs another (an upsert's `SET`): `r` the stored row, `excluded` the new one. */
export function rollupMergeOf(d: Def): string {
  return d.agg === 'max'
    ? `${d.column} = greatest(r.${d.column}, excluded.${d.column})`
    : `${d.column} = r.${d.column} + excluded.${d.column}`;
}

/** Short abandons (callers who hung up almost at once) leave every denominator. */
const handled = (s: Sums) => s.offered - s.shortAbandoned;

/** One decimal, half away from zero. */
export function round1(value: number): number {
  const scaled = Math.abs(value) * 10;
  return (Math.sign(value) * Math.round(scaled + 1e-9)) / 10;
}

export function ratio(numerator: number, denominator: number, scale = 1): number | null {
  return denominator > 0 ? round1((numerator / denominator) * scale) : null;
}

/** Each published figure and how it derives from the sums, in the order of every answer (docs/metrics.md). */
export const FIGURES: { [K in FigureName]: (s: Sums) => Figures[K] } = {
  totalCalls: (s) => s.offered + s.outbound,
  offeredCalls: (s) => s.offered,
  outboundCalls: (s) => s.outbound,
  answeredCalls: (s) => s.answered,
  missedCalls: (s) => s.missed,
  voicemailCalls: (s) => s.voicemail,
  shortAbandonedCalls: (s) => s.shortAbandoned,
  answerRatePct: (s) => ratio(s.answered, handled(s), 100),
  serviceLevelPct: (s) => ratio(s.slAnswered, handled(s), 100),
  abandonRatePct: (s) => ratio(s.missed - s.shortAbandoned, handled(s), 100),
  avgWaitSeconds: (s) => ratio(s.waitSumAnswered, s.answered),
  longestWaitSeconds: (s) => (s.waitMax === null ? null : round1(s.waitMax)),
  avgTalkSeconds: (s) => ratio(s.talkSumAnswered, s.answered),
  outboundConnectedCalls: (s) => s.outboundConnected,
  outboundAvgTalkSeconds: (s) => ratio(s.outboundTalkSum, s.outboundConnected),
};

/** Measures of the agents breakdown, which count an agent's inbound and outbound calls together. */
export const AGENT_FIGURES = {
  /** answered inbound + connected outbound */
  connectedCalls: (s: Sums) => s.answered + s.outboundConnected,
  totalTalkSeconds: (s: Sums) => round1(s.talkSumAnswered + s.outboundTalkSum),
  avgConnectedTalkSeconds: (s: Sums) => ratio(s.talkSumAnswered + s.outboundTalkSum, s.answered + s.outboundConnected),
};

const FIGURE_NAMES = Object.keys(FIGURES) as FigureName[];

const NO_FIGURES = Object.fromEntries(FIGURE_NAMES.map((n) => [n, null])) as Record<FigureName, number | null>;

export function deriveFigures(s: Sums): Figures {
  const out = { ...NO_FIGURES };
  for (const name of FIGURE_NAMES) out[name] = FIGURES[name](s);
  return out as Figures;
}
