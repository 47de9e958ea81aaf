// Platform admin: the phone-number inventory with the orgs each number counts for; add a number.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { admin } from '../../api/endpoints';
import type { PhoneNumber } from '../../api/types';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { Field } from '../../components/Field';
import { Phone } from '../../components/Phone';
import { Pill } from '../../components/Pill';
import { ErrorState } from '../../components/States';
import { type Column, Table } from '../../components/Table';
import { useToast } from '../../components/Toast';
import { useFormErrors } from '../../hooks/useFormErrors';
import { formatDateTime } from '../../metrics/format';
import { phoneMatches } from '../../metrics/phone';
import { assignmentWindow, isActive } from './AssignNumbers';

const columns: Column<PhoneNumber>[] = [
  { key: 'e164', header: 'Number', cell: (n) => <Phone e164={n.e164} />, sortValue: (n) => n.e164 },
  { key: 'label', header: 'Label', cell: (n) => n.label ?? '—', sortValue: (n) => n.label ?? '' },
  {
    key: 'state',
    header: 'State',
    cell: (n) => <Pill tone={n.isActive ? 'good' : 'neutral'}>{n.isActive ? 'active' : 'inactive'}</Pill>,
  },
  {
    key: 'orgs',
    header: 'Organizations',
    wrap: true,
    cell: (n) => {
      const current = n.assignments.filter(
        (a) => isActive(a) || (a.assignedFrom !== null && new Date(a.assignedFrom) > new Date()),
      );
      if (current.length === 0) return <span className="muted">Unassigned</span>;
      return (
        <span className="row">
          {current.map((a) => (
            <Link key={a.orgId} to={`/admin/orgs/${a.orgId}`}>
              <Pill tone="info">
                {a.orgName} · {assignmentWindow(a)}
              </Pill>
            </Link>
          ))}
        </span>
      );
    },
    sortValue: (n) => n.assignments.filter((a) => isActive(a)).length,
  },
  {
    key: 'sync',
    header: 'Sync',
    cell: (n) =>
      n.provider
        ? `${n.provider}${n.lastSyncedAt ? `, synced ${formatDateTime(n.lastSyncedAt)}` : ', never synced'}`
        : 'Manual',
  },
  {
    key: 'past',
    header: 'Past orgs',
    cell: (n) =>
      n.assignments
        .filter((a) => a.assignedUntil !== null && !isActive(a))
        .map((a) => `${a.orgName} (${assignmentWindow(a)})`)
        .join('; ') || '—',
  },
];

export default function AdminNumbers() {
  const queryClient = useQueryClient();
  const toast = useToast();
  const list = useQuery({ queryKey: ['admin', 'phone-numbers'], queryFn: admin.phoneNumbers });
  const [number, setNumber] = useState('');
  const [label, setLabel] = useState('');
  const [filter, setFilter] = useState('');
  const add = useMutation({
    mutationFn: () =>
      admin.createPhoneNumber({ number: number.trim(), ...(label.trim() ? { label: label.trim() } : {}) }),
    onSuccess: () => {
      toast.success(`${number.trim()} added to the inventory.`);
      setNumber('');
      setLabel('');
      void queryClient.invalidateQueries({ queryKey: ['admin', 'phone-numbers'] });
    },
  });
  const rows = useMemo(() => {
    const q = filter.replace(/\s/g, '').toLowerCase();
    const all = list.data?.phoneNumbers;
    if (!all || !q) return all;
    return all.filter(
      (n) =>
        phoneMatches(n.e164, q) ||
        (n.label ?? '').toLowerCase().includes(q) ||
        n.assignments.some((a) => a.orgName.toLowerCase().includes(q)),
    );
  }, [list.data, filter]);
  const errors = useFormErrors(add.error);
  return (
    <div className="stack">
      <header className="page-header">
        <h1>Phone numbers</h1>
        <p className="page-header-meta">Assign numbers to orgs from an organization’s page.</p>
      </header>
      <Card title="Add a number">
        <form className="form-grid" onSubmit={errors.submit(() => add.mutate())} {...errors.formProps}>
          <Field
            label="Number"
            required
            maxLength={40}
            {...errors.props('number')}
            value={number}
            placeholder="+1 555 010 0199"
            hint="Any common format; stored as E.164."
            onChange={(e) => setNumber(e.target.value)}
          />
          <Field
            label="Label (optional)"
            maxLength={200}
            {...errors.props('label')}
            value={label}
            onChange={(e) => setLabel(e.target.value)}
          />
          <Button type="submit" variant="primary" busy={add.isPending} disabled={!number.trim()}>
            Add number
          </Button>
        </form>
        <ErrorState error={errors.rest(['number', 'label'])} title="Number not added." />
      </Card>
      <Card
        title="Inventory"
        subtitle={list.data ? `${list.data.phoneNumbers.length} numbers` : undefined}
        actions={<Field label="Filter" type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />}
      >
        <Table
          caption="Phone-number inventory"
          testId="numbers-table"
          columns={columns}
          rows={rows}
          rowKey={(n) => n.id}
          isLoading={list.isLoading}
          error={list.error}
          onRetry={() => list.refetch()}
          initialSort={{ key: 'e164', dir: 'asc' }}
          empty="No numbers match."
        />
      </Card>
    </div>
  );
}
