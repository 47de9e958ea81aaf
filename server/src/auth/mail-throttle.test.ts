// The mail throttle across processes: two app instances on one database share the per-address and per-client
// counts (sequential and concurrent requests), answer the same for addresses with and without an account, keep no
// address in clear, and prune counts that have left the window.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, testApp } from '../../test/support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { createOrg, createUser } from '../../test/support/fixtures.js';
import { AppError } from '../http/errors.js';
import { MailThrottle } from './mail-throttle.js';
import { THROTTLE_PRUNE, ThrottleStore } from './throttle-store.js';

const MINUTE = 60_000;
const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function outcome(admission: Promise<void>): Promise<'admitted' | number> {
  try {
    await admission;
    return 'admitted';
  } catch (error) {
    if (error instanceof AppError) return error.status;
    throw error;
  }
}

describe.each(testTargets())('mail throttle across processes on %s', (target) => {
  let database: TestDatabase;
  let one: ReturnType<typeof testApp>;
  let two: ReturnType<typeof testApp>;

  beforeAll(async () => {
    database = await openTestDatabase(target);
    one = testApp(database);
    two = testApp(database);
    const orgId = await createOrg(database, 'Throttle Dental');
    await createUser(database, 'known@throttle.example', { memberships: [{ orgId, role: 'agent' }] });
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  it('two app instances share the per-address limit, the same for an address with and without an account', async () => {
    const ask = (app: ReturnType<typeof testApp>, email: string) =>
      client(app.app).request('/api/auth/forgot-password', json({ email }));
    // Three requests per address in 15 minutes, alternating between the two processes.
    const statuses: number[] = [];
    for (const app of [one, two, one]) {
      statuses.push((await ask(app, 'known@throttle.example')).status);
      statuses.push((await ask(app, 'nobody@throttle.example')).status);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202]);
    // The fourth is refused by either process, with the same answer whether the address has an account or not.
    const known = await ask(two, 'known@throttle.example');
    const unknown = await ask(one, 'Nobody@Throttle.example');
    expect([known.status, unknown.status]).toEqual([429, 429]);
    expect(await known.json()).toMatchObject({ error: { code: 'too_many_requests' } });
    expect(Number(known.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(unknown.headers.get('retry-after'))).toBeGreaterThan(0);
    // Only the admitted requests led to mail: three reset links for the known address, none for the other.
    await one.deps.jobs.runDueJobs();
    const mails = await database.db
      .selectFrom('mail_outbox')
      .select('to_address')
      .where('purpose', '=', 'password_reset')
      .execute();
    expect(mails.map((m) => m.to_address)).toEqual([
      'known@throttle.example',
      'known@throttle.example',
      'known@throttle.example',
    ]);
    // The counts hold hashes, never the addresses asked for.
    const stored = await sql<{
      text: string;
    }>`SELECT encode(key_hash, 'escape') AS text FROM throttle_hits`.execute(database.db);
    expect(stored.rows.length).toBeGreaterThanOrEqual(6);
    expect(stored.rows.some((r) => r.text.includes('throttle.example'))).toBe(false);
  });

  it('concurrent requests through two throttles are admitted exactly up to the limits, per address and per client', async () => {
    const limits = { perAccount: 3, perClient: 5, windowMs: 15 * MINUTE };
    // Two processes: each its own store and throttle, one database.
    const a = new MailThrottle(new ThrottleStore(database.db, limits.windowMs), limits);
    const b = new MailThrottle(new ThrottleStore(database.db, limits.windowMs), limits);
    const now = Date.parse('2026-03-02T10:00:00Z');
    const perAddress = await Promise.all(
      Array.from({ length: 8 }, (_, i) => outcome((i % 2 ? a : b).admit('race@throttle.example', null, now + i))),
    );
    expect(perAddress.filter((o) => o === 'admitted')).toHaveLength(3);
    expect(perAddress.filter((o) => o === 429)).toHaveLength(5);
    // One client asking for many addresses: five pass in all, whichever process answers.
    const perClient = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        outcome((i % 2 ? a : b).admit(`spray-${i}@throttle.example`, '203.0.113.9', now + i)),
      ),
    );
    expect(perClient.filter((o) => o === 'admitted')).toHaveLength(5);
    expect(perClient.filter((o) => o === 429)).toHaveLength(3);
    // Another client is not held back by that one.
    expect(await outcome(a.admit('fresh@throttle.example', '198.51.100.4', now + 10))).toBe('admitted');
    // Fifteen minutes after the first admitted requests, the address may ask again.
    expect(await outcome(b.admit('race@throttle.example', null, now + 9))).toBe(429);
    expect(await outcome(b.admit('race@throttle.example', null, now + 15 * MINUTE + 10))).toBe('admitted');
  });

  it('the prune job deletes counts that have left the window, and only those', async () => {
    const limits = { perAccount: 1, perClient: 10, windowMs: 15 * MINUTE };
    const store = new ThrottleStore(database.db, limits.windowMs);
    const throttle = new MailThrottle(store, limits);
    const base = Date.parse('2026-04-01T08:00:00Z');
    await throttle.admit('old@throttle.example', null, base);
    await throttle.admit('new@throttle.example', null, base + 14 * MINUTE);
    const count = async () =>
      Number(
        (
          await sql<{
            n: string;
          }>`SELECT count(*) AS n FROM throttle_hits WHERE at >= ${new Date(base)} AND at < ${new Date(base + 60 * MINUTE)}`.execute(
            database.db,
          )
        ).rows[0]?.n,
      );
    expect(await count()).toBe(2);
    expect(await store.prune(base + 15 * MINUTE)).toBeGreaterThanOrEqual(1);
    expect(await count()).toBe(1);
    // The newer one still counts: its address is refused until its own window ends.
    expect(await outcome(throttle.admit('new@throttle.example', null, base + 15 * MINUTE))).toBe(429);
    // The app's job runner has the prune as a recurring kind, run under a lease.
    await one.deps.jobs.runLeased(THROTTLE_PRUNE, 'all');
    const left = await sql<{
      n: string;
    }>`SELECT count(*) AS n FROM throttle_hits WHERE at < now() - interval '15 minutes'`.execute(database.db);
    expect(Number(left.rows[0]?.n)).toBe(0);
  });
});
