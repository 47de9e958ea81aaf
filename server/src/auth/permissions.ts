// The permission table: named permissions, what each org role holds, and what each API-key scope grants.
import type { OrgRole } from '../db/types.js';

export type Permission =
  | 'public' // no credential needed (sign-in, invite acceptance)
  | 'self' // any authenticated principal (e.g. /api/me, logout)
  | 'org:read' // the org's profile and settings, for anyone with access to the org
  | 'metrics:read'
  | 'calls:read'
  | 'numbers:read'
  | 'members:read'
  | 'members:write'
  | 'settings:write'
  | 'keys:manage'
  | 'audit:read'
  | 'alerts:read'
  | 'alerts:write'
  | 'reports:read'
  | 'reports:write'
  | 'platform:orgs'
  | 'platform:users'
  | 'platform:numbers'
  | 'platform:keys'
  | 'platform:audit'
  | 'platform:calls:import'
  | 'platform:mightycall'
  | 'platform:portfolio'
  | 'platform:mail';

/** Every permission with the sentence docs/permissions.md prints for it, in table order. */
export const PERMISSIONS: ReadonlyArray<{
  permission: Permission;
  scope: 'org' | 'platform' | 'any';
  meaning: string;
}> = [
  { permission: 'public', scope: 'any', meaning: 'No credential needed: sign-in, invite acceptance.' },
  { permission: 'self', scope: 'any', meaning: 'Any authenticated caller: own profile, sign-out.' },
  { permission: 'org:read', scope: 'org', meaning: "The org's profile and settings (name, time zone, SLA targets)." },
  {
    permission: 'metrics:read',
    scope: 'org',
    meaning: 'Dashboards: KPIs, series, queue summary, agent/number breakdowns, live.',
  },
  { permission: 'calls:read', scope: 'org', meaning: 'Call log, recent calls, CSV export, call detail.' },
  { permission: 'numbers:read', scope: 'org', meaning: "The org's assigned phone numbers." },
  { permission: 'members:read', scope: 'org', meaning: "The org's members and their roles." },
  { permission: 'members:write', scope: 'org', meaning: 'Add, change and remove members of the org.' },
  { permission: 'settings:write', scope: 'org', meaning: "Change the org's name, time zone and SLA settings." },
  { permission: 'keys:manage', scope: 'org', meaning: "Create, list and revoke the org's API keys." },
  { permission: 'audit:read', scope: 'org', meaning: "Read the org's audit log." },
  {
    permission: 'alerts:read',
    scope: 'org',
    meaning: "The org's alert rules, business hours and alert history (signed in; no API key scope grants it).",
  },
  {
    permission: 'alerts:write',
    scope: 'org',
    meaning: "Create, change and delete the org's alert rules, business hours and alert webhook.",
  },
  {
    permission: 'reports:read',
    scope: 'org',
    meaning:
      "The org's report schedules and sent reports; Send now (a preview to yourself). Signed in; no API key scope grants it.",
  },
  {
    permission: 'reports:write',
    scope: 'org',
    meaning: "Create, change and delete the org's report schedules.",
  },
  { permission: 'platform:orgs', scope: 'platform', meaning: 'Create, list, change and delete any org.' },
  {
    permission: 'platform:users',
    scope: 'platform',
    meaning: 'Create (with password or invite), list, change and disable users; platform roles.',
  },
  { permission: 'platform:numbers', scope: 'platform', meaning: 'Phone-number inventory and assignment to orgs.' },
  { permission: 'platform:keys', scope: 'platform', meaning: 'Create, list and revoke platform API keys.' },
  { permission: 'platform:audit', scope: 'platform', meaning: 'Read the whole audit log.' },
  { permission: 'platform:calls:import', scope: 'platform', meaning: 'Import calls (CSV / NDJSON).' },
  { permission: 'platform:mightycall', scope: 'platform', meaning: 'MightyCall connection, sync and webhooks.' },
  {
    permission: 'platform:portfolio',
    scope: 'platform',
    meaning: "Every org's figures of today and calls waiting now on one screen (signed-in platform admins only).",
  },
  {
    permission: 'platform:mail',
    scope: 'platform',
    meaning: 'The Sent mail page: every outgoing message, its status, and a captured message whole.',
  },
];

