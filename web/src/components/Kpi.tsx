// Kpi: one headline figure with its change vs the previous period, coloured by whether lower is better.
import type { ReactNode } from 'react';
import type { Change } from '../api/types';
import type { MetricFormat } from '../metrics/definitions';
import { formatCount, formatPct, formatSeconds, NO_DATA } from '../metrics/format';
import { Tooltip } from './Tooltip';

export interface KpiProps {
  id: string;
  label: string;
  value: number | null;
  format: MetricFormat;
  lowerIsBetter: boolean | null;
  definition: string;
  change?: Change | null;
  /** the previous period was not requested (compare off) */
  compare: boolean;
  sub?: ReactNode;
  className?: string;
}

export function formatMetric(value: number | null | undefined, format: MetricFormat): string {
  if (format === 'pct') return formatPct(value);
  if (format === 'seconds') return formatSeconds(value);
  return formatCount(value);
}

function changeText(change: Change, format: MetricFormat): string | null {
  const { delta, pct } = change;
  if (delta === null) return null;
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
  const abs = Math.abs(delta);
  if (format === 'pct') return `${sign}${abs.toFixed(1)} pts`;
  if (format === 'seconds') return `${sign}${formatSeconds(abs)}`;
  if (pct !== null) return `${sign}${Math.abs(pct).toFixed(1)}%`;
  return `${sign}${formatCount(abs)}`;
}

function tone(delta: number | null, lowerIsBetter: boolean | null): 'good' | 'bad' | 'neutral' {
  if (delta === null || delta === 0 || lowerIsBetter === null) return 'neutral';
  return delta < 0 === lowerIsBetter ? 'good' : 'bad';
}

const TONE_WORD = { good: 'better', bad: 'worse', neutral: '' } as const;

export function Kpi({
  id,
  label,
  value,
  format,
  lowerIsBetter,
  definition,
  change,
  compare,
  sub,
  className,
}: KpiProps) {
  const text = change ? changeText(change, format) : null;
  const t = change ? tone(change.delta, lowerIsBetter) : 'neutral';
  return (
    <div className={['card', 'kpi', className].filter(Boolean).join(' ')} data-kpi={id}>
      <div className="kpi-label">
        <span>{label}</span>
        <Tooltip label={label} text={definition} />
      </div>
      <div className="kpi-value" data-testid={`kpi-value-${id}`} data-value={value === null ? '' : String(value)}>
        {formatMetric(value, format)}
      </div>
      {compare ? (
        <div className={`kpi-change tone-${t}`} data-testid={`kpi-change-${id}`}>
          {text === null ? `${NO_DATA} vs previous period` : `${text} vs previous period`}
          {TONE_WORD[t] ? <span className="visually-hidden"> ({TONE_WORD[t]})</span> : null}
        </div>
      ) : null}
      {sub ? <div className="kpi-sub">{sub}</div> : null}
    </div>
  );
}

/**
 * A KPI card while its figure loads: the same lines in the same type (label, value, change, sub), with
 * placeholder text drawn as a skeleton, so the card keeps its final height when the figure arrives.
 */
export function KpiPlaceholder({ label, compare, sub }: { label: string; compare: boolean; sub?: string }) {
  return (
    <div className="card kpi" role="status" aria-label={`Loading ${label}`}>
      <div className="kpi-label">
        <span>{label}</span>
        <span className="tip-button placeholder" aria-hidden="true" />
      </div>
      <div className="kpi-value">
        <span className="skeleton placeholder" aria-hidden="true">
          00.0%
        </span>
      </div>
      {compare ? (
        <div className="kpi-change">
          <span className="skeleton placeholder" aria-hidden="true">
            +0.0 pts vs previous period
          </span>
        </div>
      ) : null}
      {sub ? (
        <div className="kpi-sub">
          <span className="skeleton placeholder" aria-hidden="true">
            {sub}
          </span>
        </div>
      ) : null}
    </div>
  );
}
