// The rollup tables' cells of the write-policy matrix, one set per table from the rollup definitions: sums kept by
// the owner's triggers, read like the calls they sum (an org's rows by its members, the platform's hours and
// blocks of days by platform admins only), written by nobody directly.
import { sql } from 'kysely';
import {
  ORG_BLOCK_TABLES,
  PLATFORM_BREAKDOWN_TABLES,
  PLATFORM_ROLLUP,
  ROLLUP_TABLES,
  SUMS,
} from '../src/metrics/definitions.js';
import { ADMIN, type Case, NOBODY, READS_A, type TableCases } from './write-policies.cells.js';
import { AT, ids as i } from './write-policies.world.js';

const sums = sql.raw(SUMS.map((d) => d.column).join(', '));
const values = sql.raw(SUMS.map((d) => (d.agg === 'max' ? 'NULL' : '1')).join(', '));

/**
 * An org's rollup table: its days, or (`blocks`) its blocks of 4, 16 and 64 days, of which the cases read and write
 * those of 4 days (one row per org and key holds the calls' day).
 */
function orgRollupCases(
  table: string,
  keys: ReadonlyArray<{ column: string; type: string }>,
  blocks = false,
): TableCases[string] {
  const t = sql.table(table);
  const dayColumns = blocks ? 'span_days, first_day' : 'day';
  const dayValue = blocks ? sql.raw("4, '2026-01-01'") : sql.raw("'2026-01-01'");
  const only = blocks ? sql` AND span_days = 4` : sql``;
  const keyColumns = keys.map((k) => `, ${k.column}`).join('');
  const keyValues = (org: string) =>
    keys.map((k) =>
      k.column === 'business_number_id' ? sql`, ${org === i.orgA ? i.numberA : i.numberB}` : sql`, 'x'`,
    );
  const insert = (org: string, what: string): Case => ({
    what,
    statement: sql`INSERT INTO ${t} (org_id, ${sql.raw(dayColumns)}${sql.raw(keyColumns)}, ${sums})
      VALUES (${org}, ${dayValue}${sql.join(keyValues(org), sql``)}, ${values})`,
    allowed: NOBODY,
  });
  return {
    select: {
      cases: [
        { what: "A's day", statement: sql`SELECT org_id FROM ${t} WHERE org_id = ${i.orgA}${only}`, allowed: READS_A },
        { what: "B's day", statement: sql`SELECT org_id FROM ${t} WHERE org_id = ${i.orgB}${only}`, allowed: ADMIN },
      ],
    },
    insert: { cases: [insert(i.orgA, "a day of A's"), insert(i.orgB, "a day of B's")] },
    update: {
      cases: [
        {
          what: "A's day",
          statement: sql`UPDATE ${t} SET offered = offered + 100 WHERE org_id = ${i.orgA}${only}`,
          allowed: NOBODY,
        },
        {
          what: "B's day",
          statement: sql`UPDATE ${t} SET offered = 0 WHERE org_id = ${i.orgB}${only}`,
          allowed: NOBODY,
        },
      ],
    },
    delete: {
      cases: [
        { what: "A's day", statement: sql`DELETE FROM ${t} WHERE org_id = ${i.orgA}${only}`, allowed: NOBODY },
        { what: "B's day", statement: sql`DELETE FROM ${t} WHERE org_id = ${i.orgB}${only}`, allowed: NOBODY },
      ],
    },
  };
}

/**
 * A platform breakdown table: blocks of days per key, read by platform admins only, written by nobody directly.
 * Each case touches one row: the one-day block of call A's key, or the 64-day block of call B's key (both calls
 * start at AT, in no queue).
 */