export const ALL_PERMISSIONS: readonly Permission[] = PERMISSIONS.map((p) => p.permission);

const ORG_READER: readonly Permission[] = ['org:read', 'metrics:read', 'calls:read', 'numbers:read'];

/** What each org role may do inside its own org. Platform admins hold every permission everywhere. */
export const ROLE_PERMISSIONS: Readonly<Record<OrgRole, readonly Permission[]>> = {
  org_admin: [
    ...ORG_READER,
    'members:read',
    'members:write',
    'settings:write',
    'keys:manage',
    'audit:read',
    'alerts:read',
    'alerts:write',
    'reports:read',
    'reports:write',
  ],
  org_manager: [...ORG_READER, 'members:read', 'alerts:read', 'reports:read'],
  agent: ORG_READER,
};

export type KeyKind = 'org' | 'platform';

export type Scope =
  | 'metrics:read'
  | 'calls:read'
  | 'numbers:read'
  | 'members:read'
  | 'numbers:write'
  | 'orgs:admin'
  | 'users:admin'
  | 'audit:read'
  | 'calls:import'
  | 'mightycall:admin'
  | 'act_as';

/**
 * What each API-key scope grants and which kind of key may hold it. Org keys only ever read: the
 * database policies for writes require a signed-in org admin. No scope grants key management: a key
 * cannot mint keys.
 */
export const SCOPES: ReadonlyArray<{ scope: Scope; kinds: readonly KeyKind[]; grants: readonly Permission[] }> = [
  { scope: 'metrics:read', kinds: ['org', 'platform'], grants: ['metrics:read'] },
  { scope: 'calls:read', kinds: ['org', 'platform'], grants: ['calls:read'] },
  { scope: 'numbers:read', kinds: ['org', 'platform'], grants: ['numbers:read'] },
  { scope: 'members:read', kinds: ['org', 'platform'], grants: ['members:read'] },
  { scope: 'numbers:write', kinds: ['platform'], grants: ['platform:numbers', 'numbers:read'] },
  {
    scope: 'orgs:admin',
    kinds: ['platform'],
    grants: ['platform:orgs', 'members:read', 'members:write', 'settings:write'],
  },
  { scope: 'users:admin', kinds: ['platform'], grants: ['platform:users'] },
  { scope: 'audit:read', kinds: ['platform'], grants: ['platform:audit', 'audit:read'] },
  { scope: 'calls:import', kinds: ['platform'], grants: ['platform:calls:import'] },
  { scope: 'mightycall:admin', kinds: ['platform'], grants: ['platform:mightycall'] },
  // Acting as a user gives that user's permissions; the scope itself grants nothing else.
  { scope: 'act_as', kinds: ['platform'], grants: [] },
];

export const ALL_SCOPES: readonly Scope[] = SCOPES.map((s) => s.scope);

/** The permissions a key with these scopes holds (inside its org, or everywhere for a platform key). */
export function scopePermissions(scopes: readonly string[]): Set<Permission> {
  const granted = new Set<Permission>(['self', 'org:read']);
  for (const entry of SCOPES) if (scopes.includes(entry.scope)) for (const p of entry.grants) granted.add(p);
  return granted;
}

/**
 * The scopes a creator may put on a new key: the key's kind must allow the scope, and everything the
 * scope grants must already be the creator's (platform admins may grant every platform scope).
 */
export function grantableScopes(kind: KeyKind, creator: ReadonlySet<Permission>): Scope[] {
  return SCOPES.filter((s) => s.kinds.includes(kind) && s.grants.every((p) => creator.has(p))).map((s) => s.scope);
}
