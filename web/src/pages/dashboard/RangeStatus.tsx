// What the dashboard's figures belong to while a new range loads, waits for the network or fails: never old
// figures under a new label. Figures of the previous range stay on screen only dimmed and named.
import type { UseQueryResult } from '@tanstack/react-query';
import { useRef } from 'react';
import { Button } from '../../components/Button';
import { PRESETS, type RangeState } from '../../hooks/useRange';

export type RangeStatusKind = 'current' | 'loading' | 'offline' | 'failed';

export interface RangeStatus {
  kind: RangeStatusKind;
  /** the range the user chose, in words ("30 days", "2026-12-01 – 2026-12-07") */
  chosen: string;
  /** the range whose figures are still on screen (dimmed), when they are not the chosen one */
  shown: string | null;
}

export function rangeName(range: Pick<RangeState, 'choice' | 'from' | 'to'>): string {
  if (range.choice === 'custom' && range.from && range.to) return `${range.from} – ${range.to}`;
  return PRESETS.find((p) => p.value === range.choice)?.label ?? range.choice;
}

/** The state of the range's queries taken together: all current, or why not. */
export function useRangeStatus(chosen: string, queries: UseQueryResult[]): RangeStatus {
  // The range each query's own (not placeholder) data last came for: what its kept figures belong to.
  const cameFor = useRef<Array<string | null>>([]);
  queries.forEach((q, i) => {
    if (q.data !== undefined && !q.isPlaceholderData) cameFor.current[i] = chosen;
  });
  if (queries.every((q) => q.data !== undefined && !q.isPlaceholderData))
    return { kind: 'current', chosen, shown: null };
  const kept = queries.findIndex((q) => q.isPlaceholderData);
  const shown = kept >= 0 ? (cameFor.current[kept] ?? null) : null;
  const kind = queries.some((q) => q.isError)
    ? 'failed'
    : queries.some((q) => q.fetchStatus === 'paused')
      ? 'offline'
      : 'loading';
  return { kind, chosen, shown };
}

const HEADLINE: Record<Exclude<RangeStatusKind, 'current'>, (chosen: string) => string> = {
  loading: (chosen) => `Loading ${chosen}…`,
  offline: (chosen) => `You are offline: ${chosen} has not loaded.`,
  failed: (chosen) => `${chosen} failed to load.`,
};

/** The line above the figures; nothing while they are current, or on a first load with nothing yet to mistake. */
export function RangeStatusNotice({ status, onRetry }: { status: RangeStatus; onRetry: () => void }) {
  if (status.kind === 'current' || (status.kind === 'loading' && !status.shown)) return null;
  const problem = status.kind !== 'loading';
  return (
    <div
      className={problem ? 'state-error' : 'state-notice'}
      role={problem ? 'alert' : 'status'}
      data-testid="range-status"
      data-kind={status.kind}
    >
      <p>
        <strong>{HEADLINE[status.kind](status.chosen)}</strong>{' '}
        {status.shown
          ? `The dimmed figures below are for ${status.shown}${problem ? '' : ' until it arrives'}.`
          : problem
            ? 'No figures for it are shown.'
            : null}{' '}
        {status.kind === 'offline' ? 'It loads by itself when the connection is back.' : null}
      </p>
      {problem ? (
        <Button small onClick={onRetry}>
          Retry
        </Button>
      ) : null}
    </div>
  );
}
