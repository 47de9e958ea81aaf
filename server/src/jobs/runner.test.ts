// The job runner on a real database: retries with exponential back-off, permanent failures, idempotent keys, two
// runners sharing a queue, a dead holder's job taken over, and recurring work under one lease at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import { createLogger } from '../http/logger.js';
import { claimDueJobs, enqueue } from './queue.js';
import { type JobAttempt, JobRunner, type LeaseHandle, PermanentJobError } from './runner.js';

const SYSTEM = systemPrincipal('runner test');

class ManualClock {
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

describe.each(testTargets())('job runner on %s', (target) => {
  let database: TestDatabase;
  const logger = createLogger('silent');

  beforeAll(async () => {
    database = await openTestDatabase(target);
  });
  afterAll(async () => {
    await database.cleanup();
  });

  const add = (kind: string, payload: unknown, key?: string) =>
    withPrincipal(database.db, SYSTEM, (tx) => enqueue(tx, { kind, payload, ...(key ? { key } : {}) }));
  const row = (id: string) =>
    database.db
      .selectFrom('jobs')
      .select(['status', 'attempts', 'run_at', 'last_error', 'locked_by'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('retries a failing job with exponential back-off until it succeeds', async () => {
    const clock = new ManualClock(Date.now() + 1000);
    const runner = new JobRunner({ db: database.db, clock, logger });
    const seen: Array<JobAttempt<{ n: number }>> = [];
    runner.register<{ n: number }>({
      kind: 'test.flaky',
      parse: (p) => p as { n: number },
      backoff: { baseMs: 1000, maxMs: 60_000 },
      async run(job) {
        seen.push(job);
        if (job.attempt < 3) throw new Error(`attempt ${job.attempt} failed`);
      },
    });
    const id = (await add('test.flaky', { n: 7 })) ?? '';

    expect(await runner.runDueJobs()).toBe(1);
    let state = await row(id);
    expect([state.status, state.attempts, state.last_error, state.locked_by]).toEqual([
      'queued',
      1,
      'attempt 1 failed',
      null,
    ]);
    expect(state.run_at.getTime()).toBe(clock.now() + 1000);

    // Not due before its back-off; then the second failure waits twice as long.
    clock.advance(999);
    expect(await runner.runDueJobs()).toBe(0);
    clock.advance(1);
    expect(await runner.runDueJobs()).toBe(1);
    state = await row(id);
    expect([state.status, state.attempts]).toEqual(['queued', 2]);
    expect(state.run_at.getTime()).toBe(clock.now() + 2000);

    clock.advance(2000);
    expect(await runner.runDueJobs()).toBe(1);
    state = await row(id);
    expect([state.status, state.attempts, state.last_error]).toEqual(['done', 3, null]);
    expect(seen.map((j) => [j.attempt, j.payload.n, j.finalAttempt])).toEqual([
      [1, 7, false],
      [2, 7, false],
      [3, 7, false],
    ]);
  });

  it('ends a job failed at once on a permanent error, and after its last attempt otherwise', async () => {
    const clock = new ManualClock(Date.now() + 1000);
    const runner = new JobRunner({ db: database.db, clock, logger });
    runner.register({
      kind: 'test.refused',
      parse: (p) => p,
      async run() {
        throw new PermanentJobError('550 no such mailbox');
      },
    });
    const finals: boolean[] = [];
    runner.register({
      kind: 'test.always',
      parse: (p) => p,
      backoff: { baseMs: 10, maxMs: 10 },
      async run(job) {
        finals.push(job.finalAttempt);
        throw new Error('still down');
      },
    });
    const refused = (await add('test.refused', {})) ?? '';
    const always =
      (await withPrincipal(database.db, SYSTEM, (tx) =>
        enqueue(tx, { kind: 'test.always', payload: {}, maxAttempts: 3 }),
      )) ?? '';
    for (let i = 0; i < 5; i++) {
      await runner.runDueJobs();
      clock.advance(10);
    }
    expect(await row(refused)).toMatchObject({ status: 'failed', attempts: 1, last_error: '550 no such mailbox' });
    expect(await row(always)).toMatchObject({ status: 'failed', attempts: 3, last_error: 'still down' });
    expect(finals).toEqual([false, false, true]);
  });

  it('queues a keyed job once', async () => {
    const first = await add('test.keyed', { a: 1 }, 'report:2026-03-02');
    const second = await add('test.keyed', { a: 2 }, 'report:2026-03-02');
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toBeNull();
    const rows = await database.db.selectFrom('jobs').select('payload').where('kind', '=', 'test.keyed').execute();
    expect(rows.map((r) => r.payload)).toEqual([{ a: 1 }]);
  });

  it('two runners share the queue: every job runs exactly once', async () => {
    const clock = new ManualClock(Date.now() + 1000);
    const runs = new Map<number, number>();
    const make = () => {
      const runner = new JobRunner({ db: database.db, clock, logger });
      runner.register<{ n: number }>({
        kind: 'test.shared',
        parse: (p) => p as { n: number },
        async run(job) {
          runs.set(job.payload.n, (runs.get(job.payload.n) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 2));
        },
      });
      return runner;
    };
    for (let n = 0; n < 30; n++) await add('test.shared', { n });
    const [a, b] = [make(), make()];
    const [ranA, ranB] = await Promise.all([a.runDueJobs(), b.runDueJobs()]);
    expect(ranA + ranB).toBe(30);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(runs.size).toBe(30);
  });

  it("takes over a job whose holder died once the holder's lock runs out", async () => {
    const clock = new ManualClock(Date.now() + 1000);
    const id = (await add('test.orphan', {})) ?? '';
    // A process claims it, then dies without a word.
    const claimed = await withPrincipal(database.db, SYSTEM, (tx) =>
      claimDueJobs(tx, {
        kinds: ['test.orphan'],
        owner: 'dead-process',
        now: new Date(clock.now()),
        lockedUntil: new Date(clock.now() + 60_000),
        limit: 10,
      }),
    );
    expect(claimed.map((j) => j.id)).toEqual([id]);
    const runner = new JobRunner({ db: database.db, clock, logger });
    let ran = 0;
    runner.register({
      kind: 'test.orphan',
      parse: (p) => p,
      async run() {
        ran++;
      },
    });
    expect(await runner.runDueJobs()).toBe(0);
    clock.advance(60_001);
    expect(await runner.runDueJobs()).toBe(1);
    expect(ran).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('runs recurring work for a key in one runner at a time, and takes over an expired lease', async () => {
    const clock = new ManualClock(Date.now());
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const ran: string[] = [];
    const make = (name: string) => {
      const runner = new JobRunner({ db: database.db, clock, logger });
      runner.registerRecurring({
        kind: 'test.recurring',
        leaseMs: 60_000,
        due: async () => ['conn-1'],
        async run(key: string, lease: LeaseHandle) {
          ran.push(`${name}:${key}`);
          if (name === 'a') await gate;
          await withPrincipal(database.db, SYSTEM, (tx) => lease.renew(tx));
        },
      });
      return runner;
    };
    const [a, b] = [make('a'), make('b')];
    const running = a.runLeased('test.recurring', 'conn-1');
    await new Promise((r) => setTimeout(r, 50));
    expect(await b.runLeased('test.recurring', 'conn-1')).toBe(false);
    release();
    expect(await running).toBe(true);
    expect(await b.runLeased('test.recurring', 'conn-1')).toBe(true);
    expect(ran).toEqual(['a:conn-1', 'b:conn-1']);
    expect(await database.db.selectFrom('job_leases').selectAll().execute()).toEqual([]);

    // A holder that died: its lease blocks others until it expires.
    await withPrincipal(database.db, SYSTEM, (tx) =>
      tx
        .insertInto('job_leases')
        .values({ kind: 'test.recurring', key: 'conn-1', owner: 'dead', expires_at: new Date(clock.now() + 60_000) })
        .execute(),
    );
    expect(await b.runLeased('test.recurring', 'conn-1')).toBe(false);
    clock.advance(60_001);
    expect(await b.runLeased('test.recurring', 'conn-1')).toBe(true);
  });

  it('runs queued jobs while a long recurring run is still going in the same pass', async () => {
    const clock = new ManualClock(Date.now() + 1000);
    const runner = new JobRunner({ db: database.db, clock, logger });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const order: string[] = [];
    runner.registerRecurring({
      kind: 'test.slow-sync',
      leaseMs: 60_000,
      due: async () => ['conn-slow'],
      async run() {
        await gate;
        order.push('sync done');
      },
    });
    runner.register({
      kind: 'test.mail',
      parse: (p) => p,
      async run() {
        order.push('mail sent');
        release();
      },
    });
    await add('test.mail', {});
    await runner.tick();
    expect(order).toEqual(['mail sent', 'sync done']);
  });

  it('forgets done jobs after a week, keeps failed ones', async () => {
    const clock = new ManualClock(Date.now() + 1000);
    const runner = new JobRunner({ db: database.db, clock, logger });
    runner.register({ kind: 'test.prune-ok', parse: (p) => p, run: async () => {} });
    runner.register({
      kind: 'test.prune-bad',
      parse: (p) => p,
      run: async () => {
        throw new PermanentJobError('no');
      },
    });
    const ok = (await add('test.prune-ok', {})) ?? '';
    const bad = (await add('test.prune-bad', {})) ?? '';
    await runner.runDueJobs();
    clock.advance(7 * 86_400_000 + 1000);
    const later = new JobRunner({ db: database.db, clock, logger });
    await later.tick();
    const left = await database.db.selectFrom('jobs').select('id').where('id', 'in', [ok, bad]).execute();
    expect(left.map((r) => r.id)).toEqual([bad]);
  });
});
