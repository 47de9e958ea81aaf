// Metric definitions shown as tooltips; mirrors docs/metrics.md (keep the two in step when a definition changes).
import type { MetricField } from '../api/types';

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
  total_calls: {
    label: 'Total calls',
    format: 'count',
    lowerIsBetter: null,
    definition: 'Offered plus outbound calls.',
  },
  offered_calls: {
    label: 'Offered',
    format: 'count',
    lowerIsBetter: null,
    definition: 'Inbound calls to the org’s numbers that started in the range, whatever their outcome.',
  },
  outbound_calls: {
    label: 'Outbound',
    format: 'count',
    lowerIsBetter: null,
    definition: 'Outbound calls from the org’s numbers that started in the range.',
  },
  answered_calls: {
    label: 'Answered',
    format: 'count',
    lowerIsBetter: false,
    definition: `Inbound calls with status answered. ${INBOUND}`,
  },
  missed_calls: {
    label: 'Missed',
    format: 'count',
    lowerIsBetter: true,
    definition: 'Offered − answered − voicemail: inbound calls that were neither answered nor went to voicemail.',
  },
  voicemail_calls: {
    label: 'Voicemail',
    format: 'count',
    lowerIsBetter: true,
    definition: `Inbound calls that ended in voicemail. ${INBOUND}`,
  },
  short_abandoned_calls: {
    label: 'Short abandons',
    format: 'count',
    lowerIsBetter: null,
    definition:
      'Missed calls whose wait is under the org’s short-abandon threshold (default 10 s; 0 turns it off). They are left out of the rate denominators.',
  },
  answer_rate_pct: {
    label: 'Answer rate',
    format: 'pct',
    lowerIsBetter: false,
    definition: `Answered ÷ (offered − short abandons) × 100. ${DENOMINATOR}`,
  },
  service_level_pct: {
    label: 'Service level',
    format: 'pct',
    lowerIsBetter: false,
    definition: `Answered with wait ≤ the org’s service-level threshold (default 20 s) ÷ (offered − short abandons) × 100. ${DENOMINATOR}`,
  },
  abandon_rate_pct: {
    label: 'Abandon rate',
    format: 'pct',
    lowerIsBetter: true,
    definition: `(Missed − short abandons) ÷ (offered − short abandons) × 100. ${DENOMINATOR}`,
  },
  avg_wait_seconds: {
    label: 'ASA',
    format: 'seconds',
    lowerIsBetter: true,
    definition:
      'Average speed of answer: the mean wait (answered at − started at) of answered inbound calls; — when none was answered.',
  },
  longest_wait_seconds: {
    label: 'Longest wait',
    format: 'seconds',
    lowerIsBetter: true,
    definition: 'The longest wait of any inbound call; an unanswered call waits until it ends.',
  },
  avg_talk_seconds: {
    label: 'Avg talk time',
    format: 'seconds',
    lowerIsBetter: null,
    definition: 'Mean talk time (ended at − answered at) of answered inbound calls.',
  },
  outbound_connected_calls: {
    label: 'Outbound connected',
    format: 'count',
    lowerIsBetter: null,
    definition: 'Outbound calls that were answered.',
  },
  outbound_avg_talk_seconds: {
    label: 'Outbound avg talk',
    format: 'seconds',
    lowerIsBetter: null,
    definition: 'Mean talk time of connected outbound calls.',
  },
};

/** The dashboard's KPI row, in order. */
export const DASHBOARD_KPIS: MetricField[] = [
  'answer_rate_pct',
  'service_level_pct',
  'avg_wait_seconds',
  'avg_talk_seconds',
  'offered_calls',
  'missed_calls',
  'voicemail_calls',
  'abandon_rate_pct',
];

export const COLUMN_DEFINITIONS = {
  wait: 'Answered calls: answered at − started at. Other calls: ended at − started at.',
  talk: 'Ended at − answered at (0 for calls never answered).',
  slTarget: 'The share of eligible calls the org aims to answer within its service-level threshold.',
} as const;
