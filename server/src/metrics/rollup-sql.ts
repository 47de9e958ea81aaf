// The SQL that keeps the daily rollups exact, generated from the metric definitions and the one scope rule, so the
// triggers cannot state a sum or "a call belongs to an org" differently from the queries. A migration holds the
// generated text (write-rollup-migration.ts writes it); definitions.test.ts checks that the functions a migrated
// database runs are exactly what this file generates today.
import { sql } from 'kysely';
import { sqlText } from '../db/sql-text.js';
import {
  aggregateOf,
  conditionsOf,
  type Def,
  ORG_BLOCK_SPANS,
  ORG_BLOCK_TABLES,
  PLATFORM_BLOCK_SPANS,
  PLATFORM_BREAKDOWN_TABLES,
  PLATFORM_ROLLUP,
  PLATFORM_THRESHOLDS,
  ROLLUP_TABLES,
  type RollupTable,
  rollupMergeOf,
  SUMS,
  signedAggregateOf,
  type ThresholdSql,
} from './definitions.js';
import { inAssignmentWindow } from './scope.js';

/** In the triggers the thresholds are the org's own columns (`o` is the org's row). */
const ORG_THRESHOLDS: ThresholdSql = {
  slThresholdSeconds: sql.raw('o.sl_threshold_seconds'),
  shortAbandonSeconds: sql.raw('o.short_abandon_seconds'),
};

const TABLES: RollupTable[] = Object.values(ROLLUP_TABLES);
/** The columns of calls the triggers read from the transition tables. */
const CALL_COLUMNS = [
  'business_number_id',
  'started_at',
  'direction',
  'status',
  'wait_seconds',
  'talk_seconds',
  'queue_name',
  'agent_extension',
  'provider_account',
  'provider',
];

const text = (d: Def, alias: string) => sqlText(aggregateOf(d, alias, ORG_THRESHOLDS));
const window = (a: string, call: string) => sqlText(inAssignmentWindow(a, call));
const localDay = (alias: string, zone = 'o.timezone') => `(${alias}.started_at AT TIME ZONE ${zone})::date`;
const keyCols = (t: RollupTable, alias: string) => t.keys.map((k) => `${alias}.${k.column}`);
const where = (t: RollupTable, alias: string, first: 'WHERE' | 'AND') =>
  t.where ? `\n  ${first} ${t.where(alias)}` : '';
const groupBy = (t: RollupTable, from: number) =>
  Array.from({ length: 2 + t.keys.length - from + 1 }, (_, i) => i + from).join(', ');
const conflictKey = (t: RollupTable) => ['org_id', 'day', ...t.keys.map((k) => k.column)].join(', ');
const sameKeys = (t: RollupTable, x: string, y: string) =>
  t.keys.map((k) => ` AND ${x}.${k.column} IS NOT DISTINCT FROM ${y}.${k.column}`).join('');

function columnType(d: Def): string {
  if (d.type === 'int') return 'integer NOT NULL';
  return d.agg === 'max' ? 'numeric' : 'numeric NOT NULL';
}

/** The table, its key and its read policy (the same as org_daily_rollups: admins and the org's members). */
export function createTableSql(t: RollupTable): string {
  const keys = t.keys.map((k) => `  ${k.column} ${k.type}${k.nullable ? '' : ' NOT NULL'},\n`).join('');
  const sums = SUMS.map((d) => `  ${d.column} ${columnType(d)}`).join(',\n');
  const nullable = t.keys.some((k) => k.nullable);
  const key = nullable ? '' : `,\n  PRIMARY KEY (${conflictKey(t)})`;
  const unique = nullable
    ? `\nCREATE UNIQUE INDEX ${t.table}_key ON ${t.table} (${conflictKey(t)}) NULLS NOT DISTINCT;`
    : '';
  return `CREATE TABLE ${t.table} (
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  day date NOT NULL,
${keys}${sums}${key}
);${unique}
ALTER TABLE ${t.table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${t.table} FORCE ROW LEVEL SECURITY;
CREATE POLICY ${t.table}_read ON ${t.table} FOR SELECT
  USING ((SELECT vs_is_admin()) OR org_id = ANY ((SELECT vs_visible_org_ids())::uuid[]));
`;
}

