// Calls over time: answered / missed / voicemail stacked bars drawn with uPlot, one bar per local bucket, with a
// legend that reads the range's totals, or the hovered bucket's figures.
import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import type { Interval, SeriesPoint } from '../api/types';
import { type Column, Table } from '../components/Table';
import { dateTimeFormat, formatCount } from '../metrics/format';

const STACK = [
  { key: 'answered', label: 'Answered', token: '--color-series-answered' },
  { key: 'missed', label: 'Missed', token: '--color-series-missed' },
  { key: 'voicemail', label: 'Voicemail', token: '--color-series-voicemail' },
] as const;

/** A bucket's label in the org's zone: "14:00" for hours, "Mar 8" for days and weeks, "Mar 2026" for months. */
export function bucketLabel(iso: string, interval: Interval, timeZone: string): string {
  const date = new Date(iso);
  const options: Intl.DateTimeFormatOptions =
    interval === 'hour'
      ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
      : interval === 'month'
        ? { month: 'short', year: 'numeric' }
        : { month: 'short', day: 'numeric' };
  return dateTimeFormat('en-US', { ...options, timeZone }).format(date);
}

function token(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function buildOptions(width: number, labels: string[], onHover: (index: number | null) => void): uPlot.Options {
  const bars = uPlot.paths.bars?.({ size: [0.8, 64], align: 0 });
  const muted = token('--color-text-muted');
  const grid = token('--color-border');
  return {
    width,
    height: 280,
    // The legend is drawn by React below the chart (uPlot's own shows empty values until hovered).
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    hooks: { setCursor: [(u) => onHover(u.cursor.idx ?? null)] },
    scales: { x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] } },
    axes: [
      {
        stroke: muted,
        grid: { show: false },
        ticks: { stroke: grid },
        // Only whole indexes carry a bucket; thin the labels so they never overlap.
        splits: (u, _i, min, max) => {
          const count = labels.length;
          const room = Math.max(1, Math.floor(u.width / 64));
          const step = Math.max(1, Math.ceil(count / room));
          const out: number[] = [];
          for (let i = Math.max(0, Math.ceil(min)); i <= Math.min(count - 1, max); i += step) out.push(i);
          return out;
        },
        values: (_u, splits) => splits.map((i) => labels[i] ?? ''),
      },
      { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, size: 48 },
    ],
    // Drawn tallest first so each shorter cumulative bar sits on top: a stack without a stacking plugin.
    series: [
      { label: 'Bucket' },
      ...[...STACK].reverse().map((s) => ({
        label: s.label,
        fill: token(s.token),
        stroke: token(s.token),
        width: 0,
        paths: bars,
        points: { show: false },
      })),
    ],
  };
}

/** The range's totals, or one bucket's figures while the pointer is over its bar. */
function Legend({ points, labels, index }: { points: SeriesPoint[]; labels: string[]; index: number | null }) {
  const at = index === null ? undefined : points[index];
  const value = (key: (typeof STACK)[number]['key']) => (at ? at[key] : points.reduce((sum, p) => sum + p[key], 0));
  return (
    <p className="chart-legend small" data-testid="calls-chart-legend" data-bucket={at ? index : 'total'}>
      <span className="chart-legend-when">{at && index !== null ? labels[index] : 'Range total'}</span>
      {STACK.map((s) => (
        <span key={s.key} className="chart-legend-item" data-testid={`legend-${s.key}`}>
          <span className="chart-swatch" data-series={s.key} aria-hidden="true" />
          {s.label} <strong>{formatCount(value(s.key))}</strong>
        </span>
      ))}
    </p>
  );
}

export interface CallsChartProps {
  points: SeriesPoint[];
  interval: Interval;
  timeZone: string;
}

export function CallsChart({ points, interval, timeZone }: CallsChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const [hovered, setHovered] = useState<number | null>(null);
  const labels = useMemo(
    () => points.map((p) => bucketLabel(p.bucketStart, interval, timeZone)),
    [points, interval, timeZone],
  );
  const data = useMemo(() => {
    const x = points.map((_, i) => i);
    const answered = points.map((p) => p.answered);
    const middle = points.map((p) => p.answered + p.missed);
    const top = points.map((p) => p.answered + p.missed + p.voicemail);
    const aligned: uPlot.AlignedData = [x, top, middle, answered];
    return aligned;
  }, [points]);
  const columns = useMemo<Column<number>[]>(
    () => [
      { key: 'bucket', header: `Bucket (${timeZone})`, label: 'Bucket', cell: (i) => labels[i] },
      ...STACK.map((s) => ({
        key: s.key,
        header: s.label,
        numeric: true,
        cell: (i: number) => formatCount(points[i]?.[s.key]),
      })),
    ],
    [points, labels, timeZone],
  );

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(280, el.clientWidth);
    const plot = new uPlot(buildOptions(width, labels, setHovered), data, el);
    let frame = 0;
    // Resize on the next frame, outside the observer callback, so the observer never loops.
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const next = Math.max(280, el.clientWidth);
        if (Math.abs(next - plot.width) > 2) plot.setSize({ width: next, height: 280 });
      });
    });
    observer.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      plot.destroy();
    };
  }, [labels, data]);

  return (
    <figure className="stack" aria-label="Calls over time">
      <div ref={box} className="chart" data-testid="calls-chart" data-buckets={points.length} aria-hidden="true" />
      <Legend points={points} labels={labels} index={hovered} />
      <details>
        <summary className="small">Show the numbers behind the chart</summary>
        <Table
          caption={`Calls per bucket in ${timeZone}`}
          testId="calls-chart-table"
          columns={columns}
          rows={points.map((_, i) => i)}
          rowKey={(i) => points[i]?.bucketStart ?? String(i)}
        />
      </details>
    </figure>
  );
}

/** The chart's room while its data loads: the plot, the legend line and the table toggle, each at its final height. */
export function ChartPlaceholder() {
  return (
    <div className="stack" role="status" aria-label="Loading chart">
      <div className="chart-placeholder skeleton" />
      <p className="chart-legend small">
        <span className="skeleton placeholder" aria-hidden="true">
          Range total Answered 000 Missed 00 Voicemail 00
        </span>
      </p>
      <p className="small">
        <span className="skeleton placeholder" aria-hidden="true">
          Show the numbers behind the chart
        </span>
      </p>
    </div>
  );
}
