// Table: columns described as data, optional client-side sorting, and the loading / empty / error states built in.
// It fits its card: cells wrap, and where even so the table would be wider than its card (a phone, a half-width card)
// each row is shown as a list of label: value lines.
import { type ReactNode, useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useKeyboardScrollable } from '../hooks/scrollable';
import { EmptyState, ErrorState, LoadingRows } from './States';

export interface Column<Row> {
  key: string;
  header: ReactNode;
  cell: (row: Row) => ReactNode;
  /** a value to sort by; columns without one are not sortable */
  sortValue?: (row: Row) => string | number | null;
  numeric?: boolean;
  /** long content (lists of pills, memberships): given room to wrap over a few lines rather than many */
  wrap?: boolean;
  /** the header as plain text, for the label of each value in the phone layout, where the header is not a string */
  label?: string;
  /** with `onSort` (rows sorted elsewhere, e.g. by the server): the column's header changes the order */
  sortable?: boolean;
}

/** The label a cell carries in the stacked (phone) layout; none for columns without a text header (actions). */
function cellLabel<Row>(column: Column<Row>): string | undefined {
  if (column.label !== undefined) return column.label || undefined;
  return typeof column.header === 'string' ? column.header : undefined;
}

export interface TableProps<Row> {
  caption: string;
  columns: Column<Row>[];
  rows: Row[] | undefined;
  rowKey: (row: Row) => string;
  isLoading?: boolean;
  error?: unknown;
  onRetry?: () => void;
  empty?: ReactNode;
  initialSort?: { key: string; dir: 'asc' | 'desc' };
  /**
   * Rows already in order (the server sorted them): the headers of `sortable` columns show `sortedBy` and ask
   * `onSort` for a new order instead of sorting here.
   */
  sortedBy?: { key: string; dir: 'asc' | 'desc' } | null;
  onSort?: (key: string) => void;
  testId?: string;
}

function compare(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/**
 * 'table' while the table, at its narrowest, fits its wrapper; else 'list'. Measured as a table whenever the rows
 * change (before the browser paints), and again when the wrapper is resized.
 */
function useLayoutThatFits(rows: unknown) {
  const wrap = useRef<HTMLDivElement | null>(null);
  const [layout, setLayout] = useState<'table' | 'list'>('table');
  // The width the table needed when it last did not fit: the list turns back into a table once that is there.
  const needed = useRef(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: new rows are measured as a table again
  useLayoutEffect(() => setLayout('table'), [rows]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-measured after each switch and with new rows
  useLayoutEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const fit = () => {
      const table = el.firstElementChild;
      if (!(table instanceof HTMLElement)) return;
      if (el.dataset.layout !== 'list') {
        if (table.offsetWidth <= el.clientWidth + 1) return;
        needed.current = table.offsetWidth;
        setLayout('list');
      } else if (el.clientWidth >= needed.current) setLayout('table');
    };
    fit();
    let frame = 0;
    // On the next frame, outside the observer's callback, so a switch never loops the observer.
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(fit);
    });
    observer.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
    };
  }, [layout, rows]);
  return { wrap, layout };
}

export function Table<Row>(props: TableProps<Row>) {
  const { caption, columns, rows, rowKey, isLoading, error, onRetry, empty, initialSort, testId, onSort } = props;
  const { wrap, layout } = useLayoutThatFits(rows);
  const [ownSort, setSort] = useState(initialSort ?? null);
  const sort = onSort ? (props.sortedBy ?? null) : ownSort;
  const { ref: scrollRef, ...scrollProps } = useKeyboardScrollable(caption);
  // One element, two observers: the layout measure and the keyboard scroll region.
  const wrapRef = useCallback(
    (el: HTMLDivElement | null) => {
      wrap.current = el;
      scrollRef(el);
    },
    [wrap, scrollRef],
  );
  const sorted = useMemo(() => {
    const column = sort ? columns.find((c) => c.key === sort.key) : undefined;
    if (onSort || !rows || !column?.sortValue || !sort) return rows;
    const value = column.sortValue;
    const dir = sort.dir === 'asc' ? 1 : -1;
    return [...rows].sort((a, b) => dir * compare(value(a), value(b)));
  }, [rows, columns, sort, onSort]);

  if (error) return <ErrorState error={error} onRetry={onRetry} />;
  if (isLoading && !rows) return <LoadingRows label={caption} />;
  if (!sorted || sorted.length === 0) {
    return <EmptyState testId={testId}>{empty ?? 'Nothing to show for this selection.'}</EmptyState>;
  }

  const toggle = (key: string) =>
    onSort
      ? onSort(key)
      : setSort((s) => (s?.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'desc' }));

  return (
    <div className="table-wrap" ref={wrapRef} data-layout={layout} {...scrollProps}>
      <table className="table" data-testid={testId}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort?.key === c.key;
              const ariaSort = active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined;
              return (
                <th key={c.key} scope="col" className={c.numeric ? 'num' : undefined} aria-sort={ariaSort}>
                  {(onSort ? c.sortable : c.sortValue) ? (
                    <button type="button" className="sort-button" onClick={() => toggle(c.key)}>
                      {c.header}
                      {active ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
                    </button>
                  ) : (
                    c.header
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {sorted.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td
                  key={c.key}
                  className={[c.numeric ? 'num' : '', c.wrap ? 'wrap' : ''].join(' ').trim() || undefined}
                  data-label={cellLabel(c)}
                >
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
