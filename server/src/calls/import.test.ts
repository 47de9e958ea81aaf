import { benchTopology, generateCalls } from '@victorysync/datagen';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRecords } from '../../test/support/csv.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import { CsvParser, importCalls } from './import.js';

const SYSTEM = systemPrincipal('import test');

function ndjsonOf(count: number): string {
  const topology = benchTopology({ orgCount: 5, numberCount: 60, callsPerDayTotal: 8000 });
  const lines: string[] = [];
  for (const c of generateCalls(topology, {
    seed: 9,
    from: new Date('2026-01-01T00:00:00Z'),
    to: new Date('2026-04-01T00:00:00Z'),
  })) {
    lines.push(
      JSON.stringify({
        provider: 'mightycall',
        provider_call_id: c.providerCallId,
        direction: c.direction,
        status: c.status,
        business_number: c.businessNumber,
        external_number: c.externalNumber,
        started_at: c.startedAt.toISOString(),
        answered_at: c.answeredAt?.toISOString() ?? null,
        ended_at: c.endedAt.toISOString(),
        agent_extension: c.agentExtension,
        queue: c.queue,
      }),
    );
    if (lines.length === count) break;
  }
  return lines.join('\n');
}

describe.each(testTargets())('call import on %s', (target) => {
  let database: TestDatabase;
  const run = <T>(fn: Parameters<typeof withPrincipal<T>>[2]) => withPrincipal(database.db, SYSTEM, fn);

  beforeAll(async () => {
    database = await openTestDatabase(target);
  });
  afterAll(async () => {
    await database.cleanup();
  });

  it('imports 100,000 calls idempotently: the second run inserts and updates nothing', {
    timeout: 600_000,
  }, async () => {
    const text = ndjsonOf(100_000);
    const first = await run((tx) => importCalls(tx, text, 'ndjson'));
    expect(first).toEqual({ received: 100_000, inserted: 100_000, updated: 0, unchanged: 0, errors: [] });
    const second = await run((tx) => importCalls(tx, text, 'ndjson'));
    expect(second).toEqual({ received: 100_000, inserted: 0, updated: 0, unchanged: 100_000, errors: [] });
    const count = await database.db
      .selectFrom('calls')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(100_000);
    // Unknown business numbers became unassigned inventory.
    const numbers = await database.db
      .selectFrom('phone_numbers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const distinct = new Set(
      text.split('\n').map((l) => (JSON.parse(l) as { business_number: string }).business_number),
    );
    expect(Number(numbers.n)).toBe(distinct.size);
  });

  it('reports bad CSV lines by number, lands the good ones, and normalizes numbers, times and statuses', async () => {
    const csv = [
      'provider,provider_call_id,direction,status,business_number,external_number,started_at,answered_at,ended_at,agent_extension,queue',
      'csv,ok-1,Inbound,ANSWERED,(646) 555-0101,646.555.0199,2026-02-01T10:00:00Z,2026-02-01T10:00:12Z,2026-02-01T10:05:00Z,101,"Sales, East"',
      'csv,bad-status,inbound,exploded,6465550101,,2026-02-01T10:00:00Z,,2026-02-01T10:01:00Z,,',
      'csv,bad-number,inbound,missed,not-a-number,,2026-02-01T10:00:00Z,,2026-02-01T10:01:00Z,,',
      'csv,ok-2,outbound,no-answer,+1 646 555 0101,+44 20 7946 0000,2026-02-01 11:00:00,,2026-02-01 11:00:30,102,',
      'csv,backwards,inbound,missed,6465550101,,2026-02-01T10:00:00Z,,2026-02-01T09:00:00Z,,',
      'csv,short',
    ].join('\r\n');
    const report = await run((tx) => importCalls(tx, csv, 'csv'));
    expect(report.received).toBe(6);
    expect(report.inserted).toBe(2);
    expect(report.errors.map((e) => e.line)).toEqual([3, 4, 6, 7]);
    expect(report.errors[0]?.message).toMatch(/status/);
    expect(report.errors[1]?.message).toMatch(/business_number/);
    expect(report.errors[2]?.message).toMatch(/ended_at/);
    expect(report.errors[3]?.message).toMatch(/expected 11 fields/);
    const rows = await database.db
      .selectFrom('calls')
      .innerJoin('phone_numbers', 'phone_numbers.id', 'calls.business_number_id')
      .select(['provider_call_id', 'status', 'direction', 'e164', 'external_number', 'started_at', 'queue_name'])
      .where('calls.provider', '=', 'csv')
      .orderBy('provider_call_id')
      .execute();
    expect(rows).toEqual([
      {
        provider_call_id: 'ok-1',
        status: 'answered',
        direction: 'inbound',
        e164: '+16465550101',
        external_number: '+16465550199',
        started_at: new Date('2026-02-01T10:00:00Z'),
        queue_name: 'Sales, East',
      },
      {
        provider_call_id: 'ok-2',
        status: 'missed',
        direction: 'outbound',
        e164: '+16465550101',
        external_number: '+442079460000',
        started_at: new Date('2026-02-01T11:00:00Z'),
        queue_name: null,
      },
    ]);
  });

  it('parses quoted CSV fields with embedded newlines and keeps line numbers', () => {
    const records = [...csvRecords('a,b\n"x\ny",2\n3,4')];
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x\ny', '2'] },
      { line: 4, fields: ['3', '4'] },
    ]);
  });
  it('reads CSV cut into pieces anywhere exactly as it reads it whole', () => {
    const text = 'a,b,c\r\n"say ""hi""",2,"one,\r\ntwo"\r\n"",,"x"\n"end"""\r\n5,6,7\r\n\r\n8,"9",""""';
    const whole = [...csvRecords(text)];
    expect(whole).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['say "hi"', '2', 'one,\r\ntwo'] },
      { line: 4, fields: ['', '', 'x'] },
      { line: 5, fields: ['end"'] },
      { line: 6, fields: ['5', '6', '7'] },
      { line: 8, fields: ['8', '9', '"'] },
    ]);
    for (let size = 1; size <= 9; size++) {
      const parser = new CsvParser();
      const got: ReturnType<typeof csvRecords> extends Generator<infer R> ? R[] : never = [];
      for (let i = 0; i < text.length; i += size) got.push(...parser.push(text.slice(i, i + size)));
      got.push(...parser.end());
      expect(got, `pieces of ${size}`).toEqual(whole);
    }
  });

  it('imports NDJSON arriving in pieces with the same lines and line numbers as whole', async () => {
    const lines = ndjsonOf(300).split('\n');
    // A bad line and a blank one in the middle: their numbers must survive the cutting.
    lines.splice(100, 0, '{"provider":', '');
    const text = lines.join('\r\n');
    async function* pieces(size: number) {
      for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
    }
    const first = await run((tx) => importCalls(tx, pieces(97), 'ndjson'));
    expect(first.received).toBe(301);
    expect(first.errors).toEqual([{ line: 101, message: 'not valid JSON' }]);
    const whole = await run((tx) => importCalls(tx, text, 'ndjson'));
    expect(whole).toEqual({ received: 301, inserted: 0, updated: 0, unchanged: 300, errors: first.errors });
    const again = await run((tx) => importCalls(tx, pieces(5), 'ndjson'));
    expect(again).toEqual(whole);
  });
});
