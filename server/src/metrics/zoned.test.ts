// Local midnights and bucket boundaries across daylight-saving changes, north and south, hour and midnight shifts.
import { describe, expect, it } from 'vitest';
import { bucketStarts, resolveRange } from './range.js';
import { isoWithOffset, zonedInstant } from './zoned.js';

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
    expect(resolveRange({ range: 'year' }, 'Australia/Sydney', now).buckets).toHaveLength(12);
  });
});
