// The dashboard's KPI row: eight figures from /api/metrics/kpis with their change and definitions.
import type { Kpis } from '../../api/types';
import { Kpi, KpiPlaceholder } from '../../components/Kpi';
import { Pill } from '../../components/Pill';
import { ErrorState } from '../../components/States';
import { DASHBOARD_KPIS, METRIC_DEFINITIONS } from '../../metrics/definitions';
import { answerRateBasis, formatPct } from '../../metrics/format';

function ServiceLevelTarget({ data }: { data: Kpis }) {
  const m = data.metrics;
  const target = `target ${formatPct(m.serviceLevelTargetPct)} within ${m.serviceLevelThresholdSeconds} s`;
  if (m.serviceLevelPct === null) return <span>{target}</span>;
  const meets = m.serviceLevelPct >= m.serviceLevelTargetPct;
  return <Pill tone={meets ? 'good' : 'bad'}>{meets ? `Meets ${target}` : `Below ${target}`}</Pill>;
}

/** What the sub lines say, in placeholder form: the same length of text, so they wrap the same. */
const SUB_PLACEHOLDER: Partial<Record<string, string>> = {
  serviceLevelPct: 'Meets target 80.0% within 20 s',
  answerRatePct: '000 answered of 000 counted (00 short abandons excluded)',
};

export function KpiRow({
  data,
  error,
  onRetry,
  compare,
}: {
  data: Kpis | undefined;
  error: unknown;
  onRetry: () => void;
  /** whether the range asks for the previous period (the placeholders reserve its line) */
  compare: boolean;
}) {
  if (error && !data) return <ErrorState error={error} title="Could not load the KPIs." onRetry={onRetry} />;
  return (
    <section aria-label="Key figures" className="kpi-grid" data-testid="kpi-row">
      {DASHBOARD_KPIS.map((field) => {
        const def = METRIC_DEFINITIONS[field];
        if (!def) return null;
        if (!data)
          return <KpiPlaceholder key={field} label={def.label} compare={compare} sub={SUB_PLACEHOLDER[field]} />;
        const raw = data.metrics[field];
        const value = typeof raw === 'number' ? raw : null;
        return (
          <Kpi
            key={field}
            id={field}
            label={def.label}
            value={value}
            format={def.format}
            lowerIsBetter={def.lowerIsBetter}
            definition={def.definition}
            change={data.change?.[field] ?? null}
            compare={data.previous !== null}
            sub={
              field === 'serviceLevelPct' ? (
                <ServiceLevelTarget data={data} />
              ) : field === 'answerRatePct' ? (
                <span data-testid="answer-rate-basis">{answerRateBasis(data.metrics)}</span>
              ) : undefined
            }
          />
        );
      })}
    </section>
  );
}
