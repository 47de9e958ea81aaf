// Wire formats (timestamps, durations, enums, numbers, Retry after) and the live-state fold.
import { describe, expect, it } from 'vitest';
import { foldCall, type LiveEvent, parseEventType } from './live-fold.js';
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

describe('live state fold', () => {
  const at = (s: number, sub = 0) => {
    const ms = Date.parse('2026-03-01T12:00:00Z') + s * 1000;
    return { ms, key: `${new Date(ms).toISOString().slice(0, 23)}${String(sub).padStart(4, '0')}Z` };
  };
  let id = 0;
  const ev = (eventType: string, extension: string | null, s: number, sub = 0): LiveEvent => ({
    id: ++id,
    eventType,
    extension,
    ...at(s, sub),
    from: '+15550100001',
    to: '+12125550141',
  });
  const hunt = [
    ev('IncomingCall', null, 0, 0),
    ev('IncomingCallRinging', '101', 0, 1),
    ev('IncomingCallStopRinging', '101', 6, 2),
    ev('IncomingCallRinging', '102', 6, 3),
    ev('IncomingCallConnected', '102', 12, 4),
  ];

  it('parses event names by pattern, including the agent variants and the voicemail typo', () => {
    expect(parseEventType('IncomingCallAgentRinging')).toEqual({ prefix: 'incoming', step: 'ringing' });
    expect(parseEventType('IncomingStopRinging')).toEqual({ prefix: 'incoming', step: 'stopringing' });
    expect(parseEventType('OutgoingCall')).toEqual({ prefix: 'outgoing', step: 'start' });
    expect(parseEventType('SmsReceived')).toBeNull();
  });

  it('gives the same state whatever the arrival order, and duplicates change nothing', () => {
    const inOrder = foldCall(hunt);
    const shuffled = foldCall(
      [hunt[4], hunt[2], hunt[0], hunt[3], hunt[1], hunt[4], hunt[2]].filter((e) => e !== undefined),
    );
    expect(shuffled).toEqual(inOrder);
    expect(inOrder).toMatchObject({
      state: 'connected',
      extension: '102',
      businessNumber: '+12125550141',
      answeredMs: at(12).ms,
      legs: [
        { extension: '101', state: 'ended' },
        { extension: '102', state: 'connected' },
      ],
    });
  });

  it('an extensionless Completed closes every leg; a leg Completed closes only its leg', () => {
    const transfer = [
      ...hunt,
      ev('IncomingCallRinging', '103', 30, 5),
      ev('IncomingCallCompleted', '102', 33, 6),
      ev('IncomingCallConnected', '103', 34, 7),
    ];
    const mid = foldCall(transfer);
    expect(mid?.state).toBe('connected');
    expect(mid?.extension).toBe('103');
    expect(mid?.legs.find((l) => l.extension === '102')?.state).toBe('ended');
    const done = foldCall([...transfer, ev('IncomingCallCompleted', null, 90, 8)]);
    expect(done?.state).toBe('completed');
    expect(done?.endedMs).toBe(at(90).ms);
    expect(done?.legs.every((l) => l.state === 'ended')).toBe(true);
  });

  it('an outgoing call ends with the caller’s OutgoingCallCompleted', () => {
    const out = [ev('OutgoingCall', '104', 0), ev('OutgoingCallConnected', '104', 9, 1)];
    expect(foldCall(out)).toMatchObject({ direction: 'outbound', state: 'connected', businessNumber: '+15550100001' });
    expect(foldCall([...out, ev('OutgoingCallCompleted', '104', 60, 2)])?.state).toBe('completed');
  });
});
