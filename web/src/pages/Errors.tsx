// Not-found and forbidden screens inside the shell.
import { ButtonLink } from '../components/Button';

export function NotFound() {
  return (
    <div className="card stack">
      <h1>Page not found</h1>
      <p className="muted">There is nothing at this address. It may have moved, or the link may be mistyped.</p>
      <div>
        <ButtonLink to="/" variant="primary">
          Go to your dashboard
        </ButtonLink>
      </div>
    </div>
  );
}

export function Forbidden({ what }: { what: string }) {
  return (
    <div className="card stack" role="alert" data-testid="forbidden">
      <h1>Not available to you</h1>
      <p className="muted">{what} is for accounts with a different role. Ask an administrator if you need access.</p>
      <div>
        <ButtonLink to="/" variant="primary">
          Go to your dashboard
        </ButtonLink>
      </div>
    </div>
  );
}
