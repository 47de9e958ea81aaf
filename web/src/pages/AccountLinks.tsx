// Self-service account screens reached without signing in: forgot password, reset password (from the mailed link),
// and email verification (from the mailed link). Tokens come in the URL's fragment and leave the address bar at once.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { ApiError } from '../api/client';
import { auth } from '../api/endpoints';
import { Button, ButtonLink } from '../components/Button';
import { Field } from '../components/Field';
import { SignedOutFrame } from '../components/SignedOutFrame';
import { ErrorState, Notice } from '../components/States';
import { ME_KEY } from '../hooks/session';
import { useFormErrors } from '../hooks/useFormErrors';

// The server's rules (PasswordSchema, token length); checked here only to answer sooner — the server decides.
const PASSWORD_MIN = 12;
const PASSWORD_MAX = 200;
const TOKEN_MIN = 20;
const TOKEN_MAX = 200;

/** Reads "#token=…" once, then takes it out of the address bar (history, bookmarks, screenshots). */
function useFragmentToken(): string | null {
  const location = useLocation();
  const navigate = useNavigate();
  const [token] = useState(() => {
    const value = new URLSearchParams(window.location.hash.replace(/^#/, '')).get('token');
    return value && value.length >= TOKEN_MIN && value.length <= TOKEN_MAX ? value : null;
  });
  useEffect(() => {
    if (location.hash) navigate({ pathname: location.pathname, search: location.search }, { replace: true });
  }, [location.hash, location.pathname, location.search, navigate]);
  return token;
}

const isSpent = (error: unknown) => error instanceof ApiError && error.code === 'token_invalid';

export function ForgotPassword() {
  const [email, setEmail] = useState('');
  const ask = useMutation({ mutationFn: () => auth.forgotPassword(email.trim()) });
  const errors = useFormErrors(ask.error);
  return (
    <SignedOutFrame title="Reset your password">
      {ask.isSuccess ? (
        <div className="stack">
          <p role="status">{ask.data.message}</p>
          <p className="muted small">Check your inbox (and its spam folder). You can close this page.</p>
          <div>
            <ButtonLink to="/sign-in">Back to sign in</ButtonLink>
          </div>
        </div>
      ) : (
        <form className="stack" onSubmit={errors.submit(() => ask.mutate())} {...errors.formProps}>
          <p className="muted">Enter the email address of your account: we send it a link to choose a new password.</p>
          <Field
            label="Email"
            type="email"
            name="email"
            autoComplete="username"
            required
            maxLength={320}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={errors.field('email')}
          />
          <ErrorState error={errors.rest(['email'])} title="Not sent." />
          <Button type="submit" variant="primary" busy={ask.isPending} disabled={!email.trim()}>
            Send the reset link
          </Button>
          <p className="small">
            <Link to="/sign-in">Back to sign in</Link>
          </p>
        </form>
      )}
    </SignedOutFrame>
  );
}

export function ResetPassword() {
  const token = useFragmentToken();
  const queryClient = useQueryClient();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const reset = useMutation({
    mutationFn: (t: string) => auth.resetPassword({ token: t, password }),
    // Every session of the account ended, this browser's too.
    onSuccess: () => queryClient.setQueryData(ME_KEY, null),
  });
  const server = useFormErrors(reset.error);
  if (!token || isSpent(reset.error)) {
    return (
      <SignedOutFrame title="Reset link no longer valid">
        <div className="stack">
          <p role="alert">This reset link is incomplete, expired or already used. Ask for a new one.</p>
          <div>
            <ButtonLink to="/forgot-password" variant="primary">
              Ask for a new link
            </ButtonLink>
          </div>
        </div>
      </SignedOutFrame>
    );
  }
  if (reset.isSuccess) {
    return (
      <SignedOutFrame title="Password changed">
        <div className="stack">
          <p role="status">Your password is changed, and every session of your account was signed out.</p>
          <div>
            <ButtonLink to="/sign-in" variant="primary">
              Sign in
            </ButtonLink>
          </div>
        </div>
      </SignedOutFrame>
    );
  }
  const tooShort = password.length < PASSWORD_MIN;
  const tooLong = password.length > PASSWORD_MAX;
  const passwordError = tooShort
    ? `Use at least ${PASSWORD_MIN} characters.`
    : tooLong
      ? `Use at most ${PASSWORD_MAX} characters.`
      : undefined;
  const confirmError = confirm !== password ? 'The passwords do not match.' : undefined;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (passwordError || confirmError) return;
    reset.mutate(token);
  };
  return (
    <SignedOutFrame title="Choose a new password">
      <form className="stack" onSubmit={submit} noValidate>
        <Field
          label="New password"
          type="password"
          name="password"
          autoComplete="new-password"
          required
          maxLength={PASSWORD_MAX}
          hint={`At least ${PASSWORD_MIN} characters. Saving it signs your account out everywhere.`}
          value={password}
          error={(submitted ? passwordError : undefined) ?? server.field('password')}
          onChange={(e) => setPassword(e.target.value)}
        />
        <Field
          label="Confirm password"
          type="password"
          name="confirm"
          autoComplete="new-password"
          required
          maxLength={PASSWORD_MAX}
          value={confirm}
          error={submitted ? confirmError : undefined}
          onChange={(e) => setConfirm(e.target.value)}
        />
        <ErrorState error={server.rest(['password'])} title="Password not changed." />
        <Button type="submit" variant="primary" busy={reset.isPending}>
          Save the new password
        </Button>
      </form>
    </SignedOutFrame>
  );
}

export function VerifyEmail() {
  const token = useFragmentToken();
  const queryClient = useQueryClient();
  const verify = useMutation({
    mutationFn: auth.verifyEmail,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ME_KEY }),
  });
  const started = useRef(false);
  useEffect(() => {
    // Once: React's development double effects must not spend the single-use link twice.
    if (token && !started.current) {
      started.current = true;
      verify.mutate(token);
    }
  }, [token, verify]);
  if (!token || isSpent(verify.error)) {
    return (
      <SignedOutFrame title="Verification link no longer valid">
        <div className="stack">
          <p role="alert">
            This link is incomplete, expired or already used. Sign in and ask for a new one from the menu.
          </p>
          <div>
            <ButtonLink to="/" variant="primary">
              Open VictorySync
            </ButtonLink>
          </div>
        </div>
      </SignedOutFrame>
    );
  }
  return (
    <SignedOutFrame title="Confirm your email address">
      {verify.isSuccess ? (
        <div className="stack">
          <p role="status">Your email address is confirmed.</p>
          <div>
            <ButtonLink to="/" variant="primary">
              Open VictorySync
            </ButtonLink>
          </div>
        </div>
      ) : verify.isError ? (
        <ErrorState error={verify.error} title="Not confirmed." onRetry={() => verify.mutate(token)} />
      ) : (
        <Notice>Confirming…</Notice>
      )}
    </SignedOutFrame>
  );
}
