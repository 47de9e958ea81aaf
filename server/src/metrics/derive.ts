// From sums to the published figures: rates and averages derived once, rounded once, null on zero denominators.
import type { Sums } from './queries.js';

export interface Metrics {
  total_calls: number;
  offered_calls: number;
  outbound_calls: number;
  answered_calls: number;
  missed_calls: number;
  voicemail_calls: number;
  short_abandoned_calls: number;
  answer_rate_pct: number | null;
  service_level_pct: number | null;
  abandon_rate_pct: number | null;
  avg_wait_seconds: number | null;
  longest_wait_seconds: number | null;
  avg_talk_seconds: number | null;
  outbound_connected_calls: number;
  outbound_avg_talk_seconds: number | null;
}

/** One decimal, half away from zero. */
export function round1(value: number): number {
  const scaled = Math.abs(value) * 10;
  return (Math.sign(value) * Math.round(scaled + 1e-9)) / 10;
}

export function ratio(numerator: number, denominator: number, scale = 1): number | null {
  return denominator > 0 ? round1((numerator / denominator) * scale) : null;
}

export function deriveMetrics(s: Sums): Metrics {
  // Short abandons (callers who hung up almost at once) leave every denominator.
  const handled = s.offered - s.shortAbandoned;
  return {
    total_calls: s.offered + s.outbound,
    offered_calls: s.offered,
    outbound_calls: s.outbound,
    answered_calls: s.answered,
    missed_calls: s.missed,
    voicemail_calls: s.voicemail,
    short_abandoned_calls: s.shortAbandoned,
    answer_rate_pct: ratio(s.answered, handled, 100),
    service_level_pct: ratio(s.slAnswered, handled, 100),
    abandon_rate_pct: ratio(s.missed - s.shortAbandoned, handled, 100),
    avg_wait_seconds: ratio(s.waitSumAnswered, s.answered),
    longest_wait_seconds: s.waitMax === null ? null : round1(s.waitMax),
    avg_talk_seconds: ratio(s.talkSumAnswered, s.answered),
    outbound_connected_calls: s.outboundConnected,
    outbound_avg_talk_seconds: ratio(s.outboundTalkSum, s.outboundConnected),
  };
}

export type Change = Record<keyof Metrics, { delta: number | null; pct: number | null }>;

/** Current minus previous; for rates the delta is in percentage points. */
export function compareMetrics(current: Metrics, previous: Metrics): Change {
  const out = {} as Change;
  for (const key of Object.keys(current) as Array<keyof Metrics>) {
    const now = current[key];
    const before = previous[key];
    if (now === null || before === null) {
      out[key] = { delta: null, pct: null };
      continue;
    }
    out[key] = { delta: round1(now - before), pct: before === 0 ? null : round1(((now - before) / before) * 100) };
  }
  return out;
}

export const EMPTY_SUMS: Sums = {
  offered: 0,
  outbound: 0,
  answered: 0,
  voicemail: 0,
  missed: 0,
  shortAbandoned: 0,
  slAnswered: 0,
  waitSumAnswered: 0,
  waitMax: null,
  talkSumAnswered: 0,
  outboundConnected: 0,
  outboundTalkSum: 0,
};