/** Rebuilds one table's rows of an org for the local days p_days (NULL: every day) from the raw calls. */
function rebuildSql(t: RollupTable): string {
  const keys = keyCols(t, 'c');
  return `DELETE FROM ${t.table} WHERE org_id = p_org AND (p_days IS NULL OR day = ANY (p_days));
INSERT INTO ${t.table} (${conflictKey(t)}, ${SUMS.map((d) => d.column).join(', ')})
SELECT p_org, ${localDay('c')}, ${[...keys, ...SUMS.map((d) => text(d, 'c'))].join(', ')}
FROM organizations o
JOIN org_phone_numbers a ON a.org_id = o.id
JOIN calls c ON ${window('a', 'c')} AND c.started_at >= lo AND c.started_at < hi
WHERE o.id = p_org AND (p_days IS NULL OR ${localDay('c')} = ANY (p_days))${where(t, 'c', 'AND')}
GROUP BY ${groupBy(t, 2)};`;
}

/** Adds the signed calls `x` (+1 added, -1 removed) to one table. */
function applySql(t: RollupTable, source: string): string {
  const signed = SUMS.map((d) => sqlText(signedAggregateOf(d, 'x', ORG_THRESHOLDS)));
  return `WITH x AS (${source})
INSERT INTO ${t.table} AS r (${conflictKey(t)}, ${SUMS.map((d) => d.column).join(', ')})
SELECT a.org_id, ${localDay('x')}, ${[...keyCols(t, 'x'), ...signed].join(', ')}
FROM x
JOIN org_phone_numbers a ON ${window('a', 'x')}
JOIN organizations o ON o.id = a.org_id${where(t, 'x', 'WHERE')}
GROUP BY ${groupBy(t, 1)}
ON CONFLICT (${conflictKey(t)}) DO UPDATE SET ${SUMS.map(rollupMergeOf).join(', ')};`;
}

/** A removed call may have held a day's maximum: recompute each maximum it could have held, from the raw calls. */
function maxFixSql(t: RollupTable): string {
  return SUMS.filter((d) => d.agg === 'max')
    .map((d) => {
      const cond = (alias: string) => sqlText(sql.join(conditionsOf(d, alias, ORG_THRESHOLDS), sql` AND `));
      const of = 'of' in d ? d.of : '';
      return `UPDATE ${t.table} r SET ${d.column} = (
  SELECT max(c.${of}) FILTER (WHERE ${cond('c')})
  FROM org_phone_numbers a JOIN calls c ON ${window('a', 'c')}
    AND c.started_at >= (r.day::timestamp AT TIME ZONE g.timezone)
    AND c.started_at < ((r.day + 1)::timestamp AT TIME ZONE g.timezone)
  JOIN organizations o ON o.id = a.org_id
  WHERE a.org_id = r.org_id${where(t, 'c', 'AND')}${sameKeys(t, 'c', 'r')})
FROM (
  SELECT a.org_id, ${localDay('x')} AS day, o.timezone, ${[...keyCols(t, 'x'), `max(x.${of}) FILTER (WHERE ${cond('x')}) AS removed`].join(', ')}
  FROM old_calls x
  JOIN org_phone_numbers a ON ${window('a', 'x')}
  JOIN organizations o ON o.id = a.org_id${where(t, 'x', 'WHERE')}
  GROUP BY ${groupBy(t, 1)}, ${3 + t.keys.length}
) g
WHERE r.org_id = g.org_id AND r.day = g.day${sameKeys(t, 'r', 'g')} AND g.removed >= r.${d.column};`;
    })
    .join('\n');
}

