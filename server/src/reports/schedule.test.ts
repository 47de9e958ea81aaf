// The schedule's calendar: send instants across DST changes and month ends, the periods covered, and "due" once.
import { describe, expect, it } from 'vitest';
import { isoWithOffset } from '../metrics/zoned.js';
import {
  dueSend,
  formatDate,
  latestSend,
  nextSend,
  parseTime,
  periodOf,
  previousPeriod,
  type ScheduleRule,
} from './schedule.js';

const NY = 'America/New_York';
const weekly = (weekday: number, time: string, timezone = NY): ScheduleRule => ({
  frequency: 'weekly',
  weekday,
  monthDay: null,
  sendMinute: parseTime(time) ?? Number.NaN,
  timezone,
});

/**
 * Runs the due check every `stepMinutes` from `from` to `to`, as the job does (a send records its period), and
 * returns each send's instant on the org's clock.
 */
function simulate(rule: ScheduleRule, from: string, to: string, stepMinutes = 5): string[] {
  const sent: string[] = [];
  let lastSentPeriod: string | null = null;
  const notBefore = new Date(from);
  for (let t = notBefore.getTime(); t <= new Date(to).getTime(); t += stepMinutes * 60_000) {
    const due = dueSend(rule, { lastSentPeriod, notBefore }, new Date(t));
    if (!due) continue;
    // The job sends within a step of the scheduled instant, never before it.
    expect(t).toBeGreaterThanOrEqual(due.at.getTime());
    expect(t - due.at.getTime()).toBeLessThan(stepMinutes * 60_000);
    lastSentPeriod = formatDate(due.period.start);
    sent.push(isoWithOffset(due.at, rule.timezone));
  }
  return sent;
}

