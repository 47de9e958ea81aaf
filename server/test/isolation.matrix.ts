// The isolation matrix's spec: who may do what (hand-written, independent of the code) and one valid request per route.
import type { Permission } from '../src/auth/permissions.js';
import { systemPrincipal } from '../src/auth/principal.js';
import { randomToken, sha256 } from '../src/auth/tokens.js';
import { withPrincipal } from '../src/db/tenant.js';
import { enqueueMail } from '../src/mail/outbox.js';
import { inviteToOrg } from '../src/orgs/invitations.js';
import { issueInvite } from '../src/users/invites.js';
import { insertKey, type World } from './isolation-world.js';
import { assignNumber, call, createNumber, createOrg, createUser, insertCalls } from './support/fixtures.js';

export const ACTORS = [
  'anonymous',
  'badKey',
  'revokedKey',
  'platformAdmin',
  'adminA',
  'managerA',
  'agentA',
  'adminB',
  'orgKeyWithScope',
  'orgKeyWithoutScope',
  'platformKey',
] as const;
export type Actor = (typeof ACTORS)[number];
export type Target = 'own' | 'other';

/** Platform-wide callers reach every org; everyone else only their home org (org B for adminB, else org A). */
export const PLATFORM_WIDE: readonly Actor[] = ['platformAdmin', 'platformKey'];

const READERS: Actor[] = ['platformAdmin', 'adminA', 'managerA', 'agentA', 'adminB', 'orgKeyWithScope', 'platformKey'];
const ANY_CALLER: Actor[] = [...READERS, 'orgKeyWithoutScope'];
const ORG_ADMINS: Actor[] = ['platformAdmin', 'adminA', 'adminB'];
const PLATFORM: Actor[] = ['platformAdmin', 'platformKey'];

/** Who holds each permission in their home org. This is the spec docs/permissions.md states in prose. */
export const ACCESS: Record<Exclude<Permission, 'public'>, readonly Actor[]> = {
  self: ANY_CALLER,
  'org:read': ANY_CALLER,
  'metrics:read': READERS,
  'calls:read': READERS,
  'numbers:read': READERS,
  'members:read': ['platformAdmin', 'adminA', 'managerA', 'adminB', 'orgKeyWithScope', 'platformKey'],
  'members:write': [...ORG_ADMINS, 'platformKey'],
  'settings:write': [...ORG_ADMINS, 'platformKey'],
  'keys:manage': ORG_ADMINS,
  'audit:read': [...ORG_ADMINS, 'platformKey'],
  'platform:orgs': PLATFORM,
  'platform:users': PLATFORM,
  'platform:numbers': PLATFORM,
  'platform:keys': ['platformAdmin'],
  'platform:audit': PLATFORM,
  'platform:calls:import': PLATFORM,
  'platform:mightycall': PLATFORM,
  'platform:portfolio': ['platformAdmin'],
  'platform:mail': ['platformAdmin'],
  // Signed-in people only: no API key scope grants alerts (docs/permissions.md).
  'alerts:read': ['platformAdmin', 'adminA', 'managerA', 'adminB'],
  'alerts:write': ORG_ADMINS,
  // Signed-in people only, like alerts: managers read (and preview to themselves), org admins write.
  'reports:read': ['platformAdmin', 'adminA', 'managerA', 'adminB'],
  'reports:write': ORG_ADMINS,
};

export interface MatrixRequest {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  rawBody?: string;
}

export interface MatrixEntry {
  /** the status of a permitted call */
  ok: number;
  /** one valid request against `orgId` (the target org); may create fresh members, keys or users */
  request(w: World, orgId: string): Promise<MatrixRequest> | MatrixRequest;
  /** the route deletes its org: permitted calls run on a scratch org */
  deletesOrg?: boolean;
  /** the route ends the caller's session: session actors use a fresh one */
  endsSession?: boolean;
  /** the route is about the caller's own account: keys, which have none, are refused (403) */
  usersOnly?: boolean;
}

export const KEY_ACTORS: readonly Actor[] = ['orgKeyWithScope', 'orgKeyWithoutScope', 'platformKey'];

