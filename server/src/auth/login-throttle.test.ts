// The sign-in throttle without HTTP: reservations, the per-account lock, the restricted address, Retry-After.
import { describe, expect, it } from 'vitest';
import { AppError } from '../http/errors.js';
import { DEFAULT_LIMITS, type LoginAttempt, LoginThrottle } from './login-throttle.js';

function refusal(fn: () => unknown): AppError | null {
  try {
    fn();
    return null;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}

const T0 = 1_000_000;
const MINUTE = 60_000;

describe('LoginThrottle', () => {
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

  it('counts an attempt when it is admitted: the eleventh at once is refused before any password is checked', () => {
    const throttle = new LoginThrottle();
    // Nothing is marked failed yet: these are all still "checking" when the next one arrives.
    const admitted: LoginAttempt[] = [];
    for (let i = 0; i < 10; i++) admitted.push(throttle.admit('pat@acme.example', null, T0));
    expect(admitted.map((a) => a.delayMs)).toEqual([0, 0, 0, 100, 200, 300, 400, 500, 600, 700]);
    const refused = refusal(() => throttle.admit('Pat@Acme.example', null, T0));
    expect(refused?.status).toBe(429);
    expect(refused?.code).toBe('too_many_attempts');
    expect(refused?.headers?.['retry-after']).toBe('900');
  });

  it('keeps a locked account locked for the window, correct password or not, then admits again', () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 10; i++) throttle.admit('pat@acme.example', `10.0.0.${i}`, T0 + i * 1000);
    // Retry-After counts down to the moment the oldest of the ten ages out.
    expect(refusal(() => throttle.admit('pat@acme.example', '10.0.1.1', T0 + 60_000))?.headers?.['retry-after']).toBe(
      '840',
    );
    expect(refusal(() => throttle.admit('pat@acme.example', '10.0.1.1', T0 + 15 * MINUTE - 1))?.status).toBe(429);
    expect(refusal(() => throttle.admit('pat@acme.example', '10.0.1.1', T0 + 15 * MINUTE))).toBeNull();
  });

  it('forgets the account on success, so a user who fumbled twice is not slowed later', () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 5; i++) throttle.admit('pat@acme.example', null, T0);
    throttle.admit('pat@acme.example', null, T0 + 1000).succeeded();
    expect(throttle.admit('pat@acme.example', null, T0 + 2000).delayMs).toBe(0);
  });

  it('lets a busy office address keep signing in to accounts with few failures', () => {
    const throttle = new LoginThrottle();
    const office = '203.0.113.9';
    for (let i = 0; i < 150; i++) throttle.admit(`user${i}@acme.example`, office, T0 + i * 100);
    // 150 failures within a minute from one address: a healthy account (none, one, two failures) still gets in.
    expect(refusal(() => throttle.admit('fresh@acme.example', office, T0 + 20_000))).toBeNull();
    throttle.admit('typo@acme.example', office, T0 + 20_000);
    expect(refusal(() => throttle.admit('typo@acme.example', office, T0 + 21_000))).toBeNull();
    expect(refusal(() => throttle.admit('typo@acme.example', office, T0 + 22_000))).toBeNull();
    // A third failure on that account from the restricted address is where guessing stops...
    const guessed = refusal(() => throttle.admit('typo@acme.example', office, T0 + 23_000));
    expect(guessed?.status).toBe(429);
    // ...until the address calms down, not the account's 15 minutes: of its 154 failures the 100th-newest (made at
    // T0 + 5.4 s) leaves the minute at T0 + 65.4 s, 42.4 s from now.
    expect(guessed?.headers?.['retry-after']).toBe('43');
    // The same account from another address is fine.
    expect(refusal(() => throttle.admit('typo@acme.example', '198.51.100.7', T0 + 23_000))).toBeNull();
  });

  it('does not count a successful sign-in against the address', () => {
    const throttle = new LoginThrottle();
    const office = '203.0.113.9';
    for (let i = 0; i < 99; i++) throttle.admit(`user${i}@acme.example`, office, T0);
    for (let i = 0; i < 50; i++) throttle.admit(`happy${i}@acme.example`, office, T0).succeeded();
    for (let i = 0; i < 3; i++) throttle.admit('pat@acme.example', null, T0);
    expect(refusal(() => throttle.admit('pat@acme.example', office, T0))).toBeNull();
    expect(refusal(() => throttle.admit('pat@acme.example', office, T0))?.status).toBe(429);
  });

  it('takes its limits from the constructor', () => {
    const throttle = new LoginThrottle({ ...DEFAULT_LIMITS, perAccount: 2, accountWindowMs: 1000 });
    throttle.admit('pat@acme.example', null, T0);
    throttle.admit('pat@acme.example', null, T0);
    expect(refusal(() => throttle.admit('pat@acme.example', null, T0 + 999))?.headers?.['retry-after']).toBe('1');
    expect(refusal(() => throttle.admit('pat@acme.example', null, T0 + 1000))).toBeNull();
  });
});
