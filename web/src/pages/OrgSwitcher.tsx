// The org switcher of the navigation: a native select that changes org only on an explicit choice (a pick from its
// list, or Enter), never while arrow keys browse the closed select; the same screen and range open in the new org.
import { useQuery } from '@tanstack/react-query';
import { type KeyboardEvent, useRef, useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { admin } from '../api/endpoints';
import { isPlatformAdmin, useMe } from '../hooks/session';
import { rangeSearch } from '../hooks/useRange';

const HINT_ID = 'org-switcher-hint';
/** Keys that move a closed select's value (and fire `change` at once in Chromium and Firefox). */
const BROWSE_KEYS = new Set(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageUp', 'PageDown']);
const browses = (key: string | null) => key !== null && (BROWSE_KEYS.has(key) || (key.length === 1 && key !== ' '));

function useSwitchableOrgs() {
  const { data: me } = useMe();
  const platform = isPlatformAdmin(me);
  const all = useQuery({ queryKey: ['admin', 'orgs'], queryFn: admin.orgs, enabled: platform, staleTime: 60_000 });
  const byId = new Map<string, string>();
  for (const m of me?.memberships ?? []) byId.set(m.orgId, m.orgName);
  for (const o of all.data?.orgs ?? []) if (!byId.has(o.id)) byId.set(o.id, o.name);
  return { orgs: [...byId].map(([id, name]) => ({ id, name })), error: all.error };
}

export function OrgSwitcher({ orgId }: { orgId: string | undefined }) {
  const { orgs, error } = useSwitchableOrgs();
  const navigate = useNavigate();
  const location = useLocation();
  // An org reached with arrow keys, not yet chosen; Enter opens it, leaving the select drops it.
  const [pending, setPending] = useState<string | null>(null);
  const lastKey = useRef<string | null>(null);
  if (orgs.length === 0) return error ? <p className="small">Org list unavailable</p> : null;

  const open = (next: string) => {
    setPending(null);
    if (!next || next === orgId) return;
    // Keep the same screen (calls, settings…) in the other org; a call detail belongs to one org, so drop it.
    const rest = orgId ? location.pathname.split('/').slice(3, 4).join('/') : '';
    navigate(`/orgs/${next}${rest ? `/${rest}` : ''}${rangeSearch(location.search)}`);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLSelectElement>) => {
    lastKey.current = e.altKey ? null : e.key;
    if (e.key === 'Enter' && pending !== null) {
      // Enter confirms the org browsed to (instead of opening the list).
      e.preventDefault();
      open(pending);
    } else if (e.key === 'Escape' && pending !== null) {
      setPending(null);
    }
  };
  const pendingName = pending !== null && pending !== orgId ? orgs.find((o) => o.id === pending)?.name : undefined;
  return (
    <div className="field">
      <label className="field-label" htmlFor="org-switcher">
        Organization
      </label>
      <select
        id="org-switcher"
        className="select"
        value={pending ?? orgId ?? ''}
        onKeyDown={onKeyDown}
        onPointerDown={() => {
          lastKey.current = null;
        }}
        onChange={(e) => {
          const browsed = browses(lastKey.current);
          lastKey.current = null;
          if (browsed) setPending(e.target.value);
          else open(e.target.value);
        }}
        onBlur={() => setPending(null)}
        aria-describedby={pendingName ? HINT_ID : undefined}
        data-testid="org-switcher"
      >
        {orgId ? null : <option value="">Choose an org…</option>}
        {orgs.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
      {pendingName ? (
        <span className="field-hint" id={HINT_ID} data-testid="org-switcher-hint">
          Press Enter to open {pendingName}
        </span>
      ) : null}
    </div>
  );
}
