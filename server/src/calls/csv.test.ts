// The calls CSV export defuses spreadsheet formulas in every text cell (OWASP CSV injection); numbers stay numbers.
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

describe.each(testTargets())('calls CSV export on %s', (target) => {
  let w: World;
  let body: string;
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
    // …when an org admin exports the call log.
    const res = await request(w.app, 'GET', `/api/calls?org_id=${w.orgA}&format=csv`, {
      as: { session: w.users.adminA.session },
    });
    expect(res.status).toBe(200);
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
});
