// The 'reports.send' recurring job kind: finds the schedules with a send due, and for each (under its lease and row
// lock) renders the report and queues one mail per recipient in the transaction that records the period as sent.
// The outbox's idempotency key (report:<schedule>:<period start>:<address>) makes a second send impossible even
// if two processes, a retry or a run after a crash got that far.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { systemPrincipal } from '../auth/principal.js';
import { type Tx, withPrincipal } from '../db/tenant.js';
import type { DB } from '../db/types.js';
import { errorMessage, type Logger } from '../http/logger.js';
import type { Clock, RecurringKind } from '../jobs/runner.js';
import { enqueueMail } from '../mail/outbox.js';
import { reportMail } from './email.js';
import { readReportFigures } from './figures.js';
import {
  dueSend,
  formatDate,
  latestSend,
  previousPeriod,
  type ReportPeriod,
  type ScheduledSend,
  type ScheduleRule,
} from './schedule.js';

export const REPORTS_SEND = 'reports.send';
export const REPORT_PURPOSE = 'report';
export const REPORT_PREVIEW_PURPOSE = 'report_preview';
const SYSTEM = systemPrincipal('reports');

export interface ReportSenderDeps {
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
  /** the public origin for the links in the email (null: paths) */
  publicUrl: string | null;
}

const SCHEDULE_COLUMNS = [
  's.id',
  's.org_id',
  's.name',
  's.frequency',
  's.weekday',
  's.month_day',
  's.send_minute',
  's.recipient_user_ids',
  's.recipient_emails',
  's.enabled',
  's.last_sent_period',
  's.created_at',
  'o.name as org_name',
  'o.timezone',
] as const;

interface ScheduleRow {
  id: string;
  org_id: string;
  name: string;
  frequency: ScheduleRule['frequency'];
  weekday: number | null;
  month_day: number | null;
  send_minute: number;
  recipient_user_ids: string[];
  recipient_emails: string[];
  enabled: boolean;
  last_sent_period: string | null;
  created_at: Date;
  org_name: string;
  timezone: string;
}

export const ruleOf = (s: {
  frequency: ScheduleRule['frequency'];
  weekday: number | null;
  month_day: number | null;
  send_minute: number;
  timezone: string;
}): ScheduleRule => ({
  frequency: s.frequency,
  weekday: s.weekday,
  monthDay: s.month_day,
  sendMinute: s.send_minute,
  timezone: s.timezone,
});

const dueOf = (s: ScheduleRow, now: Date): ScheduledSend | null =>
  s.enabled ? dueSend(ruleOf(s), { lastSentPeriod: s.last_sent_period, notBefore: new Date(s.created_at) }, now) : null;

/** The recurring kind: each schedule with a send due is a key, run under its own lease. */
export function reportSenderKind(deps: ReportSenderDeps): RecurringKind {
  return {
    kind: REPORTS_SEND,
    leaseMs: 5 * 60_000,
    async due() {
      const now = new Date(deps.clock.now());
      const rows = await withPrincipal(deps.db, SYSTEM, (tx) =>
        tx
          .selectFrom('report_schedules as s')
          .innerJoin('organizations as o', 'o.id', 's.org_id')
          .select(SCHEDULE_COLUMNS)
          .where('s.enabled', '=', true)
          .execute(),
      );
      return rows.filter((s) => dueOf(s, now) !== null).map((s) => s.id);
    },
    async run(scheduleId) {
      try {
        await sendDueReport(deps, scheduleId);
      } catch (error) {
        deps.logger.warn('report not sent', { scheduleId, error: errorMessage(error) });
        throw error;
      }
    },
  };
}

/**
 * Sends the schedule's due report, if one is still due once its row is locked: a second sender (another process,
 * a retry) waits on the lock and then finds the period recorded. Returns the outbox ids written.
 */
