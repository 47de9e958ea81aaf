// Platform admin: every org with today's figures; create an org; open its dashboard or its admin page.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { admin, metrics } from '../../api/endpoints';
import type { Org } from '../../api/types';
import { Button, ButtonLink } from '../../components/Button';
import { Card } from '../../components/Card';
import { Field, SelectField } from '../../components/Field';
import { ErrorState } from '../../components/States';
import { type Column, Table } from '../../components/Table';
import { useToast } from '../../components/Toast';
import { useFormErrors } from '../../hooks/useFormErrors';
import { formatCount, formatPct, NO_DATA } from '../../metrics/format';
import { timeZoneOptions } from '../../metrics/timezones';

function TodayFigures({ org }: { org: Org }) {
  const today = useQuery({
    queryKey: ['kpis', org.id, { range: 'day', compare: false }],
    queryFn: () => metrics.kpis(org.id, { range: 'day', compare: false }),
    refetchInterval: 60_000,
  });
  if (today.isError) return <span className="field-error">unavailable</span>;
  if (!today.data) return <span className="muted">…</span>;
  const m = today.data.metrics;
  return (
    <span data-testid={`org-today-${org.id}`}>
      {formatCount(m.offeredCalls)} offered · {formatPct(m.answerRatePct)} answered · SL {formatPct(m.serviceLevelPct)}
    </span>
  );
}

export default function AdminOrgs() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const toast = useToast();
  const list = useQuery({ queryKey: ['admin', 'orgs'], queryFn: admin.orgs });
  const [name, setName] = useState('');
  const [timezone, setTimezone] = useState(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const zones = useMemo(() => timeZoneOptions(timezone), [timezone]);
  const create = useMutation({
    mutationFn: () => admin.createOrg({ name: name.trim(), timezone }),
    onSuccess: ({ org }) => {
      toast.success(`Organization “${org.name}” created.`);
      void queryClient.invalidateQueries({ queryKey: ['admin', 'orgs'] });
      navigate(`/admin/orgs/${org.id}`);
    },
  });
  const errors = useFormErrors(create.error);

  const columns: Column<Org>[] = [
    {
      key: 'name',
      header: 'Organization',
      cell: (o) => <Link to={`/admin/orgs/${o.id}`}>{o.name}</Link>,
      sortValue: (o) => o.name,
    },
    { key: 'tz', header: 'Time zone', cell: (o) => o.timezone, sortValue: (o) => o.timezone },
    {
      key: 'sl',
      header: 'SL target',
      cell: (o) => (o.slTargetPct === undefined ? NO_DATA : `${formatPct(o.slTargetPct)} in ${o.slThresholdSeconds} s`),
    },
    { key: 'today', header: 'Today', cell: (o) => <TodayFigures org={o} /> },
    {
      key: 'open',
      header: <span className="visually-hidden">Actions</span>,
      cell: (o) => (
        <span className="row">
          <ButtonLink small to={`/orgs/${o.id}`}>
            Dashboard
          </ButtonLink>
          <ButtonLink small to={`/admin/orgs/${o.id}`}>
            Manage
          </ButtonLink>
        </span>
      ),
    },
  ];

  return (
    <div className="stack">
      <header className="page-header">
        <h1>Organizations</h1>
      </header>
      <Card title="Create an organization">
        <form className="form-grid" onSubmit={errors.submit(() => create.mutate())} {...errors.formProps}>
          <Field
            label="Name"
            required
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.target.value)}
            {...errors.props('name')}
          />
          <SelectField
            label="Time zone"
            {...errors.props('timezone')}
            value={timezone}
            options={zones}
            onChange={(e) => setTimezone(e.target.value)}
          />
          <Button type="submit" variant="primary" busy={create.isPending} disabled={!name.trim()}>
            Create
          </Button>
        </form>
        <ErrorState error={errors.rest(['name', 'timezone'])} title="Not created." />
      </Card>
      <Card title="All organizations">
        <Table
          caption="Organizations"
          testId="orgs-table"
          columns={columns}
          rows={list.data?.orgs}
          rowKey={(o) => o.id}
          isLoading={list.isLoading}
          error={list.error}
          onRetry={() => list.refetch()}
          initialSort={{ key: 'name', dir: 'asc' }}
          empty="No organizations yet. Create the first one above."
        />
      </Card>
    </div>
  );
}