/** Platform-wide: every call once (no assignment join), per UTC hour, with the platform's thresholds. */
const PLATFORM = PLATFORM_ROLLUP.table;
const PLATFORM_THRESHOLD_SQL: ThresholdSql = {
  slThresholdSeconds: sql.lit(PLATFORM_THRESHOLDS.slThresholdSeconds),
  shortAbandonSeconds: sql.lit(PLATFORM_THRESHOLDS.shortAbandonSeconds),
};
const hourOf = (alias: string) => `date_trunc('hour', ${alias}.started_at, 'UTC')`;
const sumColumns = SUMS.map((d) => d.column).join(', ');

export function createPlatformTableSql(): string {
  return `CREATE TABLE ${PLATFORM} (
  hour timestamptz PRIMARY KEY,
${SUMS.map((d) => `  ${d.column} ${columnType(d)}`).join(',\n')}
);
ALTER TABLE ${PLATFORM} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${PLATFORM} FORCE ROW LEVEL SECURITY;
CREATE POLICY ${PLATFORM}_read ON ${PLATFORM} FOR SELECT USING ((SELECT vs_is_admin()));
`;
}

function platformApplySql(source: string): string {
  const signed = SUMS.map((d) => sqlText(signedAggregateOf(d, 'x', PLATFORM_THRESHOLD_SQL)));
  return `WITH x AS (${source})
INSERT INTO ${PLATFORM} AS r (hour, ${sumColumns})
SELECT ${hourOf('x')}, ${signed.join(', ')}
FROM x
GROUP BY 1
ON CONFLICT (hour) DO UPDATE SET ${SUMS.map(rollupMergeOf).join(', ')};`;
}

function platformMaxFixSql(): string {
  return SUMS.filter((d) => d.agg === 'max')
    .map((d) => {
      const cond = (alias: string) => sqlText(sql.join(conditionsOf(d, alias, PLATFORM_THRESHOLD_SQL), sql` AND `));
      const of = 'of' in d ? d.of : '';
      return `UPDATE ${PLATFORM} r SET ${d.column} = (
  SELECT max(c.${of}) FILTER (WHERE ${cond('c')}) FROM calls c
  WHERE c.started_at >= r.hour AND c.started_at < r.hour + interval '1 hour')
FROM (SELECT ${hourOf('x')} AS hour, max(x.${of}) FILTER (WHERE ${cond('x')}) AS removed FROM old_calls x GROUP BY 1) g
WHERE r.hour = g.hour AND g.removed >= r.${d.column};`;
    })
    .join('\n');
}

/** Fills the platform table from every call (the migration that creates it). */
export function platformFillSql(): string {
  const sums = SUMS.map((d) => sqlText(aggregateOf(d, 'c', PLATFORM_THRESHOLD_SQL)));
  return `INSERT INTO ${PLATFORM} (hour, ${sumColumns})
SELECT ${hourOf('c')}, ${sums.join(', ')}
FROM calls c
GROUP BY 1;`;
}

/**
 * Platform-wide breakdowns: every call once (no assignment join), per key and per block of whole UTC days of each
 * span (definitions.ts), with the platform's thresholds. A call is in one block of each span.
 */
const BREAKDOWNS: RollupTable[] = Object.values(PLATFORM_BREAKDOWN_TABLES);
const SPANS = `(VALUES ${PLATFORM_BLOCK_SPANS.map((n) => `(${n})`).join(', ')}) s (span_days)`;
/** The first day of the block of `span` days holding the date `date` (a floor on days since 1970-01-01). */
const blockOf = (date: string, span: string) => {
  const n = `(${date} - DATE '1970-01-01')`;
  return `DATE '1970-01-01' + (${n} - mod(mod(${n}, ${span}) + ${span}, ${span}))`;
};
/** The block of `span` UTC days holding the call. */
const blockStart = (alias: string, span: string) => blockOf(`(${alias}.started_at AT TIME ZONE 'UTC')::date`, span);
const blockKey = (t: RollupTable) => ['span_days', 'first_day', ...t.keys.map((k) => k.column)].join(', ');
/** Same key values; `=` where a key cannot be null, so that an index on the key serves the comparison. */
const sameKeyValues = (t: RollupTable, x: string, y: string) =>
  t.keys.map((k) => ` AND ${x}.${k.column} ${k.nullable ? 'IS NOT DISTINCT FROM' : '='} ${y}.${k.column}`).join('');
