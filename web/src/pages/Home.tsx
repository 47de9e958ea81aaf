// "/" sends the user to the org they used last, else their first org, else (platform admins) the portfolio.
import { Navigate } from 'react-router-dom';
import { ButtonAnchor } from '../components/Button';
import { lastOrg } from '../hooks/org';
import { canOpenOrg, isPlatformAdmin, useMe } from '../hooks/session';

export function Home() {
  const { data: me } = useMe();
  const remembered = lastOrg();
  if (remembered && canOpenOrg(me, remembered)) return <Navigate to={`/orgs/${remembered}`} replace />;
  const first = me?.memberships[0];
  if (first) return <Navigate to={`/orgs/${first.orgId}`} replace />;
  if (isPlatformAdmin(me)) return <Navigate to="/admin/portfolio" replace />;
  return (
    <div className="card stack">
      <h1>No organization yet</h1>
      <p className="muted">
        Your account is not a member of any organization. Ask your administrator to add you; until then there is nothing
        to show.
      </p>
      <div>
        <ButtonAnchor href="/api/docs">API documentation</ButtonAnchor>
      </div>
    </div>
  );
}
