// Accept-invite screen: an invited user opens the one-time link (#token=…), chooses a password and is signed in.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type ChangeEvent, type FormEvent, useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { ApiError } from '../api/client';
import { auth } from '../api/endpoints';
import { Button, ButtonLink } from '../components/Button';
import { Field } from '../components/Field';
import { SignedOutFrame } from '../components/SignedOutFrame';
import { ErrorState, Notice } from '../components/States';
import { ME_KEY, useMe } from '../hooks/session';
import { useFormErrors } from '../hooks/useFormErrors';

// The server's rules (PasswordSchema and AcceptInviteBody); checked here only to answer sooner — the server decides.
const PASSWORD_MIN = 12;
const PASSWORD_MAX = 200;
const DISPLAY_NAME_MAX = 200;
const TOKEN_MIN = 20;
const TOKEN_MAX = 200;

interface InviteForm {
  displayName: string;
  password: string;
  confirm: string;
}
type FormErrors = Partial<Record<keyof InviteForm, string>>;

/** The token from "#token=…"; anything the server would refuse as malformed counts as missing (a cut-off link). */
function tokenFromHash(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token && token.length >= TOKEN_MIN && token.length <= TOKEN_MAX ? token : null;
}

function checkForm(form: InviteForm): FormErrors {
  const errors: FormErrors = {};
  if (form.displayName.trim().length > DISPLAY_NAME_MAX) {
    errors.displayName = `Use at most ${DISPLAY_NAME_MAX} characters.`;
  }
  if (form.password.length < PASSWORD_MIN) errors.password = `Use at least ${PASSWORD_MIN} characters.`;
  else if (form.password.length > PASSWORD_MAX) errors.password = `Use at most ${PASSWORD_MAX} characters.`;
  if (!form.confirm) errors.confirm = 'Type the password again.';
  else if (form.confirm !== form.password) errors.confirm = 'The passwords do not match.';
  return errors;
}

/** redeemInvite answers one code for unknown, used and expired tokens: the link is spent either way. */
function isSpentInvite(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'invite_invalid';
}

/** The invited address already has an account, and this browser is not signed in to it. */
function needsSignIn(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'sign_in_required';
}

function DeadEnd({ title, message }: { title: string; message: string }) {
  return (
    <SignedOutFrame title={title}>
      <div className="stack">
        <p role="alert">{message}</p>
        <p className="muted small">If you have already set your password, sign in with it.</p>
        <div>
          <ButtonLink to="/sign-in" variant="primary">
            Sign in
          </ButtonLink>
        </div>
      </div>
    </SignedOutFrame>
  );
}

/** Reads the token once, then takes it out of the address bar so it stays out of history, bookmarks and screenshots. */
function useInviteToken(): string | null {
  const location = useLocation();
  const navigate = useNavigate();
  const [token] = useState(() => tokenFromHash(window.location.hash));
  useEffect(() => {
    // The router's replace is history.replaceState, and keeps the router's own idea of the URL in step.
    if (location.hash) navigate({ pathname: location.pathname, search: location.search }, { replace: true });
  }, [location.hash, location.pathname, location.search, navigate]);
  return token;
}

export function AcceptInvite() {
  const token = useInviteToken();
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<InviteForm>({ displayName: '', password: '', confirm: '' });
  const [submitted, setSubmitted] = useState(false);

  const accept = useMutation({
    mutationFn: auth.acceptInvite,
    onSuccess: (signedIn) => {
      // Whatever an earlier session cached belongs to someone else; the answer already is the new /api/me.
      queryClient.removeQueries();
      queryClient.setQueryData(ME_KEY, signedIn);
      navigate('/', { replace: true });
    },
  });
  const server = useFormErrors(accept.error);

  if (!token) {
    return (
      <DeadEnd
        title="Invite link incomplete"
        message="This invite link is incomplete — ask your administrator for a new one."
      />
    );
  }
  if (needsSignIn(accept.error)) {
    return (
      <DeadEnd
        title="Sign in to accept"
        message="This email address already has a VictorySync account. Sign in to it, then open the invite link again to join. If you cannot sign in, ask your administrator."
      />
    );
  }
  if (isSpentInvite(accept.error)) {
    return (
      <DeadEnd
        title="Invite no longer valid"
        message="This invite has expired or was already used — ask your administrator for a new one."
      />
    );
  }

  // Errors appear once the user has tried to submit, then follow their typing.
  const errors = checkForm(form);
  const shown: FormErrors = submitted ? errors : {};
  const update = (field: keyof InviteForm) => (e: ChangeEvent<HTMLInputElement>) =>
    setForm((f) => ({ ...f, [field]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (Object.keys(errors).length > 0) return;
    // An empty name is left out, so the name the administrator entered stays.
    const displayName = form.displayName.trim();
    accept.mutate({ token, password: form.password, ...(displayName ? { displayName } : {}) });
  };

  return (
    <SignedOutFrame title="Set your password">
      <form className="stack" onSubmit={submit} noValidate>
        <p className="muted">Choose a password to finish setting up your VictorySync account.</p>
        {me.data?.user ? (
          <Notice>
            <div className="stack">
              <p>
                You are signed in as {me.data.user.email}. If the invite is for this address, join with this account;
                otherwise set a password below to set up the invited account.
              </p>
              <div>
                <Button busy={accept.isPending} onClick={() => accept.mutate({ token })}>
                  Join as {me.data.user.email}
                </Button>
              </div>
            </div>
          </Notice>
        ) : null}
        <Field
          label="Display name (optional)"
          name="displayName"
          autoComplete="name"
          maxLength={200}
          hint="How your name appears to your team. Leave empty to keep the one your administrator entered."
          value={form.displayName}
          error={shown.displayName ?? server.field('displayName')}
          onChange={update('displayName')}
        />
        <Field
          label="New password"
          type="password"
          name="password"
          autoComplete="new-password"
          required
          maxLength={200}
          hint={`At least ${PASSWORD_MIN} characters.`}
          value={form.password}
          error={shown.password ?? server.field('password')}
          onChange={update('password')}
        />
        <Field
          label="Confirm password"
          type="password"
          name="confirm"
          autoComplete="new-password"
          required
          maxLength={200}
          value={form.confirm}
          error={shown.confirm}
          onChange={update('confirm')}
        />
        <ErrorState error={server.rest(['displayName', 'password'])} title="Password not set." />
        <Button type="submit" variant="primary" busy={accept.isPending}>
          Set password and sign in
        </Button>
      </form>
    </SignedOutFrame>
  );
}