/** GROUP BY the block's span, its first day and the keys (select list positions). */
const blockGroupBy = (t: RollupTable) => Array.from({ length: 2 + t.keys.length }, (_, i) => i + 1).join(', ');

/** The table, its key and its read policy (platform admins only, like platform_hourly_rollups). */
export function createPlatformBreakdownTableSql(t: RollupTable): string {
  const keys = t.keys.map((k) => `  ${k.column} ${k.type}${k.nullable ? '' : ' NOT NULL'},\n`).join('');
  const sums = SUMS.map((d) => `  ${d.column} ${columnType(d)}`).join(',\n');
  const nullable = t.keys.some((k) => k.nullable);
  const key = nullable ? '' : `,\n  PRIMARY KEY (${blockKey(t)})`;
  const unique = nullable
    ? `\nCREATE UNIQUE INDEX ${t.table}_key ON ${t.table} (${blockKey(t)}) NULLS NOT DISTINCT;`
    : '';
  return `CREATE TABLE ${t.table} (
  span_days smallint NOT NULL CHECK (span_days IN (${PLATFORM_BLOCK_SPANS.join(', ')})),
  first_day date NOT NULL,
${keys}${sums}${key}
);${unique}
ALTER TABLE ${t.table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${t.table} FORCE ROW LEVEL SECURITY;
CREATE POLICY ${t.table}_read ON ${t.table} FOR SELECT USING ((SELECT vs_is_admin()));
`;
}

/** Adds the signed calls `x` to one platform breakdown table, in the block of every span. */
function platformBreakdownApplySql(t: RollupTable, source: string): string {
  const signed = SUMS.map((d) => sqlText(signedAggregateOf(d, 'x', PLATFORM_THRESHOLD_SQL)));
  return `WITH x AS (${source})
INSERT INTO ${t.table} AS r (${blockKey(t)}, ${sumColumns})
SELECT s.span_days, ${blockStart('x', 's.span_days')}, ${[...keyCols(t, 'x'), ...signed].join(', ')}
FROM x CROSS JOIN ${SPANS}${where(t, 'x', 'WHERE')}
GROUP BY ${blockGroupBy(t)}
ON CONFLICT (${blockKey(t)}) DO UPDATE SET ${SUMS.map(rollupMergeOf).join(', ')};`;
}

/**
 * A removed call may have held a block's maximum: the one-day blocks it touched are recomputed from the raw calls,
 * then each longer span from the blocks of the span below it (already exact), shortest first.
 */
function platformBreakdownMaxFixSql(t: RollupTable): string {
  const spans = [...PLATFORM_BLOCK_SPANS].sort((a, b) => a - b);
  return SUMS.filter((d) => d.agg === 'max')
    .flatMap((d) => {
      const cond = (alias: string) => sqlText(sql.join(conditionsOf(d, alias, PLATFORM_THRESHOLD_SQL), sql` AND `));
      const of = 'of' in d ? d.of : '';
      const touched = (span: number) => `(
  SELECT ${[`${blockStart('x', String(span))} AS first_day`, ...keyCols(t, 'x'), `max(x.${of}) FILTER (WHERE ${cond('x')}) AS removed`].join(', ')}
  FROM old_calls x${where(t, 'x', 'WHERE')}
  GROUP BY ${Array.from({ length: 1 + t.keys.length }, (_, i) => i + 1).join(', ')}
) g`;
      const match = (span: number) =>
        `WHERE r.span_days = ${span} AND r.first_day = g.first_day${sameKeyValues(t, 'r', 'g')} AND g.removed >= r.${d.column};`;
      return spans.map((span, i) => {
        const below = spans[i - 1];
        const value =
          below === undefined
            ? `SELECT max(c.${of}) FILTER (WHERE ${cond('c')}) FROM calls c
  WHERE c.started_at >= (r.first_day::timestamp AT TIME ZONE 'UTC')
    AND c.started_at < ((r.first_day + 1)::timestamp AT TIME ZONE 'UTC')${where(t, 'c', 'AND')}${sameKeyValues(t, 'c', 'r')}`
            : `SELECT max(b.${d.column}) FROM ${t.table} b
  WHERE b.span_days = ${below} AND b.first_day >= r.first_day AND b.first_day < r.first_day + r.span_days${sameKeyValues(t, 'b', 'r')}`;
        return `UPDATE ${t.table} r SET ${d.column} = (
  ${value})
FROM ${touched(span)}
${match(span)}`;
      });
    })
    .join('\n');
}

