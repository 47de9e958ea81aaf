// The heading of an org's screen: its title, which org it is and the zone its times are written in, and the
// screen's own actions beside them.
import type { ReactNode } from 'react';
import type { Org } from '../api/types';

export function OrgPageHeader(props: { title: string; org: Org; lead?: string; children?: ReactNode }) {
  const { title, org, lead, children } = props;
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        <p className="page-header-meta">
          {lead ? `${lead} ` : ''}
          {org.name}; times in {org.timezone}
        </p>
      </div>
      {children}
    </header>
  );
}
