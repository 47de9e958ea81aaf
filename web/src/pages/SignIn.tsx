// Sign-in screen: email + password → session cookie; a malformed field is named under it, a refusal (wrong password,
// too many tries) is said above the button.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError } from '../api/client';
import { auth } from '../api/endpoints';
import { Button } from '../components/Button';
import { Field } from '../components/Field';
import { SignedOutFrame } from '../components/SignedOutFrame';
import { ErrorState, Loading } from '../components/States';
import { ME_KEY, useMe } from '../hooks/session';
import { useFormErrors } from '../hooks/useFormErrors';

const FIELDS = ['email', 'password'];

function safeNext(next: string | null): string {
  // Only same-app paths: never follow ?next= to another site.
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function SignIn() {
  const me = useMe();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const next = safeNext(params.get('next'));

  const login = useMutation({
    mutationFn: () => auth.login(email.trim(), password),
    onSuccess: async () => {
      queryClient.removeQueries();
      await queryClient.fetchQuery({ queryKey: ME_KEY, queryFn: auth.me });
      navigate(next, { replace: true });
    },
  });

  const errors = useFormErrors(login.error);

  if (me.isPending) return <Loading label="Checking your session…" />;
  if (me.data) return <Navigate to={next} replace />;

  const retryAfter = login.error instanceof ApiError && login.error.status === 429 ? ' Wait before trying again.' : '';

  return (
    <SignedOutFrame
      title="Sign in"
      after={
        <>
          <p className="small">
            <Link to="/forgot-password">Forgot your password?</Link>
          </p>
          <p className="small muted">
            <a href="/api/docs">API documentation</a>
          </p>
        </>
      }
    >
      <form className="stack" onSubmit={errors.submit(() => login.mutate())} {...errors.formProps}>
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
        <Field
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          maxLength={200}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.field('password')}
        />
        <ErrorState error={errors.rest(FIELDS)} title={`Sign-in failed.${retryAfter}`} />
        {me.isError ? <ErrorState error={me.error} title="The server is not answering." /> : null}
        <Button type="submit" variant="primary" busy={login.isPending} disabled={!email || !password}>
          Sign in
        </Button>
      </form>
    </SignedOutFrame>
  );
}
