// Scheduled reports end to end on each database: a due schedule's report arrives at a real SMTP server once per
// recipient (however often and by however many runners it is run), every figure in it equals what the metrics API
// answers for the same range, the CSV has the period's calls, the chart is a PNG shown inline by cid; Send now
// mails the signed-in user only; the API refuses bad input and other orgs' members and schedules.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, testApp } from '../../test/support/app.js';
import { openTestDatabase, type TestDatabase, testTargets } from '../../test/support/database.js';
import { assignNumber, call, createNumber, createOrg, createUser, insertCalls } from '../../test/support/fixtures.js';
import { startTestSmtp, type TestSmtp } from '../../test/support/smtp.js';
import { systemPrincipal } from '../auth/principal.js';
import { withPrincipal } from '../db/tenant.js';
import type { AppDeps } from '../http/context.js';
import { createLogger } from '../http/logger.js';
import { V1_NAMES } from '../metrics/client-metrics-v1.js';
import { CHART_CID, formatFigure, REPORT_KPIS } from './email.js';
import { periodQuery } from './figures.js';
import { addDays, dueSend, formatDate } from './schedule.js';
import type { ReportSchedule } from './schema.js';
import { REPORTS_SEND, reportSenderKind, ruleOf, sendDueReport } from './send.js';

const PASSWORD = 'reports password 1234';
const PUBLIC_URL = 'https://app.victorysync.test';
const DAY = 86_400_000;
const TZ = 'America/New_York';

const senderOf = (d: AppDeps) => ({ db: d.database.db, clock: d.mightycall.clock, logger: createLogger('silent') });

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

const cellsOf = (html: string, table: string): string[][] => {
  const body = new RegExp(`<table data-table="${table}"[\\s\\S]*?<tbody>([\\s\\S]*?)</tbody>`).exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...(row[1] ?? '').matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) =>
      (c[1] ?? '').replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))),
    ),
  );
};