/** Fills one platform breakdown table from every call (the migration that creates it). */
export function platformBreakdownFillSql(t: RollupTable): string {
  const sums = SUMS.map((d) => sqlText(aggregateOf(d, 'c', PLATFORM_THRESHOLD_SQL)));
  return `INSERT INTO ${t.table} (${blockKey(t)}, ${sumColumns})
SELECT s.span_days, ${blockStart('c', 's.span_days')}, ${[...keyCols(t, 'c'), ...sums].join(', ')}
FROM calls c CROSS JOIN ${SPANS}${where(t, 'c', 'WHERE')}
GROUP BY ${blockGroupBy(t)};`;
}

/**
 * An org's blocks of 64, 16 and 4 local days per agent and per number. Calls change them as deltas like the daily
 * rows; a rebuild of days (assignments, settings) and a longest wait that may have been removed recompute them
 * from the daily rows, which are exact by then.
 */
type OrgBlockTable = (typeof ORG_BLOCK_TABLES)[keyof typeof ORG_BLOCK_TABLES];
const ORG_BLOCKS: OrgBlockTable[] = Object.values(ORG_BLOCK_TABLES);
const ORG_SPANS = `(VALUES ${ORG_BLOCK_SPANS.map((n) => `(${n})`).join(', ')}) s (span_days)`;
const orgBlockKey = (t: RollupTable) => ['org_id', blockKey(t)].join(', ');

export function createOrgBlockTableSql(t: RollupTable): string {
  const keys = t.keys.map((k) => `  ${k.column} ${k.type}${k.nullable ? '' : ' NOT NULL'},\n`).join('');
  const sums = SUMS.map((d) => `  ${d.column} ${columnType(d)}`).join(',\n');
  return `CREATE TABLE ${t.table} (
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  span_days smallint NOT NULL CHECK (span_days IN (${ORG_BLOCK_SPANS.join(', ')})),
  first_day date NOT NULL,
${keys}${sums},
  PRIMARY KEY (${orgBlockKey(t)})
);
ALTER TABLE ${t.table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${t.table} FORCE ROW LEVEL SECURITY;
CREATE POLICY ${t.table}_read ON ${t.table} FOR SELECT
  USING ((SELECT vs_is_admin()) OR org_id = ANY ((SELECT vs_visible_org_ids())::uuid[]));
`;
}

function orgBlockApplySql(t: RollupTable, source: string): string {
  const signed = SUMS.map((d) => sqlText(signedAggregateOf(d, 'x', ORG_THRESHOLDS)));
  return `WITH x AS (${source})
INSERT INTO ${t.table} AS r (${orgBlockKey(t)}, ${sumColumns})
SELECT a.org_id, s.span_days, ${blockOf(localDay('x'), 's.span_days')}, ${[...keyCols(t, 'x'), ...signed].join(', ')}
FROM x
JOIN org_phone_numbers a ON ${window('a', 'x')}
JOIN organizations o ON o.id = a.org_id
CROSS JOIN ${ORG_SPANS}${where(t, 'x', 'WHERE')}
GROUP BY ${Array.from({ length: 3 + t.keys.length }, (_, i) => i + 1).join(', ')}
ON CONFLICT (${orgBlockKey(t)}) DO UPDATE SET ${SUMS.map(rollupMergeOf).join(', ')};`;
}

