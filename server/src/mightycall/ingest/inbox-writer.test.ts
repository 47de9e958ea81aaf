// Group commit of the webhook inbox on a real database: concurrent events share transactions, each key is stored
// once, every caller hears its own outcome (new or duplicate), and one bad row does not fail its batch-mates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase, testTargets } from '../../../test/support/database.js';
import { systemPrincipal } from '../../auth/principal.js';
import { withPrincipal } from '../../db/tenant.js';
import { type Envelope, type InboxRow, inboxRow, insertInboxRows } from './inbox.js';
import { InboxWriter } from './inbox-writer.js';

const SYSTEM = systemPrincipal('inbox writer test');

function envelope(i: number, extra: Record<string, unknown> = {}): Envelope {
  return {
    EventType: 'IncomingCall',
    Guid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    Timestamp: '2026-03-02T15:00:00.1234567Z',
    Body: { Id: `call-${i % 40}`, From: '+12125550100', To: '+12125550141', ...extra },
  };
}

describe.each(testTargets())('InboxWriter on %s', (target) => {
  let db: TestDatabase;
  let connectionId: string;
  const rowsOf = async () =>
    withPrincipal(db.db, SYSTEM, (tx) =>
      tx
        .selectFrom('mightycall_webhook_inbox')
        .select(['dedupe_key', 'call_id'])
        .where('connection_id', '=', connectionId)
        .execute(),
    );
  const writer = (options?: ConstructorParameters<typeof InboxWriter>[1]) =>
    new InboxWriter((rows) => withPrincipal(db.db, SYSTEM, (tx) => insertInboxRows(tx, rows)), options);

  beforeAll(async () => {
    db = await openTestDatabase(target);
    const created = await db.db
      .insertInto('mightycall_connections')
      .values({
        name: 'writer test',
        host: 'custom',
        base_url: 'http://127.0.0.1:1',
        provider_account: 'writer-test',
        api_key_enc: 'x',
        user_key_enc: 'x',
        webhook_token_enc: 'x',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    connectionId = created.id;
  });
  afterAll(async () => {
    await db.cleanup();
  });

  it('stores 400 concurrent deliveries (100 of them repeats) in a few transactions, each event once', async () => {
    const w = writer();
    const rows: InboxRow[] = [];
    for (let i = 0; i < 300; i++) rows.push(inboxRow(connectionId, envelope(i), Date.now()));
    // Every third event delivered twice, the repeat arriving in the same burst.
    for (let i = 0; i < 300; i += 3) rows.push(inboxRow(connectionId, envelope(i), Date.now()));
    const answers = await Promise.all(rows.map((r) => w.add(r)));

    expect(answers.slice(0, 300).every((a) => a === true)).toBe(true);
    expect(answers.slice(300).every((a) => a === false)).toBe(true);
    const stored = await rowsOf();
    expect(stored).toHaveLength(300);
    expect(new Set(stored.map((r) => r.dedupe_key)).size).toBe(300);
    // Two went alone while nothing was in flight; the rest queued behind them and went together.
    // (a repeat in a later batch than its first is attempted again, and refused by the database)
    expect(w.stats.rows).toBeLessThanOrEqual(302);
    expect(w.stats.batches).toBeLessThanOrEqual(4);
    expect(w.stats.largestBatch).toBeGreaterThanOrEqual(250);

    // Redelivered later, in a batch of their own: every one a duplicate, nothing stored again.
    const again = await Promise.all(rows.slice(0, 50).map((r) => w.add(r)));
    expect(again).toEqual(Array(50).fill(false));
    expect(await rowsOf()).toHaveLength(300);
  });

  it('a row the database refuses fails alone: its batch-mates are stored and told so', async () => {
    const w = writer({ maxInFlight: 1 });
    // A NUL escape is valid JSON but not valid jsonb: the database refuses this row.
    const bad = inboxRow(connectionId, envelope(1000, { Note: 'a\u0000b' }), Date.now());
    const good = Array.from({ length: 20 }, (_, k) => inboxRow(connectionId, envelope(2000 + k), Date.now()));
    const before = (await rowsOf()).length;
    // The first good row goes alone; the bad one and the rest queue behind it and share a batch.
    const settled = await Promise.allSettled([good[0], bad, ...good.slice(1)].map((r) => w.add(r as InboxRow)));

    expect(settled[1]?.status).toBe('rejected');
    const others = settled.filter((_, i) => i !== 1);
    expect(others.map((s) => (s.status === 'fulfilled' ? s.value : s.reason))).toEqual(Array(20).fill(true));
    expect(w.stats.retriedAlone).toBeGreaterThan(0);
    const stored = await rowsOf();
    expect(stored).toHaveLength(before + 20);
    expect(stored.some((r) => r.dedupe_key === bad.dedupe_key)).toBe(false);
  });
});
