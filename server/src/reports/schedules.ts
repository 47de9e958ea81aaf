// An org's report schedules: reads and writes as the caller (row-level security decides), recipients checked to be
// the org's members, and the history of sent reports read from the outbox.
import type { Selectable } from 'kysely';
import type { Tx } from '../db/tenant.js';
import type { ReportSchedulesTable } from '../db/types.js';
import { AppError, notFound } from '../http/errors.js';
import { isoWithOffset } from '../metrics/zoned.js';
import { formatTime, nextSend, parseTime } from './schedule.js';
import { MAX_SCHEDULES_PER_ORG, type ReportSchedule, type ReportScheduleInput, type SentReport } from './schema.js';
import { REPORT_PREVIEW_PURPOSE, REPORT_PURPOSE, ruleOf } from './send.js';

export const scheduleNotFound = () => notFound('Report schedule', 'report_schedule_not_found');

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function scheduleView(row: Selectable<ReportSchedulesTable>, timezone: string, now: Date): ReportSchedule {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    frequency: row.frequency,
    weekday: row.weekday,
    monthDay: row.month_day,
    time: formatTime(row.send_minute),
    timezone,
    recipientUserIds: row.recipient_user_ids,
    recipientEmails: row.recipient_emails,
    enabled: row.enabled,
    createdBy: row.created_by,
    nextSendAt: row.enabled ? isoWithOffset(nextSend(ruleOf({ ...row, timezone }), now).at, timezone) : null,
    lastSentPeriod: row.last_sent_period,
    lastSentAt: iso(row.last_sent_at),
  };
}

function columnsOf(input: ReportScheduleInput) {
  return {
    name: input.name,
    frequency: input.frequency,
    weekday: input.frequency === 'weekly' ? input.weekday : null,
    month_day: input.frequency === 'monthly' ? input.monthDay : null,
    send_minute: parseTime(input.time) ?? 0,
    recipient_user_ids: [...new Set(input.recipientUserIds)],
    recipient_emails: [...new Set(input.recipientEmails.map((e) => e.toLowerCase()))],
    enabled: input.enabled,
  };
}

async function orgTimezone(tx: Tx, orgId: string): Promise<string> {
  const org = await tx.selectFrom('organizations').select('timezone').where('id', '=', orgId).executeTakeFirst();
  if (!org) throw notFound('Organization', 'org_not_found');
  return org.timezone;
}

/** Every listed member must belong to the org: a 400 naming the field otherwise (nothing is written). */
async function checkMembers(tx: Tx, orgId: string, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  const rows = await tx
    .selectFrom('org_memberships')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('user_id', 'in', [...userIds])
    .execute();
  const members = new Set(rows.map((r) => r.user_id));
  const index = userIds.findIndex((id) => !members.has(id));
  if (index >= 0) {
    throw new AppError(400, 'invalid_request', `recipientUserIds: recipient ${index + 1} is not a member of this org`, {
      field: 'recipientUserIds',
      index,
    });
  }
}

export async function listSchedules(tx: Tx, orgId: string, now: Date): Promise<ReportSchedule[]> {
  const timezone = await orgTimezone(tx, orgId);
  const rows = await tx
    .selectFrom('report_schedules')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => scheduleView(r, timezone, now));
}

export async function getSchedule(tx: Tx, orgId: string, scheduleId: string, now: Date): Promise<ReportSchedule> {
  const timezone = await orgTimezone(tx, orgId);
  const row = await tx
    .selectFrom('report_schedules')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', scheduleId)
    .executeTakeFirst();
  if (!row) throw scheduleNotFound();
  return scheduleView(row, timezone, now);
}

export async function createSchedule(
  tx: Tx,
  orgId: string,
  input: ReportScheduleInput,
  createdBy: string | null,
  now: Date,
): Promise<ReportSchedule> {
  const timezone = await orgTimezone(tx, orgId);
  const count = await tx
    .selectFrom('report_schedules')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  if (Number(count.n) >= MAX_SCHEDULES_PER_ORG) {
    throw new AppError(409, 'too_many_schedules', `An org has at most ${MAX_SCHEDULES_PER_ORG} report schedules.`);
  }
  await checkMembers(tx, orgId, input.recipientUserIds);
  const row = await tx
    .insertInto('report_schedules')
    .values({ org_id: orgId, ...columnsOf(input), created_by: createdBy, created_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
  return scheduleView(row, timezone, now);
}

/** Replaces a schedule's settings; the periods it sent stay sent. */
export async function updateSchedule(
  tx: Tx,
  orgId: string,
  scheduleId: string,
  input: ReportScheduleInput,
  now: Date,
): Promise<ReportSchedule> {
  const timezone = await orgTimezone(tx, orgId);
  await checkMembers(tx, orgId, input.recipientUserIds);
  const row = await tx
    .updateTable('report_schedules')
    .set({ ...columnsOf(input), updated_at: now })
    .where('org_id', '=', orgId)
    .where('id', '=', scheduleId)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw scheduleNotFound();
  return scheduleView(row, timezone, now);
}

export async function deleteSchedule(tx: Tx, orgId: string, scheduleId: string, now: Date): Promise<ReportSchedule> {
  const timezone = await orgTimezone(tx, orgId);
  const row = await tx
    .deleteFrom('report_schedules')
    .where('org_id', '=', orgId)
    .where('id', '=', scheduleId)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw scheduleNotFound();
  return scheduleView(row, timezone, now);
}

const SCHEDULE_IN_KEY = /^report(?:-preview)?:([0-9a-f-]{36}):/;

/** The org's sent reports and previews, newest first, from the outbox (`tx` runs as the system principal). */
export async function reportHistory(tx: Tx, orgId: string, limit: number): Promise<SentReport[]> {
  const rows = await tx
    .selectFrom('mail_outbox')
    .select(['id', 'idempotency_key', 'purpose', 'to_address', 'subject', 'status', 'created_at', 'sent_at'])
    .where('org_id', '=', orgId)
    .where('purpose', 'in', [REPORT_PURPOSE, REPORT_PREVIEW_PURPOSE])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    scheduleId: SCHEDULE_IN_KEY.exec(r.idempotency_key)?.[1] ?? null,
    preview: r.purpose === REPORT_PREVIEW_PURPOSE,
    to: r.to_address,
    subject: r.subject,
    status: r.status,
    createdAt: new Date(r.created_at).toISOString(),
    sentAt: iso(r.sent_at),
  }));
}
