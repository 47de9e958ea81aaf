// From sums to the published figures: rates and averages derived once, rounded once, null on zero denominators.
import type { Sums } from './queries.js';
import type { FigureName, Figures, KpiChange } from './schema.js';

/** One decimal, half away from zero. */
export function round1(value: number): number {
  const scaled = Math.abs(value) * 10;
  return (Math.sign(value) * Math.round(scaled + 1e-9)) / 10;
}

export function ratio(numerator: number, denominator: number, scale = 1): number | null {
  return denominator > 0 ? round1((numerator / denominator) * scale) : null;
}

export function deriveFigures(s: Sums): Figures {
  // Short abandons (callers who hung up almost at once) leave every denominator.
  const handled = s.offered - s.shortAbandoned;
  return {
    totalCalls: s.offered + s.outbound,
    offeredCalls: s.offered,
    outboundCalls: s.outbound,
    answeredCalls: s.answered,
    missedCalls: s.missed,
    voicemailCalls: s.voicemail,
    shortAbandonedCalls: s.shortAbandoned,
    answerRatePct: ratio(s.answered, handled, 100),
    serviceLevelPct: ratio(s.slAnswered, handled, 100),
    abandonRatePct: ratio(s.missed - s.shortAbandoned, handled, 100),
    avgWaitSeconds: ratio(s.waitSumAnswered, s.answered),
    longestWaitSeconds: s.waitMax === null ? null : round1(s.waitMax),
    avgTalkSeconds: ratio(s.talkSumAnswered, s.answered),
    outboundConnectedCalls: s.outboundConnected,
    outboundAvgTalkSeconds: ratio(s.outboundTalkSum, s.outboundConnected),
  };
}

/** Current minus previous; for rates the delta is in percentage points. */
export function compareFigures(current: Figures, previous: Figures): KpiChange {
  const out = {} as KpiChange;
  for (const key of Object.keys(current) as FigureName[]) {
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
