// Alerts end to end on each database: each rule kind's condition starts and ends, and fires once and resolves once —
// mail arrives once per recipient at a real SMTP server, the webhook once at a local HTTP server with a valid
// signature; two runners fire once; "no inbound call" respects business hours; the API refuses bad input.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, testApp } from '../../test/support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { assignNumber, call, createNumber, createOrg, createUser, insertCalls } from '../../test/support/fixtures.js';
import { startTestSmtp, type TestSmtp } from '../../test/support/smtp.js';
import { systemPrincipal } from '../auth/principal.js';
import { loadConfig } from '../config.js';
import { withPrincipal } from '../db/tenant.js';
import type { AppDeps } from '../http/context.js';
import { createLogger } from '../http/logger.js';
import { createServices } from '../services.js';
import { ALERTS_EVALUATE, evaluateAlerts } from './evaluate.js';
import type { AlertEvent, AlertRule } from './schema.js';
import { isPrivateAddress, postJson, TargetRefused } from './webhook.js';

const PASSWORD = 'alerts password 1234';
const PUBLIC_URL = 'https://app.victorysync.test';
const SYSTEM = systemPrincipal('alerts test');
const MINUTE = 60_000;

interface Hook {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

async function startReceiver(): Promise<{ server: Server; url: string; hooks: Hook[] }> {
  const hooks: Hook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, hooks };
}

