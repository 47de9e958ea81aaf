// Org settings (org admins and platform admins): settings, members and org API keys.
import { orgs } from '../../api/endpoints';
import type { ApiKeyScope } from '../../api/types';
import { useCurrentOrg } from '../../hooks/org';
import { Forbidden } from '../Errors';
import { ApiKeysPanel } from './ApiKeys';
import { MembersPanel } from './Members';
import { SettingsForm } from './SettingsForm';

/** Org keys only read (the server refuses other scopes for them). */
export const ORG_KEY_SCOPES: ApiKeyScope[] = ['metrics:read', 'calls:read', 'numbers:read', 'members:read'];

const orgMemberApi = { add: orgs.addMember, update: orgs.updateMember, remove: orgs.removeMember };

export default function OrgSettings() {
  const { org, canAdminister } = useCurrentOrg();
  if (!canAdminister) return <Forbidden what="Org settings" />;
  return (
    <div className="stack">
      <header className="page-header">
        <h1>{org.name} settings</h1>
      </header>
      <SettingsForm org={org} canEdit />
      <MembersPanel orgId={org.id} api={orgMemberApi} canEdit />
      <ApiKeysPanel
        title="Org API keys"
        queryKey={['api-keys', org.id]}
        list={() => orgs.apiKeys(org.id)}
        create={(body) => orgs.createApiKey(org.id, body)}
        revoke={(keyId) => orgs.revokeApiKey(org.id, keyId)}
        scopes={ORG_KEY_SCOPES}
        timeZone={org.timezone}
      />
    </div>
  );
}
