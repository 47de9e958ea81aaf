// The dashboard / calls range, kept in the URL (?range=week&compare=0 or ?from=…&to=…&interval=…) so links share it.
import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { RangeQuery } from '../api/endpoints';
import type { Interval } from '../api/types';
import { dateTimeFormat } from '../metrics/format';

export type Preset = 'day' | 'week' | 'month' | 'year';
export type RangeChoice = Preset | 'custom';

export interface RangeState {
  choice: RangeChoice;
  from: string;
  to: string;
  interval: Interval | '';
  compare: boolean;
  /** the query the API takes */
  query: RangeQuery;
}

export const PRESETS: Array<{ value: RangeChoice; label: string }> = [
  { value: 'day', label: 'Today' },
  { value: 'week', label: '7 days' },
  { value: 'month', label: '30 days' },
  { value: 'year', label: '12 months' },
  { value: 'custom', label: 'Custom' },
];

export function isPreset(value: string): value is Preset {
  return value === 'day' || value === 'week' || value === 'month' || value === 'year';
}

export function isInterval(value: string): value is Interval {
  return value === 'hour' || value === 'day' || value === 'week' || value === 'month';
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The query parameters that make up a range choice (not the screen's filters, which belong to one org). */
const RANGE_PARAMS = ['range', 'from', 'to', 'interval', 'compare'] as const;

/** The range part of a location's search ("?range=week&compare=0"), to carry to another org's screen. */
export function rangeSearch(search: string): string {
  const current = new URLSearchParams(search);
  const kept = new URLSearchParams();
  for (const name of RANGE_PARAMS) {
    const value = current.get(name);
    if (value !== null) kept.set(name, value);
  }
  const text = kept.toString();
  return text ? `?${text}` : '';
}

/** Today's date (YYYY-MM-DD) in a time zone, used as the default end of a custom range. */
export function localDate(timeZone: string | undefined, at = new Date()): string {
  return dateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** The range a location's search parameters choose, with `defaultPreset` when they choose none. */
export function rangeStateOf(params: URLSearchParams, defaultPreset: Preset): RangeState {
  const raw = params.get('range') ?? defaultPreset;
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const intervalParam = params.get('interval') ?? '';
  const interval = isInterval(intervalParam) ? intervalParam : '';
  const compare = params.get('compare') !== '0';
  const custom = raw === 'custom' && DATE.test(from) && DATE.test(to);
  const choice: RangeChoice = raw === 'custom' ? 'custom' : isPreset(raw) ? raw : defaultPreset;
  let query: RangeQuery;
  if (custom) query = { from, to, interval: interval || undefined, compare };
  else if (choice === 'custom') query = { range: defaultPreset, compare };
  else query = { range: choice, compare };
  return { choice, from, to, interval, compare, query };
}

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
