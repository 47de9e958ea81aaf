// MightyCall failing under a sync: 500s, timeouts, cut-off bodies, a dropped connection and a 429, one kind per run.
// Each run retries with backoff, then fails with the error in the job's status and a longer wait before the next
// one; the sync resumes from its watermark each time and ends with exactly the simulator's calls.
import {
  createManualClock,
  DEMO_API_KEY,
  type FaultInput,
  type RunningSimulator,
  retryAfterMessage,
  startSimulator,
} from '@victorysync/mightycall-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalWindowParam } from '../../src/mightycall/client/wire.js';
import { OVERLAP_MS } from '../../src/mightycall/sync/sync-jobs.js';
import { type client, platformAdminClient } from '../support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../support/database.js';
import {
  callRows,
  demoConnectionBody,
  expectedCallRow,
  mightyCallApp,
  registerConnection,
  type TestServer,
} from '../support/mightycall.js';

const START = Date.parse('2026-03-02T15:00:00Z');
const DAY_MS = 86_400_000;
const PASSWORD = 'a-long-test-password-1';
/** The app's per-attempt timeout here; the timeout fault answers later than this. */
const TIMEOUT_MS = 1500;
const CALLS_INTERVAL_MS = 300_000;

interface JobView {
  job: string;
  status: string;
  lastError: string | null;
  failures: number;
  nextRunAt: string | null;
  watermark: string | null;
  runs: number;
}