function platformBreakdownCases(table: string, keys: ReadonlyArray<{ column: string }>): TableCases[string] {
  const t = sql.table(table);
  const keyOf = (side: 'a' | 'b') =>
    sql.join(
      keys.map((k) => {
        if (k.column === 'business_number_id') return sql`business_number_id = ${side === 'a' ? i.numberA : i.numberB}`;
        if (k.column === 'agent_extension') return sql`agent_extension = ${side === 'a' ? '101' : '201'}`;
        if (k.column === 'provider_account') return sql`provider_account = ${`acct-${side}`}`;
        if (k.column === 'queue_name') return sql`queue_name IS NULL`;
        return sql`true`;
      }),
      sql` AND `,
    );
  const blocks = [
    { what: "call A's day", where: sql`span_days = 1 AND ${keyOf('a')}` },
    { what: "call B's 64 days", where: sql`span_days = 64 AND ${keyOf('b')}` },
  ];
  const keyColumns = sql.raw(keys.map((k) => `, ${k.column}`).join(''));
  const keyValues = (number: string) =>
    sql.join(
      keys.map((k) => (k.column === 'business_number_id' ? sql`, ${number}` : sql`, 'x'`)),
      sql``,
    );
  return {
    select: {
      cases: blocks.map((b) => ({
        what: b.what,
        statement: sql`SELECT first_day FROM ${t} WHERE ${b.where}`,
        allowed: ADMIN,
      })),
    },
    insert: {
      cases: [i.numberA, i.numberB].map((number, n) => ({
        what: `a day of ${n === 0 ? "A's" : "B's"} number`,
        statement: sql`INSERT INTO ${t} (span_days, first_day${keyColumns}, ${sums})
          VALUES (1, '2026-01-01'${keyValues(number)}, ${values})`,
        allowed: NOBODY,
      })),
    },
    update: {
      cases: blocks.map((b) => ({
        what: b.what,
        statement: sql`UPDATE ${t} SET offered = offered + 1 WHERE ${b.where}`,
        allowed: NOBODY,
      })),
    },
    delete: {
      cases: blocks.map((b) => ({
        what: b.what,
        statement: sql`DELETE FROM ${t} WHERE ${b.where}`,
        allowed: NOBODY,
      })),
    },
  };
}

const platform = sql.table(PLATFORM_ROLLUP.table);
const hour = sql`date_trunc('hour', ${AT}::timestamptz, 'UTC')`;

export const ROLLUP_CASES: TableCases = {
  ...Object.fromEntries(Object.values(ROLLUP_TABLES).map((t) => [t.table, orgRollupCases(t.table, t.keys)])),
  ...Object.fromEntries(Object.values(ORG_BLOCK_TABLES).map((t) => [t.table, orgRollupCases(t.table, t.keys, true)])),
  ...Object.fromEntries(
    Object.values(PLATFORM_BREAKDOWN_TABLES).map((t) => [t.table, platformBreakdownCases(t.table, t.keys)]),
  ),
  // One hour holds both calls; "every hour" reads or writes the whole table.
  [PLATFORM_ROLLUP.table]: {
    select: {
      cases: [
        { what: "the calls' hour", statement: sql`SELECT hour FROM ${platform} WHERE hour = ${hour}`, allowed: ADMIN },
        { what: 'every hour', statement: sql`SELECT hour FROM ${platform}`, allowed: ADMIN },
      ],
    },
    insert: {
      cases: ['2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z'].map((at) => ({
        what: `the hour of ${at}`,
        statement: sql`INSERT INTO ${platform} (hour, ${sums}) VALUES (${at}, ${values})`,
        allowed: NOBODY,
      })),
    },
    update: {
      cases: [
        {
          what: "the calls' hour",
          statement: sql`UPDATE ${platform} SET offered = 0 WHERE hour = ${hour}`,
          allowed: NOBODY,
        },
        { what: 'every hour', statement: sql`UPDATE ${platform} SET offered = offered + 1`, allowed: NOBODY },
      ],
    },
    delete: {
      cases: [
        { what: "the calls' hour", statement: sql`DELETE FROM ${platform} WHERE hour = ${hour}`, allowed: NOBODY },
        { what: 'every hour', statement: sql`DELETE FROM ${platform}`, allowed: NOBODY },
      ],
    },
  },
};