/** The sums of rollup rows `r` (sums of sums, max of maxima), in the columns' order, without names. */
const rollupRowSums = SUMS.map((d) => (d.agg === 'max' ? `max(r.${d.column})` : `sum(r.${d.column})`)).join(', ');

/** Rebuilds an org's blocks holding any of the days p_days (NULL: every block) from its daily rows. */
function orgBlockRebuildSql(t: OrgBlockTable): string {
  return `DELETE FROM ${t.table} r WHERE r.org_id = p_org
  AND (p_days IS NULL OR EXISTS (SELECT 1 FROM unnest(p_days) d WHERE d >= r.first_day AND d < r.first_day + r.span_days));
INSERT INTO ${t.table} (${orgBlockKey(t)}, ${sumColumns})
SELECT r.org_id, s.span_days, ${blockOf('r.day', 's.span_days')}, ${[...keyCols(t, 'r'), rollupRowSums].join(', ')}
FROM ${t.daily} r CROSS JOIN ${ORG_SPANS}
WHERE r.org_id = p_org
  AND (p_days IS NULL OR EXISTS (SELECT 1 FROM unnest(p_days) d WHERE ${blockOf('d', 's.span_days')} = ${blockOf('r.day', 's.span_days')}))
GROUP BY ${Array.from({ length: 3 + t.keys.length }, (_, i) => i + 1).join(', ')};`;
}

/** Fills every org's blocks from the daily rows (the migration that creates them). */
export function orgBlockFillSql(t: OrgBlockTable): string {
  return `INSERT INTO ${t.table} (${orgBlockKey(t)}, ${sumColumns})
SELECT r.org_id, s.span_days, ${blockOf('r.day', 's.span_days')}, ${[...keyCols(t, 'r'), rollupRowSums].join(', ')}
FROM ${t.daily} r CROSS JOIN ${ORG_SPANS}
GROUP BY ${Array.from({ length: 3 + t.keys.length }, (_, i) => i + 1).join(', ')};`;
}

/** A removed call may have held a block's maximum: each span from the one below it, the daily rows first. */
function orgBlockMaxFixSql(t: OrgBlockTable): string {
  const spans = [...ORG_BLOCK_SPANS].sort((a, b) => a - b);
  return SUMS.filter((d) => d.agg === 'max')
    .flatMap((d) => {
      const cond = (alias: string) => sqlText(sql.join(conditionsOf(d, alias, ORG_THRESHOLDS), sql` AND `));
      const of = 'of' in d ? d.of : '';
      return spans.map((span, i) => {
        const below = spans[i - 1];
        const value =
          below === undefined
            ? `SELECT max(b.${d.column}) FROM ${t.daily} b
  WHERE b.org_id = r.org_id AND b.day >= r.first_day AND b.day < r.first_day + r.span_days${sameKeyValues(t, 'b', 'r')}`
            : `SELECT max(b.${d.column}) FROM ${t.table} b
  WHERE b.org_id = r.org_id AND b.span_days = ${below} AND b.first_day >= r.first_day
    AND b.first_day < r.first_day + r.span_days${sameKeyValues(t, 'b', 'r')}`;
        return `UPDATE ${t.table} r SET ${d.column} = (
  ${value})
FROM (
  SELECT ${[`a.org_id`, `${blockOf(localDay('x'), String(span))} AS first_day`, ...keyCols(t, 'x'), `max(x.${of}) FILTER (WHERE ${cond('x')}) AS removed`].join(', ')}
  FROM old_calls x
  JOIN org_phone_numbers a ON ${window('a', 'x')}
  JOIN organizations o ON o.id = a.org_id${where(t, 'x', 'WHERE')}
  GROUP BY ${Array.from({ length: 2 + t.keys.length }, (_, i) => i + 1).join(', ')}
) g
WHERE r.org_id = g.org_id AND r.span_days = ${span} AND r.first_day = g.first_day${sameKeyValues(t, 'r', 'g')} AND g.removed >= r.${d.column};`;
      });
    })
    .join('\n');
}

