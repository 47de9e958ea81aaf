// The dashboard / calls range, kept in the URL (?range=week&compare=0 or ?from=…&to=…&interval=…) so links share it.
import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { Interval } from '../api/types';
import { localDate, type Preset, type RangeChoice, type RangeState, rangeStateOf } from '../metrics/range-state';

export function useRange(defaultPreset: Preset = 'day', timeZone?: string) {
  const [params, setParams] = useSearchParams();
  const state = useMemo<RangeState>(() => rangeStateOf(params, defaultPreset), [params, defaultPreset]);

  const update = useCallback(
    (changes: Record<string, string | null>) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [k, v] of Object.entries(changes)) {
            if (v === null || v === '') next.delete(k);
            else next.set(k, v);
          }
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );

  const setChoice = useCallback(
    (choice: RangeChoice) => {
      if (choice !== 'custom') return update({ range: choice, from: null, to: null, interval: null });
      const today = localDate(timeZone);
      const weekAgo = localDate(timeZone, new Date(Date.now() - 6 * 86_400_000));
      update({ range: 'custom', from: state.from || weekAgo, to: state.to || today });
    },
    [update, state.from, state.to, timeZone],
  );

  return {
    ...state,
    setChoice,
    setCustom: (from: string, to: string, interval: Interval | '') => update({ range: 'custom', from, to, interval }),
    setCompare: (compare: boolean) => update({ compare: compare ? null : '0' }),
    update,
  };
}