describe.each(testTargets())('scheduled reports on %s', (target) => {
  let database: TestDatabase;
  let smtp: TestSmtp;
  let deps: AppDeps;
  let app: ReturnType<typeof testApp>['app'];
  let serial = 0;

  const env = () => ({
    SMTP_URL: smtp.url,
    MAIL_FROM: 'VictorySync <reports@victorysync.test>',
    VICTORYSYNC_PUBLIC_URL: PUBLIC_URL,
    VICTORYSYNC_MIGHTYCALL_JOBS: '0',
  });

  /** A fresh org in New York with two numbers, an admin, a manager and an agent; the admin signed in. */
  async function world(name: string) {
    const n = ++serial;
    const orgName = `${name} ${target} ${n}`;
    const orgId = await createOrg(database, orgName, { timezone: TZ });
    const numbers: string[] = [];
    for (const k of [0, 1]) {
      const e164 = `+1415555${String(8000 + n * 10 + k).padStart(4, '0')}`;
      await assignNumber(database, orgId, await createNumber(database, e164, `Line ${k}`), {
        from: new Date('2020-01-01T00:00:00Z'),
      });
      numbers.push(e164);
    }
    const slug = `${target === 'pglite' ? 'p' : 'g'}${n}`;
    const emails = {
      admin: `admin-${slug}@reports.example`,
      manager: `manager-${slug}@reports.example`,
      agent: `agent-${slug}@reports.example`,
    };
    const ids = {
      admin: await createUser(database, emails.admin, {
        password: PASSWORD,
        memberships: [{ orgId, role: 'org_admin' }],
      }),
      manager: await createUser(database, emails.manager, {
        password: PASSWORD,
        memberships: [{ orgId, role: 'org_manager' }],
      }),
      agent: await createUser(database, emails.agent, { password: PASSWORD, memberships: [{ orgId, role: 'agent' }] }),
    };
    const admin = client(app);
    await admin.login(emails.admin, PASSWORD);
    return { orgId, orgName, numbers, emails, ids, admin };
  }

  const post = (body: unknown) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  /** Calls spread over [from, to): every status, three queues, six agents, both numbers, some outbound. */
  function callsBetween(numbers: string[], from: Date, to: Date, count: number) {
    const span = to.getTime() - from.getTime();
    return Array.from({ length: count }, (_, i) => {
      const startedAt = new Date(from.getTime() + Math.floor(((i + 0.5) * span) / count));
      const status = (['answered', 'answered', 'missed', 'voicemail', 'answered'] as const)[i % 5] ?? 'answered';
      return call({
        businessNumber: numbers[i % 2] ?? '',
        startedAt,
        status,
        direction: i % 7 === 6 ? 'outbound' : 'inbound',
        queue: ['Sales', 'Support', 'Billing'][i % 3] ?? null,
        agentExtension: status === 'answered' ? String(100 + (i % 6)) : null,
        answeredAt: status === 'answered' ? new Date(startedAt.getTime() + (i % 40) * 1000) : null,
        endedAt: new Date(startedAt.getTime() + 90_000 + (i % 11) * 7000),
      });
    });
  }

  const mailsTo = (address: string, subjectPart = '') =>
    smtp.arrivals.filter((a) => a.envelope.to.includes(address) && (a.mail.subject ?? '').includes(subjectPart));

  beforeAll(async () => {
    database = await openTestDatabase(target);
    smtp = await startTestSmtp();
    const made = testApp(database, env());
    app = made.app;
    deps = made.deps;
  });

  afterAll(async () => {
    await smtp?.stop();
    await database?.close();
  });

  it('sends a due weekly report once per recipient, with every figure equal to the metrics API', async () => {
    const w = await world('Harbor Dental');
    const created = await w.admin.json<{ schedule: ReportSchedule }>(
      `/api/orgs/${w.orgId}/reports/schedules`,
      post({
        name: 'Weekly summary',
        frequency: 'weekly',
        weekday: 1,
        time: '08:00',
        recipientUserIds: [w.ids.manager],
        recipientEmails: ['Owner@Client.example'],
      }),
    );
    expect(created.status).toBe(201);
    const schedule = created.body.schedule;
    expect(schedule).toMatchObject({ frequency: 'weekly', weekday: 1, time: '08:00', timezone: TZ, enabled: true });
    expect(schedule.nextSendAt).toMatch(/T08:00:00-0[45]:00$/);

    // A week and a day on, the latest Monday 08:00 is due (it comes after the schedule was made).
    const later = Date.now() + 8 * DAY;
    const clock = { now: () => later };
    const due = dueSend(
      ruleOf({ frequency: 'weekly', weekday: 1, month_day: null, send_minute: 480, timezone: TZ }),
      { lastSentPeriod: null, notBefore: new Date(Date.now() - 60_000) },
      new Date(later),
    );
    if (!due) throw new Error('expected a due send');
    const previousFrom = new Date(due.period.from.getTime() - 7 * DAY);
    await insertCalls(database, [
      ...callsBetween(w.numbers, due.period.from, due.period.to, 61),
      ...callsBetween(w.numbers, previousFrom, due.period.from, 23),
    ]);

    // Run twice in a row and by two senders at once: one report per recipient.
    const sender = { db: database.db, clock, logger: createLogger('silent'), publicUrl: PUBLIC_URL };
    const first = await sendDueReport(sender, schedule.id);
    expect(first).toHaveLength(2);
    expect(await sendDueReport(sender, schedule.id)).toEqual([]);
    const racing = await Promise.all([sendDueReport(sender, schedule.id), sendDueReport(sender, schedule.id)]);
    expect(racing).toEqual([[], []]);
    await deps.jobs.runDueJobs();
    await until(() => mailsTo('owner@client.example').length === 1, 'the report at the listed address');
    await until(() => mailsTo(w.emails.manager).length === 1, "the report at the member's address");
    expect(mailsTo(w.emails.admin)).toEqual([]);
    expect(mailsTo(w.emails.agent)).toEqual([]);
    await deps.jobs.runDueJobs();
    expect(mailsTo('owner@client.example')).toHaveLength(1);

    const [arrival] = mailsTo(w.emails.manager);
    const mail = arrival?.mail;
    if (!mail || typeof mail.html !== 'string') throw new Error('no HTML part');
    const q = periodQuery(due.period, 'weekly');
    expect(q).toEqual({
      from: formatDate(due.period.start),
      to: formatDate(addDays(due.period.end, -1)),
      interval: 'day',
    });
    expect(mail.subject).toContain(w.orgName);
    expect(mail.subject).toMatch(/weekly call report, \w{3} \d+, \d{4} – \w{3} \d+, \d{4}$/);
    expect(mail.text).toContain(w.orgName);

    // Every KPI equals GET /api/client-metrics for the same range, and its change equals the two periods' figures.
    const range = `org_id=${w.orgId}&from=${q.from}&to=${q.to}&compare=false`;
    const v1 = await w.admin.json<{ metrics: Record<string, number | null> }>(`/api/client-metrics?${range}`);
    expect(v1.status).toBe(200);
    const kpis = await w.admin.json<{ metrics: Record<string, number | null> }>(`/api/metrics/kpis?${range}`);
    const prev = periodQuery({ ...due.period, start: addDays(due.period.start, -7), end: due.period.start }, 'weekly');
    const before = await w.admin.json<{ metrics: Record<string, number | null> }>(
      `/api/metrics/kpis?org_id=${w.orgId}&from=${prev.from}&to=${prev.to}&compare=false`,
    );
    expect(v1.body.metrics.total_calls).toBe(61);
    expect(before.body.metrics.totalCalls).toBe(23);
    for (const [field, label, format] of REPORT_KPIS) {
      const api = v1.body.metrics[V1_NAMES[field]] ?? null;
      const cell = new RegExp(`data-metric="${field}" data-value="([^"]*)"`).exec(mail.html)?.[1];
      expect(cell, field).toBe(api === null ? '' : String(api));
      expect(kpis.body.metrics[field]).toBe(api);
      expect(mail.text).toContain(`${label}: ${formatFigure(api, format)}`);
      const now = kpis.body.metrics[field];
      const then = before.body.metrics[field];
      if (typeof now === 'number' && typeof then === 'number' && now !== then && format === 'count') {
        const pct = Math.round(((now - then) / then) * 1000) / 10;
        expect(mail.text, `${field} change`).toContain(
          `${label}: ${formatFigure(now, format)} (${pct > 0 ? '+' : ''}${pct.toFixed(1)}%)`,
        );
      }
    }

    // The top five queues, agents and numbers equal the breakdown endpoints' first five rows.
    const breakdown = `org_id=${w.orgId}&from=${q.from}&to=${q.to}&interval=day`;
    const queues = await w.admin.json<{ items: Array<Record<string, number | string | null>> }>(
      `/api/calls/queue-summary?${breakdown}`,
    );
    expect(cellsOf(mail.html, 'queues')).toEqual(
      queues.body.items
        .slice(0, 5)
        .map((r) => [
          String(r.queueName),
          formatFigure(r.totalCalls as number, 'count'),
          formatFigure(r.answered as number, 'count'),
          formatFigure(r.missed as number, 'count'),
          formatFigure(r.answerRatePct as number | null, 'pct'),
          formatFigure(r.serviceLevelPct as number | null, 'pct'),
        ]),
    );
    const agents = await w.admin.json<{ items: Array<Record<string, number | string | null>> }>(
      `/api/metrics/agents?${breakdown}`,
    );
    expect(agents.body.items.length).toBe(6);
    expect(cellsOf(mail.html, 'agents')).toEqual(
      agents.body.items
        .slice(0, 5)
        .map((r) => [
          String(r.agentName ?? '—'),
          String(r.agentExtension),
          formatFigure(r.answered as number, 'count'),
          formatFigure(r.outbound as number, 'count'),
          formatFigure(r.avgConnectedTalkSeconds as number | null, 'seconds'),
        ]),
    );
    const numbers = await w.admin.json<{ items: Array<Record<string, number | string | null>> }>(
      `/api/metrics/numbers?${breakdown}`,
    );
    expect(cellsOf(mail.html, 'numbers')).toEqual(
      numbers.body.items
        .slice(0, 5)
        .map((r) => [
          String(r.e164),
          String(r.label ?? ''),
          formatFigure(r.totalCalls as number, 'count'),
          formatFigure(r.answered as number, 'count'),
          formatFigure(r.missed as number, 'count'),
          formatFigure(r.answerRatePct as number | null, 'pct'),
        ]),
    );

    // The CSV has the period's calls (as many as the KPIs' total), with the export's columns.
    const csv = mail.attachments.find((a) => a.filename === `calls-${q.from}-to-${q.to}.csv`);
    if (!csv) throw new Error('no CSV attachment');
    const lines = csv.content.toString('utf8').trimEnd().split('\r\n');
    const exported = await w.admin.request(`/api/calls?org_id=${w.orgId}&from=${q.from}&to=${q.to}&format=csv`);
    const exportLines = (await exported.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe(exportLines[0]);
    expect(lines.length - 1).toBe(v1.body.metrics.total_calls);
    expect(new Set(lines.slice(1))).toEqual(new Set(exportLines.slice(1)));

    // The chart: a PNG (signature, IHDR 560 × 200) shown inline by its Content-ID.
    const png = mail.attachments.find((a) => a.contentType === 'image/png');
    if (!png) throw new Error('no PNG');
    expect(png.cid).toBe(CHART_CID);
    // mailparser resolves the HTML's cid: reference to the part with that Content-ID (a data: URI of the PNG).
    expect(mail.html).toContain(`src="data:image/png;base64,${png.content.toString('base64')}"`);
    expect(arrival?.mail.attachments.filter((a) => a.related)).toHaveLength(1);
    expect(png.content.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.content.toString('ascii', 12, 16)).toBe('IHDR');
    expect([png.content.readUInt32BE(16), png.content.readUInt32BE(20)]).toEqual([560, 200]);

    // The dashboard link opens the same range.
    expect(mail.html).toContain(`${PUBLIC_URL}/orgs/${w.orgId}?range=custom&#38;from=${q.from}&#38;to=${q.to}`);

    // The schedule records the period; the history lists both messages.
    const listed = await w.admin.json<{ schedules: ReportSchedule[] }>(`/api/orgs/${w.orgId}/reports/schedules`);
    expect(listed.body.schedules[0]?.lastSentPeriod).toBe(q.from);
    const history = await w.admin.json<{ reports: Array<{ to: string; scheduleId: string; preview: boolean }> }>(
      `/api/orgs/${w.orgId}/reports/history`,
    );
    expect(history.body.reports.map((r) => r.to).sort()).toEqual(['owner@client.example', w.emails.manager].sort());
    expect(history.body.reports.every((r) => r.scheduleId === schedule.id && !r.preview)).toBe(true);
  });

  it('the job runner sends a due schedule through its recurring kind, once, whoever runs it', async () => {
    const w = await world('Lakeside Vet');
    const created = await w.admin.json<{ schedule: ReportSchedule }>(
      `/api/orgs/${w.orgId}/reports/schedules`,
      post({ name: 'Daily', frequency: 'daily', time: '07:00', recipientEmails: ['daily@client.example'] }),
    );
    expect(created.status).toBe(201);
    // Not due yet at creation: nothing is queued.
    expect(await deps.jobs.runLeased(REPORTS_SEND, created.body.schedule.id)).toBe(true);
    await deps.jobs.runDueJobs();
    expect(mailsTo('daily@client.example')).toEqual([]);
    // Made three days ago, its latest 07:00 is due: two runners (two processes' job runners) see it due and both
    // run it; one report is queued.
    const threeDaysAgo = new Date(Date.now() - 3 * DAY);
    await withPrincipal(database.db, systemPrincipal('reports test'), (tx) =>
      sql`UPDATE report_schedules SET created_at = ${threeDaysAgo} WHERE id = ${created.body.schedule.id}`.execute(tx),
    );
    const other = testApp(database, env());
    expect(await reportSenderKind({ ...senderOf(deps), publicUrl: null }).due()).toContain(created.body.schedule.id);
    await Promise.all([
      deps.jobs.runLeased(REPORTS_SEND, created.body.schedule.id),
      other.deps.jobs.runLeased(REPORTS_SEND, created.body.schedule.id),
    ]);
    await deps.jobs.runLeased(REPORTS_SEND, created.body.schedule.id);
    expect(await reportSenderKind({ ...senderOf(deps), publicUrl: null }).due()).not.toContain(
      created.body.schedule.id,
    );
    await Promise.all([deps.jobs.runDueJobs(), other.deps.jobs.runDueJobs()]);
    await until(() => mailsTo('daily@client.example').length === 1, 'the daily report');
    await new Promise((r) => setTimeout(r, 100));
    expect(mailsTo('daily@client.example')).toHaveLength(1);
    expect(mailsTo('daily@client.example')[0]?.mail.subject).toContain('daily call report');
  });

  it('Send now mails a preview of the latest period to the signed-in user only', async () => {
    const w = await world('Preview Clinic');
    const created = await w.admin.json<{ schedule: ReportSchedule }>(
      `/api/orgs/${w.orgId}/reports/schedules`,
      post({
        name: 'Monthly',
        frequency: 'monthly',
        monthDay: 31,
        time: '09:30',
        recipientEmails: ['x@client.example'],
      }),
    );
    expect(created.status).toBe(201);
    const manager = client(app);
    await manager.login(w.emails.manager, PASSWORD);
    const sent = await manager.json<{ sentTo: string; periodStart: string; periodEnd: string }>(
      `/api/orgs/${w.orgId}/reports/schedules/${created.body.schedule.id}/send-now`,
      { method: 'POST' },
    );
    expect(sent.status).toBe(202);
    expect(sent.body.sentTo).toBe(w.emails.manager);
    expect(sent.body.periodStart).toMatch(/^\d{4}-\d{2}-01$/);
    expect(sent.body.periodEnd).toMatch(/^\d{4}-\d{2}-01$/);
    await deps.jobs.runDueJobs();
    await until(() => mailsTo(w.emails.manager, '[Preview]').length === 1, 'the preview');
    expect(mailsTo('x@client.example')).toEqual([]);
    const history = await w.admin.json<{ reports: Array<{ preview: boolean; to: string }> }>(
      `/api/orgs/${w.orgId}/reports/history`,
    );
    expect(history.body.reports).toMatchObject([{ preview: true, to: w.emails.manager }]);
    // Three previews per user every 15 minutes.
    for (let i = 0; i < 2; i++) {
      const again = await manager.request(
        `/api/orgs/${w.orgId}/reports/schedules/${created.body.schedule.id}/send-now`,
        {
          method: 'POST',
        },
      );
      expect(again.status).toBe(202);
    }
    const refused = await manager.request(
      `/api/orgs/${w.orgId}/reports/schedules/${created.body.schedule.id}/send-now`,
      {
        method: 'POST',
      },
    );
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('refuses bad input with a 400 naming the field, and changes nothing', async () => {
    const w = await world('Strict Dental');
    const other = await world('Other Dental');
    const url = `/api/orgs/${w.orgId}/reports/schedules`;
    const base = { name: 'R', frequency: 'weekly', weekday: 1, time: '08:00', recipientEmails: ['a@client.example'] };
    const cases: Array<[unknown, string]> = [
      [{ ...base, weekday: null }, 'weekday'],
      [{ ...base, weekday: 8 }, 'weekday'],
      [{ ...base, time: '24:00' }, 'time'],
      [{ ...base, time: '8am' }, 'time'],
      [{ ...base, frequency: 'hourly' }, 'frequency'],
      [{ ...base, frequency: 'monthly', weekday: null }, 'monthDay'],
      [{ ...base, frequency: 'monthly', weekday: null, monthDay: 32 }, 'monthDay'],
      [{ ...base, recipientEmails: ['not an address'] }, 'recipientEmails.0'],
      [{ ...base, recipientEmails: [] }, 'recipientEmails'],
      [{ ...base, recipientEmails: Array.from({ length: 21 }, (_, i) => `r${i}@client.example`) }, 'recipientEmails'],
      [{ ...base, recipientUserIds: [other.ids.admin] }, 'recipientUserIds'],
      [{ ...base, name: '' }, 'name'],
      [{ ...base, extra: true }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await w.admin.json<{ error: { code: string; message: string; details?: unknown } }>(url, post(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.body.error), JSON.stringify(body)).toContain(field);
    }
    const list = await w.admin.json<{ schedules: ReportSchedule[] }>(url);
    expect(list.body.schedules).toEqual([]);
  });

  it("keeps orgs apart: another org's admin cannot read, change, delete or preview a schedule; agents cannot read", async () => {
    const a = await world('Apart A');
    const b = await world('Apart B');
    const created = await a.admin.json<{ schedule: ReportSchedule }>(
      `/api/orgs/${a.orgId}/reports/schedules`,
      post({ name: 'A weekly', frequency: 'weekly', weekday: 3, time: '06:15', recipientUserIds: [a.ids.manager] }),
    );
    expect(created.status).toBe(201);
    const id = created.body.schedule.id;
    const body = { name: 'Hijack', frequency: 'daily', time: '01:00', recipientEmails: ['thief@evil.example'] };
    expect((await b.admin.request(`/api/orgs/${a.orgId}/reports/schedules`)).status).toBe(404);
    expect(
      (
        await b.admin.request(`/api/orgs/${a.orgId}/reports/schedules/${id}`, {
          ...post(body),
          method: 'PUT',
        })
      ).status,
    ).toBe(404);
    // Through their own org: the schedule is not found there.
    const viaOwn = await b.admin.request(`/api/orgs/${b.orgId}/reports/schedules/${id}`, {
      ...post(body),
      method: 'PUT',
    });
    expect(viaOwn.status).toBe(404);
    expect(
      (await b.admin.request(`/api/orgs/${b.orgId}/reports/schedules/${id}`, { method: 'DELETE', headers: {} })).status,
    ).toBe(404);
    expect(
      (await b.admin.request(`/api/orgs/${b.orgId}/reports/schedules/${id}/send-now`, { method: 'POST' })).status,
    ).toBe(404);
    expect((await b.admin.request(`/api/orgs/${a.orgId}/reports/history`)).status).toBe(404);
    const agent = client(app);
    await agent.login(a.emails.agent, PASSWORD);
    expect((await agent.request(`/api/orgs/${a.orgId}/reports/schedules`)).status).toBe(403);
    const manager = client(app);
    await manager.login(a.emails.manager, PASSWORD);
    expect((await manager.request(`/api/orgs/${a.orgId}/reports/schedules`, post(body))).status).toBe(403);
    const after = await a.admin.json<{ schedules: ReportSchedule[] }>(`/api/orgs/${a.orgId}/reports/schedules`);
    expect(after.body.schedules).toMatchObject([{ id, name: 'A weekly', recipientUserIds: [a.ids.manager] }]);
    // Deleting is audited.
    expect((await a.admin.request(`/api/orgs/${a.orgId}/reports/schedules/${id}`, { method: 'DELETE' })).status).toBe(
      200,
    );
    const audit = await a.admin.json<{ entries: Array<{ action: string }> }>(`/api/orgs/${a.orgId}/audit`);
    expect(audit.body.entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(['report_schedule.create', 'report_schedule.delete']),
    );
  });
});
