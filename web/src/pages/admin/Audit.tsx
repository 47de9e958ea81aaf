// Platform admin: the audit log with filters (action, org, from/to) and paging.
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { admin } from '../../api/endpoints';
import type { AuditEntry } from '../../api/types';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { Field, SelectField } from '../../components/Field';
import { type Column, Table } from '../../components/Table';
import { formatDateTime } from '../../metrics/format';

interface Filters {
  action: string;
  orgId: string;
  from: string;
  to: string;
}
const EMPTY: Filters = { action: '', orgId: '', from: '', to: '' };

/** Dates from the form are whole days in the viewer's zone; the API takes instants. */
function toQuery(f: Filters) {
  const dayStart = (date: string, plusDays = 0) => {
    const d = new Date(`${date}T00:00:00`);
    d.setDate(d.getDate() + plusDays);
    return d.toISOString();
  };
  return {
    action: f.action.trim() || undefined,
    orgId: f.orgId || undefined,
    from: f.from ? dayStart(f.from) : undefined,
    to: f.to ? dayStart(f.to, 1) : undefined,
  };
}

function actor(e: AuditEntry): string {
  const who = e.actor.email ?? e.actor.userId ?? (e.actor.keyId ? `API key ${e.actor.keyId}` : 'system');
  return e.actor.actAsUserId ? `${who} (acting as ${e.actor.actAsUserId})` : who;
}

function changes(e: AuditEntry): unknown {
  if (e.before === null && e.after === null) return null;
  if (e.before === undefined && e.after === undefined) return null;
  return { before: e.before ?? null, after: e.after ?? null };
}

const columns: Column<AuditEntry>[] = [
  { key: 'at', header: 'When', cell: (e) => formatDateTime(e.at, undefined, true) },
  { key: 'action', header: 'Action', cell: (e) => <span className="mono">{e.action}</span> },
  { key: 'actor', header: 'Who', cell: actor },
  { key: 'target', header: 'Target', cell: (e) => (e.targetType ? `${e.targetType} ${e.targetId ?? ''}` : '—') },
  { key: 'ip', header: 'Address', cell: (e) => e.ip ?? '—' },
  {
    key: 'details',
    header: 'Details',
    cell: (e) => {
      const c = changes(e);
      return c === null ? (
        '—'
      ) : (
        <details>
          <summary>Show</summary>
          <pre className="raw">{JSON.stringify(c, null, 2)}</pre>
        </details>
      );
    },
  },
];

export default function AdminAudit() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const orgs = useQuery({ queryKey: ['admin', 'orgs'], queryFn: admin.orgs });
  const log = useInfiniteQuery({
    queryKey: ['admin', 'audit', filters],
    queryFn: ({ pageParam }) => admin.audit({ ...toQuery(filters), cursor: pageParam, limit: 100 }),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
  };
  const orgOptions = [
    { value: '', label: 'All orgs' },
    ...(orgs.data?.orgs ?? []).map((o) => ({ value: o.id, label: o.name })),
  ];
  const rows = log.data?.pages.flatMap((p) => p.entries);
  return (
    <div className="stack">
      <header className="page-header">
        <h1>Audit log</h1>
      </header>
      <Card title="Filters">
        <form className="form-grid" onSubmit={submit}>
          <Field
            label="Action"
            hint="Exact (member.add) or a prefix ending in a dot (api_key.)"
            placeholder="e.g. api_key.create"
            value={draft.action}
            onChange={(e) => setDraft({ ...draft, action: e.target.value })}
          />
          <SelectField
            label="Organization"
            value={draft.orgId}
            options={orgOptions}
            onChange={(e) => setDraft({ ...draft, orgId: e.target.value })}
          />
          <Field
            label="From"
            type="date"
            value={draft.from}
            onChange={(e) => setDraft({ ...draft, from: e.target.value })}
          />
          <Field label="To" type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
          <div className="row form-actions">
            <Button type="submit" variant="primary">
              Apply
            </Button>
            <Button
              onClick={() => {
                setDraft(EMPTY);
                setFilters(EMPTY);
              }}
            >
              Clear
            </Button>
          </div>
        </form>
      </Card>
      <Card title="Entries">
        <Table
          caption="Audit entries"
          testId="audit-table"
          columns={columns}
          rows={rows}
          rowKey={(e) => e.id}
          isLoading={log.isLoading}
          error={log.error}
          onRetry={() => log.refetch()}
          empty="No audit entries match."
        />
        {log.hasNextPage ? (
          <div className="row row-end">
            <Button onClick={() => log.fetchNextPage()} busy={log.isFetchingNextPage}>
              Load more
            </Button>
          </div>
        ) : null}
      </Card>
    </div>
  );
}
