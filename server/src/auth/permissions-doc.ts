// Renders docs/permissions.md from the permission table and the app's route table (a test keeps them equal).
import type { RouteEntry } from '../http/route-table.js';
import { type KeyKind, PERMISSIONS, type Permission, ROLE_PERMISSIONS, SCOPES } from './permissions.js';

export const DOC_PATH = 'docs/permissions.md';
const YES = '✓';
const NO = '—';

/** The scopes of one key kind that grant the permission ('any' when every key holds it). */
export function grantingScopes(permission: Permission, kind: KeyKind): string {
  if (permission === 'self' || permission === 'org:read') return 'any';
  if (permission === 'public') return 'none needed';
  const scopes = SCOPES.filter((s) => s.kinds.includes(kind) && s.grants.includes(permission)).map(
    (s) => `\`${s.scope}\``,
  );
  return scopes.length > 0 ? scopes.join(', ') : NO;
}

function matrix(): string[] {
  const lines = [
    '| Permission | What it allows | platform_admin | org_admin | org_manager | agent | org key scope | platform key scope |',
    '| --- | --- | :-: | :-: | :-: | :-: | --- | --- |',
  ];
  for (const { permission, meaning } of PERMISSIONS) {
    const orgWide = permission === 'public' || permission === 'self';
    const role = (r: keyof typeof ROLE_PERMISSIONS) => (orgWide || ROLE_PERMISSIONS[r].includes(permission) ? YES : NO);
    lines.push(
      `| \`${permission}\` | ${meaning} | ${YES} | ${role('org_admin')} | ${role('org_manager')} | ${role('agent')} | ` +
        `${grantingScopes(permission, 'org')} | ${grantingScopes(permission, 'platform')} |`,
    );
  }
  return lines;
}

function scopes(): string[] {
  const lines = ['| Scope | Key kinds | Grants |', '| --- | --- | --- |'];
  for (const s of SCOPES) {
    const grants =
      s.grants.length > 0 ? s.grants.map((g) => `\`${g}\``).join(', ') : 'sending `x-user-id` (see act_as)';
    lines.push(`| \`${s.scope}\` | ${s.kinds.join(', ')} | ${grants} |`);
  }
  return lines;
}

const ORG_FROM: Record<RouteEntry['org'], string> = {
  none: '—',
  param: '`:orgId`',
  query: '`?org_id=`',
};

function routes(table: readonly RouteEntry[]): string[] {
  const sorted = [...table].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  const lines = ['| Method | Path | Permission | Org from |', '| --- | --- | --- | --- |'];
  for (const r of sorted) lines.push(`| ${r.method} | \`${r.path}\` | \`${r.permission}\` | ${ORG_FROM[r.org]} |`);
  return lines;
}

export function renderPermissionsDoc(table: readonly RouteEntry[]): string {
  return [
    '# Permissions',
    '',
    '<!-- Generated from server/src/auth/permissions.ts and the route table by',
    '     `npx tsx server/src/auth/write-permissions-doc.ts`. Do not edit by hand: a test compares this file',
    '     with the code, and the isolation matrix test checks the code against the same table. -->',
    '',
    'Every route names one permission; the route wrapper (`server/src/http/route.ts`) is the only place that',
    'checks it, and anything not granted below is denied. Row-level security in the database enforces the',
    'same org boundaries underneath, so a handler that forgets an org filter still sees only its orgs.',
    '',
    '## Who holds what',
    '',
    'Platform admins hold every permission in every org. Org roles hold theirs only inside their own org.',
    'An org API key holds what its scopes grant inside its org; a platform key holds what its scopes grant',
    'in every org. No scope grants key management: keys cannot mint keys.',
    '',
    ...matrix(),
    '',
    '## API key scopes',
    '',
    'A creator may only grant scopes whose permissions they hold themselves (org admins: the org scopes;',
    'platform admins: all). Platform keys are created by platform admins only. A key also never does more',
    'than its creator may do today: demoting the creator narrows the key, and a key whose creator may do',
    "nothing (disabled, deleted, removed from the key's org, no longer a platform admin) is refused with",
    '**401** `api_key_creator_inactive` (both within the key cache time). A key acting as a user (`act_as`)',
    "holds only what both that user and the key's creator hold today.",
    '',
    ...scopes(),
    '',
    '## How a request is decided',
    '',
    '1. **Who is calling.** A presented API key (`Authorization: Bearer` or `x-api-key`) must be well formed',
    '   (prefix, length, checksum), known, unrevoked and unexpired, or the answer is **401**. Otherwise the',
    '   `vs_session` cookie, or a Supabase access token when configured. `x-user-id` is honoured only with a',
    '   platform key holding `act_as`; alone (or with any other credential) it is a **401** that says how to',
    '   authenticate. Each request made while acting as a user is audit-logged with both identities.',
    '2. **Signed in at all.** Anything but `public` without a credential is **401**.',
    '3. **Cross-site check.** A cookie-authenticated POST/PATCH/DELETE must carry an Origin (or Referer) of',
    '   this application: otherwise **403** `csrf_rejected`.',
    '4. **Which org.** From the `:orgId` path parameter or the `?org_id=` query. An org the caller does not',
    '   reach is **404** `org_not_found`, the same as an org that does not exist. `org_id` may be omitted',
    '   when the caller has exactly one org; platform admins and platform keys omitting it get the',
    '   platform-wide view; anyone else gets **400** naming `org_id`.',
    '5. **The permission.** Missing it is **403** (`insufficient_scope` for keys, naming the scope needed).',
    '6. **Rate limit.** Each API key may make a configurable number of requests per minute (default 600),',
    '   reported in `X-RateLimit-*` headers; beyond it **429** with `Retry-After`.',
    '',
    '## Routes',
    '',
    ...routes(table),
    '',
  ].join('\n');
}
