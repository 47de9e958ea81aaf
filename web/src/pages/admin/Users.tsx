// Platform admin: users — create (password or invite), disable / enable, platform role, memberships, add to an org.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { admin } from '../../api/endpoints';
import type { OrgRole, PlatformRole, User, UserListItem } from '../../api/types';
import { Button } from '../../components/Button';
import { Card } from '../../components/Card';
import { ConfirmDialog, Dialog } from '../../components/Dialog';
import { ExtensionField } from '../../components/ExtensionField';
import { Field, SelectField } from '../../components/Field';
import { Pill } from '../../components/Pill';
import { ErrorState } from '../../components/States';
import { type Column, Table } from '../../components/Table';
import { useToast } from '../../components/Toast';
import { isOrgRole, ROLE_LABEL, useMe } from '../../hooks/session';
import { useFormErrors } from '../../hooks/useFormErrors';
import { formatDateTime } from '../../metrics/format';
import { InviteLink, type IssuedInvite, useInviteActions } from './UserInvites';

const PLATFORM_ROLES = [
  { value: 'none', label: 'No platform role' },
  { value: 'platform_admin', label: 'Platform admin' },
];
const ROLE_OPTIONS = [
  { value: 'agent', label: ROLE_LABEL.agent },
  { value: 'org_manager', label: ROLE_LABEL.org_manager },
  { value: 'org_admin', label: ROLE_LABEL.org_admin },
];
const isPlatformRole = (v: string): v is PlatformRole => v === 'none' || v === 'platform_admin';
const ADD_FIELDS = ['role', 'mightycallExtension'];
const CREATE_FIELDS = ['email', 'displayName', 'password', 'platformRole'];

function AddToOrg({ user, onClose }: { user: User; onClose: () => void }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const orgs = useQuery({ queryKey: ['admin', 'orgs'], queryFn: admin.orgs });
  const [orgId, setOrgId] = useState('');
  const [role, setRole] = useState<OrgRole>('agent');
  const [extension, setExtension] = useState('');
  const add = useMutation({
    mutationFn: () =>
      admin.addMember(orgId, { email: user.email, role, mightycallExtension: extension.trim() || null }),
    onSuccess: () => {
      toast.success(`${user.displayName} added.`);
      void queryClient.invalidateQueries({ queryKey: ['admin', 'users'] });
      void queryClient.invalidateQueries({ queryKey: ['members', orgId] });
      onClose();
    },
  });
  const errors = useFormErrors(add.error);
  const formId = useId();
  const options = [
    { value: '', label: 'Choose…' },
    ...(orgs.data?.orgs ?? []).map((o) => ({ value: o.id, label: o.name })),
  ];
  return (
    <Dialog
      open
      title={`Add ${user.displayName} to an org`}
      onClose={onClose}
      actions={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form={formId} variant="primary" disabled={!orgId} busy={add.isPending}>
            Add
          </Button>
        </>
      }
    >
      {orgs.error ? <ErrorState error={orgs.error} /> : null}
      <form id={formId} className="stack" onSubmit={errors.submit(() => add.mutate())} {...errors.formProps}>
        <SelectField label="Organization" value={orgId} options={options} onChange={(e) => setOrgId(e.target.value)} />
        <SelectField
          label="Role"
          name="role"
          value={role}
          options={ROLE_OPTIONS}
          onChange={(e) => isOrgRole(e.target.value) && setRole(e.target.value)}
        />
        <ExtensionField
          label="MightyCall extension (optional)"
          value={extension}
          error={errors.field('mightycallExtension')}
          onChange={setExtension}
        />
      </form>
      <ErrorState error={errors.rest(ADD_FIELDS)} title="Not added." />
    </Dialog>
  );
}

function CreateUser({ onIssued }: { onIssued: (invite: IssuedInvite) => void }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [platformRole, setPlatformRole] = useState<PlatformRole>('none');
  const create = useMutation({
    mutationFn: () =>
      admin.createUser({
        email: email.trim(),
        displayName: displayName.trim(),
        platformRole,
        ...(password ? { password } : {}),
      }),
    onSuccess: (result) => {
      if (result.emailedTo) toast.success(`User ${result.user.email} created; their invite is on its way by email.`);
      else toast.success(`User ${result.user.email} created.`);
      if (result.invite) onIssued({ email: result.user.email, url: result.invite.url });
      setEmail('');
      setDisplayName('');
      setPassword('');
      void queryClient.invalidateQueries({ queryKey: ['admin', 'users'] });
    },
  });
  const errors = useFormErrors(create.error);
  return (
    <Card title="Create a user">
      <form className="form-grid" onSubmit={errors.submit(() => create.mutate())} {...errors.formProps}>
        <Field
          label="Email"
          type="email"
          required
          maxLength={320}
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          {...errors.props('email')}
        />
        <Field
          label="Display name"
          required
          maxLength={200}
          value={displayName}
          onChange={(e) => setDisplayName(e.target.value)}
          {...errors.props('displayName')}
        />
        <Field
          label="Initial password"
          type="password"
          autoComplete="new-password"
          minLength={12}
          maxLength={200}
          {...errors.props('password')}
          value={password}
          hint="At least 12 characters; leave empty to create an invite instead."
          onChange={(e) => setPassword(e.target.value)}
        />
        <SelectField
          label="Platform role"
          {...errors.props('platformRole')}
          value={platformRole}
          options={PLATFORM_ROLES}
          onChange={(e) => isPlatformRole(e.target.value) && setPlatformRole(e.target.value)}
        />
        <Button type="submit" variant="primary" busy={create.isPending} disabled={!email.trim() || !displayName.trim()}>
          Create user
        </Button>
      </form>
      <ErrorState error={errors.rest(CREATE_FIELDS)} title="User not created." />
    </Card>
  );
}

