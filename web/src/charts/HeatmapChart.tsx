// Hour-of-day × weekday heatmap of offered or answered calls: a table of shaded cells (one tab stop, arrow keys move),
// a legend of the counts each shade stands for, a readout of the hovered or focused cell, and the figures as a list
// table.
import { type KeyboardEvent, useId, useMemo, useRef, useState } from 'react';
import type { Heatmap, HeatmapCell } from '../api/types';
import { Segmented } from '../components/Segmented';
import { type Column, Table } from '../components/Table';
import { formatCount, formatPct } from '../metrics/format';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
const SHADES = 5;
type Measure = 'offered' | 'answered';
const MEASURES: Array<{ value: Measure; label: string }> = [
  { value: 'offered', label: 'Offered' },
  { value: 'answered', label: 'Answered' },
];

const HOURS = Array.from({ length: 24 }, (_, hour) => hour);
const emptyCell = (weekday: number, hour: number): HeatmapCell => ({
  weekday,
  hour,
  offered: 0,
  answered: 0,
  answerRatePct: null,
});

const hourLabel = (hour: number) => `${String(hour).padStart(2, '0')}:00`;
const hourSpan = (hour: number) => `${hourLabel(hour)}–${hour === 23 ? '24:00' : hourLabel(hour + 1)}`;
const dayName = (weekday: number) => WEEKDAYS[weekday - 1] ?? String(weekday);

/** The upper bound of each shade: the range's busiest cell split into up to five even steps (never two alike). */
export function shadeBounds(max: number): number[] {
  const bounds: number[] = [];
  for (let k = 1; k <= SHADES; k++) {
    const bound = Math.ceil((max * k) / SHADES);
    if (bound > 0 && bound !== bounds.at(-1)) bounds.push(bound);
  }
  return bounds;
}

/** 0 for no calls, else 1…5: the shade whose step holds the value (spread over 1…5 when there are fewer steps). */
export function shadeOf(value: number, bounds: number[]): number {
  if (value <= 0 || bounds.length === 0) return 0;
  const step = bounds.findIndex((b) => value <= b);
  const index = step === -1 ? bounds.length - 1 : step;
  return bounds.length === 1 ? SHADES : 1 + Math.round((index * (SHADES - 1)) / (bounds.length - 1));
}

function describe(cell: HeatmapCell): string {
  const rate = cell.answerRatePct === null ? '' : `, answer rate ${formatPct(cell.answerRatePct)}`;
  return `${dayName(cell.weekday)} ${hourSpan(cell.hour)}: ${formatCount(cell.offered)} offered, ${formatCount(cell.answered)} answered${rate}`;
}

const tableColumns: Column<HeatmapCell>[] = [
  { key: 'day', header: 'Day', cell: (c) => dayName(c.weekday), sortValue: (c) => c.weekday * 100 + c.hour },
  { key: 'hour', header: 'Hour', cell: (c) => hourSpan(c.hour), sortValue: (c) => c.hour },
  {
    key: 'offered',
    header: 'Offered',
    numeric: true,
    cell: (c) => formatCount(c.offered),
    sortValue: (c) => c.offered,
  },
  {
    key: 'answered',
    header: 'Answered',
    numeric: true,
    cell: (c) => formatCount(c.answered),
    sortValue: (c) => c.answered,
  },
  {
    key: 'rate',
    header: 'Answer rate',
    numeric: true,
    cell: (c) => formatPct(c.answerRatePct),
    sortValue: (c) => c.answerRatePct,
  },
];

