// Table: columns described as data, optional client-side sorting, and the loading / empty / error states built in.
// It fits its card: cells wrap on desktop, and a narrow card (a phone) shows each row as a list of label: value lines.
import { type ReactNode, useMemo, useState } from 'react';
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
  testId?: string;
}

function compare(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

export function Table<Row>(props: TableProps<Row>) {
  const { caption, columns, rows, rowKey, isLoading, error, onRetry, empty, initialSort, testId } = props;
  const [sort, setSort] = useState(initialSort ?? null);
  const sorted = useMemo(() => {
    const column = sort ? columns.find((c) => c.key === sort.key) : undefined;
    if (!rows || !column?.sortValue || !sort) return rows;
    const value = column.sortValue;
    const dir = sort.dir === 'asc' ? 1 : -1;
    return [...rows].sort((a, b) => dir * compare(value(a), value(b)));
  }, [rows, columns, sort]);

  if (error) return <ErrorState error={error} onRetry={onRetry} />;
  if (isLoading && !rows) return <LoadingRows label={caption} />;
  if (!sorted || sorted.length === 0) {
    return <EmptyState testId={testId}>{empty ?? 'Nothing to show for this selection.'}</EmptyState>;
  }

  const toggle = (key: string) =>
    setSort((s) => (s?.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'desc' }));

  return (
    <div className="table-wrap">
      <table className="table" data-testid={testId}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort?.key === c.key;
              const ariaSort = active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined;
              return (
                <th key={c.key} scope="col" className={c.numeric ? 'num' : undefined} aria-sort={ariaSort}>
                  {c.sortValue ? (
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
