// The signed-in frame: navigation, org switcher, sign-out and the API docs link; collapses to a menu on phones.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { NavLink, Outlet, useLocation, useMatch, useNavigate } from 'react-router-dom';
import { auth } from '../api/endpoints';
import { Button } from '../components/Button';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { useToast } from '../components/Toast';
import { can, canAdministerOrg, isPlatformAdmin, ME_KEY, useMe } from '../hooks/session';
import { OrgSwitcher } from './OrgSwitcher';

function Link({ to, children, end }: { to: string; children: string; end?: boolean }) {
  return (
    <li>
      <NavLink to={to} end={end} className="shell-link">
        {children}
      </NavLink>
    </li>
  );
}

export function Shell() {
  const { data: me } = useMe();
  const orgMatch = useMatch('/orgs/:orgId/*');
  const orgId = orgMatch?.params.orgId;
  const [open, setOpen] = useState(false);
  const location = useLocation();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const toast = useToast();
  const signOut = useMutation({
    mutationFn: auth.logout,
    onSuccess: () => {
      queryClient.clear();
      queryClient.setQueryData(ME_KEY, null);
      navigate('/sign-in');
    },
    onError: (error) => toast.error(error, 'Sign-out failed'),
  });
  const verify = useMutation({
    mutationFn: auth.sendVerification,
    onSuccess: (sent) => toast.success(`A link to confirm your address was sent to ${sent.sentTo}.`),
    onError: (error) => toast.error(error, 'Verification not sent'),
  });
  const platform = isPlatformAdmin(me);
  // Following a link closes the phone menu.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation on purpose
  useEffect(() => setOpen(false), [location.pathname]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav className="shell-nav" aria-label="Main" data-open={open}>
        <div className="shell-top">
          <div className="shell-brand">VictorySync</div>
          <Button small className="shell-menu-button" aria-expanded={open} onClick={() => setOpen((v) => !v)}>
            Menu
          </Button>
        </div>
        <div className="shell-collapsible stack">
          <OrgSwitcher orgId={orgId} />
          {orgId ? (
            <ul className="shell-links">
              <Link to={`/orgs/${orgId}`} end>
                Dashboard
              </Link>
              <Link to={`/orgs/${orgId}/calls`}>Calls</Link>
              <Link to={`/orgs/${orgId}/live`}>Live wallboard</Link>
              {canAdministerOrg(me, orgId) ? <Link to={`/orgs/${orgId}/settings`}>Org settings</Link> : null}
              {can(me, orgId, 'alerts:read') ? <Link to={`/orgs/${orgId}/alerts`}>Alerts</Link> : null}
              {can(me, orgId, 'reports:read') ? <Link to={`/orgs/${orgId}/reports`}>Reports</Link> : null}
              {can(me, orgId, 'audit:read') ? <Link to={`/orgs/${orgId}/audit`}>Org audit log</Link> : null}
            </ul>
          ) : null}
          {platform ? (
            <>
              <div className="shell-section">Platform admin</div>
              <ul className="shell-links" data-testid="admin-nav">
                <Link to="/admin/portfolio">Portfolio</Link>
                <Link to="/admin/orgs">Organizations</Link>
                <Link to="/admin/numbers">Phone numbers</Link>
                <Link to="/admin/users">Users</Link>
                <Link to="/admin/keys">Platform API keys</Link>
                <Link to="/admin/audit">Audit log</Link>
                <Link to="/admin/mightycall">MightyCall</Link>
                <Link to="/admin/mail">Sent mail</Link>
              </ul>
            </>
          ) : null}
          <div className="shell-footer">
            <a href="/api/docs" target="_blank" rel="noreferrer">
              API documentation ↗
            </a>
            <span data-testid="signed-in-as">
              {me?.user?.displayName} · {me?.user?.email}
            </span>
            {me?.emailVerified === false && !me.actingAs ? (
              <Button small busy={verify.isPending} onClick={() => verify.mutate()}>
                Verify my email
              </Button>
            ) : null}
            <Button small busy={signOut.isPending} onClick={() => signOut.mutate()}>
              Sign out
            </Button>
          </div>
        </div>
      </nav>
      <main id="main" className="shell-main" tabIndex={-1}>
        <ErrorBoundary resetKey={location.pathname}>
          <Outlet />
        </ErrorBoundary>
      </main>
    </div>
  );
}
