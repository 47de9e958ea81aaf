// Calls over time: answered / missed / voicemail stacked bars drawn with uPlot, one bar per local bucket.
import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import type { Interval, SeriesPoint } from '../api/types';
import { formatCount } from '../metrics/format';

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
  return new Intl.DateTimeFormat('en-US', { ...options, timeZone }).format(date);
}

function token(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function buildOptions(width: number, labels: string[], raw: number[][]): uPlot.Options {
  const bars = uPlot.paths.bars?.({ size: [0.8, 64], align: 0 });
  const muted = token('--color-text-muted');
  const grid = token('--color-border');
  return {
    width,
    height: 280,
    legend: { show: true, live: true },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
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
      { label: 'Bucket', value: (_u: uPlot, v: number | null) => (v === null ? '' : (labels[v] ?? '')) },
      ...[...STACK].reverse().map((s, i) => ({
        label: s.label,
        fill: token(s.token),
        stroke: token(s.token),
        width: 0,
        paths: bars,
        points: { show: false },
        value: (_u: uPlot, _v: number | null, _s: number, idx: number | null) =>
          idx === null ? '' : formatCount(raw[STACK.length - 1 - i]?.[idx] ?? null),
      })),
    ],
  };
}

export interface CallsChartProps {
  points: SeriesPoint[];
  interval: Interval;
  timeZone: string;
}

export function CallsChart({ points, interval, timeZone }: CallsChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const labels = useMemo(
    () => points.map((p) => bucketLabel(p.bucketStart, interval, timeZone)),
    [points, interval, timeZone],
  );
  const data = useMemo(() => {
    const raw = STACK.map((s) => points.map((p) => p[s.key]));
    const x = points.map((_, i) => i);
    const answered = raw[0] ?? [];
    const missed = raw[1] ?? [];
    const voicemail = raw[2] ?? [];
    const top = x.map((i) => (answered[i] ?? 0) + (missed[i] ?? 0) + (voicemail[i] ?? 0));
    const middle = x.map((i) => (answered[i] ?? 0) + (missed[i] ?? 0));
    const aligned: uPlot.AlignedData = [x, top, middle, answered];
    return { raw, aligned };
  }, [points]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(280, el.clientWidth);
    const plot = new uPlot(buildOptions(width, labels, data.raw), data.aligned, el);
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
      <details>
        <summary className="small">Show the numbers behind the chart</summary>
        <div className="table-wrap">
          <table className="table" data-testid="calls-chart-table">
            <caption className="visually-hidden">Calls per bucket in {timeZone}</caption>
            <thead>
              <tr>
                <th scope="col">Bucket ({timeZone})</th>
                {STACK.map((s) => (
                  <th key={s.key} scope="col" className="num">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {points.map((p, i) => (
                <tr key={p.bucketStart}>
                  <td>{labels[i]}</td>
                  {STACK.map((s) => (
                    <td key={s.key} className="num">
                      {formatCount(p[s.key])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
