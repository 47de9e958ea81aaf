// Invitations panel: the link of a new invitation (to pass on, only where no mail server is configured), and the
// org's pending invitations to re-send or revoke.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { orgs } from '../../api/endpoints';
import type { Invitation } from '../../api/types';
import { Button } from '../../components/Button';
import { OneTimeLink } from '../../components/OneTimeLink';
import { Pill } from '../../components/Pill';
import { ErrorState } from '../../components/States';
import { type Column, Table } from '../../components/Table';
import { useToast } from '../../components/Toast';
import { ROLE_LABEL } from '../../hooks/session';
import { formatDateTime } from '../../metrics/format';

export const invitationsKey = (orgId: string) => ['invitations', orgId];

/** The one-time link just issued where mail is only captured: shown once, with a copy button, until dismissed. */
export function IssuedLink({ email, url, onDismiss }: { email: string; url: string; onDismiss: () => void }) {
  return (
    <OneTimeLink
      url={url}
      fieldLabel={`Invitation link for ${email}`}
      copyLabel={`Copy the invitation link for ${email}`}
      testId="invitation-link"
      onDismiss={onDismiss}
    >
      Invitation sent to <strong>{email}</strong>. No mail server is configured on this VictorySync, so the message was
      kept on the Sent mail page instead of delivered: pass this one-time link on yourself. It is shown only now and
      works for 7 days; they join when they accept it.
    </OneTimeLink>
  );
}

const TONE = { pending: 'warn', accepted: 'good', revoked: 'neutral', expired: 'bad' } as const;

export function InvitationsTable({
  orgId,
  onIssued,
}: {
  orgId: string;
  onIssued: (email: string, url: string) => void;
}) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const invitations = useQuery({ queryKey: invitationsKey(orgId), queryFn: () => orgs.invitations(orgId) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: invitationsKey(orgId) });
  const reissue = useMutation({
    mutationFn: (i: Invitation) => orgs.reissueInvitation(orgId, i.id),
    onSuccess: (res) => {
      if (res.url) onIssued(res.invitation.email, res.url);
      else toast.success(`Invitation sent again to ${res.invitation.email}; the earlier link no longer works.`);
      void refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (i: Invitation) => orgs.revokeInvitation(orgId, i.id),
    onSuccess: (res) => {
      toast.success(`The invitation for ${res.invitation.email} no longer works.`);
      void refresh();
    },
  });
  const open = (i: Invitation) => i.status === 'pending' || i.status === 'expired';
  const columns: Column<Invitation>[] = [
    { key: 'email', header: 'Email', cell: (i) => i.email, sortValue: (i) => i.email },
    { key: 'role', header: 'Role', cell: (i) => ROLE_LABEL[i.role] ?? i.role },
    { key: 'status', header: 'Status', cell: (i) => <Pill tone={TONE[i.status]}>{i.status}</Pill> },
    { key: 'expires', header: 'Expires', cell: (i) => formatDateTime(i.expiresAt), sortValue: (i) => i.expiresAt },
    {
      key: 'actions',
      header: <span className="visually-hidden">Actions</span>,
      cell: (i) =>
        open(i) ? (
          <span className="row">
            <Button small onClick={() => reissue.mutate(i)} aria-label={`Re-send to ${i.email}`}>
              Re-send
            </Button>
            {i.status === 'pending' ? (
              <Button small variant="danger" onClick={() => revoke.mutate(i)} aria-label={`Revoke ${i.email}`}>
                Revoke
              </Button>
            ) : null}
          </span>
        ) : null,
    },
  ];
  return (
    <div className="stack">
      <h3>Invitations</h3>
      {reissue.error ? <ErrorState error={reissue.error} title="Not re-sent." /> : null}
      {revoke.error ? <ErrorState error={revoke.error} title="Not revoked." /> : null}
      <Table
        caption="Invitations"
        testId="invitations-table"
        columns={columns}
        rows={invitations.data?.invitations}
        rowKey={(i) => i.id}
        isLoading={invitations.isLoading}
        error={invitations.error}
        onRetry={() => invitations.refetch()}
        empty="No open invitations."
      />
    </div>
  );
}
