// The live state of an org: a snapshot, then 'snapshot' events from the SSE stream; polling when the stream is down;
// 'heartbeat' events between changes say the feed is alive (a silent stream is reconnected); a final 'revoked' event
// ends it for good (the caller's access ended: no reconnecting, no polling).
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { isNotFound } from '../api/client';
import { live } from '../api/endpoints';
import type { LiveSnapshot } from '../api/types';

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'unavailable' | 'ended';

/** Why the server ended the stream: the API's error (code, message). */
export interface StreamEnd {
  code: string;
  message: string;
}

function isStreamEnd(value: unknown): value is { error: StreamEnd } {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error: unknown = value.error;
  return typeof error === 'object' && error !== null && 'code' in error && 'message' in error;
}

/** The server's heartbeat: its time, and how often the next ones come. */
interface Heartbeat {
  at: string;
  everyMs: number;
}

function isHeartbeat(value: unknown): value is Heartbeat {
  return (
    typeof value === 'object' &&
    value !== null &&
    'at' in value &&
    typeof value.at === 'string' &&
    'everyMs' in value &&
    typeof value.everyMs === 'number'
  );
}

/** A stream silent for this many heartbeat intervals (plus slack) is taken as stalled and reopened. */
const MISSED_BEATS = 2.5;
const SLACK_MS = 2000;

function isSnapshot(value: unknown): value is LiveSnapshot {
  return typeof value === 'object' && value !== null && 'calls' in value && 'agents' in value && 'asOf' in value;
}

export function useLive(orgId: string) {
  const queryClient = useQueryClient();
  const [stream, setStream] = useState<StreamState>('connecting');
  const [ended, setEnded] = useState<StreamEnd | null>(null);
  /** the server time the feed last proved alive (a snapshot or a heartbeat) */
  const [lastSeen, setLastSeen] = useState<string | null>(null);
  /** bumped to reopen a stream that went silent */
  const [attempt, setAttempt] = useState(0);
  const key = ['live', orgId];
  const snapshot = useQuery({
    queryKey: key,
    queryFn: () => live.snapshot(orgId),
    // The stream keeps it current; poll only while the stream is not delivering.
    refetchInterval: (q) => (isNotFound(q.state.error) || stream === 'open' || stream === 'ended' ? false : 5000),
  });
  const unavailable = isNotFound(snapshot.error);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the stream depends on the org only
  useEffect(() => {
    if (unavailable || typeof EventSource === 'undefined') return;
    const source = new EventSource(live.streamUrl(orgId), { withCredentials: true });
    setStream((s) => (s === 'reconnecting' ? s : 'connecting'));
    // Heard from the stream at (page clock); expected again within `everyMs`.
    let heard = Date.now();
    let everyMs: number | null = null;
    const alive = (at: string) => {
      heard = Date.now();
      setLastSeen(at);
      setStream('open');
    };
    const watchdog = setInterval(() => {
      if (everyMs === null || source.readyState !== EventSource.OPEN) return;
      if (Date.now() - heard > everyMs * MISSED_BEATS + SLACK_MS) {
        source.close();
        setStream('reconnecting');
        setAttempt((n) => n + 1);
      }
    }, 1000);
    source.onopen = () => {
      heard = Date.now();
      setStream('open');
    };
    source.addEventListener('snapshot', (event) => {
      try {
        const data: unknown = JSON.parse((event as MessageEvent<string>).data);
        if (isSnapshot(data)) {
          queryClient.setQueryData(key, data);
          alive(data.asOf);
        }
      } catch {
        // a malformed event is skipped; the next one or the poll corrects the screen
      }
    });
    source.addEventListener('heartbeat', (event) => {
      try {
        const data: unknown = JSON.parse((event as MessageEvent<string>).data);
        if (isHeartbeat(data)) {
          everyMs = data.everyMs;
          alive(data.at);
        }
      } catch {
        // a malformed heartbeat proves nothing; the watchdog decides
      }
    });
    source.addEventListener('revoked', (event) => {
      // Access ended (key revoked, signed out, removed from the org…): reconnecting would only be refused.
      source.close();
      let why: StreamEnd = { code: 'access_ended', message: 'Your access to this live feed has ended.' };
      try {
        const data: unknown = JSON.parse(String(event.data));
        if (isStreamEnd(data)) why = data.error;
      } catch {
        // the generic reason stands
      }
      setEnded(why);
      setStream('ended');
      // One more request, so a signed-out session is noticed the way every 401 is (sign-in page).
      void queryClient.refetchQueries({ queryKey: key });
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) setStream((s) => (s === 'ended' ? s : 'unavailable'));
      else setStream('reconnecting');
    };
    return () => {
      clearInterval(watchdog);
      source.close();
    };
  }, [orgId, unavailable, queryClient, attempt]);

  return { snapshot, stream, ended, unavailable, lastSeen };
}

/** Re-renders every second so timers tick. */
export function useNow(stepMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), stepMs);
    return () => clearInterval(id);
  }, [stepMs]);
  return now;
}
