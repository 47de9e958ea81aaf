// The sign-in throttle without HTTP, on each database: reservations, the per-account lock, the restricted address,
// Retry-After, and the counts shared by two processes.
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { AppError } from '../http/errors.js';
import { DEFAULT_LIMITS, type LoginAttempt, LoginThrottle, type ThrottleLimits } from './login-throttle.js';
import { ThrottleStore } from './throttle-store.js';

async function refusal(attempt: Promise<unknown>): Promise<AppError | null> {
  try {
    await attempt;
    return null;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}

const T0 = 1_000_000;
const MINUTE = 60_000;

describe.each(testTargets())('LoginThrottle on %s', (target) => {
  let database: TestDatabase;
  /** A throttle as one process has it: its own store over the shared database. */
  const aProcess = (limits: ThrottleLimits = DEFAULT_LIMITS) =>
    new LoginThrottle(new ThrottleStore(database.db, 15 * MINUTE), limits);

  beforeAll(async () => {
    database = await openTestDatabase(target);
  });
  beforeEach(async () => {
    await sql`DELETE FROM throttle_hits`.execute(database.db);
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  it('uses the documented limits', () => {
    expect(DEFAULT_LIMITS).toEqual({
      perAccount: 10,
      accountWindowMs: 15 * MINUTE,
      perAddress: 100,
      addressWindowMs: MINUTE,
      restrictedAccountFailures: 3,
      slowAfter: 3,
      delayStepMs: 100,
    });
  });

  it('counts an attempt when it is admitted: the eleventh at once is refused before any password is checked', async () => {
    const throttle = aProcess();
    // Nothing is marked failed yet: these are all still "checking" when the next one arrives.
    const admitted: LoginAttempt[] = [];
    for (let i = 0; i < 10; i++) admitted.push(await throttle.admit('pat@acme.example', null, T0));
    expect(admitted.map((a) => a.delayMs)).toEqual([0, 0, 0, 100, 200, 300, 400, 500, 600, 700]);
    const refused = await refusal(throttle.admit('Pat@Acme.example', null, T0));
    expect(refused?.status).toBe(429);
    expect(refused?.code).toBe('too_many_attempts');
    expect(refused?.headers?.['retry-after']).toBe('900');
  });

  it('keeps a locked account locked for the window, correct password or not, then admits again', async () => {
    const throttle = aProcess();
    for (let i = 0; i < 10; i++) await throttle.admit('pat@acme.example', `10.0.0.${i}`, T0 + i * 1000);
    // Retry-After counts down to the moment the oldest of the ten ages out.
    expect((await refusal(throttle.admit('pat@acme.example', '10.0.1.1', T0 + 60_000)))?.headers?.['retry-after']).toBe(
      '840',
    );
    expect((await refusal(throttle.admit('pat@acme.example', '10.0.1.1', T0 + 15 * MINUTE - 1)))?.status).toBe(429);
    expect(await refusal(throttle.admit('pat@acme.example', '10.0.1.1', T0 + 15 * MINUTE))).toBeNull();
  });

  it('forgets the account on success, so a user who fumbled twice is not slowed later', async () => {
    const throttle = aProcess();
    for (let i = 0; i < 5; i++) await throttle.admit('pat@acme.example', null, T0);
    await (await throttle.admit('pat@acme.example', null, T0 + 1000)).succeeded();
    expect((await throttle.admit('pat@acme.example', null, T0 + 2000)).delayMs).toBe(0);
  });

  it('lets a busy office address keep signing in to accounts with few failures', async () => {
    const throttle = aProcess();
    const office = '203.0.113.9';
    for (let i = 0; i < 150; i++) await throttle.admit(`user${i}@acme.example`, office, T0 + i * 100);
    // 150 failures within a minute from one address: a healthy account (none, one, two failures) still gets in.
    expect(await refusal(throttle.admit('fresh@acme.example', office, T0 + 20_000))).toBeNull();
    await throttle.admit('typo@acme.example', office, T0 + 20_000);
    expect(await refusal(throttle.admit('typo@acme.example', office, T0 + 21_000))).toBeNull();
    expect(await refusal(throttle.admit('typo@acme.example', office, T0 + 22_000))).toBeNull();
    // A third failure on that account from the restricted address is where guessing stops...
    const guessed = await refusal(throttle.admit('typo@acme.example', office, T0 + 23_000));
    expect(guessed?.status).toBe(429);
    // ...until the address calms down, not the account's 15 minutes: of its 154 failures the 100th-newest (made at
    // T0 + 5.4 s) leaves the minute at T0 + 65.4 s, 42.4 s from now.
    expect(guessed?.headers?.['retry-after']).toBe('43');
    // The same account from another address is fine.
    expect(await refusal(throttle.admit('typo@acme.example', '198.51.100.7', T0 + 23_000))).toBeNull();
  });

  it('does not count a successful sign-in against the address', async () => {
    const throttle = aProcess();
    const office = '203.0.113.9';
    for (let i = 0; i < 99; i++) await throttle.admit(`user${i}@acme.example`, office, T0);
    for (let i = 0; i < 50; i++) await (await throttle.admit(`happy${i}@acme.example`, office, T0)).succeeded();
    for (let i = 0; i < 3; i++) await throttle.admit('pat@acme.example', null, T0);
    expect(await refusal(throttle.admit('pat@acme.example', office, T0))).toBeNull();
    expect((await refusal(throttle.admit('pat@acme.example', office, T0)))?.status).toBe(429);
  });

  it('takes its limits from the constructor', async () => {
    const throttle = aProcess({ ...DEFAULT_LIMITS, perAccount: 2, accountWindowMs: 1000 });
    await throttle.admit('pat@acme.example', null, T0);
    await throttle.admit('pat@acme.example', null, T0);
    expect((await refusal(throttle.admit('pat@acme.example', null, T0 + 999)))?.headers?.['retry-after']).toBe('1');
    expect(await refusal(throttle.admit('pat@acme.example', null, T0 + 1000))).toBeNull();
  });

  it('two processes share the counts: the eleventh attempt is refused by the other process, a success clears both', async () => {
    const one = aProcess();
    const two = aProcess();
    // Five attempts through each process, alternating: ten on the account in all.
    for (let i = 0; i < 10; i++) await (i % 2 ? one : two).admit('shared@acme.example', `10.9.0.${i}`, T0 + i);
    for (const throttle of [one, two]) {
      expect((await refusal(throttle.admit('shared@acme.example', '10.9.1.1', T0 + 20)))?.status).toBe(429);
    }
    // Concurrent guesses on a fresh account through both processes: exactly ten are admitted.
    const raced = await Promise.all(
      Array.from({ length: 16 }, (_, i) => refusal((i % 2 ? one : two).admit('raced@acme.example', null, T0 + i))),
    );
    expect(raced.filter((r) => r === null)).toHaveLength(10);
    expect(raced.filter((r) => r?.status === 429)).toHaveLength(6);
    // A success in one process forgets the account's failures for the other too.
    const other = aProcess();
    for (let i = 0; i < 4; i++) await other.admit('fumbler@acme.example', null, T0);
    expect((await two.admit('fumbler@acme.example', null, T0 + 1)).delayMs).toBe(200);
    await (await one.admit('fumbler@acme.example', null, T0 + 2)).succeeded();
    expect((await two.admit('fumbler@acme.example', null, T0 + 3)).delayMs).toBe(0);
  });
});
