// Wire formats: timestamps, durations, enums, numbers, Retry after.
import { describe, expect, it } from 'vitest';
import { enumOf, parseHms, parseMcTime, parseMillis, phoneOf, retryAfterOf } from './wire.js';

describe('MightyCall wire formats', () => {
  it('reads timestamps with 0–7 fractional digits, Z, +00:00 or no zone (UTC)', () => {
    expect(parseMcTime('2026-01-14T14:04:12.6341039Z')).toEqual({
      ms: Date.parse('2026-01-14T14:04:12.634Z'),
      key: '2026-01-14T14:04:12.6341039Z',
    });
    expect(parseMcTime('2017-01-14T08:40:51.62+00:00')?.key).toBe('2017-01-14T08:40:51.6200000Z');
    expect(parseMcTime('2019-08-05T09:08:56.831Z')?.ms).toBe(Date.parse('2019-08-05T09:08:56.831Z'));
    expect(parseMcTime('2026-03-01T12:00:00')?.ms).toBe(Date.parse('2026-03-01T12:00:00Z'));
    expect(parseMcTime('2026-03-01T14:00:00.5+02:00')?.key).toBe('2026-03-01T12:00:00.5000000Z');
    expect(parseMcTime('0001-01-01T00:00:00')).toBeNull();
    expect(parseMcTime('yesterday')).toBeNull();
  });

  it('reads durations: milliseconds as strings (/calls) and hh:mm:ss (journal)', () => {
    expect(parseMillis('23066')).toBe(23_066);
    expect(parseMillis(null)).toBeNull();
    expect(parseHms('00:01:20')).toBe(80_000);
    expect(parseHms('1.02:00:05')).toBe(93_605_000);
    expect(parseHms('00:00:03.5000000')).toBe(3_500);
    expect(parseHms('80')).toBeNull();
  });

  it('compares enums case-insensitively and normalizes numbers through toE164', () => {
    expect(enumOf('VoiceMail')).toBe(enumOf('voiceMail'));
    expect(phoneOf('+1 (212) 555-0141')).toBe('+12125550141');
    expect(phoneOf('105')).toBeNull();
    expect(phoneOf('Website chat')).toBeNull();
  });

  it('finds the "Retry after" time in a 429 body, else uses the Retry-After header', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(retryAfterOf('Too many requests. Retry after 2026-03-02T11:59:58.1230000 UTC', null, now)).toBe(
      Date.parse('2026-03-02T11:59:58.123Z'),
    );
    expect(retryAfterOf('busy', '120', now)).toBe(now + 120_000);
  });
});
