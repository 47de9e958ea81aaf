// Table: columns described as data, optional client-side sorting, and the loading / empty / error states built in.
// It fits its card: cells wrap, and where even so the table would be wider than its card (a phone, a half-width card)
// each row is shown as a list of label: value lines.
import { type ReactNode, useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
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

/** A table's wrapper under watch: its table's width and its own, as the shared observer last reported them. */
interface Fitting {
  table: Element | null;
  tableWidth: number;
  wrapWidth: number;
  fit(): void;
}

const fittings = new Map<Element, Fitting>();
let sizes: ResizeObserver | null = null;

/**
 * One observer for every table on the page. Its entries carry the sizes, so nothing is read from the layout (each
 * such read after a change forces the browser to lay the page out again, once per table); the switches it decides
 * are rendered at once (flushSync), before the browser paints, so a table never shows in the wrong layout.
 */
function sharedSizes(): ResizeObserver {
  sizes ??= new ResizeObserver((entries) => {
    const changed = new Set<Fitting>();
    for (const entry of entries) {
      const wrapper = fittings.get(entry.target);
      if (wrapper) {
        wrapper.wrapWidth = entry.contentRect.width;
        changed.add(wrapper);
        continue;
      }
      const parent = entry.target.parentElement;
      const owner = parent ? fittings.get(parent) : undefined;
      if (owner && owner.table === entry.target) {
        owner.tableWidth = entry.borderBoxSize[0]?.inlineSize ?? entry.contentRect.width;
        changed.add(owner);
      }
    }
    flushSync(() => {
      for (const fitting of changed) fitting.fit();
    });
  });
  return sizes;
}

/**
 * 'table' while the table, at its narrowest, fits its wrapper; else 'list'. Measured as a table whenever the rows
 * change, and again when the wrapper is resized.
 */
function useLayoutThatFits(rows: unknown) {
  const [layout, setLayout] = useState<'table' | 'list'>('table');
  // The width the table needed when it last did not fit: the list turns back into a table once that is there.
  const needed = useRef(0);
  const current = useRef(layout);
  current.current = layout;
  // biome-ignore lint/correctness/useExhaustiveDependencies: new rows are measured as a table again
  useLayoutEffect(() => setLayout('table'), [rows]);
  const watched = useRef<HTMLElement | null>(null);
  /** The wrapper's ref: it (and its table) are watched while they are on the page. */
  const watch = useCallback((el: HTMLElement | null) => {
    const before = watched.current;
    if (before === el) return;
    const observer = sharedSizes();
    if (before) {
      const table = fittings.get(before)?.table;
      fittings.delete(before);
      observer.unobserve(before);
      if (table) observer.unobserve(table);
    }
    watched.current = el;
    if (!el) return;
    const table = el.firstElementChild;
    fittings.set(el, {
      table,
      tableWidth: 0,
      wrapWidth: 0,
      fit() {
        if (current.current === 'table') {
          if (this.tableWidth <= this.wrapWidth + 1) return;
          needed.current = this.tableWidth;
          setLayout('list');
        } else if (this.wrapWidth >= needed.current) setLayout('table');
      },
    });
    observer.observe(el);
    if (table) observer.observe(table);
  }, []);
  return { watch, layout };
}

/**
 * `rows`, or the array given before when this one holds the same rows in the same order: a screen that slices or
 * filters its data on every render passes a new array each time, and each would be measured (a forced layout) anew.
 */
function useSameRows<Row>(rows: Row[] | undefined): Row[] | undefined {
  const kept = useRef(rows);
  const before = kept.current;
  const same =
    before === rows ||
    (before !== undefined &&
      rows !== undefined &&
      before.length === rows.length &&
      before.every((row, i) => row === rows[i]));
  if (!same) kept.current = rows;
  return kept.current;
}

export function Table<Row>(props: TableProps<Row>) {
  const { caption, columns, rowKey, isLoading, error, onRetry, empty, initialSort, testId, onSort } = props;
  const rows = useSameRows(props.rows);
  const { watch, layout } = useLayoutThatFits(rows);
  const [ownSort, setSort] = useState(initialSort ?? null);
  const sort = onSort ? (props.sortedBy ?? null) : ownSort;
  const { ref: scrollRef, ...scrollProps } = useKeyboardScrollable(caption);
  // One element, two observers: the layout measure and the keyboard scroll region.
  const wrapRef = useCallback(
    (el: HTMLDivElement | null) => {
      watch(el);
      scrollRef(el);
    },
    [watch, scrollRef],
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
