// Members panel: who is in the org, their role and MightyCall extension; add, change role/extension, remove.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { orgs } from '../../api/endpoints';
import type { AddedMember, Member, MemberChanges, NewMember, OrgRole } from '../../api/types';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ConfirmDialog, Dialog } from '../../components/Dialog';
import { ExtensionField } from '../../components/ExtensionField';
import { Field, SelectField } from '../../components/Field';
import { Pill } from '../../components/Pill';
import { EditAndRemove } from '../../components/RowActions';
import { ErrorState } from '../../components/States';
import { type Column, Table } from '../../components/Table';
import { useToast } from '../../components/Toast';
import { isOrgRole, ROLE_LABEL } from '../../hooks/session';
import { useFormErrors } from '../../hooks/useFormErrors';
import { InvitationsTable, IssuedLink, invitationsKey } from './Invitations';

export interface MemberApi {
  add: (orgId: string, body: NewMember) => Promise<AddedMember>;
  update: (orgId: string, userId: string, body: MemberChanges) => Promise<unknown>;
  remove: (orgId: string, userId: string) => Promise<unknown>;
}

const ROLE_OPTIONS = (Object.keys(ROLE_LABEL) as OrgRole[]).map((r) => ({ value: r, label: ROLE_LABEL[r] }));
const FIELDS = ['email', 'role', 'mightycallExtension'];

/** The role picker of the add form and of the edit dialog. */
function RoleSelect({ value, onChange }: { value: OrgRole; onChange: (role: OrgRole) => void }) {
  return (
    <SelectField
      label="Role"
      name="role"
      value={value}
      options={ROLE_OPTIONS}
      onChange={(e) => isOrgRole(e.target.value) && onChange(e.target.value)}
    />
  );
}

function EditMember({
  member,
  orgId,
  api,
  onClose,
}: {
  member: Member;
  orgId: string;
  api: MemberApi;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const [role, setRole] = useState<OrgRole>(member.role);
  const [extension, setExtension] = useState(member.mightycallExtension ?? '');
  const formId = useId();
  const save = useMutation({
    mutationFn: () => api.update(orgId, member.userId, { role, mightycallExtension: extension.trim() || null }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['members', orgId] });
      onClose();
    },
  });
  const errors = useFormErrors(save.error);
  return (
    <Dialog
      open
      title={`Edit ${member.displayName}`}
      onClose={onClose}
      actions={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form={formId} variant="primary" busy={save.isPending}>
            Save
          </Button>
        </>
      }
    >
      <form id={formId} className="stack" onSubmit={errors.submit(() => save.mutate())} {...errors.formProps}>
        <RoleSelect value={role} onChange={setRole} />
        <ExtensionField
          value={extension}
          hint="Links this person to the agent's calls."
          error={errors.field('mightycallExtension')}
          onChange={setExtension}
        />
      </form>
      <ErrorState error={errors.rest(FIELDS)} title="Not saved." />
    </Dialog>
  );
}

export function MembersPanel({ orgId, api, canEdit }: { orgId: string; api: MemberApi; canEdit: boolean }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const members = useQuery({ queryKey: ['members', orgId], queryFn: () => orgs.members(orgId) });
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<OrgRole>('agent');
  const [extension, setExtension] = useState('');
  const [editing, setEditing] = useState<Member | null>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [issued, setIssued] = useState<{ email: string; url: string } | null>(null);
  const invalidate = () => {
    void queryClient.invalidateQueries({ queryKey: invitationsKey(orgId) });
    return queryClient.invalidateQueries({ queryKey: ['members', orgId] });
  };

  const add = useMutation({
    mutationFn: () => api.add(orgId, { email: email.trim(), role, mightycallExtension: extension.trim() || null }),
    onSuccess: (added) => {
      if (added.member) toast.success(`${added.member.email} added as ${ROLE_LABEL[role]}.`);
      else if (added.invitation && added.url) setIssued({ email: added.invitation.email, url: added.url });
      else if (added.invitation) toast.success(`Invitation sent to ${added.invitation.email}.`);
      setEmail('');
      setExtension('');
      void invalidate();
    },
  });
  const remove = useMutation({
    mutationFn: (m: Member) => api.remove(orgId, m.userId),
    onSuccess: (_r, m) => {
      toast.success(`${m.displayName} removed from the org.`);
      setRemoving(null);
      void invalidate();
    },
  });
  const errors = useFormErrors(add.error);

  const columns: Column<Member>[] = [
    { key: 'name', header: 'Name', cell: (m) => m.displayName, sortValue: (m) => m.displayName },
    { key: 'email', header: 'Email', cell: (m) => m.email, sortValue: (m) => m.email },
    {
      key: 'role',
      header: 'Role',
      cell: (m) => <Pill tone={m.role === 'org_admin' ? 'info' : 'neutral'}>{ROLE_LABEL[m.role] ?? m.role}</Pill>,
      sortValue: (m) => m.role,
    },
    { key: 'ext', header: 'Extension', cell: (m) => m.mightycallExtension ?? '—' },
    {
      key: 'status',
      header: 'Status',
      cell: (m) => (
        <Pill tone={m.status === 'active' ? 'good' : m.status === 'invited' ? 'warn' : 'bad'}>{m.status}</Pill>
      ),
    },
  ];
  if (canEdit) {
    columns.push({
      key: 'actions',
      header: <span className="visually-hidden">Actions</span>,
      cell: (m) => (
        <EditAndRemove
          name={m.displayName}
          onEdit={() => setEditing(m)}
          onRemove={() => {
            remove.reset();
            setRemoving(m);
          }}
        />
      ),
    });
  }

  return (
    <Card title="Members" subtitle="People who can sign in to this org">
      <div className="stack">
        {canEdit ? (
          <form
            className="form-grid"
            onSubmit={errors.submit(() => add.mutate())}
            aria-label="Add a member"
            {...errors.formProps}
          >
            <Field
              label="Email"
              name="email"
              type="email"
              required
              maxLength={320}
              hint="People outside your orgs get an invitation and join when they accept it."
              value={email}
              error={errors.field('email')}
              onChange={(e) => setEmail(e.target.value)}
            />
            <RoleSelect value={role} onChange={setRole} />
            <ExtensionField value={extension} error={errors.field('mightycallExtension')} onChange={setExtension} />
            <Button type="submit" variant="primary" busy={add.isPending} disabled={!email.trim()}>
              Invite
            </Button>
          </form>
        ) : null}
        <ErrorState error={errors.rest(FIELDS)} title="Not invited." />
        {issued ? <IssuedLink email={issued.email} url={issued.url} onDismiss={() => setIssued(null)} /> : null}
        <Table
          caption="Members"
          testId="members-table"
          columns={columns}
          rows={members.data?.members}
          rowKey={(m) => m.userId}
          isLoading={members.isLoading}
          error={members.error}
          onRetry={() => members.refetch()}
          empty="No members yet."
        />
        {canEdit ? <InvitationsTable orgId={orgId} onIssued={(e, url) => setIssued({ email: e, url })} /> : null}
      </div>
      {editing ? <EditMember member={editing} orgId={orgId} api={api} onClose={() => setEditing(null)} /> : null}
      <ConfirmDialog
        open={removing !== null}
        title="Remove this member?"
        message={`${removing?.displayName} (${removing?.email}) will lose access to this org.`}
        confirmLabel="Remove"
        busy={remove.isPending}
        error={remove.error}
        onConfirm={() => removing && remove.mutate(removing)}
        onClose={() => setRemoving(null)}
      />
    </Card>
  );
}
