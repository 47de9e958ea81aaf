// Alerts driven by the MightyCall simulator on each database: scripted calls reach the app as webhooks (the
// connection pointed at the simulator, its inbox worker folding live state and fetching finished calls), and each
// rule kind's condition starts and ends — exactly one fired and one resolved event per rule, one mail each per
// recipient at a real SMTP server. The simulator and the app share one manual clock, so minutes of window pass at
// once; calls that must still be ringing while the rule is evaluated are played in real time.
import {
  createManualClock,
  DEMO_API_KEY,
  type EmitResult,
  type ManualClock,
  type RunningSimulator,
  type ScriptedCall,
  startSimulator,
} from '@victorysync/mightycall-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, platformAdminClient } from '../../test/support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { assignNumber, createOrg, createUser } from '../../test/support/fixtures.js';
import {
  demoConnectionBody,
  listen,
  mightyCallApp,
  registerConnection,
  type TestServer,
} from '../../test/support/mightycall.js';
import { startTestSmtp, type TestSmtp } from '../../test/support/smtp.js';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import { ALERTS_EVALUATE } from './evaluate.js';
import type { AlertEvent, AlertRule } from './schema.js';

const PASSWORD = 'alerts sim password 1234';
const SYSTEM = systemPrincipal('alerts sim test');
const MINUTE = 60_000;
/**
 * Calls that must be ringing while the evaluator looks are played in real time at this speed-up: a 300 s ring
 * lasts 6 s of the test's time, far longer than ingesting a webhook and evaluating the rules takes.
 */
const SPEED = 50;

