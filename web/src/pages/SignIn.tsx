// Sign-in screen: email + password → session cookie; errors (wrong password, too many tries) are shown as the server words them.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError } from '../api/client';
import { auth } from '../api/endpoints';
import { Button } from '../components/Button';
import { Card } from '../components/Card';
import { Field } from '../components/Field';
import { ErrorState, Loading } from '../components/States';
import { ME_KEY, useMe } from '../hooks/session';

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

  if (me.isPending) return <Loading label="Checking your session…" />;
  if (me.data) return <Navigate to={next} replace />;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate();
  };
  const retryAfter = login.error instanceof ApiError && login.error.status === 429 ? ' Wait before trying again.' : '';

  return (
    <main className="center-page">
      <div className="stack narrow">
        <h1>VictorySync</h1>
        <Card title="Sign in">
          <form className="stack" onSubmit={submit} noValidate>
            <Field
              label="Email"
              type="email"
              name="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
            <Field
              label="Password"
              type="password"
              name="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            {login.error ? <ErrorState error={login.error} title={`Sign-in failed.${retryAfter}`} /> : null}
            {me.isError ? <ErrorState error={me.error} title="The server is not answering." /> : null}
            <Button type="submit" variant="primary" busy={login.isPending} disabled={!email || !password}>
              Sign in
            </Button>
          </form>
        </Card>
        <p className="small muted">
          <a href="/api/docs">API documentation</a>
        </p>
      </div>
    </main>
  );
}