export default function AdminUsers() {
  const queryClient = useQueryClient();
  const toast = useToast();
  const { data: me } = useMe();
  const users = useQuery({ queryKey: ['admin', 'users'], queryFn: admin.users });
  const [adding, setAdding] = useState<User | null>(null);
  const [issued, setIssued] = useState<IssuedInvite | null>(null);
  const invites = useInviteActions(setIssued);
  const [confirm, setConfirm] = useState<{
    user: User;
    body: { disabled?: boolean; platformRole?: PlatformRole };
    text: string;
  } | null>(null);
  const update = useMutation({
    mutationFn: (c: NonNullable<typeof confirm>) => admin.updateUser(c.user.id, c.body),
    onSuccess: (_r, c) => {
      toast.success(`${c.user.email}: ${c.text.toLowerCase()} done.`);
      setConfirm(null);
      void queryClient.invalidateQueries({ queryKey: ['admin', 'users'] });
    },
  });
  const ask = (user: User, body: { disabled?: boolean; platformRole?: PlatformRole }, text: string) => {
    update.reset();
    setConfirm({ user, body, text });
  };
  const columns: Column<UserListItem>[] = [
    { key: 'name', header: 'Name', cell: (u) => u.displayName, sortValue: (u) => u.displayName },
    { key: 'email', header: 'Email', cell: (u) => u.email, sortValue: (u) => u.email },
    {
      key: 'role',
      header: 'Platform role',
      cell: (u) => (u.platformRole === 'platform_admin' ? <Pill tone="info">platform admin</Pill> : '—'),
    },
    {
      key: 'status',
      header: 'Status',
      cell: (u) => (
        <Pill tone={u.status === 'disabled' ? 'bad' : u.status === 'invited' ? 'warn' : 'good'}>{u.status}</Pill>
      ),
    },
    {
      key: 'orgs',
      header: 'Memberships',
      wrap: true,
      cell: (u) =>
        u.memberships.length
          ? u.memberships.map((m) => `${m.orgName} (${ROLE_LABEL[m.role] ?? m.role})`).join('; ')
          : '—',
    },
    { key: 'created', header: 'Created', cell: (u) => formatDateTime(u.createdAt), sortValue: (u) => u.createdAt },
    {
      key: 'actions',
      header: <span className="visually-hidden">Actions</span>,
      cell: (u) => {
        const self = u.id === me?.user?.id;
        const disabled = u.status === 'disabled';
        return (
          <span className="row">
            {invites.buttons(u)}
            <Button small onClick={() => setAdding(u)}>
              Add to org…
            </Button>
            <Button
              small
              disabled={self}
              onClick={() =>
                ask(
                  u,
                  { platformRole: u.platformRole === 'platform_admin' ? 'none' : 'platform_admin' },
                  u.platformRole === 'platform_admin' ? 'Remove platform admin' : 'Make platform admin',
                )
              }
            >
              {u.platformRole === 'platform_admin' ? 'Remove admin' : 'Make admin'}
            </Button>
            <Button
              small
              variant={disabled ? 'secondary' : 'danger'}
              disabled={self}
              onClick={() => ask(u, { disabled: !disabled }, disabled ? 'Enable' : 'Disable')}
            >
              {disabled ? 'Enable' : 'Disable'}
            </Button>
          </span>
        );
      },
    },
  ];
  return (
    <div className="stack">
      <header className="page-header">
        <h1>Users</h1>
      </header>
      <CreateUser onIssued={setIssued} />
      {issued ? <InviteLink invite={issued} onDismiss={() => setIssued(null)} /> : null}
      <Card title="All users">
        {invites.errors}
        <Table
          caption="Users"
          testId="users-table"
          columns={columns}
          rows={users.data?.users}
          rowKey={(u) => u.id}
          isLoading={users.isLoading}
          error={users.error}
          onRetry={() => users.refetch()}
          initialSort={{ key: 'email', dir: 'asc' }}
          empty="No users."
        />
      </Card>
      {adding ? <AddToOrg user={adding} onClose={() => setAdding(null)} /> : null}
      <ConfirmDialog
        open={confirm !== null}
        title={`${confirm?.text} ${confirm?.user.email}?`}
        message={
          confirm?.body.disabled
            ? 'They are signed out everywhere and cannot sign in until enabled again.'
            : 'This changes what the user may do across every org.'
        }
        confirmLabel={confirm?.text ?? 'Confirm'}
        danger={Boolean(confirm?.body.disabled)}
        busy={update.isPending}
        error={update.error}
        onConfirm={() => confirm && update.mutate(confirm)}
        onClose={() => setConfirm(null)}
      />
    </div>
  );
}
