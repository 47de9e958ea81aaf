// Local midnights and bucket boundaries across daylight-saving changes, north and south, hour and midnight shifts.
import { describe, expect, it } from 'vitest';
import { bucketStarts, previousRange, resolveRange } from './range.js';
import { isoWithOffset, LOCAL_PARTS_FORMAT, localParts, zonedInstant } from './zoned.js';

const local = (y: number, m: number, d: number, h: number, tz: string) =>
  isoWithOffset(zonedInstant(y, m, d, h, tz), tz);

describe('zonedInstant', () => {
  it('finds local midnight on the day a southern-hemisphere zone springs forward (Sydney, 4 Oct 2026)', () => {
    expect(local(2026, 10, 4, 0, 'Australia/Sydney')).toBe('2026-10-04T00:00:00+10:00');
    expect(local(2026, 10, 5, 0, 'Australia/Sydney')).toBe('2026-10-05T00:00:00+11:00');
    expect(local(2026, 4, 5, 0, 'Australia/Sydney')).toBe('2026-04-05T00:00:00+11:00');
    expect(local(2026, 4, 6, 0, 'Australia/Sydney')).toBe('2026-04-06T00:00:00+10:00');
  });

  it('finds local midnight around New York changes and Lord Howe half-hour shifts', () => {
    expect(local(2026, 3, 8, 0, 'America/New_York')).toBe('2026-03-08T00:00:00-05:00');
    expect(local(2026, 3, 9, 0, 'America/New_York')).toBe('2026-03-09T00:00:00-04:00');
    expect(local(2026, 11, 1, 0, 'America/New_York')).toBe('2026-11-01T00:00:00-04:00');
    expect(local(2026, 10, 4, 0, 'Australia/Lord_Howe')).toBe('2026-10-04T00:00:00+10:30');
  });

  it('resolves a wall time in a spring-forward gap to the end of the gap, and an overlap to its first reading', () => {
    // Santiago springs forward at midnight (6 Sep 2026): the local day begins at 01:00.
    expect(local(2026, 9, 6, 0, 'America/Santiago')).toBe('2026-09-06T01:00:00-03:00');
    expect(local(2026, 3, 8, 2, 'America/New_York')).toBe('2026-03-08T03:00:00-04:00');
    // 01:00 happens twice in New York on 1 Nov 2026: the daylight reading comes first.
    expect(local(2026, 11, 1, 1, 'America/New_York')).toBe('2026-11-01T01:00:00-04:00');
  });
});

describe('bucketStarts across changes', () => {
  it('gives one daily bucket per local day through the Sydney and Santiago changes', () => {
    for (const [tz, y, m, d] of [
      ['Australia/Sydney', 2026, 9, 20],
      ['America/Santiago', 2026, 8, 25],
    ] as const) {
      const from = zonedInstant(y, m, d, 0, tz);
      const to = zonedInstant(y, m, d + 30, 0, tz);
      const days = bucketStarts(from, to, 'day', tz).map((b) => isoWithOffset(b, tz).slice(0, 10));
      expect(days).toHaveLength(30);
      expect(new Set(days).size).toBe(30);
    }
  });

  it('resolves the month and year presets in Sydney on the day after the change', () => {
    const now = new Date('2026-10-05T03:00:00Z');
    const month = resolveRange({ range: 'month' }, 'Australia/Sydney', now);
    expect(month.buckets).toHaveLength(30);
    expect(isoWithOffset(month.buckets[0] as Date, 'Australia/Sydney')).toBe('2026-09-06T00:00:00+10:00');
    // The last 12 months through today: 6 Oct 2025 (before that year's change) to the end of 5 Oct 2026, in
    // monthly buckets of which the first and the last are part-months; the previous period is the 12 months before.
    const year = resolveRange({ range: 'year' }, 'Australia/Sydney', now);
    expect(isoWithOffset(year.from, 'Australia/Sydney')).toBe('2025-10-06T00:00:00+11:00');
    expect(isoWithOffset(year.periodEnd, 'Australia/Sydney')).toBe('2026-10-06T00:00:00+11:00');
    expect(year.buckets).toHaveLength(13);
    expect(isoWithOffset(year.buckets[1] as Date, 'Australia/Sydney')).toBe('2025-11-01T00:00:00+11:00');
    const previous = previousRange(year);
    expect(isoWithOffset(previous.from, 'Australia/Sydney')).toBe('2024-10-06T00:00:00+10:00');
    expect(previous.periodEnd).toEqual(year.from);
  });

  it('resolves "12 months" on 7 December as the 12 months through today, not the calendar year', () => {
    const year = resolveRange({ range: 'year' }, 'America/New_York', new Date('2026-12-07T15:00:00Z'));
    expect(isoWithOffset(year.from, 'America/New_York')).toBe('2025-12-08T00:00:00-05:00');
    expect(isoWithOffset(year.periodEnd, 'America/New_York')).toBe('2026-12-08T00:00:00-05:00');
    // On the last day of a month the window is 12 whole months.
    const whole = resolveRange({ range: 'year' }, 'America/New_York', new Date('2026-11-30T15:00:00Z'));
    expect(isoWithOffset(whole.from, 'America/New_York')).toBe('2025-12-01T00:00:00-05:00');
    expect(whole.buckets).toHaveLength(12);
  });
});

