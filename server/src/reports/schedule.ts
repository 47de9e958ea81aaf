// The calendar of a report schedule: on which local days it sends, at which instant, which period each send covers,
// the period before it (the comparison), and whether a send is due now. Pure: no database, no clock of its own.
import { localParts, zonedInstant, zonedWallTime } from '../metrics/zoned.js';

export type Frequency = 'daily' | 'weekly' | 'monthly';

export interface ScheduleRule {
  frequency: Frequency;
  /** weekly: ISO weekday of the send day (1 Monday … 7 Sunday) */
  weekday: number | null;
  /** monthly: the day of the month; past the month's end, its last day */
  monthDay: number | null;
  /** local time of day, minutes from midnight */
  sendMinute: number;
  /** the org's IANA time zone */
  timezone: string;
}

/** A calendar date (no zone of its own). */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** The local days a report covers: [start, end) as dates and as instants in the org's zone. */
export interface ReportPeriod {
  start: LocalDate;
  /** exclusive: the day after the last day covered */
  end: LocalDate;
  from: Date;
  to: Date;
}

export interface ScheduledSend {
  /** the local day it is sent on */
  date: LocalDate;
  at: Date;
  period: ReportPeriod;
}

/** A date `days` later (or earlier), months and years carried. */
export function addDays(d: LocalDate, days: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const isoWeekday = (d: LocalDate) => {
  const w = new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
  return w === 0 ? 7 : w;
};
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** 2026-03-09 */
export function formatDate(d: LocalDate): string {
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

export function parseDate(text: string): LocalDate {
  const [year, month, day] = text.split('-').map(Number) as [number, number, number];
  return { year, month, day };
}

export function compareDates(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/** "08:30" ↔ 510 */
export function formatTime(minute: number): string {
  return `${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;
}

export function parseTime(text: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** Whether the schedule sends on this local day. */
export function sendsOn(rule: ScheduleRule, d: LocalDate): boolean {
  switch (rule.frequency) {
    case 'daily':
      return true;
    case 'weekly':
      return isoWeekday(d) === rule.weekday;
    case 'monthly':
      return d.day === Math.min(rule.monthDay ?? 1, daysInMonth(d.year, d.month));
  }
}

/**
 * The instant of the send on local day `d`: the wall time in the org's zone. A time the clocks skip (02:30 on a
 * spring-forward day) is sent that much later (03:30); a time that occurs twice (01:30 on a fall-back day) is sent
 * at its first occurrence.
 */
export function sendInstant(rule: ScheduleRule, d: LocalDate): Date {
  return zonedWallTime(d.year, d.month, d.day, Math.floor(rule.sendMinute / 60), rule.sendMinute % 60, rule.timezone);
}

/**
 * The period a send on day `d` covers: daily, the day before; weekly, the 7 days before the send day (a Monday
 * send covers Monday to Sunday of the week before); monthly, the calendar month before.
 */
export function periodOf(rule: ScheduleRule, d: LocalDate): ReportPeriod {
  switch (rule.frequency) {
    case 'daily':
      return period(addDays(d, -1), d, rule.timezone);
    case 'weekly':
      return period(addDays(d, -7), d, rule.timezone);
    case 'monthly': {
      const end = { year: d.year, month: d.month, day: 1 };
      const start =
        d.month === 1 ? { year: d.year - 1, month: 12, day: 1 } : { year: d.year, month: d.month - 1, day: 1 };
      return period(start, end, rule.timezone);
    }
  }
}

/** The period before: the same number of local days before it (daily, weekly) or the calendar month before. */
export function previousPeriod(rule: ScheduleRule, p: ReportPeriod): ReportPeriod {
  if (rule.frequency === 'monthly') return periodOf(rule, p.start);
  const days = rule.frequency === 'daily' ? 1 : 7;
  return period(addDays(p.start, -days), p.start, rule.timezone);
}

function period(start: LocalDate, end: LocalDate, tz: string): ReportPeriod {
  return {
    start,
    end,
    from: zonedInstant(start.year, start.month, start.day, 0, tz),
    to: zonedInstant(end.year, end.month, end.day, 0, tz),
  };
}

/** A month and a half: every schedule sends at least once within it. */
const SEARCH_DAYS = 46;

function localDate(instant: Date, tz: string): LocalDate {
  const p = localParts(instant, tz);
  return { year: p.year, month: p.month, day: p.day };
}

/** The latest send at or before `now` (whether or not it went out). */
export function latestSend(rule: ScheduleRule, now: Date): ScheduledSend {
  const today = localDate(now, rule.timezone);
  for (let back = 0; back <= SEARCH_DAYS; back++) {
    const d = addDays(today, -back);
    if (!sendsOn(rule, d)) continue;
    const at = sendInstant(rule, d);
    if (at <= now) return { date: d, at, period: periodOf(rule, d) };
  }
  throw new Error(`no send within ${SEARCH_DAYS} days before ${now.toISOString()}`);
}

/** The first send after `now`. */
export function nextSend(rule: ScheduleRule, now: Date): ScheduledSend {
  const today = localDate(now, rule.timezone);
  for (let ahead = 0; ahead <= SEARCH_DAYS; ahead++) {
    const d = addDays(today, ahead);
    if (!sendsOn(rule, d)) continue;
    const at = sendInstant(rule, d);
    if (at > now) return { date: d, at, period: periodOf(rule, d) };
  }
  throw new Error(`no send within ${SEARCH_DAYS} days after ${now.toISOString()}`);
}

export interface SendState {
  /** the start (YYYY-MM-DD) of the last period sent, if any */
  lastSentPeriod: string | null;
  /** sends scheduled before this instant (the schedule's creation) are never made */
  notBefore: Date;
}

/**
 * The send due at `now`: the latest scheduled send, unless it came before the schedule existed or its period (or a
 * later one) was sent already. A send missed while no server ran goes out late, once; older ones are skipped.
 */
export function dueSend(rule: ScheduleRule, state: SendState, now: Date): ScheduledSend | null {
  const latest = latestSend(rule, now);
  if (latest.at < state.notBefore) return null;
  if (state.lastSentPeriod !== null && formatDate(latest.period.start) <= state.lastSentPeriod) return null;
  return latest;
}
