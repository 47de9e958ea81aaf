// The rollup triggers (SQL in migration 0005) and the published figures cannot drift from the metric definitions:
// the deployed trigger functions must contain exactly the aggregates and merges the definitions render, the rollup
// table must have exactly their columns, and the figures must be the schema's, in its order.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { aggregateOf, deriveFigures, EMPTY_SUMS, FIGURES, mergeSums, rollupMergeOf, SUMS } from './definitions.js';
import { FiguresSchema } from './schema.js';

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

  /** The definitions' aggregates over calls `alias`, with the org's own thresholds (as the triggers read them). */
  function renderedAggregates(alias: string): string {
    const orgThresholds = {
      slThresholdSeconds: sql.raw('o.sl_threshold_seconds'),
      shortAbandonSeconds: sql.raw('o.short_abandon_seconds'),
    };
    const each = SUMS.map((d) => aggregateOf(d, alias, orgThresholds).compile(database.db));
    for (const compiled of each) expect(compiled.parameters).toEqual([]);
    return each.map((c) => squash(c.sql)).join(', ');
  }

  it('the rollup rebuild and the insert trigger aggregate exactly the defined sums, in the table’s order', async () => {
    const rebuild = await functionBody('vs_rebuild_org_rollups');
    const insert = await functionBody('vs_calls_rollup_insert');
    expect(rebuild).toContain(
      `SELECT p_org, (c.started_at AT TIME ZONE o.timezone)::date AS day, ${renderedAggregates('c')} FROM`,
    );
    expect(insert).toContain(
      `(n.started_at AT TIME ZONE o.timezone)::date, ${renderedAggregates('n')} FROM new_calls n`,
    );
  });

  it('the insert trigger merges each sum into a stored day as the definitions say (max by greatest)', async () => {
    const insert = await functionBody('vs_calls_rollup_insert');
    expect(insert).toContain(`DO UPDATE SET ${SUMS.map(rollupMergeOf).join(', ')};`);
  });

  it('org_daily_rollups holds exactly one column per defined sum, in order', async () => {
    const columns = await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'org_daily_rollups' ORDER BY ordinal_position`.execute(
      database.db,
    );
    expect(columns.rows.map((r) => r.column_name)).toEqual(['org_id', 'day', ...SUMS.map((d) => d.column)]);
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