describe('report schedule calendar', () => {
  it('weekly Monday 08:00 in New York is sent at 08:00 local on both sides of the March DST change, once each', () => {
    // Clocks go forward on Sunday 2026-03-08.
    expect(simulate(weekly(1, '08:00'), '2026-02-27T00:00:00Z', '2026-03-20T00:00:00Z')).toEqual([
      '2026-03-02T08:00:00-05:00',
      '2026-03-09T08:00:00-04:00',
      '2026-03-16T08:00:00-04:00',
    ]);
  });

  it('weekly Monday 08:00 in New York is sent at 08:00 local on both sides of the November DST change, once each', () => {
    // Clocks go back on Sunday 2026-11-01.
    expect(simulate(weekly(1, '08:00'), '2026-10-23T00:00:00Z', '2026-11-13T00:00:00Z')).toEqual([
      '2026-10-26T08:00:00-04:00',
      '2026-11-02T08:00:00-05:00',
      '2026-11-09T08:00:00-05:00',
    ]);
  });

  it('the weekly period is the 7 local days before the send day, 167 or 169 hours across a DST change', () => {
    const rule = weekly(1, '08:00');
    const march = periodOf(rule, { year: 2026, month: 3, day: 9 });
    expect(formatDate(march.start)).toBe('2026-03-02');
    expect(formatDate(march.end)).toBe('2026-03-09');
    expect(isoWithOffset(march.from, NY)).toBe('2026-03-02T00:00:00-05:00');
    expect(isoWithOffset(march.to, NY)).toBe('2026-03-09T00:00:00-04:00');
    expect((march.to.getTime() - march.from.getTime()) / 3_600_000).toBe(167);
    const november = periodOf(rule, { year: 2026, month: 11, day: 2 });
    expect((november.to.getTime() - november.from.getTime()) / 3_600_000).toBe(169);
    const before = previousPeriod(rule, march);
    expect([formatDate(before.start), formatDate(before.end)]).toEqual(['2026-02-23', '2026-03-02']);
  });

  it('monthly on the 31st is sent on the last day of February, and covers January', () => {
    const rule: ScheduleRule = { frequency: 'monthly', weekday: null, monthDay: 31, sendMinute: 540, timezone: NY };
    expect(simulate(rule, '2026-01-01T00:00:00Z', '2026-05-01T00:00:00Z', 15)).toEqual([
      '2026-01-31T09:00:00-05:00',
      '2026-02-28T09:00:00-05:00',
      '2026-03-31T09:00:00-04:00',
      '2026-04-30T09:00:00-04:00',
    ]);
    const feb = periodOf(rule, { year: 2026, month: 2, day: 28 });
    expect([formatDate(feb.start), formatDate(feb.end)]).toEqual(['2026-01-01', '2026-02-01']);
    const before = previousPeriod(rule, feb);
    expect([formatDate(before.start), formatDate(before.end)]).toEqual(['2025-12-01', '2026-01-01']);
    // In a leap year, the 29th.
    expect(isoWithOffset(nextSend(rule, new Date('2028-02-01T00:00:00Z')).at, NY)).toBe('2028-02-29T09:00:00-05:00');
  });

  it('a local time the clocks skip (02:30 on spring-forward day) is sent once, at 03:30', () => {
    const daily: ScheduleRule = { frequency: 'daily', weekday: null, monthDay: null, sendMinute: 150, timezone: NY };
    expect(simulate(daily, '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z')).toEqual([
      '2026-03-07T02:30:00-05:00',
      '2026-03-08T03:30:00-04:00',
      '2026-03-09T02:30:00-04:00',
    ]);
    // The weekly Sunday send too.
    expect(simulate(weekly(7, '02:30'), '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z')).toEqual([
      '2026-03-08T03:30:00-04:00',
    ]);
  });

  it('a local time that occurs twice (01:30 on fall-back day) is sent once, at its first occurrence', () => {
    const daily: ScheduleRule = { frequency: 'daily', weekday: null, monthDay: null, sendMinute: 90, timezone: NY };
    const sends = simulate(daily, '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z');
    expect(sends).toEqual(['2026-10-31T01:30:00-04:00', '2026-11-01T01:30:00-04:00', '2026-11-02T01:30:00-05:00']);
    expect(simulate(weekly(7, '01:30'), '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z')).toEqual([
      '2026-11-01T01:30:00-04:00',
    ]);
  });

  it('the daily period is the local day before, 23 hours on spring-forward day', () => {
    const daily: ScheduleRule = { frequency: 'daily', weekday: null, monthDay: null, sendMinute: 420, timezone: NY };
    const p = periodOf(daily, { year: 2026, month: 3, day: 9 });
    expect([formatDate(p.start), formatDate(p.end)]).toEqual(['2026-03-08', '2026-03-09']);
    expect((p.to.getTime() - p.from.getTime()) / 3_600_000).toBe(23);
    const before = previousPeriod(daily, p);
    expect([formatDate(before.start), formatDate(before.end)]).toEqual(['2026-03-07', '2026-03-08']);
  });

  it('a send scheduled before the schedule existed is not made; one missed while no server ran goes out late, once', () => {
    const rule = weekly(1, '08:00');
    // Created on Monday at 09:00: that morning's send is not made; the next Monday's is.
    const created = new Date('2026-03-09T13:00:00Z');
    expect(dueSend(rule, { lastSentPeriod: null, notBefore: created }, new Date('2026-03-09T13:05:00Z'))).toBeNull();
    const missed = dueSend(rule, { lastSentPeriod: null, notBefore: created }, new Date('2026-03-17T10:00:00Z'));
    expect(missed && isoWithOffset(missed.at, NY)).toBe('2026-03-16T08:00:00-04:00');
    expect(
      dueSend(rule, { lastSentPeriod: '2026-03-09', notBefore: created }, new Date('2026-03-17T10:00:00Z')),
    ).toBeNull();
  });

  it('latest and next sends around a send instant', () => {
    const rule = weekly(1, '08:00');
    const at = new Date('2026-03-09T12:00:00Z'); // 08:00 EDT
    expect(latestSend(rule, at).at).toEqual(at);
    expect(isoWithOffset(nextSend(rule, at).at, NY)).toBe('2026-03-16T08:00:00-04:00');
    expect(isoWithOffset(latestSend(rule, new Date(at.getTime() - 1)).at, NY)).toBe('2026-03-02T08:00:00-05:00');
  });

  it('parses HH:MM local times and refuses others', () => {
    expect(parseTime('00:00')).toBe(0);
    expect(parseTime('23:59')).toBe(1439);
    expect(parseTime('24:00')).toBeNull();
    expect(parseTime('8:00')).toBeNull();
  });
});
