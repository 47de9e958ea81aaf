// Platform admin: platform-scoped API keys (create once, list, revoke).
import { admin } from '../../api/endpoints';
import type { ApiKeyScope } from '../../api/types';
import { ApiKeysPanel } from '../settings/ApiKeys';
import { ORG_KEY_SCOPES } from '../settings/OrgSettings';

const PLATFORM_SCOPES: ApiKeyScope[] = [
  ...ORG_KEY_SCOPES,
  'numbers:write',
  'orgs:admin',
  'users:admin',
  'audit:read',
  'calls:import',
  'mightycall:admin',
  'act_as',
];

export default function AdminPlatformKeys() {
  return (
    <div className="stack">
      <header className="page-header">
        <h1>Platform API keys</h1>
        <p className="page-header-meta">
          These keys reach every org. act_as lets a key send x-user-id to act as a user (audited).
        </p>
      </header>
      <ApiKeysPanel
        title="Platform keys"
        queryKey={['admin', 'platform-keys']}
        list={admin.platformKeys}
        create={admin.createPlatformKey}
        revoke={admin.revokePlatformKey}
        scopes={PLATFORM_SCOPES}
      />
    </div>
  );
}