const columns = (alias: string) => CALL_COLUMNS.map((c) => `${alias}.${c}`).join(', ');
const ADDED = `SELECT ${columns('n')}, 1 AS sign FROM new_calls n`;
const REMOVED = `SELECT ${columns('gone')}, -1 AS sign FROM old_calls gone`;

export interface RollupFunction {
  name: string;
  signature: string;
  declare: string;
  body: string;
}

/** Every function that keeps the rollups exact, with the bodies as the database must run them. */
export function rollupFunctions(): RollupFunction[] {
  const each = (f: (t: RollupTable) => string) => TABLES.map(f).join('\n');
  const eachBreakdown = (f: (t: RollupTable) => string) => BREAKDOWNS.map(f).join('\n');
  const eachOrgBlock = (f: (t: OrgBlockTable) => string) => ORG_BLOCKS.map(f).join('\n');
  return [
    {
      name: 'vs_rebuild_org_rollups',
      signature: 'p_org uuid, p_days date[]',
      declare: `tz text;
lo timestamptz := '-infinity';
hi timestamptz := 'infinity';`,
      body: `SELECT timezone INTO tz FROM organizations WHERE id = p_org;
IF tz IS NULL THEN RETURN; END IF;
IF p_days IS NOT NULL THEN
  lo := (SELECT min(d) FROM unnest(p_days) d)::timestamp AT TIME ZONE tz;
  hi := ((SELECT max(d) FROM unnest(p_days) d) + 1)::timestamp AT TIME ZONE tz;
END IF;
${each(rebuildSql)}
${eachOrgBlock(orgBlockRebuildSql)}`,
    },
    {
      name: 'vs_calls_rollup_insert',
      signature: '',
      declare: '',
      body: [
        each((t) => applySql(t, ADDED)),
        eachOrgBlock((t) => orgBlockApplySql(t, ADDED)),
        platformApplySql(ADDED),
        eachBreakdown((t) => platformBreakdownApplySql(t, ADDED)),
        'RETURN NULL;',
      ].join('\n'),
    },
    {
      name: 'vs_calls_rollup_update',
      signature: '',
      declare: '',
      body: [
        each((t) => applySql(t, `${ADDED} UNION ALL ${REMOVED}`)),
        eachOrgBlock((t) => orgBlockApplySql(t, `${ADDED} UNION ALL ${REMOVED}`)),
        platformApplySql(`${ADDED} UNION ALL ${REMOVED}`),
        eachBreakdown((t) => platformBreakdownApplySql(t, `${ADDED} UNION ALL ${REMOVED}`)),
        each(maxFixSql),
        eachOrgBlock(orgBlockMaxFixSql),
        platformMaxFixSql(),
        eachBreakdown(platformBreakdownMaxFixSql),
        'RETURN NULL;',
      ].join('\n'),
    },
    {
      name: 'vs_calls_rollup_delete',
      signature: '',
      declare: '',
      body: [
        each((t) => applySql(t, REMOVED)),
        eachOrgBlock((t) => orgBlockApplySql(t, REMOVED)),
        platformApplySql(REMOVED),
        eachBreakdown((t) => platformBreakdownApplySql(t, REMOVED)),
        each(maxFixSql),
        eachOrgBlock(orgBlockMaxFixSql),
        platformMaxFixSql(),
        eachBreakdown(platformBreakdownMaxFixSql),
        'RETURN NULL;',
      ].join('\n'),
    },
  ];
}

function functionSql(f: RollupFunction): string {
  const returns = f.signature ? 'void' : 'trigger';
  const declare = f.declare ? `DECLARE\n${f.declare}\n` : '';
  return `CREATE OR REPLACE FUNCTION %1$I.${f.name}(${f.signature}) RETURNS ${returns}
LANGUAGE plpgsql SECURITY DEFINER SET search_path = %1$I, pg_temp AS $b$
${declare}BEGIN
${f.body}
END $b$;`;
}

