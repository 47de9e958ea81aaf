// An org's audit log, for whoever holds audit:read there (org admins, platform admins), in the org's time zone.
import { useQuery } from '@tanstack/react-query';
import { orgs } from '../../api/endpoints';
import type { Member } from '../../api/types';
import { OrgPageHeader } from '../../components/OrgPageHeader';
import { useCurrentOrg } from '../../hooks/org';
import { can, useMe } from '../../hooks/session';
import { Forbidden } from '../Errors';
import { type AuditChoice, AuditLog } from './AuditLog';

function memberChoice(members: Member[]): AuditChoice {
  return {
    param: 'actorUserId',
    label: 'Who',
    options: [
      { value: '', label: 'Anyone' },
      ...members.map((m) => ({ value: m.userId, label: `${m.displayName} (${m.email})` })),
    ],
  };
}

export default function OrgAudit() {
  const { org } = useCurrentOrg();
  const { data: me } = useMe();
  const allowed = can(me, org.id, 'audit:read');
  // The member list names the people in the log and offers them as a filter; without it, ids show.
  const members = useQuery({
    queryKey: ['members', org.id],
    queryFn: () => orgs.members(org.id),
    enabled: allowed && can(me, org.id, 'members:read'),
  });
  if (!allowed) return <Forbidden what="The audit log" />;

  const list = members.data?.members ?? [];
  return (
    <div className="stack">
      <OrgPageHeader title="Audit log" org={org} lead="Changes made in" />
      <AuditLog
        queryKey={['audit', org.id]}
        fetchPage={(query) => orgs.audit(org.id, query)}
        timeZone={org.timezone}
        choice={memberChoice(list)}
        names={new Map(list.map((m) => [m.userId, m.email]))}
      />
    </div>
  );
}
