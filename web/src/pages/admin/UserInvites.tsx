// Platform users' invites: the one-time link (whole, with a copy button), a new link for a user who has not signed
// up yet (the old one stops working), and revoking a pending invite.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { admin } from '../../api/endpoints';
import type { UserListItem } from '../../api/types';
import { Button } from '../../components/Button';
import { OneTimeLink } from '../../components/OneTimeLink';
import { ErrorState } from '../../components/States';
import { useToast } from '../../components/Toast';

export interface IssuedInvite {
  email: string;
  url: string;
}

export function InviteLink({ invite, onDismiss }: { invite: IssuedInvite; onDismiss: () => void }) {
  return (
    <OneTimeLink
      url={invite.url}
      fieldLabel={`Invite link for ${invite.email}`}
      copyLabel={`Copy the invite link for ${invite.email}`}
      testId="user-invite-link"
      onDismiss={onDismiss}
    >
      Invite for <strong>{invite.email}</strong>: send this one-time link to them. It is shown only now, works for 7
      days, and lets them choose their password.
    </OneTimeLink>
  );
}

/** "New link" and "Revoke invite" for the users table; the new link goes to `onIssued`. */
export function useInviteActions(onIssued: (invite: IssuedInvite) => void) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const reissue = useMutation({
    mutationFn: (u: UserListItem) => admin.reissueInvite(u.id),
    onSuccess: (res, u) => {
      if (res.invite) onIssued({ email: u.email, url: res.invite.url });
      else if (res.emailedTo)
        toast.success(`A new invite is on its way to ${res.emailedTo}; the earlier link no longer works.`);
    },
  });
  const revoke = useMutation({
    mutationFn: (u: UserListItem) => admin.revokeInvite(u.id),
    onSuccess: (_res, u) => {
      toast.success(`The invite link for ${u.email} no longer works.`);
      void queryClient.invalidateQueries({ queryKey: ['admin', 'users'] });
    },
  });
  const errors = (
    <>
      {reissue.error ? <ErrorState error={reissue.error} title="No new link." /> : null}
      {revoke.error ? <ErrorState error={revoke.error} title="Invite not revoked." /> : null}
    </>
  );
  const buttons = (u: UserListItem) =>
    u.status === 'invited' ? (
      <>
        <Button small onClick={() => reissue.mutate(u)} aria-label={`New link for ${u.email}`}>
          New link
        </Button>
        <Button small variant="danger" onClick={() => revoke.mutate(u)} aria-label={`Revoke invite of ${u.email}`}>
          Revoke invite
        </Button>
      </>
    ) : null;
  return { buttons, errors };
}