const functionsBlock = () => `DO $fn$
DECLARE
  s text := current_schema();
BEGIN
  EXECUTE format($f$
${rollupFunctions().map(functionSql).join('\n\n')}
  $f$, s);
END $fn$;`;

/** The migration that adds the platform-wide hourly rollup and makes the triggers keep it. */
export function platformRollupMigrationSql(): string {
  return `-- Generated by server/src/metrics/write-rollup-migration.ts from server/src/metrics/definitions.ts: do not edit.
-- Platform-wide sums of every call once per UTC hour (platform admins only), kept by the calls triggers like the
-- org rollups, so the agency owner's KPIs and series over months read a few thousand rows.
${createPlatformTableSql()}
${functionsBlock()}

${platformFillSql()}
`;
}

/**
 * The migration that adds the rollups in blocks of days: platform-wide per queue, agent and number, and each org's
 * agents and numbers; and makes the triggers keep them.
 */
export function blockRollupMigrationSql(): string {
  return `-- Generated by server/src/metrics/write-rollup-migration.ts from server/src/metrics/definitions.ts: do not edit.
-- Platform-wide sums of every call once per queue, per agent and per business number, in blocks of 64, 16, 4 and 1
-- whole UTC days (platform admins only), kept by the calls triggers like the other rollups, so the agency owner's
-- breakdowns over months read a few rows per key instead of every call. Beside them, each org's agents and numbers
-- in blocks of 64, 16 and 4 local days (the daily rows are the blocks of one day), so an org's twelve months read
-- about fifteen rows per agent or number instead of 365.
${BREAKDOWNS.map(createPlatformBreakdownTableSql).join('\n')}
${ORG_BLOCKS.map(createOrgBlockTableSql).join('\n')}
${functionsBlock()}

${BREAKDOWNS.map(platformBreakdownFillSql).join('\n')}
${ORG_BLOCKS.map(orgBlockFillSql).join('\n')}
`;
}

/** The migration that adds the breakdown rollups and makes every change of calls a delta (no day rebuilt). */
export function rollupMigrationSql(): string {
  return `-- Generated by server/src/metrics/write-rollup-migration.ts from server/src/metrics/definitions.ts: do not edit.
-- Daily rollups per queue, per agent and per business number beside the org totals, so every breakdown reads a few
-- hundred rows; and changes of calls applied as deltas (a removed call's sums taken back, a maximum it may have
-- held recomputed for its day) instead of rebuilding every touched org-day from the raw calls.
${TABLES.filter((t) => t.table !== ROLLUP_TABLES.total.table)
  .map(createTableSql)
  .join('\n')}
DROP TRIGGER calls_rollup_insert ON calls;
DROP TRIGGER calls_rollup_update ON calls;
DROP TRIGGER calls_rollup_delete ON calls;
DROP FUNCTION vs_calls_rollup_rebuild();
DROP FUNCTION vs_calls_rollup_delete();

DO $fn$
DECLARE
  s text := current_schema();
BEGIN
  EXECUTE format($f$
${rollupFunctions().map(functionSql).join('\n\n')}
  $f$, s);
END $fn$;

CREATE TRIGGER calls_rollup_insert AFTER INSERT ON calls
  REFERENCING NEW TABLE AS new_calls FOR EACH STATEMENT EXECUTE FUNCTION vs_calls_rollup_insert();
CREATE TRIGGER calls_rollup_update AFTER UPDATE ON calls
  REFERENCING OLD TABLE AS old_calls NEW TABLE AS new_calls FOR EACH STATEMENT EXECUTE FUNCTION vs_calls_rollup_update();
CREATE TRIGGER calls_rollup_delete AFTER DELETE ON calls
  REFERENCING OLD TABLE AS old_calls FOR EACH STATEMENT EXECUTE FUNCTION vs_calls_rollup_delete();

-- Existing data (an upgrade): build every org's rows once.
SELECT vs_rebuild_org_rollups(id, NULL) FROM organizations;
`;
}
