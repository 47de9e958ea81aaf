// The audit log's filters, entries table and "Load more", shared by the platform admin's log and an org's own.
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { isForbidden } from '../../api/client';
import type { AuditQuery } from '../../api/endpoints';
import type { AuditEntry, AuditPage } from '../../api/types';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { Field, type Option, SelectField } from '../../components/Field';
import { LoadMore } from '../../components/LoadMore';
import { type Column, Table } from '../../components/Table';
import { useFormErrors } from '../../hooks/useFormErrors';
import { formatCount, formatDateTime } from '../../metrics/format';
import { Forbidden } from '../Errors';
import {
  AUDIT_PAGE_SIZE,
  type AuditFilters,
  type ChoiceParam,
  changedFields,
  describeActor,
  describeChanges,
  describeTarget,
  NO_FILTERS,
  TARGET_TYPES,
  toAuditQuery,
  zoneLabel,
} from './entries';

/** A select the page adds to the shared filters (which org, or which member). */
export interface AuditChoice {
  param: ChoiceParam;
  label: string;
  /** the first option, value '', means "any" */
  options: Option[];
}

export interface AuditLogProps {
  /** names this log in the query cache; the filters are appended */
  queryKey: readonly unknown[];
  fetchPage: (query: AuditQuery) => Promise<AuditPage>;
  /** times (and the From/To days) in this zone, e.g. the org's; the viewer's own without one */
  timeZone?: string;
  choice?: AuditChoice;
  /** user ids the page can name (an org's members), for acted-as users */
  names?: ReadonlyMap<string, string>;
}

const NO_NAMES: ReadonlyMap<string, string> = new Map();

function auditColumns(timeZone: string | undefined, names: ReadonlyMap<string, string>): Column<AuditEntry>[] {
  return [
    { key: 'at', header: `When (${zoneLabel(timeZone)})`, cell: (e) => formatDateTime(e.at, timeZone, true) },
    { key: 'action', header: 'Action', cell: (e) => <span className="mono">{e.action}</span> },
    { key: 'actor', header: 'Who', cell: (e) => describeActor(e, names) },
    { key: 'target', header: 'Target', cell: (e) => describeTarget(e), wrap: true },
    { key: 'ip', header: 'Address', cell: (e) => e.ip ?? '—' },
    {
      key: 'details',
      header: 'Details',
      wrap: true,
      cell: (e) => {
        const changes = describeChanges(e);
        if (changes === null) return '—';
        // What changed reads at a glance; the whole record stays one click away.
        const fields = changedFields(e);
        return (
          <details>
            <summary>{fields.length > 0 ? fields.join('; ') : 'Show'}</summary>
            <pre className="raw">{JSON.stringify(changes, null, 2)}</pre>
          </details>
        );
      },
    },
  ];
}

function FiltersForm({
  choice,
  timeZone,
  onApply,
}: {
  choice: AuditChoice | undefined;
  timeZone: string | undefined;
  onApply: (filters: AuditFilters) => void;
}) {
  const [draft, setDraft] = useState<AuditFilters>(NO_FILTERS);
  const set = (changes: Partial<AuditFilters>) => setDraft({ ...draft, ...changes });
  const errors = useFormErrors(null);
  return (
    <Card title="Filters">
      <form
        className="form-grid"
        onSubmit={errors.submit(() => onApply(draft))}
        aria-label="Audit filters"
        {...errors.formProps}
      >
        <Field
          label="Action"
          {...errors.props('action')}
          maxLength={100}
          pattern="[a-z_]+(\.[a-z_]+)*\.?"
          title="an action such as member.add, or a prefix such as member."
          hint="Exact (member.add) or a prefix ending in a dot (api_key.)"
          placeholder="e.g. org.settings"
          value={draft.action}
          onChange={(e) => set({ action: e.target.value })}
        />
        {choice ? (
          <SelectField
            label={choice.label}
            value={draft.choice}
            options={choice.options}
            onChange={(e) => set({ choice: e.target.value })}
          />
        ) : null}
        <SelectField
          label="Target"
          value={draft.targetType}
          options={TARGET_TYPES}
          onChange={(e) => set({ targetType: e.target.value })}
        />
        <Field
          label="From"
          hint={`Days in ${zoneLabel(timeZone)}`}
          type="date"
          value={draft.from}
          onChange={(e) => set({ from: e.target.value })}
        />
        <Field label="To" type="date" value={draft.to} onChange={(e) => set({ to: e.target.value })} />
        <div className="row form-actions">
          <Button type="submit" variant="primary">
            Apply
          </Button>
          <Button
            onClick={() => {
              setDraft(NO_FILTERS);
              onApply(NO_FILTERS);
            }}
          >
            Clear
          </Button>
        </div>
      </form>
    </Card>
  );
}

export function AuditLog({ queryKey, fetchPage, timeZone, choice, names = NO_NAMES }: AuditLogProps) {
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  const query = toAuditQuery(filters, choice?.param, timeZone);
  const log = useInfiniteQuery({
    queryKey: [...queryKey, query],
    // '' is the first page; a page without nextCursor is the last one (undefined stops paging).
    queryFn: ({ pageParam }) => fetchPage({ ...query, cursor: pageParam || undefined, limit: AUDIT_PAGE_SIZE }),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  // The screen was offered on what /api/me said earlier; the server has the last word on access.
  if (isForbidden(log.error)) return <Forbidden what="This audit log" />;

  const rows = log.data?.pages.flatMap((p) => p.entries);
  const shown = log.isPlaceholderData
    ? 'Updating for the new filters…'
    : rows
      ? `${formatCount(rows.length)} ${rows.length === 1 ? 'entry' : 'entries'} shown${log.hasNextPage ? ' — more available' : ' — that is all of them'}`
      : undefined;
  return (
    <>
      <FiltersForm choice={choice} timeZone={timeZone} onApply={setFilters} />
      <Card title="Entries" subtitle={shown}>
        <Table
          caption="Audit entries"
          testId="audit-table"
          columns={auditColumns(timeZone, names)}
          rows={rows}
          rowKey={(e) => e.id}
          isLoading={log.isLoading}
          error={log.isError && !rows ? log.error : null}
          onRetry={() => log.refetch()}
          empty="No audit entries match."
        />
        <LoadMore pages={log} />
      </Card>
    </>
  );
}
