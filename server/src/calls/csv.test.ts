// The calls CSV export defuses spreadsheet formulas in every text cell (OWASP CSV injection); numbers stay numbers.
// It is named by the org's local date and gives each time on the org's clock (with its offset) beside the UTC one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorld, call as request, type World } from '../../test/isolation-world.js';
import { csvRecords } from '../../test/support/csv.js';
import { testTargets } from '../../test/support/database.js';
import { assignNumber, call, insertCalls } from '../../test/support/fixtures.js';

/** Text a spreadsheet would run: formulas, DDE, and the tab/CR prefixes that get around naive checks. */
const HOSTILE = ['=1+1', "-1+1+cmd|' /C calc'!A0", '+1+1', '@SUM(A1)', '\t=1', '\r=1'];
const BUSINESS = '+13125550100';

/** How a reader gets the original text back: drop the ' the export put before a formula character. */
const original = (cell: string) => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);

/**
 * A zone whose date differs from UTC's right now (neither keeps summer time): UTC+14 from 10:00 UTC, UTC−11 before
 * 11:00 UTC, so the file name shows whose date it carries.
 */
function zoneAwayFromUtcDate(now: Date): { zone: string; offset: string; hours: number } {
  return now.getUTCHours() >= 10
    ? { zone: 'Pacific/Kiritimati', offset: '+14:00', hours: 14 }
    : { zone: 'Pacific/Pago_Pago', offset: '-11:00', hours: -11 };
}
const dateIn = (zone: string, at: Date) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

describe.each(testTargets())('calls CSV export on %s', (target) => {
  let w: World;
  let body: string;
  let fileName: string;
  let exportedAt: Date;
  const away = zoneAwayFromUtcDate(new Date());
  let rows: Array<Record<string, string>>;
  const base = new Date('2026-05-04T14:00:00Z');

  beforeAll(async () => {
    w = await buildWorld(target);
    // Given hostile text in every free-text source a call has: the caller's number as the provider sent it, the
    // queue name, and the agent's name from the MightyCall directory…
    await w.database.db
      .insertInto('agents')
      .values(
        HOSTILE.map((name, i) => ({ provider: 'test', provider_account: '', extension: `70${i}`, display_name: name })),
      )
      .execute();
    await insertCalls(w.database, [
      ...HOSTILE.map((text, i) =>
        call({
          businessNumber: BUSINESS,
          externalNumber: text,
          queue: text,
          agentExtension: `70${i}`,
          startedAt: new Date(base.getTime() + (i + 1) * 60_000),
        }),
      ),
      call({ businessNumber: BUSINESS, externalNumber: '+14155550123', queue: 'Support', startedAt: base }),
    ]);
    // The calls brought the number into the inventory (with the directory's account); the org holds it.
    const number = await w.database.db
      .selectFrom('phone_numbers')
      .select('id')
      .where('e164', '=', BUSINESS)
      .executeTakeFirstOrThrow();
    await assignNumber(w.database, w.orgA, number.id);
    await w.database.db.updateTable('organizations').set({ timezone: away.zone }).where('id', '=', w.orgA).execute();
    // …when an org admin exports the call log.
    exportedAt = new Date();
    const res = await request(w.app, 'GET', `/api/calls?org_id=${w.orgA}&format=csv`, {
      as: { session: w.users.adminA.session },
    });
    expect(res.status).toBe(200);
    fileName = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? '';
    body = await res.text();
    const [header, ...records] = [...csvRecords(body)].map((r) => r.fields);
    rows = records.map((fields) => Object.fromEntries((header ?? []).map((name, i) => [name, fields[i] ?? ''])));
  });
  afterAll(async () => {
    await w.close();
  });

  it('prefixes a quote to, and quotes, every text cell that starts like a formula', () => {
    expect(rows).toHaveLength(HOSTILE.length + 1);
    HOSTILE.forEach((text, i) => {
      const row = rows.find((r) => r.agentExtension === `70${i}`);
      expect(row).toMatchObject({ fromNumber: `'${text}`, queueName: `'${text}`, agentName: `'${text}` });
      expect(body).toContain(`"'${text}"`);
    });
  });

  it('defuses E.164 numbers too (they start with +), and leaves plain text and numbers bare', () => {
    const plain = rows.find((r) => r.queueName === 'Support');
    expect(plain).toMatchObject({
      fromNumber: "'+14155550123",
      toNumber: `'${BUSINESS}`,
      businessNumber: `'${BUSINESS}`,
    });
    expect(body).toContain(`,"'+14155550123","'${BUSINESS}","'${BUSINESS}",Support,`);
    // Wait 10 s, talk 60 s: bare numbers a spreadsheet can sum.
    expect(plain).toMatchObject({ waitSeconds: '10', talkSeconds: '60' });
    expect(body).toContain(',10,60,');
  });

  it('gives back the original text once the added quote is dropped', () => {
    HOSTILE.forEach((text, i) => {
      const row = rows.find((r) => r.agentExtension === `70${i}`) ?? {};
      expect([row.fromNumber, row.queueName, row.agentName].map((cell) => original(cell ?? ''))).toEqual([
        text,
        text,
        text,
      ]);
    });
    expect(rows.map((r) => original(r.businessNumber ?? ''))).toEqual(Array(rows.length).fill(BUSINESS));
  });

  it("is named by the org's local date, not the UTC one", () => {
    const local = dateIn(away.zone, exportedAt);
    expect(local).not.toBe(exportedAt.toISOString().slice(0, 10));
    expect(fileName).toBe(`calls-${local}.csv`);
  });

  it("gives each time on the org's clock, with its offset, beside the UTC time", () => {
    const header = body.slice(0, body.indexOf('\r\n')).split(',');
    for (const column of ['startedAt', 'answeredAt', 'endedAt']) {
      expect(header[header.indexOf(column) + 1]).toBe(`${column}Local`);
    }
    // The plain call started at 14:00 UTC on May 4: the same instant on the org's wall clock.
    const plain = rows.find((r) => r.queueName === 'Support') ?? {};
    const wall = (utc: string) => new Date(new Date(utc).getTime() + away.hours * 3_600_000).toISOString().slice(0, 19);
    expect(plain.startedAt).toBe('2026-05-04T14:00:00.000Z');
    expect(plain.startedAtLocal).toBe(`${wall('2026-05-04T14:00:00Z')}${away.offset}`);
    for (const row of rows) {
      for (const column of ['startedAt', 'answeredAt', 'endedAt'] as const) {
        const utc = row[column] ?? '';
        const local = row[`${column}Local`] ?? '';
        expect(local === '' ? '' : new Date(local).toISOString(), column).toBe(
          utc === '' ? '' : new Date(utc).toISOString(),
        );
        if (local) expect(local.endsWith(away.offset)).toBe(true);
      }
    }
  });
});
