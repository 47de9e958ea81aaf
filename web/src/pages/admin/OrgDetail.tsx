// Platform admin view of one org: name, settings, members (with roles and extensions) and its numbers.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { admin, orgs } from '../../api/endpoints';
import type { Org, PhoneNumber } from '../../api/types';
import { Button, ButtonLink } from '../../components/Button';
import { Card } from '../../components/Card';
import { ConfirmDialog } from '../../components/Dialog';
import { Phone } from '../../components/Phone';
import { Pill } from '../../components/Pill';
import { ErrorState, Loading } from '../../components/States';
import { type Column, Table } from '../../components/Table';
import { useToast } from '../../components/Toast';
import { useOrgQuery } from '../../hooks/org';
import { formatPhone } from '../../metrics/phone';
import { MembersPanel } from '../settings/Members';
import { SettingsForm } from '../settings/SettingsForm';
import { AssignNumbersDialog, assignmentWindow } from './AssignNumbers';

const adminMemberApi = { add: admin.addMember, update: admin.updateMember, remove: admin.removeMember };

function OrgNumbers({ org }: { org: Org }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const numbers = useQuery({ queryKey: ['org-numbers', org.id], queryFn: () => orgs.phoneNumbers(org.id) });
  const [assigning, setAssigning] = useState(false);
  const [removing, setRemoving] = useState<PhoneNumber | null>(null);
  const unassign = useMutation({
    mutationFn: (n: PhoneNumber) => admin.unassignNumber(org.id, n.id),
    onSuccess: (_r, n) => {
      toast.success(`${formatPhone(n.e164)} unassigned from ${org.name}; its past calls stay in this org's reports.`);
      setRemoving(null);
      void queryClient.invalidateQueries({ queryKey: ['admin', 'phone-numbers'] });
      void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[1] === org.id });
    },
  });
  const own = (n: PhoneNumber) => n.assignments.find((a) => a.orgId === org.id);
  const columns: Column<PhoneNumber>[] = [
    { key: 'e164', header: 'Number', cell: (n) => <Phone e164={n.e164} />, sortValue: (n) => n.e164 },
    { key: 'label', header: 'Label', cell: (n) => n.label ?? '—' },
    {
      key: 'window',
      header: 'Counts for this org',
      cell: (n) => {
        const a = own(n);
        return a ? assignmentWindow(a, org.timezone) : '—';
      },
    },
    {
      key: 'shared',
      header: 'Also in',
      cell: (n) => {
        const others = n.assignments.filter((a) => a.orgId !== org.id && a.assignedUntil === null);
        return others.length ? (
          <span className="row">
            {others.map((a) => (
              <Pill key={a.orgId} tone="info">
                {a.orgName}
              </Pill>
            ))}
          </span>
        ) : (
          '—'
        );
      },
    },
    {
      key: 'actions',
      header: <span className="visually-hidden">Actions</span>,
      cell: (n) => (
        <Button
          small
          variant="danger"
          onClick={() => {
            unassign.reset();
            setRemoving(n);
          }}
          aria-label={`Unassign ${formatPhone(n.e164)}`}
        >
          Unassign
        </Button>
      ),
    },
  ];
  return (
    <Card
      title="Phone numbers"
      actions={
        <Button variant="primary" onClick={() => setAssigning(true)}>
          Assign numbers…
        </Button>
      }
    >
      <Table
        caption="Numbers of this org"
        testId="org-numbers-table"
        columns={columns}
        rows={numbers.data?.phoneNumbers}
        rowKey={(n) => n.id}
        isLoading={numbers.isLoading}
        error={numbers.error}
        onRetry={() => numbers.refetch()}
        empty="No numbers yet: assign some so this org's calls are counted."
      />
      <AssignNumbersDialog org={org} open={assigning} onClose={() => setAssigning(false)} />
      <ConfirmDialog
        open={removing !== null}
        title="Unassign this number?"
        message={`Calls to ${removing ? formatPhone(removing.e164) : ''} from now on stop counting for ${org.name}. Calls before now stay in its reports.`}
        confirmLabel="Unassign"
        busy={unassign.isPending}
        error={unassign.error}
        onConfirm={() => removing && unassign.mutate(removing)}
        onClose={() => setRemoving(null)}
      />
    </Card>
  );
}

export default function AdminOrgDetail() {
  const { orgId = '' } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const toast = useToast();
  const org = useOrgQuery(orgId);
  const [deleting, setDeleting] = useState(false);
  const remove = useMutation({
    mutationFn: () => admin.deleteOrg(orgId),
    onSuccess: () => {
      toast.success('Organization deleted.');
      void queryClient.invalidateQueries({ queryKey: ['admin', 'orgs'] });
      navigate('/admin/orgs');
    },
  });
  if (org.isPending) return <Loading label="Loading organization…" />;
  if (org.isError)
    return <ErrorState error={org.error} title="Could not load this organization." onRetry={() => org.refetch()} />;
  return (
    <div className="stack">
      <header className="page-header">
        <div>
          <h1>{org.data.name}</h1>
          <p className="page-header-meta mono">{org.data.slug}</p>
        </div>
        <div className="row">
          <ButtonLink to={`/orgs/${orgId}`}>Open dashboard</ButtonLink>
          <Button variant="danger" onClick={() => setDeleting(true)}>
            Delete…
          </Button>
        </div>
      </header>
      <OrgNumbers org={org.data} />
      <MembersPanel orgId={orgId} api={adminMemberApi} canEdit />
      <SettingsForm org={org.data} canEdit />
      <ConfirmDialog
        open={deleting}
        title={`Delete ${org.data.name}?`}
        message="Its members lose access and its dashboards disappear. Numbers and calls stay in the inventory."
        confirmLabel="Delete organization"
        busy={remove.isPending}
        error={remove.error}
        onConfirm={() => remove.mutate()}
        onClose={() => setDeleting(false)}
      />
    </div>
  );
}
