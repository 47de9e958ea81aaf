// The rollup triggers (SQL in migrations) and the published figures cannot drift from the metric definitions: the
// functions a migrated database runs must be exactly what rollup-sql.ts generates from the definitions today, the
// rollup tables must have exactly their columns, and the figures must be the schema's, in its order.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { sqlText } from '../db/sql-text.js';
import {
  aggregateOf,
  deriveFigures,
  EMPTY_SUMS,
  FIGURES,
  mergeSums,
  ORG_BLOCK_TABLES,
  PLATFORM_BREAKDOWN_TABLES,
  ROLLUP_TABLES,
  rollupMergeOf,
  SUMS,
} from './definitions.js';
import { rollupFunctions } from './rollup-sql.js';
import { FiguresSchema } from './schema.js';
import { inAssignmentWindow } from './scope.js';

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

describe.each(testTargets())('metric definitions on %s', (target) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(target);
  });
  afterAll(async () => {
    await database.cleanup();
  });

  /** The body of one of our functions in this database's schema. */
  async function functionBody(name: string): Promise<string> {
    const rows = await sql<{ prosrc: string }>`SELECT prosrc FROM pg_proc
      WHERE proname = ${name} AND pronamespace = current_schema()::regnamespace`.execute(database.db);
    const body = rows.rows[0]?.prosrc;
    if (!body) throw new Error(`function ${name} not found`);
    return squash(body);
  }

  it('the database runs exactly the rollup functions the definitions generate today', async () => {
    const functions = rollupFunctions();
    expect(functions.map((f) => f.name)).toEqual([
      'vs_rebuild_org_rollups',
      'vs_calls_rollup_insert',
      'vs_calls_rollup_update',
      'vs_calls_rollup_delete',
    ]);
    for (const f of functions) {
      const generated = squash(`${f.declare ? `DECLARE ${f.declare} ` : ''}BEGIN ${f.body} END`);
      expect(await functionBody(f.name), f.name).toBe(generated);
    }
  });

  it('the generated functions state each sum and the scope rule as the queries do', () => {
    const rebuild = squash(rollupFunctions()[0]?.body ?? '');
    const orgThresholds = {
      slThresholdSeconds: sql.raw('o.sl_threshold_seconds'),
      shortAbandonSeconds: sql.raw('o.short_abandon_seconds'),
    };
    for (const d of SUMS) expect(rebuild).toContain(squash(sqlText(aggregateOf(d, 'c', orgThresholds))));
    expect(rebuild).toContain(squash(sqlText(inAssignmentWindow('a', 'c'))));
    const insert = squash(rollupFunctions()[1]?.body ?? '');
    expect(insert).toContain(`DO UPDATE SET ${SUMS.map(rollupMergeOf).join(', ')};`);
  });

  it('each rollup table holds its key columns and one column per defined sum, in order', async () => {
    for (const t of Object.values(ROLLUP_TABLES)) {
      const columns = await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = ${t.table} ORDER BY ordinal_position`.execute(
        database.db,
      );
      expect(
        columns.rows.map((r) => r.column_name),
        t.table,
      ).toEqual(['org_id', 'day', ...t.keys.map((k) => k.column), ...SUMS.map((d) => d.column)]);
    }
    for (const t of Object.values(PLATFORM_BREAKDOWN_TABLES)) {
      const columns = await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = ${t.table} ORDER BY ordinal_position`.execute(
        database.db,
      );
      expect(
        columns.rows.map((r) => r.column_name),
        t.table,
      ).toEqual(['span_days', 'first_day', ...t.keys.map((k) => k.column), ...SUMS.map((d) => d.column)]);
    }
    for (const t of Object.values(ORG_BLOCK_TABLES)) {
      const columns = await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = ${t.table} ORDER BY ordinal_position`.execute(
        database.db,
      );
      expect(
        columns.rows.map((r) => r.column_name),
        t.table,
      ).toEqual(['org_id', 'span_days', 'first_day', ...t.keys.map((k) => k.column), ...SUMS.map((d) => d.column)]);
    }
  });
});

describe('figures', () => {
  it('are the schema’s figures, in its order', () => {
    expect(Object.keys(FIGURES)).toEqual(FiguresSchema.keyof().options);
    expect(Object.keys(deriveFigures(EMPTY_SUMS))).toEqual(FiguresSchema.keyof().options);
  });

  it('merge sums by adding, and maxima by max with nothing as null', () => {
    const a = { ...EMPTY_SUMS, offered: 3, answered: 2, waitSumAnswered: 10.5, waitMax: 7 };
    const b = { ...EMPTY_SUMS, offered: 1, answered: 1, waitSumAnswered: 2, waitMax: 9 };
    expect(mergeSums(a, b)).toMatchObject({ offered: 4, answered: 3, waitSumAnswered: 12.5, waitMax: 9 });
    expect(mergeSums(EMPTY_SUMS, EMPTY_SUMS).waitMax).toBeNull();
    expect(mergeSums(a, EMPTY_SUMS).waitMax).toBe(7);
  });

  it('derive rates without the short abandons and averages from sums, null on nothing', () => {
    const s = {
      ...EMPTY_SUMS,
      offered: 11,
      shortAbandoned: 1,
      answered: 8,
      slAnswered: 6,
      missed: 3,
      waitSumAnswered: 40,
    };
    const f = deriveFigures(s);
    expect(f.answerRatePct).toBe(80);
    expect(f.serviceLevelPct).toBe(60);
    expect(f.abandonRatePct).toBe(20);
    expect(f.avgWaitSeconds).toBe(5);
    expect(deriveFigures(EMPTY_SUMS).answerRatePct).toBeNull();
  });
});
