// The live state of an org: a snapshot, then 'snapshot' events from the SSE stream; polling when the stream is down.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { isNotFound } from '../api/client';
import { live } from '../api/endpoints';
import type { LiveSnapshot } from '../api/types';

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'unavailable';

function isSnapshot(value: unknown): value is LiveSnapshot {
  return typeof value === 'object' && value !== null && 'calls' in value && 'agents' in value && 'asOf' in value;
}

export function useLive(orgId: string) {
  const queryClient = useQueryClient();
  const [stream, setStream] = useState<StreamState>('connecting');
  const key = ['live', orgId];
  const snapshot = useQuery({
    queryKey: key,
    queryFn: () => live.snapshot(orgId),
    // The stream keeps it current; poll only while the stream is not delivering.
    refetchInterval: (q) => (isNotFound(q.state.error) ? false : stream === 'open' ? false : 5000),
  });
  const unavailable = isNotFound(snapshot.error);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the stream depends on the org only
  useEffect(() => {
    if (unavailable || typeof EventSource === 'undefined') return;
    const source = new EventSource(live.streamUrl(orgId), { withCredentials: true });
    setStream('connecting');
    source.onopen = () => setStream('open');
    source.addEventListener('snapshot', (event) => {
      try {
        const data: unknown = JSON.parse((event as MessageEvent<string>).data);
        if (isSnapshot(data)) queryClient.setQueryData(key, data);
      } catch {
        // a malformed event is skipped; the next one or the poll corrects the screen
      }
    });
    source.onerror = () => setStream(source.readyState === EventSource.CLOSED ? 'unavailable' : 'reconnecting');
    return () => source.close();
  }, [orgId, unavailable, queryClient]);

  return { snapshot, stream, unavailable };
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