export const MATRIX_PASSWORD = 'matrix password 1234';
export const MATRIX_LOGIN = 'login.matrix@acme.example';
let serial = 0;
const unique = (what: string) => `${what}-${++serial}-${Date.now().toString(36)}`;
const SYSTEM = systemPrincipal('isolation matrix');

async function freshMember(w: World, orgId: string): Promise<string> {
  return createUser(w.database, `${unique('member')}@matrix.example`, { memberships: [{ orgId, role: 'agent' }] });
}

async function freshInvite(w: World): Promise<string> {
  const userId = await createUser(w.database, `${unique('invitee')}@matrix.example`);
  return withPrincipal(w.database.db, SYSTEM, async (tx) => (await issueInvite(tx, userId, null, null)).token);
}

async function freshInvitation(w: World, orgId: string): Promise<string> {
  const email = `${unique('invited')}@matrix.example`;
  const issued = await withPrincipal(w.database.db, SYSTEM, (tx) =>
    inviteToOrg(tx, { orgId, email, role: 'agent', extension: null, delivery: 'link' }, null, null),
  );
  return issued.invitation.id;
}

async function freshAlertRule(w: World, orgId: string): Promise<string> {
  const row = await withPrincipal(w.database.db, SYSTEM, (tx) =>
    tx
      .insertInto('alert_rules')
      .values({ org_id: orgId, name: unique('rule'), kind: 'calls_waiting', threshold: 3 })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
  return row.id;
}

const ALERT_RULE = { name: 'Queue building up', kind: 'calls_waiting', threshold: 3 };

async function freshReportSchedule(w: World, orgId: string): Promise<string> {
  const row = await withPrincipal(w.database.db, SYSTEM, (tx) =>
    tx
      .insertInto('report_schedules')
      .values({
        org_id: orgId,
        name: unique('report'),
        frequency: 'weekly',
        weekday: 1,
        send_minute: 480,
        recipient_emails: ['owner@matrix.example'],
      })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
  return row.id;
}

const REPORT_SCHEDULE = {
  name: 'Weekly summary',
  frequency: 'weekly',
  weekday: 1,
  time: '08:00',
  recipientEmails: ['owner@matrix.example'],
};

async function freshMail(w: World): Promise<string> {
  const id = await withPrincipal(w.database.db, SYSTEM, (tx) =>
    enqueueMail(tx, {
      idempotencyKey: unique('matrix-mail'),
      purpose: 'test',
      orgId: null,
      to: 'someone@matrix.example',
      subject: 'Matrix',
      text: 'Hello',
      html: '<p>Hello</p>',
    }),
  );
  if (!id) throw new Error('setup: mail not written');
  return id;
}

/** A live account token of a fresh user, as the mail path would issue it (only its hash is stored). */
async function freshAccountToken(w: World, purpose: 'password_reset' | 'email_verification'): Promise<string> {
  const email = `${unique('account')}@matrix.example`;
  const userId = await createUser(w.database, email);
  const token = randomToken();
  await withPrincipal(w.database.db, SYSTEM, (tx) =>
    tx
      .insertInto('account_tokens')
      .values({
        user_id: userId,
        purpose,
        email,
        token_hash: sha256(token),
        expires_at: new Date(Date.now() + 600_000),
      })
      .execute(),
  );
  return token;
}

export async function scratchOrg(w: World): Promise<string> {
  return createOrg(w.database, unique('Scratch Org'));
}

const get = (path: string): MatrixEntry => ({
  ok: 200,
  request: (_w, orgId) => ({ path: path.replace(':orgId', orgId) }),
});
export const getWithOrgQuery = (path: string, extra = ''): MatrixEntry => ({
  ok: 200,
  request: (_w, orgId) => ({ path: `${path}?org_id=${orgId}${extra}` }),
});

/** One entry per route in the route table, keyed "METHOD /path/:param". */
export const MATRIX: Record<string, MatrixEntry> = {
  'POST /api/auth/login': {
    ok: 200,
    request: () => ({ path: '/api/auth/login', body: { email: MATRIX_LOGIN, password: MATRIX_PASSWORD } }),
  },
  'POST /api/auth/logout': { ok: 204, endsSession: true, request: () => ({ path: '/api/auth/logout' }) },
  'GET /api/me': get('/api/me'),
  'POST /api/auth/accept-invite': {
    ok: 200,
    request: async (w) => ({
      path: '/api/auth/accept-invite',
      body: { token: await freshInvite(w), password: 'an invited password' },
    }),
  },

  'POST /api/auth/forgot-password': {
    ok: 202,
    request: () => ({ path: '/api/auth/forgot-password', body: { email: `${unique('forgot')}@matrix.example` } }),
  },
  'POST /api/auth/reset-password': {
    ok: 200,
    request: async (w) => ({
      path: '/api/auth/reset-password',
      body: { token: await freshAccountToken(w, 'password_reset'), password: 'a reset password 123' },
    }),
  },
  'POST /api/auth/verify-email/send': {
    ok: 202,
    usersOnly: true,
    request: () => ({ path: '/api/auth/verify-email/send' }),
  },
  'POST /api/auth/verify-email': {
    ok: 200,
    request: async (w) => ({
      path: '/api/auth/verify-email',
      body: { token: await freshAccountToken(w, 'email_verification') },
    }),
  },

  'POST /api/admin/orgs': {
    ok: 201,
    request: () => ({ path: '/api/admin/orgs', body: { name: unique('Matrix Org') } }),
  },
  'GET /api/admin/orgs': get('/api/admin/orgs'),
  'GET /api/admin/portfolio': get('/api/admin/portfolio'),
  'GET /api/admin/orgs/:orgId': get('/api/admin/orgs/:orgId'),
  'PATCH /api/admin/orgs/:orgId': {
    ok: 200,
    request: (_w, orgId) => ({ path: `/api/admin/orgs/${orgId}`, body: { shortAbandonSeconds: 10 } }),
  },
  'DELETE /api/admin/orgs/:orgId': {
    ok: 204,
    deletesOrg: true,
    request: (_w, orgId) => ({ path: `/api/admin/orgs/${orgId}` }),
  },
  'GET /api/orgs/:orgId': get('/api/orgs/:orgId'),
  'PATCH /api/orgs/:orgId': {
    ok: 200,
    request: (_w, orgId) => ({ path: `/api/orgs/${orgId}`, body: { slThresholdSeconds: 20 } }),
  },
  'PATCH /api/orgs/:orgId/settings': {
    ok: 200,
    request: (_w, orgId) => ({ path: `/api/orgs/${orgId}/settings`, body: { slThresholdSeconds: 20 } }),
  },

  'GET /api/orgs/:orgId/members': get('/api/orgs/:orgId/members'),
  ...memberWrites('/api/orgs/:orgId'),
  ...memberWrites('/api/admin/orgs/:orgId'),
  'GET /api/orgs/:orgId/invitations': get('/api/orgs/:orgId/invitations'),
  'DELETE /api/orgs/:orgId/invitations/:invitationId': {
    ok: 200,
    request: async (w, orgId) => ({ path: `/api/orgs/${orgId}/invitations/${await freshInvitation(w, orgId)}` }),
  },
  'POST /api/orgs/:orgId/invitations/:invitationId/reissue': {
    ok: 201,
    request: async (w, orgId) => ({
      path: `/api/orgs/${orgId}/invitations/${await freshInvitation(w, orgId)}/reissue`,
    }),
  },

  'GET /api/orgs/:orgId/alerts/rules': get('/api/orgs/:orgId/alerts/rules'),
  'POST /api/orgs/:orgId/alerts/rules': {
    ok: 201,
    request: (_w, orgId) => ({ path: `/api/orgs/${orgId}/alerts/rules`, body: ALERT_RULE }),
  },
  'PUT /api/orgs/:orgId/alerts/rules/:ruleId': {
    ok: 200,
    request: async (w, orgId) => ({
      path: `/api/orgs/${orgId}/alerts/rules/${await freshAlertRule(w, orgId)}`,
      body: ALERT_RULE,
    }),
  },
  'DELETE /api/orgs/:orgId/alerts/rules/:ruleId': {
    ok: 200,
    request: async (w, orgId) => ({ path: `/api/orgs/${orgId}/alerts/rules/${await freshAlertRule(w, orgId)}` }),
  },
  'GET /api/orgs/:orgId/alerts/history': get('/api/orgs/:orgId/alerts/history'),
  'GET /api/orgs/:orgId/alerts/business-hours': get('/api/orgs/:orgId/alerts/business-hours'),
  'PUT /api/orgs/:orgId/alerts/business-hours': {
    ok: 200,
    request: (_w, orgId) => ({
      path: `/api/orgs/${orgId}/alerts/business-hours`,
      body: { ranges: [{ weekday: 1, startMinute: 540, endMinute: 1020 }] },
    }),
  },
  'GET /api/orgs/:orgId/alerts/webhook': get('/api/orgs/:orgId/alerts/webhook'),
  'PUT /api/orgs/:orgId/alerts/webhook': {
    ok: 201,
    request: (_w, orgId) => ({
      path: `/api/orgs/${orgId}/alerts/webhook`,
      body: { url: 'https://hooks.example.com/a' },
    }),
  },
  'DELETE /api/orgs/:orgId/alerts/webhook': {
    ok: 200,
    request: (_w, orgId) => ({ path: `/api/orgs/${orgId}/alerts/webhook` }),
  },

  'GET /api/orgs/:orgId/reports/schedules': get('/api/orgs/:orgId/reports/schedules'),
  'POST /api/orgs/:orgId/reports/schedules': {
    ok: 201,
    request: (_w, orgId) => ({ path: `/api/orgs/${orgId}/reports/schedules`, body: REPORT_SCHEDULE }),
  },
  'PUT /api/orgs/:orgId/reports/schedules/:scheduleId': {
    ok: 200,
    request: async (w, orgId) => ({
      path: `/api/orgs/${orgId}/reports/schedules/${await freshReportSchedule(w, orgId)}`,
      body: REPORT_SCHEDULE,
    }),
  },
  'DELETE /api/orgs/:orgId/reports/schedules/:scheduleId': {
    ok: 200,
    request: async (w, orgId) => ({
      path: `/api/orgs/${orgId}/reports/schedules/${await freshReportSchedule(w, orgId)}`,
    }),
  },
  'POST /api/orgs/:orgId/reports/schedules/:scheduleId/send-now': {
    ok: 202,
    request: async (w, orgId) => ({
      path: `/api/orgs/${orgId}/reports/schedules/${await freshReportSchedule(w, orgId)}/send-now`,
    }),
  },
  'GET /api/orgs/:orgId/reports/history': get('/api/orgs/:orgId/reports/history'),

  'POST /api/admin/users': {
    ok: 201,
    request: () => ({
      path: '/api/admin/users',
      body: { email: `${unique('created')}@matrix.example`, displayName: 'Created', password: MATRIX_PASSWORD },
    }),
  },
  'GET /api/admin/users': get('/api/admin/users'),
  'GET /api/admin/users/:userId': { ok: 200, request: (w) => ({ path: `/api/admin/users/${w.users.agentA.id}` }) },
  'PATCH /api/admin/users/:userId': {
    ok: 200,
    request: async (w, orgId) => ({
      path: `/api/admin/users/${await freshMember(w, orgId)}`,
      body: { displayName: 'Renamed' },
    }),
  },
  'POST /api/admin/users/:userId/invite': {
    ok: 201,
    request: async (w) => ({
      path: `/api/admin/users/${await createUser(w.database, `${unique('pending')}@m.example`)}/invite`,
    }),
  },
  'DELETE /api/admin/users/:userId/invite': {
    ok: 204,
    request: async (w) => {
      const userId = await createUser(w.database, `${unique('revoked')}@m.example`);
      await withPrincipal(w.database.db, SYSTEM, (tx) => issueInvite(tx, userId, null, null));
      return { path: `/api/admin/users/${userId}/invite` };
    },
  },

  'POST /api/admin/platform-keys': {
    ok: 201,
    request: () => ({ path: '/api/admin/platform-keys', body: { name: 'matrix', scopes: ['metrics:read'] } }),
  },
  'GET /api/admin/platform-keys': get('/api/admin/platform-keys'),
  'DELETE /api/admin/platform-keys/:keyId': {
    ok: 204,
    request: async (w) => ({
      path: `/api/admin/platform-keys/${await keyIdOf(w, await insertKey(w.database, 'platform', null, ['metrics:read']))}`,
    }),
  },
  'POST /api/orgs/:orgId/api-keys': {
    ok: 201,
    request: (_w, orgId) => ({
      path: `/api/orgs/${orgId}/api-keys`,
      body: { name: 'matrix', scopes: ['metrics:read'] },
    }),
  },
  'GET /api/orgs/:orgId/api-keys': get('/api/orgs/:orgId/api-keys'),
  'DELETE /api/orgs/:orgId/api-keys/:keyId': {
    ok: 204,
    request: async (w, orgId) => ({
      path: `/api/orgs/${orgId}/api-keys/${await keyIdOf(w, await insertKey(w.database, 'org', orgId, ['calls:read']))}`,
    }),
  },

  'GET /api/admin/audit': get('/api/admin/audit'),
  'GET /api/admin/mail': get('/api/admin/mail'),
  'GET /api/admin/mail/:mailId': {
    ok: 200,
    request: async (w) => ({ path: `/api/admin/mail/${await freshMail(w)}` }),
  },
  'GET /api/orgs/:orgId/audit': get('/api/orgs/:orgId/audit'),

  // Dashboards and calls (issue 4): every read takes the org as ?org_id=.
  'GET /api/metrics/kpis': getWithOrgQuery('/api/metrics/kpis'),
  'GET /api/client-metrics': getWithOrgQuery('/api/client-metrics'),
  'GET /api/calls/series': getWithOrgQuery('/api/calls/series'),
  'GET /s/series': getWithOrgQuery('/s/series'),
  'GET /api/calls/queue-summary': getWithOrgQuery('/api/calls/queue-summary'),
  'GET /s/queue-summary': getWithOrgQuery('/s/queue-summary'),
  'GET /api/metrics/agents': getWithOrgQuery('/api/metrics/agents'),
  'GET /api/metrics/numbers': getWithOrgQuery('/api/metrics/numbers'),
  'GET /api/metrics/heatmap': getWithOrgQuery('/api/metrics/heatmap'),
  'GET /api/calls/recent': getWithOrgQuery('/api/calls/recent'),
  'GET /s/recent': getWithOrgQuery('/s/recent'),
  'GET /api/calls': getWithOrgQuery('/api/calls'),
  'GET /api/calls/:callId': {
    ok: 200,
    request: async (w, orgId) => ({ path: `/api/calls/${await callOf(w, orgId)}?org_id=${orgId}` }),
  },
  // A permitted caller reaches the fetch, which no connection can make for this test call: 503, not 404 or 403.
  'GET /api/calls/:callId/recording': {
    ok: 503,
    request: async (w, orgId) => ({ path: `/api/calls/${await callOf(w, orgId)}/recording?org_id=${orgId}` }),
  },
  'POST /api/admin/calls/import': {
    ok: 200,
    request: () => ({
      path: '/api/admin/calls/import',
      rawBody: '',
      headers: { 'content-type': 'application/x-ndjson' },
    }),
  },

  // Phone-number inventory and assignment (issue 4).
  'GET /api/admin/phone-numbers': get('/api/admin/phone-numbers'),
  'POST /api/admin/phone-numbers': {
    ok: 201,
    request: () => ({ path: '/api/admin/phone-numbers', body: { number: freshE164() } }),
  },
  'POST /api/admin/orgs/:orgId/phone-numbers': {
    ok: 200,
    request: async (w, orgId) => ({
      path: `/api/admin/orgs/${orgId}/phone-numbers`,
      body: { phoneNumberIds: [await createNumber(w.database, freshE164())] },
    }),
  },
  'DELETE /api/admin/orgs/:orgId/phone-numbers/:phoneNumberId': {
    ok: 200,
    request: async (w, orgId) => {
      const numberId = await createNumber(w.database, freshE164());
      await assignNumber(w.database, orgId, numberId);
      return { path: `/api/admin/orgs/${orgId}/phone-numbers/${numberId}` };
    },
  },
  'GET /api/orgs/:orgId/phone-numbers': get('/api/orgs/:orgId/phone-numbers'),

  // Live state (issue 4). The stream answers 200 at once; the runner cancels its body.
  'GET /api/orgs/:orgId/live/snapshot': get('/api/orgs/:orgId/live/snapshot'),
  'GET /api/orgs/:orgId/live': get('/api/orgs/:orgId/live'),

  // MightyCall administration. Permitted calls aim at a connection that does not exist (404) or send an
  // incomplete body (400), so the matrix never starts a sync against a real account: the status still
  // shows the request got past the wrapper, while refusals are 401/403.
  'GET /api/admin/mightycall/connections': get('/api/admin/mightycall/connections'),
  'POST /api/admin/mightycall/connections': {
    ok: 400,
    request: () => ({ path: '/api/admin/mightycall/connections', body: { name: 'incomplete' } }),
  },
  'GET /api/admin/mightycall/connections/:id': missingConnection('get'),
  'PATCH /api/admin/mightycall/connections/:id': {
    ...missingConnection('patch'),
    request: () => ({ path: `${CONNECTIONS}/${NO_SUCH_ID}`, body: { name: 'x' } }),
  },
  'DELETE /api/admin/mightycall/connections/:id': missingConnection('delete'),
  'POST /api/admin/mightycall/connections/:id/test': missingConnection('test'),
  'POST /api/admin/mightycall/connections/:id/sync': {
    ok: 404,
    request: () => ({ path: `${CONNECTIONS}/${NO_SUCH_ID}/sync`, body: {} }),
  },
  'GET /api/admin/mightycall/connections/:id/status': missingConnection('status'),
  // Public, authenticated by the URL token: an unknown connection is 404 for anyone, a bad API key still 401.
  'POST /api/webhooks/mightycall/:connectionId/:token': {
    ok: 404,
    request: () => ({
      path: `/api/webhooks/mightycall/${NO_SUCH_ID}/not-the-token`,
      rawBody: '{}',
      headers: { 'content-type': 'application/json' },
    }),
  },
};

const CONNECTIONS = '/api/admin/mightycall/connections';
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';

function missingConnection(kind: 'get' | 'patch' | 'delete' | 'test' | 'status'): MatrixEntry {
  const suffix = kind === 'test' || kind === 'status' ? `/${kind}` : '';
  return { ok: 404, request: () => ({ path: `${CONNECTIONS}/${NO_SUCH_ID}${suffix}` }) };
}

let numberSerial = 0;
const freshE164 = () => `+1646555${String(1000 + (++numberSerial % 9000)).padStart(4, '0')}`;

const callsByOrg = new Map<string, string>();
/** A call on a number assigned only to `orgId`. */
async function callOf(w: World, orgId: string): Promise<string> {
  const known = callsByOrg.get(orgId);
  if (known) return known;
  const e164 = freshE164();
  await assignNumber(w.database, orgId, await createNumber(w.database, e164));
  const providerCallId = unique('matrix-call');
  await insertCalls(w.database, [
    call({
      providerCallId,
      businessNumber: e164,
      startedAt: new Date(Date.now() - 3_600_000),
      recordingUrl: 'https://panel.mightycall.com/Mightycall/Files/callrecord_matrix.wav',
    }),
  ]);
  const row = await w.database.db
    .selectFrom('calls')
    .select('id')
    .where('provider_call_id', '=', providerCallId)
    .executeTakeFirstOrThrow();
  callsByOrg.set(orgId, row.id);
  return row.id;
}

function memberWrites(base: string): Record<string, MatrixEntry> {
  const at = (orgId: string) => base.replace(':orgId', orgId);
  return {
    [`POST ${base}/members`]: {
      ok: 201,
      request: (_w, orgId) => ({
        path: `${at(orgId)}/members`,
        body: { email: `${unique('added')}@matrix.example`, role: 'agent' },
      }),
    },
    [`PATCH ${base}/members/:userId`]: {
      ok: 200,
      request: async (w, orgId) => ({
        path: `${at(orgId)}/members/${await freshMember(w, orgId)}`,
        body: { role: 'org_manager', mightycallExtension: '205' },
      }),
    },
    [`DELETE ${base}/members/:userId`]: {
      ok: 204,
      request: async (w, orgId) => ({ path: `${at(orgId)}/members/${await freshMember(w, orgId)}` }),
    },
  };
}

async function keyIdOf(w: World, key: string): Promise<string> {
  const row = await w.database.db
    .selectFrom('api_keys')
    .select('id')
    .where('key_hash', '=', sha256(key))
    .executeTakeFirstOrThrow();
  return row.id;
}