async function until(check: () => boolean | Promise<boolean>, what: string, tries = 250): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.each(testTargets())('alerts driven by the simulator on %s', (target) => {
  let database: TestDatabase;
  let smtp: TestSmtp;
  let sim: RunningSimulator;
  let clock: ManualClock;
  let server: TestServer;
  let http: { url: string; close(): Promise<void> };
  let numbers: Array<{ id: string; e164: string }> = [];
  let serial = 0;

  /** A fresh org owning the next of the simulator's business numbers, with an admin, a manager and an agent. */
  async function world(name: string, timezone = 'UTC') {
    const n = serial++;
    const number = numbers[n];
    if (!number) throw new Error('out of simulator numbers');
    const orgId = await createOrg(database, name, { timezone });
    await assignNumber(database, orgId, number.id, { from: new Date(clock.now() - 86_400_000) });
    const slug = `${target === 'pglite' ? 'p' : 'g'}${n}`;
    const emails = {
      admin: `admin-${slug}@sim-alerts.example`,
      manager: `manager-${slug}@sim-alerts.example`,
      agent: `agent-${slug}@sim-alerts.example`,
    };
    await createUser(database, emails.admin, { password: PASSWORD, memberships: [{ orgId, role: 'org_admin' }] });
    await createUser(database, emails.manager, { password: PASSWORD, memberships: [{ orgId, role: 'org_manager' }] });
    await createUser(database, emails.agent, { password: PASSWORD, memberships: [{ orgId, role: 'agent' }] });
    const admin = client(server.app);
    await admin.login(emails.admin, PASSWORD);
    return { orgId, number: number.e164, emails, admin, name };
  }

  /** Creates a rule through the API, as the org's admin (its mail goes to the org's admins and managers). */
  async function addRule(w: Awaited<ReturnType<typeof world>>, rule: Record<string, unknown>): Promise<AlertRule> {
    const created = await w.admin.json<{ rule: AlertRule }>(`/api/orgs/${w.orgId}/alerts/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ notifyWebhook: false, ...rule }),
    });
    expect(created.status).toBe(201);
    return created.body.rule;
  }

  async function history(w: Awaited<ReturnType<typeof world>>): Promise<AlertEvent[]> {
    const res = await w.admin.json<{ events: AlertEvent[] }>(`/api/orgs/${w.orgId}/alerts/history`);
    expect(res.status).toBe(200);
    return [...res.body.events].sort((a, b) => a.ruleName.localeCompare(b.ruleName));
  }

  /** Evaluates the rules (twice: a second look at an unchanged condition must change nothing), then sends mail. */
  async function evaluate(): Promise<void> {
    await server.deps.jobs.runLeased(ALERTS_EVALUATE, 'all');
    await server.deps.jobs.runLeased(ALERTS_EVALUATE, 'all');
    await server.deps.jobs.runDueJobs();
  }

  /** Plays calls back to back (every event at once), and waits until the app has folded and stored them. */
  async function playFinished(scripts: ScriptedCall[]): Promise<void> {
    for (const script of scripts) await sim.control.emitCall(DEMO_API_KEY, script);
    await server.runtime.worker.drain();
  }

  /** Starts calls in real time; resolves once their first events (the ringing) are folded into live state. */
  async function playRinging(scripts: ScriptedCall[]): Promise<EmitResult[]> {
    const played = await Promise.all(
      scripts.map((script) => sim.control.emitCall(DEMO_API_KEY, script, { realtime: true, speed: SPEED })),
    );
    for (const call of played) {
      const startStamp = call.events[0]?.Timestamp.slice(0, 23);
      const atStart = call.events.filter((e) => e.Timestamp.slice(0, 23) === startStamp).length;
      await until(
        () => sim.control.deliveries(DEMO_API_KEY).filter((d) => d.callId === call.callId).length >= atStart,
        `the first events of call ${call.callId}`,
      );
    }
    await server.runtime.worker.drain();
    return played;
  }

  /** The ringing calls of `played` as the app stores them right now. */
  async function liveStates(played: EmitResult[]): Promise<string[]> {
    const rows = await withPrincipal(database.db, SYSTEM, (tx) =>
      tx
        .selectFrom('mightycall_live_calls')
        .select('state')
        .where(
          'call_id',
          'in',
          played.map((p) => p.callId),
        )
        .execute(),
    );
    return rows.map((r) => r.state);
  }

  const mailsTo = (address: string, subject: string) =>
    smtp.arrivals.filter((a) => a.envelope.to.includes(address) && a.mail.subject === subject);

  /** One firing and one resolved message for each of the org's admins and managers, none for its agent. */
  async function expectOneMailEach(w: Awaited<ReturnType<typeof world>>, ruleName: string): Promise<void> {
    const fired = `[${w.name}] Alert firing: ${ruleName}`;
    const resolved = `[${w.name}] Alert resolved: ${ruleName}`;
    await until(
      () => mailsTo(w.emails.admin, resolved).length + mailsTo(w.emails.manager, resolved).length === 2,
      `the mails of ${ruleName}`,
    );
    for (const address of [w.emails.admin, w.emails.manager]) {
      expect(mailsTo(address, fired)).toHaveLength(1);
      expect(mailsTo(address, resolved)).toHaveLength(1);
    }
    expect(smtp.arrivals.filter((a) => a.envelope.to.includes(w.emails.agent))).toEqual([]);
  }

  beforeAll(async () => {
    database = await openTestDatabase(target);
    smtp = await startTestSmtp();
    clock = createManualClock(Date.now());
    sim = await startSimulator({ port: 0, clock, demo: { historyDays: 0 } });
    server = mightyCallApp(
      database,
      { clock },
      {
        SMTP_URL: smtp.url,
        MAIL_FROM: 'VictorySync <alerts@victorysync.test>',
        VICTORYSYNC_PUBLIC_URL: 'https://app.victorysync.test',
      },
    );
    http = await listen(server.app);
    const root = await platformAdminClient(database, server.app, PASSWORD);
    const { connectionId, hookPath } = await registerConnection(root, demoConnectionBody(sim.url));
    // The first sync brings the account's numbers and agents (its history is empty); then webhooks flow.
    await server.runtime.scheduler.runConnection(connectionId);
    expect((await sim.control.registerWebhook(DEMO_API_KEY, `${http.url}${hookPath}`)).ok).toBe(true);
    const simNumbers = sim.accounts.require(DEMO_API_KEY).numbers.map((n) => n.number);
    const rows = await database.db.selectFrom('phone_numbers').select(['id', 'e164']).execute();
    numbers = simNumbers.flatMap((e164) => rows.filter((r) => r.e164 === e164));
    expect(numbers.length).toBeGreaterThanOrEqual(4);
  });

  afterAll(async () => {
    await server?.runtime.stop();
    await http?.close();
    await sim?.close();
    await smtp?.stop();
    await database?.cleanup();
  });

  it('calls waiting and longest wait: fire while simulated calls ring, resolve once agents answer them', async () => {
    const w = await world('Ringing Dental');
    await addRule(w, { name: 'Queue building', kind: 'calls_waiting', threshold: 2 });
    await addRule(w, { name: 'Caller waiting', kind: 'longest_wait', threshold: 120 });
    const ring = (extension: string, answeredBy: string): ScriptedCall => ({
      from: `+1555020${extension}0`,
      to: w.number,
      ringExtensions: [extension],
      answeredBy,
      ringSeconds: 300,
      talkSeconds: 5,
    });

    const first = await playRinging([ring('101', '101')]);
    expect(await liveStates(first)).toEqual(['ringing']);
    await evaluate();
    expect(await history(w)).toEqual([]);

    const second = await playRinging([ring('102', '102')]);
    expect(await liveStates([...first, ...second])).toEqual(['ringing', 'ringing']);
    await evaluate();
    let events = await history(w);
    expect(events.map((e) => [e.ruleName, e.firedValue, e.resolvedAt])).toEqual([['Queue building', 2, null]]);

    // Two and a half minutes on (the shared clock): the first caller has waited 150 s.
    clock.advance(150_000);
    await evaluate();
    events = await history(w);
    expect(events.map((e) => [e.ruleName, e.resolvedAt])).toEqual([
      ['Caller waiting', null],
      ['Queue building', null],
    ]);
    expect(events[0]?.firedValue).toBeGreaterThanOrEqual(150);
    expect(await liveStates([...first, ...second])).toEqual(['ringing', 'ringing']);

    // The agents answer (the simulator plays the rest of the calls) and the queue is empty: both resolve, once.
    await Promise.all([...first, ...second].map((c) => c.done));
    await server.runtime.worker.drain();
    clock.advance(160_000);
    await evaluate();
    await evaluate();
    events = await history(w);
    expect(events.map((e) => [e.ruleName, e.resolvedValue])).toEqual([
      ['Caller waiting', null],
      ['Queue building', 0],
    ]);
    expect(events.every((e) => e.resolvedAt !== null)).toBe(true);
    const rules = await w.admin.json<{ rules: AlertRule[] }>(`/api/orgs/${w.orgId}/alerts/rules`);
    expect(rules.body.rules.map((r) => r.firing)).toEqual([false, false]);
    await expectOneMailEach(w, 'Queue building');
    await expectOneMailEach(w, 'Caller waiting');
  });

  it('service level below 80 % over 30 minutes: slow answers fire it, quick answers bring it back', async () => {
    const w = await world('Service Law');
    await addRule(w, {
      name: 'SL low',
      kind: 'service_level_below',
      threshold: 80,
      windowMinutes: 30,
      minCalls: 4,
    });
    const answered = (ringSeconds: number, i: number): ScriptedCall => ({
      from: `+155503${String(100_000 + i).slice(1)}`,
      to: w.number,
      ringExtensions: ['103'],
      answeredBy: '103',
      ringSeconds,
      talkSeconds: 30,
    });
    // Three calls answered after 60 s (the org's threshold is 20 s): below 80 %, but fewer than 4 calls.
    await playFinished([0, 1, 2].map((i) => answered(60, i)));
    clock.advance(2 * MINUTE);
    await evaluate();
    expect(await history(w)).toEqual([]);
    // A fourth slow answer: 0 % of 4 calls.
    await playFinished([answered(60, 3)]);
    clock.advance(2 * MINUTE);
    await evaluate();
    let events = await history(w);
    expect(events.map((e) => [e.ruleName, e.firedValue, e.resolvedAt])).toEqual([['SL low', 0, null]]);
    // Twenty answered in 5 s: 20 of 24 within the threshold, 83.3 % — at or above 80 %, so it resolves.
    await playFinished(Array.from({ length: 20 }, (_, i) => answered(5, 10 + i)));
    clock.advance(2 * MINUTE);
    await evaluate();
    events = await history(w);
    expect(events).toHaveLength(1);
    expect(events[0]?.resolvedValue).toBe(83.3);
    expect(events[0]?.resolvedAt).not.toBeNull();
    await expectOneMailEach(w, 'SL low');
  });

  it('missed calls ≥ 3 within 15 minutes: unanswered simulated calls fire it, and it resolves as they age out', async () => {
    const w = await world('Missed Bakery');
    await addRule(w, { name: 'Missed', kind: 'missed_calls', threshold: 3, windowMinutes: 15 });
    const unanswered = (i: number): ScriptedCall => ({
      from: `+155504${String(100_000 + i).slice(1)}`,
      to: w.number,
      ringExtensions: ['104'],
      ringSeconds: 40,
    });
    await playFinished([unanswered(0), unanswered(1)]);
    clock.advance(MINUTE);
    await evaluate();
    expect(await history(w)).toEqual([]);
    await playFinished([unanswered(2)]);
    clock.advance(MINUTE);
    await evaluate();
    let events = await history(w);
    expect(events.map((e) => [e.ruleName, e.firedValue, e.resolvedAt])).toEqual([['Missed', 3, null]]);
    // Fourteen minutes on, two of them have left the window: one missed call in the last 15 minutes.
    clock.advance(14 * MINUTE);
    await evaluate();
    events = await history(w);
    expect(events).toHaveLength(1);
    expect(events[0]?.resolvedValue).toBe(1);
    await expectOneMailEach(w, 'Missed');
  });

  it('no inbound call for 30 minutes in business hours: fires on a silent line, resolves when a call comes in', async () => {
    // Open around the clock in a time zone where now is not near midnight (a span across midnight is not open).
    const hour = new Date(clock.now()).getUTCHours();
    const w = await world('Quiet Florist', hour >= 2 && hour < 22 ? 'UTC' : 'Asia/Tokyo');
    const put = await w.admin.json(`/api/orgs/${w.orgId}/alerts/business-hours`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ranges: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startMinute: 0, endMinute: 1440 })),
      }),
    });
    expect(put.status).toBe(200);
    await addRule(w, { name: 'Line silent', kind: 'no_inbound', threshold: 0, windowMinutes: 30 });
    // A call now, then 20 minutes of silence: not yet.
    await playFinished([{ from: '+15550500001', to: w.number, ringExtensions: ['105'], answeredBy: '105' }]);
    clock.advance(20 * MINUTE);
    await evaluate();
    expect(await history(w)).toEqual([]);
    // 31 minutes of silence: fires.
    clock.advance(11 * MINUTE);
    await evaluate();
    let events = await history(w);
    expect(events.map((e) => [e.ruleName, e.firedValue, e.resolvedAt])).toEqual([['Line silent', 30, null]]);
    // A caller rings in (the simulator's webhooks, folded into live state): the silence is over.
    await playFinished([{ from: '+15550500002', to: w.number, ringExtensions: ['105'], answeredBy: '105' }]);
    clock.advance(MINUTE);
    await evaluate();
    events = await history(w);
    expect(events).toHaveLength(1);
    expect(events[0]?.resolvedAt).not.toBeNull();
    expect(events[0]?.resolvedValue).toBe(1);
    await expectOneMailEach(w, 'Line silent');
  });
});
