// The live-state fold: event names by pattern, one state whatever the arrival order or duplicates, legs closed.
import { describe, expect, it } from 'vitest';
import { foldCall, type LiveEvent, parseEventType } from './live-fold.js';

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