export async function sendDueReport(deps: ReportSenderDeps, scheduleId: string): Promise<string[]> {
  return withPrincipal(deps.db, SYSTEM, async (tx) => {
    const s = await tx
      .selectFrom('report_schedules as s')
      .innerJoin('organizations as o', 'o.id', 's.org_id')
      .select(SCHEDULE_COLUMNS)
      .where('s.id', '=', scheduleId)
      .forUpdate('s')
      .executeTakeFirst();
    const now = new Date(deps.clock.now());
    const due = s ? dueOf(s, now) : null;
    if (!s || !due) return [];
    const ids: string[] = [];
    const periodKey = formatDate(due.period.start);
    const mail = await renderReport(tx, deps, s, due.period, false);
    for (const to of await recipientsOf(tx, s)) {
      const id = await enqueueMail(tx, {
        idempotencyKey: `report:${s.id}:${periodKey}:${to}`,
        purpose: REPORT_PURPOSE,
        orgId: s.org_id,
        to,
        ...mail,
      });
      if (id) ids.push(id);
    }
    await tx
      .updateTable('report_schedules')
      .set({ last_sent_period: periodKey, last_sent_at: now })
      .where('id', '=', s.id)
      .execute();
    deps.logger.info('report queued', { scheduleId: s.id, orgId: s.org_id, period: periodKey, messages: ids.length });
    return ids;
  });
}

async function renderReport(tx: Tx, deps: ReportSenderDeps, s: ScheduleRow, period: ReportPeriod, preview: boolean) {
  const rule = ruleOf(s);
  const previous = previousPeriod(rule, period);
  const figures = await readReportFigures(tx, s.org_id, s.frequency, period, previous);
  return reportMail({
    orgId: s.org_id,
    orgName: s.org_name,
    scheduleName: s.name,
    frequency: s.frequency,
    period,
    previous,
    figures,
    baseUrl: deps.publicUrl ? deps.publicUrl.replace(/\/$/, '') : '',
    timezone: s.timezone,
    preview,
  });
}

/** The schedule's members who still belong to the org (enabled accounts), then its listed addresses; each once. */
async function recipientsOf(tx: Tx, s: ScheduleRow): Promise<string[]> {
  const members =
    s.recipient_user_ids.length === 0
      ? []
      : await tx
          .selectFrom('org_memberships as m')
          .innerJoin('users as u', 'u.id', 'm.user_id')
          .select('u.email')
          .where('m.org_id', '=', s.org_id)
          .where('m.user_id', 'in', s.recipient_user_ids)
          .where('u.disabled_at', 'is', null)
          .orderBy('u.email')
          .execute();
  return [...new Set([...members.map((m) => m.email), ...s.recipient_emails].map((a) => a.toLowerCase()))];
}

export interface PreviewSent {
  outboxId: string;
  to: string;
  periodStart: string;
  periodEnd: string;
}

/**
 * "Send now": the schedule's most recent period (the one its latest send covered, or would have) rendered and queued
 * to one address, the signed-in user's, whatever the schedule's recipients; the schedule's state is not touched.
 */
export async function sendPreview(
  deps: ReportSenderDeps,
  scheduleId: string,
  to: string,
  requestedBy: string,
): Promise<PreviewSent | null> {
  return withPrincipal(deps.db, SYSTEM, async (tx) => {
    const s = await tx
      .selectFrom('report_schedules as s')
      .innerJoin('organizations as o', 'o.id', 's.org_id')
      .select(SCHEDULE_COLUMNS)
      .where('s.id', '=', scheduleId)
      .executeTakeFirst();
    if (!s) return null;
    const { period } = latestSend(ruleOf(s), new Date(deps.clock.now()));
    const mail = await renderReport(tx, deps, s, period, true);
    const outboxId = await enqueueMail(tx, {
      idempotencyKey: `report-preview:${s.id}:${requestedBy}:${randomUUID()}`,
      purpose: REPORT_PREVIEW_PURPOSE,
      orgId: s.org_id,
      to,
      ...mail,
    });
    if (!outboxId) throw new Error('report preview: outbox key taken');
    return {
      outboxId,
      to: to.toLowerCase(),
      periodStart: formatDate(period.start),
      periodEnd: formatDate(period.end),
    };
  });
}