describe.each(testTargets())('MightyCall faults during a sync on %s', (target) => {
  const clock = createManualClock(START);
  let database: TestDatabase;
  let sim: RunningSimulator;
  let server: TestServer;
  let admin: ReturnType<typeof client>;
  let connectionId: string;
  const journal: string[] = [];

  const jobs = async () => {
    const res = await admin.json<{ jobs: JobView[] }>(`/api/admin/mightycall/connections/${connectionId}/status`);
    expect(res.status).toBe(200);
    return res.body.jobs;
  };
  const callsJob = async () => {
    const job = (await jobs()).find((j) => j.job === 'calls');
    if (!job) throw new Error('no calls job');
    return job;
  };
  /** `from` of the calls job's journal requests since index `seen` (the agents job's month-back harvest left out). */
  const callsWindows = (seen: number) =>
    journal
      .slice(seen)
      .map((u) => new URL(u).searchParams.get('from') ?? '')
      .filter((from) => Date.parse(from) >= START - 4 * DAY_MS);

  beforeAll(async () => {
    database = await openTestDatabase(target);
    sim = await startSimulator({ port: 0, clock, demo: { historyDays: 3 } });
    server = mightyCallApp(database, {
      clock,
      timeoutMs: TIMEOUT_MS,
      fetch: (input, init) => {
        const url = String(input);
        if (url.includes('/journal/requests')) journal.push(url);
        return fetch(input, init);
      },
    });
    admin = await platformAdminClient(database, server.app, PASSWORD);
    ({ connectionId } = await registerConnection(admin, demoConnectionBody(sim.url, { initialSyncDays: 3 })));
  });
  afterAll(async () => {
    await server.runtime.stop();
    await sim.close();
    await database.cleanup();
  });

  it('backs off, records each error, resumes from the watermark and completes with exact data', {
    timeout: 60_000,
  }, async () => {
    const account = sim.accounts.require(DEMO_API_KEY);
    let watermark = START - 3 * DAY_MS;
    let previousDelay = 0;

    /**
     * One run with `fault` armed: the calls job must fail (or wait) with `error` in its status, keep its
     * watermark, not run again before next_run_at, and have asked the journal exactly `attempts` times for the
     * slice it was on.
     */
    const failingRun = async (
      fault: FaultInput,
      expected: { status: 'error' | 'waiting_quota'; error: RegExp; attempts: number; failures: number },
    ) => {
      const rule = sim.control.addFault(fault);
      const seen = journal.length;
      await server.runtime.scheduler.tick();
      sim.control.clearFaults(rule.id);
      const job = await callsJob();
      expect({ status: job.status, failures: job.failures }).toEqual({
        status: expected.status,
        failures: expected.failures,
      });
      expect(job.lastError).toMatch(expected.error);
      // This run's calls windows (the agents job also reads the journal, a month back): each slice once, then the
      // failing one `attempts` times; the first one starts at the saved watermark less the overlap.
      const froms = callsWindows(seen);
      const failing = froms.at(-1);
      expect(froms.slice(-expected.attempts)).toEqual(Array(expected.attempts).fill(failing));
      const earlier = froms.slice(0, -expected.attempts);
      expect(new Set(earlier).size).toBe(earlier.length);
      expect(froms[0]).toBe(journalWindowParam(watermark - OVERLAP_MS));
      // Slices done in this run moved the watermark to where the failing one starts; the failed one did not.
      const saved = Date.parse(job.watermark ?? '');
      expect(saved).toBe(earlier.length > 0 ? Date.parse(failing ?? '') : watermark);
      watermark = saved;
      // Backing off: nothing runs before next_run_at.
      const next = Date.parse(job.nextRunAt ?? '');
      expect(next).toBeGreaterThan(clock.now());
      const idle = journal.length;
      await server.runtime.scheduler.tick();
      expect(journal.length).toBe(idle);
      const delay = next - clock.now();
      clock.set(next + 1000);
      return delay;
    };

    // 1. 500s from the second day slice on: four attempts (one plus three retries), then the job fails.
    let delay = await failingRun(
      { path: '/journal/requests', kind: 'status', status: 500, after: 2, times: 4 },
      { status: 'error', error: /MightyCall answered 500/, attempts: 4, failures: 1 },
    );
    expect(delay).toBe(CALLS_INTERVAL_MS);
    expect((await jobs()).map((j) => [j.job, j.status])).toEqual([
      ['numbers', 'ok'],
      ['agents', 'ok'],
      ['calls', 'error'],
    ]);
    previousDelay = delay;

    // 2. Timeouts: no answer within the per-attempt limit, four times.
    delay = await failingRun(
      { path: '/journal/requests', kind: 'latency', latencyMs: TIMEOUT_MS * 2.5, times: 4 },
      { status: 'error', error: new RegExp(`no answer within ${TIMEOUT_MS} ms`), attempts: 4, failures: 2 },
    );
    expect(delay).toBe(2 * previousDelay);
    previousDelay = delay;

    // 3. Bodies cut in half (a 200 whose JSON does not parse), four times.
    delay = await failingRun(
      { path: '/journal/requests', kind: 'malformed', times: 4 },
      { status: 'error', error: /unreadable response body/, attempts: 4, failures: 3 },
    );
    expect(delay).toBe(2 * previousDelay);
    previousDelay = delay;

    // 4. The connection dropped mid-request, four times.
    delay = await failingRun(
      { path: '/journal/requests', kind: 'drop', times: 4 },
      { status: 'error', error: /connection failed/, attempts: 4, failures: 4 },
    );
    expect(delay).toBe(2 * previousDelay);

    // 5. A 429 with MightyCall's "Retry after": never retried at once; the job waits at least until then.
    const retryAt = clock.now() + 15 * 60_000;
    delay = await failingRun(
      {
        path: '/journal/requests',
        kind: 'status',
        status: 429,
        body: { message: retryAfterMessage(retryAt) },
        times: 1,
      },
      { status: 'waiting_quota', error: /throttled/, attempts: 1, failures: 0 },
    );
    expect(delay).toBeGreaterThanOrEqual(15 * 60_000);

    // 6. MightyCall healthy again: the runs go on from the watermark, within the daily quota the 429 taught (the
    // limit learned is what had been used: each 24 h window allows a few more requests), to exact data.
    const seen = journal.length;
    let done = await callsJob();
    for (let window = 0; window < 8; window++) {
      await server.runtime.scheduler.tick();
      done = await callsJob();
      if (done.status !== 'waiting_quota') break;
      expect(Date.parse(done.watermark ?? '')).toBeGreaterThanOrEqual(watermark);
      watermark = Date.parse(done.watermark ?? '');
      clock.set(Date.parse(done.nextRunAt ?? '') + 1000);
    }
    expect([done.status, done.lastError, done.failures]).toEqual(['ok', null, 0]);
    const froms = callsWindows(seen);
    // Each window asked once: nothing the earlier runs had saved was fetched again.
    expect(new Set(froms).size).toBe(froms.length);
    expect(Date.parse(done.watermark ?? '')).toBe(clock.now());

    const rows = await callRows(database, 'sim-demo');
    const all = await database.db
      .selectFrom('calls')
      .select('provider_call_id')
      .where('provider', '=', 'mightycall')
      .execute();
    expect(all.length).toBe(account.calls.length);
    expect([...rows.keys()].sort()).toEqual(account.calls.map((c) => c.plan.id).sort());
    const wrong = account.calls.filter((c) => {
      const { updated_at: _u, ...row } = rows.get(c.plan.id) ?? { updated_at: null };
      return JSON.stringify(row) !== JSON.stringify(expectedCallRow(c));
    });
    expect(wrong.map((c) => c.plan.id)).toEqual([]);
    // Every failure was logged with its job, and none as an unhandled error.
    expect(server.logs.filter((l) => l.includes('mightycall sync failed')).length).toBe(4);
    expect(server.logs.filter((l) => l.includes('unhandled error'))).toEqual([]);
  });
});