/** The signature header checked as a receiver would: HMAC-SHA256 of "<t>.<body>" under the secret. */
function validSignature(hook: Hook, secret: string): boolean {
  const header = String(hook.headers['x-victorysync-signature'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match?.[1] || !match[2]) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${hook.body}`).digest();
  return (
    timingSafeEqual(expected, Buffer.from(match[2], 'hex')) && Math.abs(Date.now() / 1000 - Number(match[1])) < 300
  );
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe.each(testTargets())('alerts on %s', (target) => {
  let database: TestDatabase;
  let smtp: TestSmtp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let deps: AppDeps;
  let app: ReturnType<typeof testApp>['app'];
  let connectionId = '';
  let serial = 0;

  const env = () => ({
    SMTP_URL: smtp.url,
    MAIL_FROM: 'VictorySync <alerts@victorysync.test>',
    VICTORYSYNC_PUBLIC_URL: PUBLIC_URL,
    VICTORYSYNC_SECRET_KEY: '22'.repeat(32),
    VICTORYSYNC_WEBHOOK_ALLOW_PRIVATE: '1',
    VICTORYSYNC_MIGHTYCALL_JOBS: '0',
  });

  /** A fresh org with a number, an admin, a manager and an agent; the admin signed in. */
  async function world(name: string, timezone = 'UTC') {
    const n = ++serial;
    const orgId = await createOrg(database, `${name} ${n}`, { timezone });
    const numberId = await createNumber(database, `+1312555${String(7000 + n).padStart(4, '0')}`);
    await assignNumber(database, orgId, numberId, { from: new Date('2020-01-01T00:00:00Z') });
    const slug = `${target === 'pglite' ? 'p' : 'g'}${n}`;
    const emails = {
      admin: `admin-${slug}@alerts.example`,
      manager: `manager-${slug}@alerts.example`,
      agent: `agent-${slug}@alerts.example`,
    };
    await createUser(database, emails.admin, { password: PASSWORD, memberships: [{ orgId, role: 'org_admin' }] });
    await createUser(database, emails.manager, { password: PASSWORD, memberships: [{ orgId, role: 'org_manager' }] });
    await createUser(database, emails.agent, { password: PASSWORD, memberships: [{ orgId, role: 'agent' }] });
    const admin = client(app);
    await admin.login(emails.admin, PASSWORD);
    return { orgId, numberId, emails, admin, name: `${name} ${n}` };
  }

  async function ringing(numberId: string, id: string, startedAgoSeconds: number) {
    const now = Date.now();
    await withPrincipal(database.db, SYSTEM, (tx) =>
      tx
        .insertInto('mightycall_live_calls')
        .values({
          connection_id: connectionId,
          call_id: id,
          provider_account: 'alerts-test',
          direction: 'inbound',
          state: 'ringing',
          business_number_id: numberId,
          started_at: new Date(now - startedAgoSeconds * 1000),
          last_event_ts: '1',
          last_event_at: new Date(now),
        })
        .execute(),
    );
  }

  async function hangUp(ids: string[]) {
    await withPrincipal(database.db, SYSTEM, (tx) =>
      tx.updateTable('mightycall_live_calls').set({ state: 'completed' }).where('call_id', 'in', ids).execute(),
    );
  }

  const evaluate = () => deps.jobs.runLeased(ALERTS_EVALUATE, 'all');

  async function history(orgId: string): Promise<AlertEvent[]> {
    return withPrincipal(database.db, SYSTEM, async (tx) =>
      (await tx.selectFrom('alert_events').selectAll().where('org_id', '=', orgId).orderBy('fired_at').execute()).map(
        (r) => ({
          id: r.id,
          ruleId: r.rule_id,
          ruleName: r.rule_name,
          kind: r.kind,
          threshold: r.threshold,
          windowMinutes: r.window_minutes,
          firedAt: new Date(r.fired_at).toISOString(),
          firedValue: r.fired_value,
          resolvedAt: r.resolved_at ? new Date(r.resolved_at).toISOString() : null,
          resolvedValue: r.resolved_value,
        }),
      ),
    );
  }

  const mailsTo = (address: string, subjectPart: string) =>
    smtp.arrivals.filter((a) => a.envelope.to.includes(address) && (a.mail.subject ?? '').includes(subjectPart));

  beforeAll(async () => {
    database = await openTestDatabase(target);
    smtp = await startTestSmtp();
    receiver = await startReceiver();
    const made = testApp(database, env());
    app = made.app;
    deps = made.deps;
    connectionId = await withPrincipal(database.db, SYSTEM, async (tx) => {
      const row = await tx
        .insertInto('mightycall_connections')
        .values({
          name: 'Alerts test',
          host: 'custom',
          base_url: 'http://127.0.0.1:9',
          provider_account: 'alerts-test',
          api_key_enc: 'unused',
          user_key_enc: 'unused',
          webhook_token_enc: 'unused',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    });
  });

  afterAll(async () => {
    await smtp?.stop();
    await new Promise((r) => receiver?.server.close(r));
    await database?.close();
  });

  it('calls waiting: fires once (mail to admins and managers, a signed webhook) and resolves once', async () => {
    const w = await world('Queue Clinic');
    const created = await w.admin.json<{ rule: AlertRule }>(`/api/orgs/${w.orgId}/alerts/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Queue building', kind: 'calls_waiting', threshold: 2 }),
    });
    expect(created.status).toBe(201);
    const hook = await w.admin.json<{ webhook: { url: string; secret: string } }>(
      `/api/orgs/${w.orgId}/alerts/webhook`,
      {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url }),
      },
    );
    expect(hook.status).toBe(201);
    const secret = hook.body.webhook.secret;
    // The secret is shown once: reading the webhook back gives the URL only.
    const read = await w.admin.json<{ webhook: Record<string, unknown> }>(`/api/orgs/${w.orgId}/alerts/webhook`);
    expect(Object.keys(read.body.webhook).sort()).toEqual(['createdAt', 'url']);
    const hooksBefore = receiver.hooks.length;

    // One call ringing: below the threshold, nothing fires.
    await ringing(w.numberId, `${w.orgId}-1`, 40);
    await evaluate();
    expect(await history(w.orgId)).toEqual([]);

    // Two ringing: fires, once, however often it is evaluated.
    await ringing(w.numberId, `${w.orgId}-2`, 10);
    await evaluate();
    await evaluate();
    await deps.jobs.runDueJobs();
    let events = await history(w.orgId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ ruleName: 'Queue building', firedValue: 2, resolvedAt: null });
    await until(() => mailsTo(w.emails.manager, 'Alert firing').length === 1, 'the firing mail');
    for (const address of [w.emails.admin, w.emails.manager]) {
      const [mail] = mailsTo(address, 'Alert firing');
      expect(mail?.mail.subject).toBe(`[${w.name}] Alert firing: Queue building`);
      expect(mail?.mail.text).toContain(
        `${w.name}: alert "Queue building" is firing — 2 or more calls waiting (now 2 calls)`,
      );
      expect(mail?.mail.html).toContain(`${PUBLIC_URL}/orgs/${w.orgId}/alerts`);
    }
    expect(smtp.arrivals.filter((a) => a.envelope.to.includes(w.emails.agent))).toEqual([]);
    const list = await w.admin.json<{ rules: AlertRule[] }>(`/api/orgs/${w.orgId}/alerts/rules`);
    expect(list.body.rules[0]).toMatchObject({ firing: true, lastValue: 2 });

    await until(() => receiver.hooks.length === hooksBefore + 1, 'the firing webhook');
    const fired = receiver.hooks[hooksBefore] as Hook;
    expect(validSignature(fired, secret)).toBe(true);
    expect(validSignature(fired, `${secret}x`)).toBe(false);
    const firedBody = JSON.parse(fired.body);
    expect(firedBody).toMatchObject({
      type: 'alert.fired',
      org: { id: w.orgId, name: w.name },
      rule: { name: 'Queue building', kind: 'calls_waiting', threshold: 2 },
      alert: { id: events[0]?.id, firedValue: 2, resolvedAt: null },
    });
    expect(firedBody.text).toContain('is firing');

    // The queue drains: resolves once.
    await hangUp([`${w.orgId}-1`, `${w.orgId}-2`]);
    await evaluate();
    await evaluate();
    await deps.jobs.runDueJobs();
    events = await history(w.orgId);
    expect(events).toHaveLength(1);
    expect(events[0]?.resolvedAt).not.toBeNull();
    expect(events[0]?.resolvedValue).toBe(0);
    await until(() => mailsTo(w.emails.manager, 'Alert resolved').length === 1, 'the resolved mail');
    expect(mailsTo(w.emails.admin, 'Alert firing')).toHaveLength(1);
    expect(mailsTo(w.emails.admin, 'Alert resolved')).toHaveLength(1);
    await until(() => receiver.hooks.length === hooksBefore + 2, 'the resolved webhook');
    const resolved = receiver.hooks[hooksBefore + 1] as Hook;
    expect(validSignature(resolved, secret)).toBe(true);
    expect(JSON.parse(resolved.body)).toMatchObject({ type: 'alert.resolved', alert: { resolvedValue: 0 } });
    await deps.jobs.runDueJobs();
    expect(receiver.hooks).toHaveLength(hooksBefore + 2);

    // The history page's API says the same.
    const api = await w.admin.json<{ events: AlertEvent[] }>(`/api/orgs/${w.orgId}/alerts/history`);
    expect(api.body.events).toEqual(events);
  });

  it('longest wait: fires when the oldest ringing call has waited N seconds, resolves when it is answered', async () => {
    const w = await world('Wait Dental');
    await withPrincipal(database.db, SYSTEM, (tx) =>
      tx
        .insertInto('alert_rules')
        .values({
          org_id: w.orgId,
          name: 'Long wait',
          kind: 'longest_wait',
          threshold: 120,
          recipients: ['oncall@alerts.example'],
        })
        .execute(),
    );
    await ringing(w.numberId, `${w.orgId}-old`, 60);
    await evaluate();
    expect(await history(w.orgId)).toEqual([]);
    await hangUp([`${w.orgId}-old`]);
    await ringing(w.numberId, `${w.orgId}-older`, 150);
    await evaluate();
    await evaluate();
    await hangUp([`${w.orgId}-older`]);
    await evaluate();
    await evaluate();
    await deps.jobs.runDueJobs();
    const events = await history(w.orgId);
    expect(events).toHaveLength(1);
    expect(events[0]?.firedValue).toBeGreaterThanOrEqual(150);
    expect(events[0]?.resolvedAt).not.toBeNull();
    // Listed recipients instead of the org's admins and managers.
    await until(() => mailsTo('oncall@alerts.example', 'Alert resolved').length === 1, 'the on-call mail');
    expect(mailsTo('oncall@alerts.example', 'Wait Dental')).toHaveLength(2);
    expect(mailsTo(w.emails.admin, 'Long wait')).toHaveLength(0);
  });

  it('service level and missed calls: measured over the window from stored calls, as the dashboard defines them', async () => {
    const w = await world('Service Law');
    await withPrincipal(database.db, SYSTEM, (tx) =>
      tx
        .insertInto('alert_rules')
        .values([
          {
            org_id: w.orgId,
            name: 'SL low',
            kind: 'service_level_below',
            threshold: 80,
            window_minutes: 30,
            min_calls: 4,
            notify_email: false,
          },
          {
            org_id: w.orgId,
            name: 'Missed',
            kind: 'missed_calls',
            threshold: 3,
            window_minutes: 15,
            notify_email: false,
          },
        ])
        .execute(),
    );
    const now = Date.now();
    const base = { businessNumber: w.numberId };
    const numberE164 = await withPrincipal(
      database.db,
      SYSTEM,
      async (tx) =>
        (await tx.selectFrom('phone_numbers').select('e164').where('id', '=', w.numberId).executeTakeFirstOrThrow())
          .e164,
    );
    base.businessNumber = numberE164;
    // Three slow answers (60 s > the 20 s threshold): below 80 % but fewer than the 4 calls the rule needs.
    const slow = (minutesAgo: number) => {
      const startedAt = new Date(now - minutesAgo * MINUTE);
      return call({ ...base, startedAt, answeredAt: new Date(startedAt.getTime() + 60_000) });
    };
    await insertCalls(database, [slow(20), slow(18), slow(16)]);
    await evaluate();
    expect(await history(w.orgId)).toEqual([]);
    // A fourth slow answer and three missed calls (30 s waits, not short abandons): both fire.
    const missed = (minutesAgo: number) => {
      const startedAt = new Date(now - minutesAgo * MINUTE);
      return call({ ...base, startedAt, status: 'missed', endedAt: new Date(startedAt.getTime() + 30_000) });
    };
    await insertCalls(database, [slow(14), missed(5), missed(4), missed(3)]);
    await evaluate();
    await evaluate();
    let events = await history(w.orgId);
    expect(events.map((e) => [e.ruleName, e.firedValue, e.resolvedAt]).sort()).toEqual([
      ['Missed', 3, null],
      ['SL low', 0, null],
    ]);
    // 40 quick answers: 40 within the threshold of 47 handled = 85.1 % ≥ 80, so it resolves; the missed calls are
    // still in their window.
    const quick = Array.from({ length: 40 }, (_, i) => {
      const startedAt = new Date(now - (10 + (i % 10)) * MINUTE - i * 1000);
      return call({ ...base, startedAt, answeredAt: new Date(startedAt.getTime() + 5_000) });
    });
    await insertCalls(database, quick);
    await evaluate();
    await evaluate();
    events = await history(w.orgId);
    const sl = events.find((e) => e.ruleName === 'SL low');
    expect(sl?.resolvedAt).not.toBeNull();
    expect(sl?.resolvedValue).toBe(85.1);
    expect(events.find((e) => e.ruleName === 'Missed')?.resolvedAt).toBeNull();
    // Sixteen minutes on, the missed calls have left the 15-minute window: it resolves (clock moved, not the data).
    const later = { now: () => now + 16 * MINUTE };
    await evaluateAlerts({ db: database.db, clock: later, logger: createLogger('silent'), publicUrl: null });
    await evaluateAlerts({ db: database.db, clock: later, logger: createLogger('silent'), publicUrl: null });
    events = await history(w.orgId);
    expect(events).toHaveLength(2);
    expect(events.find((e) => e.ruleName === 'Missed')).toMatchObject({ resolvedValue: 0 });
  });

  it('no inbound call: only inside business hours, in the org’s time zone', async () => {
    const w = await world('Silent Bakery', 'America/New_York');
    const put = await w.admin.json(`/api/orgs/${w.orgId}/alerts/business-hours`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      // Monday 09:00–17:00 New York time
      body: JSON.stringify({ ranges: [{ weekday: 1, startMinute: 540, endMinute: 1020 }] }),
    });
    expect(put.status).toBe(200);
    await withPrincipal(database.db, SYSTEM, (tx) =>
      tx
        .insertInto('alert_rules')
        .values({ org_id: w.orgId, name: 'Line silent', kind: 'no_inbound', threshold: 0, window_minutes: 30 })
        .execute(),
    );
    const numberE164 = await withPrincipal(
      database.db,
      SYSTEM,
      async (tx) =>
        (await tx.selectFrom('phone_numbers').select('e164').where('id', '=', w.numberId).executeTakeFirstOrThrow())
          .e164,
    );
    // Monday 2 March 2026 (EST, UTC−5).
    const at = (local: string) => Date.parse(`2026-03-02T${local}:00-05:00`);
    const run = (ms: number) =>
      evaluateAlerts({ db: database.db, clock: { now: () => ms }, logger: createLogger('silent'), publicUrl: null });
    await run(at('07:00')); // before opening
    await run(at('09:20')); // open only 20 of the 30 minutes
    await run(at('20:00')); // after closing
    expect(await history(w.orgId)).toEqual([]);
    await run(at('09:45')); // 45 minutes open, nothing in the last 30: fires
    await run(at('10:00'));
    let events = await history(w.orgId);
    expect(events).toHaveLength(1);
    expect(events[0]?.firedAt).toBe(new Date(at('09:45')).toISOString());
    // A call at 10:05 ends the silence.
    await insertCalls(database, [call({ businessNumber: numberE164, startedAt: new Date(at('10:05')) })]);
    await run(at('10:06'));
    await run(at('10:20'));
    events = await history(w.orgId);
    expect(events).toHaveLength(1);
    expect(events[0]?.resolvedAt).toBe(new Date(at('10:06')).toISOString());
    // Outside business hours a silent line never fires: 18:00 and later with no calls.
    await run(at('18:00'));
    await run(at('23:00'));
    expect(await history(w.orgId)).toHaveLength(1);
    await deps.jobs.runDueJobs();
    await until(() => mailsTo(w.emails.admin, 'Line silent').length === 2, 'the silent-line mails');
  });

  it('two runners on one database: the condition fires once and resolves once', async () => {
    const w = await world('Twin Runners');
    await withPrincipal(database.db, SYSTEM, (tx) =>
      tx
        .insertInto('alert_rules')
        .values({ org_id: w.orgId, name: 'Twins', kind: 'calls_waiting', threshold: 1 })
        .execute(),
    );
    const other = testApp(database, env()).deps;
    await ringing(w.numberId, `${w.orgId}-t`, 5);
    // Leases keep the two runs apart; the row lock and the stored state keep a second run from firing again.
    await Promise.all([deps.jobs.runLeased(ALERTS_EVALUATE, 'all'), other.jobs.runLeased(ALERTS_EVALUATE, 'all')]);
    await Promise.all([
      evaluateAlerts({ db: database.db, clock: { now: Date.now }, logger: createLogger('silent'), publicUrl: null }),
      evaluateAlerts({ db: database.db, clock: { now: Date.now }, logger: createLogger('silent'), publicUrl: null }),
    ]);
    await hangUp([`${w.orgId}-t`]);
    await Promise.all([deps.jobs.tick(), other.jobs.tick()]);
    await Promise.all([
      evaluateAlerts({ db: database.db, clock: { now: Date.now }, logger: createLogger('silent'), publicUrl: null }),
      evaluateAlerts({ db: database.db, clock: { now: Date.now }, logger: createLogger('silent'), publicUrl: null }),
    ]);
    await Promise.all([deps.jobs.runDueJobs(), other.jobs.runDueJobs()]);
    const events = await history(w.orgId);
    expect(events).toHaveLength(1);
    expect(events[0]?.resolvedAt).not.toBeNull();
    await until(() => mailsTo(w.emails.manager, 'Twins').length === 2, 'the twin mails');
    expect(mailsTo(w.emails.manager, 'Alert firing: Twins')).toHaveLength(1);
    expect(mailsTo(w.emails.manager, 'Alert resolved: Twins')).toHaveLength(1);
  });

  it('a webhook answering 500 is retried with back-off until it takes the alert, which arrives once', async () => {
    const w = await world('Flaky Hook');
    let failures = 2;
    const arrived: Hook[] = [];
    const flaky = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (failures > 0) {
          failures--;
          res.writeHead(500).end();
          return;
        }
        arrived.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    try {
      const config = loadConfig({ VICTORYSYNC_LOG_LEVEL: 'silent', ...env() });
      const quick = createServices(
        { config, database, logger: createLogger('silent') },
        { jobs: { webhookBackoff: { baseMs: 1, maxMs: 5 } } },
      );
      const url = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/slack`;
      const hook = await w.admin.json<{ webhook: { secret: string } }>(`/api/orgs/${w.orgId}/alerts/webhook`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url }),
      });
      await withPrincipal(database.db, SYSTEM, (tx) =>
        tx
          .insertInto('alert_rules')
          .values({ org_id: w.orgId, name: 'Flaky', kind: 'calls_waiting', threshold: 1, notify_email: false })
          .execute(),
      );
      await ringing(w.numberId, `${w.orgId}-f`, 5);
      await quick.jobs.runLeased(ALERTS_EVALUATE, 'all');
      for (let i = 0; i < 20 && arrived.length === 0; i++) {
        await quick.jobs.runDueJobs();
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(failures).toBe(0);
      expect(arrived).toHaveLength(1);
      expect(validSignature(arrived[0] as Hook, hook.body.webhook.secret)).toBe(true);
      expect(JSON.parse((arrived[0] as Hook).body)).toMatchObject({ type: 'alert.fired', rule: { name: 'Flaky' } });
      const job = await withPrincipal(database.db, SYSTEM, (tx) =>
        tx
          .selectFrom('jobs')
          .select(['status', 'attempts'])
          .where('kind', '=', 'alert.webhook')
          .where('payload', '@>', JSON.stringify({ transition: 'fired' }))
          .orderBy('created_at', 'desc')
          .executeTakeFirstOrThrow(),
      );
      expect(job).toEqual({ status: 'done', attempts: 3 });
      await quick.jobs.runDueJobs();
      expect(arrived).toHaveLength(1);
      await hangUp([`${w.orgId}-f`]);
    } finally {
      await new Promise((r) => flaky.close(r));
    }
  });

  it('the API: bad input is a 400 naming the field; managers read, cannot write; private webhook targets refused', async () => {
    const w = await world('Api Checks');
    const bad = await w.admin.json<{ error: { code: string; message: string } }>(`/api/orgs/${w.orgId}/alerts/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'SL', kind: 'service_level_below', threshold: 80 }),
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('windowMinutes');
    const hours = await w.admin.json(`/api/orgs/${w.orgId}/alerts/business-hours`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ranges: [{ weekday: 8, startMinute: 0, endMinute: 60 }] }),
    });
    expect(hours.status).toBe(400);
    expect(JSON.stringify(hours.body)).toContain('weekday');
    const ftp = await w.admin.json(`/api/orgs/${w.orgId}/alerts/webhook`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'ftp://hooks.example.com/x' }),
    });
    expect(ftp.status).toBe(400);
    // Without VICTORYSYNC_WEBHOOK_ALLOW_PRIVATE, loopback is refused: by address, and by a name resolving to it.
    const refusedByAddress = postJson(receiver.url, '{}', {}, false);
    await expect(refusedByAddress).rejects.toBeInstanceOf(TargetRefused);
    const before = receiver.hooks.length;
    await expect(postJson(receiver.url.replace('127.0.0.1', 'localhost'), '{}', {}, false)).rejects.toThrow(
      /private or loopback/,
    );
    expect(receiver.hooks).toHaveLength(before);
    expect(isPrivateAddress('10.1.2.3')).toBe(true);
    expect(isPrivateAddress('::ffff:192.168.1.1')).toBe(true);
    expect(isPrivateAddress('fd00::1')).toBe(true);
    expect(isPrivateAddress('93.184.216.34')).toBe(false);
    const manager = client(app);
    await manager.login(w.emails.manager, PASSWORD);
    expect((await manager.json(`/api/orgs/${w.orgId}/alerts/rules`)).status).toBe(200);
    const write = await manager.json(`/api/orgs/${w.orgId}/alerts/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Mine', kind: 'calls_waiting', threshold: 1 }),
    });
    expect(write.status).toBe(403);
    const agent = client(app);
    await agent.login(w.emails.agent, PASSWORD);
    expect((await agent.json(`/api/orgs/${w.orgId}/alerts/rules`)).status).toBe(403);
  });
});
