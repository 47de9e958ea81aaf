// Platform admin: the whole audit log, with an organization filter on top of the shared ones.
import { useQuery } from '@tanstack/react-query';
import { admin } from '../../api/endpoints';
import type { Org } from '../../api/types';
import { type AuditChoice, AuditLog } from '../audit/AuditLog';

function orgChoice(orgs: Org[]): AuditChoice {
  return {
    param: 'orgId',
    label: 'Organization',
    options: [{ value: '', label: 'All orgs' }, ...orgs.map((o) => ({ value: o.id, label: o.name }))],
  };
}

export default function AdminAudit() {
  const orgs = useQuery({ queryKey: ['admin', 'orgs'], queryFn: admin.orgs });
  return (
    <div className="stack">
      <header className="page-header">
        <h1>Audit log</h1>
      </header>
      <AuditLog queryKey={['admin', 'audit']} fetchPage={admin.audit} choice={orgChoice(orgs.data?.orgs ?? [])} />
    </div>
  );
}