export function HeatmapChart({ heatmap }: { heatmap: Heatmap }) {
  const [measure, setMeasure] = useState<Measure>('offered');
  const [focus, setFocus] = useState({ weekday: 1, hour: 9 });
  const [shown, setShown] = useState<HeatmapCell | null>(null);
  const grid = useRef<HTMLDivElement>(null);
  const legendId = useId();
  const byKey = useMemo(() => new Map(heatmap.cells.map((c) => [`${c.weekday}:${c.hour}`, c])), [heatmap.cells]);
  const bounds = useMemo(() => shadeBounds(Math.max(0, ...heatmap.cells.map((c) => c[measure]))), [heatmap, measure]);
  const busiest = useMemo(
    () => heatmap.cells.reduce<HeatmapCell | null>((best, c) => (c[measure] > (best?.[measure] ?? 0) ? c : best), null),
    [heatmap, measure],
  );
  const withCalls = useMemo(() => heatmap.cells.filter((c) => c.offered > 0 || c.answered > 0), [heatmap.cells]);

  const moveTo = (weekday: number, hour: number) => {
    const next = { weekday: Math.min(7, Math.max(1, weekday)), hour: Math.min(23, Math.max(0, hour)) };
    setFocus(next);
    grid.current?.querySelector<HTMLElement>(`[data-weekday="${next.weekday}"][data-hour="${next.hour}"]`)?.focus();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    const { weekday, hour } = focus;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [weekday, hour - 1],
      ArrowRight: [weekday, hour + 1],
      ArrowUp: [weekday - 1, hour],
      ArrowDown: [weekday + 1, hour],
      Home: [weekday, 0],
      End: [weekday, 23],
    };
    const target = moves[event.key];
    if (!target) return;
    event.preventDefault();
    moveTo(target[0], target[1]);
  };

  const readout = shown ?? null;
  return (
    <figure className="stack heatmap" aria-label={`Calls by hour and weekday in ${heatmap.timezone}`}>
      <div className="row heatmap-toolbar">
        <Segmented label="Heatmap figure" value={measure} options={MEASURES} onChange={setMeasure} />
        <p className="small muted heatmap-readout" data-testid="heatmap-readout">
          {readout
            ? describe(readout)
            : busiest
              ? `Busiest: ${dayName(busiest.weekday)} ${hourSpan(busiest.hour)}, ${formatCount(busiest[measure])} ${measure}. Hover or focus a cell for its figures.`
              : 'Hover or focus a cell for its figures.'}
        </p>
      </div>
      <div ref={grid}>
        <table className="heatmap-grid" data-testid="heatmap-grid" data-measure={measure} aria-describedby={legendId}>
          <caption className="visually-hidden">
            {measure === 'offered' ? 'Offered' : 'Answered'} calls by weekday (rows) and hour of the day (columns) in{' '}
            {heatmap.timezone}; arrow keys move between hours and days
          </caption>
          <thead>
            <tr>
              <th scope="col" className="heatmap-corner">
                <span className="visually-hidden">Weekday</span>
              </th>
              {HOURS.map((hour) => (
                <th key={hour} scope="col" className="heatmap-hour">
                  <span aria-hidden="true">{hour % 3 === 0 ? String(hour).padStart(2, '0') : ''}</span>
                  <span className="visually-hidden">{hourSpan(hour)}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {WEEKDAYS.map((name, i) => {
              const weekday = i + 1;
              return (
                <tr key={name}>
                  <th scope="row" className="heatmap-day">
                    <abbr title={name}>{name.slice(0, 3)}</abbr>
                  </th>
                  {HOURS.map((hour) => {
                    const cell = byKey.get(`${weekday}:${hour}`) ?? emptyCell(weekday, hour);
                    return (
                      <td key={hour}>
                        <button
                          type="button"
                          className="heatmap-cell"
                          tabIndex={focus.weekday === weekday && focus.hour === hour ? 0 : -1}
                          aria-label={describe(cell)}
                          data-weekday={weekday}
                          data-hour={hour}
                          data-value={cell[measure]}
                          data-shade={shadeOf(cell[measure], bounds)}
                          onMouseEnter={() => setShown(cell)}
                          onMouseLeave={() => setShown(null)}
                          onKeyDown={onKeyDown}
                          onFocus={() => {
                            setFocus({ weekday, hour });
                            setShown(cell);
                          }}
                          onBlur={() => setShown(null)}
                        />
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="chart-legend small" data-testid="heatmap-legend" id={legendId}>
        <span className="chart-legend-when">{measure === 'offered' ? 'Offered' : 'Answered'} calls per cell</span>
        <span className="chart-legend-item">
          <span className="heatmap-swatch" data-shade={0} aria-hidden="true" />0
        </span>
        {bounds.map((bound, i) => {
          const from = i === 0 ? 1 : (bounds[i - 1] ?? 0) + 1;
          return (
            <span key={bound} className="chart-legend-item">
              <span className="heatmap-swatch" data-shade={shadeOf(bound, bounds)} aria-hidden="true" />
              {from === bound ? formatCount(bound) : `${formatCount(from)}–${formatCount(bound)}`}
            </span>
          );
        })}
      </p>
      <details>
        <summary className="small">Show as table</summary>
        <Table
          caption={`Calls per weekday and hour in ${heatmap.timezone} (hours without calls left out)`}
          testId="heatmap-table"
          columns={tableColumns}
          rows={withCalls}
          rowKey={(c) => `${c.weekday}:${c.hour}`}
          empty="No calls in this range."
        />
      </details>
    </figure>
  );
}
