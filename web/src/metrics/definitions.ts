// Metric definitions shown as tooltips; mirrors docs/metrics.md (keep the two in step when a definition changes).
// The .js suffix lets e2e (NodeNext resolution) import the dashboard's KPI list too.
import type { MetricField } from '../api/types.js';

/** The docs/metrics.md version these texts mirror. */
export const DEFINITIONS_VERSION = 'Version 1 — 2026-11-24';

export type MetricFormat = 'count' | 'pct' | 'seconds';

export interface MetricDefinition {
  label: string;
  format: MetricFormat;
  /** true: a fall is good news; false: a rise is; null: neither (volume, talk time) */
  lowerIsBetter: boolean | null;
  definition: string;
}

const INBOUND = 'Inbound calls only.';
const DENOMINATOR = 'Short abandons are left out of the denominator; with no eligible calls it shows —.';

export const METRIC_DEFINITIONS: Partial<Record<MetricField, MetricDefinition>> = {
  totalCalls: {
    label: 'Total calls',
    format: 'count',
    lowerIsBetter: null,
    definition: 'Offered plus outbound calls.',
  },
  offeredCalls: {
    label: 'Offered',
    format: 'count',
    lowerIsBetter: null,
    definition: 'Inbound calls to the org’s numbers that started in the range, whatever their outcome.',
  },
  outboundCalls: {
    label: 'Outbound',
    format: 'count',
    lowerIsBetter: null,
    definition: 'Outbound calls from the org’s numbers that started in the range.',
  },
  answeredCalls: {
    label: 'Answered',
    format: 'count',
    lowerIsBetter: false,
    definition: `Inbound calls with status answered. ${INBOUND}`,
  },
  missedCalls: {
    label: 'Missed',
    format: 'count',
    lowerIsBetter: true,
    definition: 'Offered − answered − voicemail: inbound calls that were neither answered nor went to voicemail.',
  },
  voicemailCalls: {
    label: 'Voicemail',
    format: 'count',
    lowerIsBetter: true,
    definition: `Inbound calls that ended in voicemail. ${INBOUND}`,
  },
  shortAbandonedCalls: {
    label: 'Short abandons',
    format: 'count',
    lowerIsBetter: null,
    definition:
      'Missed calls whose wait is under the org’s short-abandon threshold (default 10 s; 0 turns it off). They are left out of the rate denominators.',
  },
  answerRatePct: {
    label: 'Answer rate',
    format: 'pct',
    lowerIsBetter: false,
    definition: `Answered ÷ (offered − short abandons) × 100. ${DENOMINATOR}`,
  },
  serviceLevelPct: {
    label: 'Service level',
    format: 'pct',
    lowerIsBetter: false,
    definition: `Answered with wait ≤ the org’s service-level threshold (default 20 s) ÷ (offered − short abandons) × 100. ${DENOMINATOR}`,
  },
  abandonRatePct: {
    label: 'Abandon rate',
    format: 'pct',
    lowerIsBetter: true,
    definition: `(Missed − short abandons) ÷ (offered − short abandons) × 100. ${DENOMINATOR}`,
  },
  avgWaitSeconds: {
    label: 'ASA',
    format: 'seconds',
    lowerIsBetter: true,
    definition:
      'Average speed of answer: the mean wait (answered at − started at) of answered inbound calls; — when none was answered.',
  },
  longestWaitSeconds: {
    label: 'Longest wait',
    format: 'seconds',
    lowerIsBetter: true,
    definition: 'The longest wait of any inbound call; an unanswered call waits until it ends.',
  },
  avgTalkSeconds: {
    label: 'Avg talk time',
    format: 'seconds',
    lowerIsBetter: null,
    definition: 'Mean talk time (ended at − answered at) of answered inbound calls.',
  },
  outboundConnectedCalls: {
    label: 'Outbound connected',
    format: 'count',
    lowerIsBetter: null,
    definition: 'Outbound calls that were answered.',
  },
  outboundAvgTalkSeconds: {
    label: 'Outbound avg talk',
    format: 'seconds',
    lowerIsBetter: null,
    definition: 'Mean talk time of connected outbound calls.',
  },
};

/** The dashboard's KPI row, in order. */
export const DASHBOARD_KPIS: MetricField[] = [
  'answerRatePct',
  'serviceLevelPct',
  'avgWaitSeconds',
  'avgTalkSeconds',
  'offeredCalls',
  'missedCalls',
  'voicemailCalls',
  'abandonRatePct',
];

export const COLUMN_DEFINITIONS = {
  wait: 'Answered calls: answered at − started at. Other calls: ended at − started at.',
  talk: 'Ended at − answered at (0 for calls never answered).',
  slTarget: 'The share of eligible calls the org aims to answer within its service-level threshold.',
} as const;