describe('localParts between whole minutes', () => {
  // What Intl itself says for the instant, read here without zoned.ts's caches or its minute shortcut.
  const formats = new Map<string, Intl.DateTimeFormat>();
  const reference = (t: number, timeZone: string) => {
    const format = formats.get(timeZone) ?? new Intl.DateTimeFormat('en-US', { ...LOCAL_PARTS_FORMAT, timeZone });
    formats.set(timeZone, format);
    const parts = format.formatToParts(new Date(t));
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
    const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(get('weekday')) + 1;
    return {
      year: Number(get('year')),
      month: Number(get('month')),
      day: Number(get('day')),
      hour: Number(get('hour')),
      minute: Number(get('minute')),
      second: Number(get('second')),
      isoWeekday: weekday,
    };
  };

  it('agrees with Intl at instants with seconds, across offset changes, odd offsets and old local mean time', () => {
    const zones = [
      'UTC',
      'America/New_York',
      'Europe/London',
      'Asia/Kathmandu',
      'Australia/Lord_Howe',
      'Africa/Monrovia',
    ];
    const instants = [
      Date.parse('2026-03-08T06:59:59.999Z'), // a second before New York springs forward
      Date.parse('2026-03-08T07:00:00.500Z'),
      Date.parse('2026-11-01T05:59:30.250Z'), // inside New York's repeated hour
      Date.parse('2026-03-29T00:59:59.001Z'), // London springs forward at 01:00Z
      Date.parse('2026-10-03T15:29:45Z'), // Lord Howe moves by half an hour at 15:30Z
      Date.parse('1972-01-07T00:44:29.500Z'), // Monrovia leaves -00:44:30 at 00:44:30Z, inside a minute
      Date.parse('1972-01-07T00:44:40Z'),
      Date.parse('2026-11-25T01:37:12.345Z'),
    ];
    for (let k = 0; k < 200; k++) instants.push(Date.UTC(2026, 0, 1) + Math.floor(((k * 7919) % 997) * 31_622_777.3));
    for (const timeZone of zones) {
      for (const t of instants) {
        expect(localParts(new Date(t), timeZone), `${timeZone} ${new Date(t).toISOString()}`).toEqual(
          reference(t, timeZone),
        );
      }
    }
  });

  it('gives each instant its local time and offset as Intl reads them, on days with and without a change', () => {
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    const expected = (t: number, timeZone: string) => {
      const p = reference(t, timeZone);
      const off = Math.round(
        (Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t / 1000) * 1000) / 60_000,
      );
      const abs = Math.abs(off);
      return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${off < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
    };
    const zones = [
      'UTC',
      'America/New_York',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
      'Africa/Monrovia',
      'Pacific/Apia',
    ];
    // Every 2 hours 13 minutes and 53.7 seconds through 2026 (both New York changes, Lord Howe's half hours), and through
    // the days around Monrovia's change of 1972 (an offset with seconds) and Apia skipping 30 December 2011.
    const instants: number[] = [];
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 8_033_700) instants.push(t);
    for (let t = Date.UTC(1972, 0, 5); t < Date.UTC(1972, 0, 9); t += 600_001) instants.push(t);
    for (let t = Date.UTC(2011, 11, 28); t < Date.UTC(2012, 0, 2); t += 600_001) instants.push(t);
    for (const timeZone of zones) {
      for (const t of instants) {
        expect(isoWithOffset(new Date(t), timeZone), `${timeZone} ${new Date(t).toISOString()}`).toBe(
          expected(t, timeZone),
        );
      }
    }
  });
});
