// One typed function per server endpoint the web app calls; pages use these through TanStack Query. Each answer and
// body type is the generated one of the operation at that path (a path the server does not document fails to compile).
import { buildUrl, type QueryParams, request } from './client';
import type { RequestBodyOf as Body, ResponseOf as Res } from './types';

/** The range part of every metrics query: a preset or from/to, with optional interval and compare. */
export interface RangeQuery extends QueryParams {
  range?: 'day' | 'week' | 'month' | 'year';
  from?: string;
  to?: string;
  interval?: 'hour' | 'day' | 'week' | 'month';
  compare?: boolean;
}

export interface CallFilters extends QueryParams {
  direction?: string;
  status?: string;
  number?: string;
  agent?: string;
  q?: string;
}

/** Filters and keyset paging of the audit log (server/src/audit/queries.ts); from/to are instants. */
export interface AuditQuery extends QueryParams {
  action?: string;
  actorUserId?: string;
  targetType?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
  /** the platform admin's log only; an org's log is scoped by its path */
  orgId?: string;
}

const withOrg = (orgId: string, query: QueryParams): QueryParams => ({ org_id: orgId, ...query });
const compareParam = (range: RangeQuery): QueryParams => ({
  ...range,
  compare: range.compare === false ? false : undefined,
});
const noCompare = (range: RangeQuery): QueryParams => ({ ...range, compare: undefined });
const enc = encodeURIComponent;

export const auth = {
  login: (email: string, password: string) =>
    request<Res<'/api/auth/login', 'post'>>('/api/auth/login', {
      method: 'POST',
      body: { email, password } satisfies Body<'/api/auth/login', 'post'>,
    }),
  /** Accepts an invite: sets the password of a new account (or joins as the signed-in one); answers /api/me. */
  acceptInvite: (body: Body<'/api/auth/accept-invite', 'post'>) =>
    request<Res<'/api/auth/accept-invite', 'post'>>('/api/auth/accept-invite', { method: 'POST', body }),
  logout: () => request<Res<'/api/auth/logout', 'post'>>('/api/auth/logout', { method: 'POST' }),
  me: () => request<Res<'/api/me', 'get'>>('/api/me'),
  /** The same answer whether or not the address has an account. */
  forgotPassword: (email: string) =>
    request<Res<'/api/auth/forgot-password', 'post'>>('/api/auth/forgot-password', {
      method: 'POST',
      body: { email } satisfies Body<'/api/auth/forgot-password', 'post'>,
    }),
  resetPassword: (body: Body<'/api/auth/reset-password', 'post'>) =>
    request<Res<'/api/auth/reset-password', 'post'>>('/api/auth/reset-password', { method: 'POST', body }),
  sendVerification: () =>
    request<Res<'/api/auth/verify-email/send', 'post'>>('/api/auth/verify-email/send', { method: 'POST' }),
  verifyEmail: (token: string) =>
    request<Res<'/api/auth/verify-email', 'post'>>('/api/auth/verify-email', {
      method: 'POST',
      body: { token } satisfies Body<'/api/auth/verify-email', 'post'>,
    }),
};

/** Filters of the Sent mail page. */
export interface MailQuery extends QueryParams {
  status?: 'queued' | 'sent' | 'captured' | 'failed';
  to?: string;
  limit?: number;
}

export const mail = {
  list: (query: MailQuery) => request<Res<'/api/admin/mail', 'get'>>('/api/admin/mail', { query }),
  get: (mailId: string) => request<Res<'/api/admin/mail/{mailId}', 'get'>>(`/api/admin/mail/${enc(mailId)}`),
};

export const metrics = {
  kpis: (orgId: string, range: RangeQuery) =>
    request<Res<'/api/metrics/kpis', 'get'>>('/api/metrics/kpis', { query: withOrg(orgId, compareParam(range)) }),
  series: (orgId: string, range: RangeQuery) =>
    request<Res<'/api/calls/series', 'get'>>('/api/calls/series', { query: withOrg(orgId, noCompare(range)) }),
  queues: (orgId: string, range: RangeQuery) =>
    request<Res<'/api/calls/queue-summary', 'get'>>('/api/calls/queue-summary', {
      query: withOrg(orgId, noCompare(range)),
    }),
  agents: (orgId: string, range: RangeQuery) =>
    request<Res<'/api/metrics/agents', 'get'>>('/api/metrics/agents', { query: withOrg(orgId, noCompare(range)) }),
  numbers: (orgId: string, range: RangeQuery) =>
    request<Res<'/api/metrics/numbers', 'get'>>('/api/metrics/numbers', { query: withOrg(orgId, noCompare(range)) }),
  /** The hour × weekday grid; the interval does not apply to it. */
  heatmap: (orgId: string, range: RangeQuery) =>
    request<Res<'/api/metrics/heatmap', 'get'>>('/api/metrics/heatmap', {
      query: withOrg(orgId, { ...noCompare(range), interval: undefined }),
    }),
};

export const calls = {
  recent: (orgId: string, limit: number) =>
    request<Res<'/api/calls/recent', 'get'>>('/api/calls/recent', { query: { org_id: orgId, limit } }),
  list: (orgId: string, range: RangeQuery, filters: CallFilters, cursor: string | null, limit = 50) =>
    request<Res<'/api/calls', 'get'>>('/api/calls', {
      // Only the first page counts every matching call: the count reads them all, a page only its own.
      query: withOrg(orgId, {
        ...noCompare(range),
        ...filters,
        cursor: cursor ?? undefined,
        total: cursor ? undefined : 'true',
        limit,
      }),
    }),
  csvUrl: (orgId: string, range: RangeQuery, filters: CallFilters) =>
    buildUrl('/api/calls', withOrg(orgId, { ...noCompare(range), ...filters, format: 'csv' })),
  get: (orgId: string, callId: string) =>
    request<Res<'/api/calls/{callId}', 'get'>>(`/api/calls/${enc(callId)}`, { query: { org_id: orgId } }),
  /** The call's audio through the server's proxy, for an <audio> element (the session cookie authorizes it). */
  recordingUrl: (orgId: string, callId: string) => buildUrl(`/api/calls/${enc(callId)}/recording`, { org_id: orgId }),
};

const ORG = '/api/orgs/{orgId}';
export const orgs = {
  get: (orgId: string) => request<Res<typeof ORG, 'get'>>(`/api/orgs/${enc(orgId)}`),
  updateSettings: (orgId: string, body: Body<typeof ORG, 'patch'>) =>
    request<Res<typeof ORG, 'patch'>>(`/api/orgs/${enc(orgId)}`, { method: 'PATCH', body }),
  members: (orgId: string) => request<Res<`${typeof ORG}/members`, 'get'>>(`/api/orgs/${enc(orgId)}/members`),
  addMember: (orgId: string, body: Body<`${typeof ORG}/members`, 'post'>) =>
    request<Res<`${typeof ORG}/members`, 'post'>>(`/api/orgs/${enc(orgId)}/members`, { method: 'POST', body }),
  invitations: (orgId: string) =>
    request<Res<`${typeof ORG}/invitations`, 'get'>>(`/api/orgs/${enc(orgId)}/invitations`),
  revokeInvitation: (orgId: string, id: string) =>
    request<Res<`${typeof ORG}/invitations/{invitationId}`, 'delete'>>(
      `/api/orgs/${enc(orgId)}/invitations/${enc(id)}`,
      { method: 'DELETE' },
    ),
  reissueInvitation: (orgId: string, id: string) =>
    request<Res<`${typeof ORG}/invitations/{invitationId}/reissue`, 'post'>>(
      `/api/orgs/${enc(orgId)}/invitations/${enc(id)}/reissue`,
      { method: 'POST' },
    ),
  updateMember: (orgId: string, userId: string, body: Body<`${typeof ORG}/members/{userId}`, 'patch'>) =>
    request<Res<`${typeof ORG}/members/{userId}`, 'patch'>>(`/api/orgs/${enc(orgId)}/members/${enc(userId)}`, {
      method: 'PATCH',
      body,
    }),
  removeMember: (orgId: string, userId: string) =>
    request<Res<`${typeof ORG}/members/{userId}`, 'delete'>>(`/api/orgs/${enc(orgId)}/members/${enc(userId)}`, {
      method: 'DELETE',
    }),
  apiKeys: (orgId: string) => request<Res<`${typeof ORG}/api-keys`, 'get'>>(`/api/orgs/${enc(orgId)}/api-keys`),
  createApiKey: (orgId: string, body: Body<`${typeof ORG}/api-keys`, 'post'>) =>
    request<Res<`${typeof ORG}/api-keys`, 'post'>>(`/api/orgs/${enc(orgId)}/api-keys`, { method: 'POST', body }),
  revokeApiKey: (orgId: string, keyId: string) =>
    request<Res<`${typeof ORG}/api-keys/{keyId}`, 'delete'>>(`/api/orgs/${enc(orgId)}/api-keys/${enc(keyId)}`, {
      method: 'DELETE',
    }),
  phoneNumbers: (orgId: string) =>
    request<Res<`${typeof ORG}/phone-numbers`, 'get'>>(`/api/orgs/${enc(orgId)}/phone-numbers`),
  audit: (orgId: string, query: AuditQuery) =>
    request<Res<`${typeof ORG}/audit`, 'get'>>(`/api/orgs/${enc(orgId)}/audit`, { query }),
};

const ALERTS = '/api/orgs/{orgId}/alerts';
export const alerts = {
  rules: (orgId: string) => request<Res<`${typeof ALERTS}/rules`, 'get'>>(`/api/orgs/${enc(orgId)}/alerts/rules`),
  createRule: (orgId: string, body: Body<`${typeof ALERTS}/rules`, 'post'>) =>
    request<Res<`${typeof ALERTS}/rules`, 'post'>>(`/api/orgs/${enc(orgId)}/alerts/rules`, { method: 'POST', body }),
  updateRule: (orgId: string, ruleId: string, body: Body<`${typeof ALERTS}/rules/{ruleId}`, 'put'>) =>
    request<Res<`${typeof ALERTS}/rules/{ruleId}`, 'put'>>(`/api/orgs/${enc(orgId)}/alerts/rules/${enc(ruleId)}`, {
      method: 'PUT',
      body,
    }),
  deleteRule: (orgId: string, ruleId: string) =>
    request<Res<`${typeof ALERTS}/rules/{ruleId}`, 'delete'>>(`/api/orgs/${enc(orgId)}/alerts/rules/${enc(ruleId)}`, {
      method: 'DELETE',
    }),
  history: (orgId: string) => request<Res<`${typeof ALERTS}/history`, 'get'>>(`/api/orgs/${enc(orgId)}/alerts/history`),
  businessHours: (orgId: string) =>
    request<Res<`${typeof ALERTS}/business-hours`, 'get'>>(`/api/orgs/${enc(orgId)}/alerts/business-hours`),
  saveBusinessHours: (orgId: string, body: Body<`${typeof ALERTS}/business-hours`, 'put'>) =>
    request<Res<`${typeof ALERTS}/business-hours`, 'put'>>(`/api/orgs/${enc(orgId)}/alerts/business-hours`, {
      method: 'PUT',
      body,
    }),
  webhook: (orgId: string) => request<Res<`${typeof ALERTS}/webhook`, 'get'>>(`/api/orgs/${enc(orgId)}/alerts/webhook`),
  setWebhook: (orgId: string, url: string) =>
    request<Res<`${typeof ALERTS}/webhook`, 'put'>>(`/api/orgs/${enc(orgId)}/alerts/webhook`, {
      method: 'PUT',
      body: { url } satisfies Body<`${typeof ALERTS}/webhook`, 'put'>,
    }),
  removeWebhook: (orgId: string) =>
    request<Res<`${typeof ALERTS}/webhook`, 'delete'>>(`/api/orgs/${enc(orgId)}/alerts/webhook`, { method: 'DELETE' }),
};

const REPORTS = '/api/orgs/{orgId}/reports';
export const reports = {
  schedules: (orgId: string) =>
    request<Res<`${typeof REPORTS}/schedules`, 'get'>>(`/api/orgs/${enc(orgId)}/reports/schedules`),
  create: (orgId: string, body: Body<`${typeof REPORTS}/schedules`, 'post'>) =>
    request<Res<`${typeof REPORTS}/schedules`, 'post'>>(`/api/orgs/${enc(orgId)}/reports/schedules`, {
      method: 'POST',
      body,
    }),
  update: (orgId: string, scheduleId: string, body: Body<`${typeof REPORTS}/schedules/{scheduleId}`, 'put'>) =>
    request<Res<`${typeof REPORTS}/schedules/{scheduleId}`, 'put'>>(
      `/api/orgs/${enc(orgId)}/reports/schedules/${enc(scheduleId)}`,
      { method: 'PUT', body },
    ),
  remove: (orgId: string, scheduleId: string) =>
    request<Res<`${typeof REPORTS}/schedules/{scheduleId}`, 'delete'>>(
      `/api/orgs/${enc(orgId)}/reports/schedules/${enc(scheduleId)}`,
      { method: 'DELETE' },
    ),
  sendNow: (orgId: string, scheduleId: string) =>
    request<Res<`${typeof REPORTS}/schedules/{scheduleId}/send-now`, 'post'>>(
      `/api/orgs/${enc(orgId)}/reports/schedules/${enc(scheduleId)}/send-now`,
      { method: 'POST' },
    ),
  history: (orgId: string) =>
    request<Res<`${typeof REPORTS}/history`, 'get'>>(`/api/orgs/${enc(orgId)}/reports/history`),
};

const ADMIN_ORG = '/api/admin/orgs/{orgId}';
/** The portfolio's order (`worst`, a column, or `-column`), name filter and bound (server/src/portfolio/schema.ts). */
export interface PortfolioQuery extends QueryParams {
  sort?: string;
  q?: string;
  limit?: number;
}

export const admin = {
  orgs: () => request<Res<'/api/admin/orgs', 'get'>>('/api/admin/orgs'),
  portfolio: (query: PortfolioQuery) => request<Res<'/api/admin/portfolio', 'get'>>('/api/admin/portfolio', { query }),
  createOrg: (body: Body<'/api/admin/orgs', 'post'>) =>
    request<Res<'/api/admin/orgs', 'post'>>('/api/admin/orgs', { method: 'POST', body }),
  org: (orgId: string) => request<Res<typeof ADMIN_ORG, 'get'>>(`/api/admin/orgs/${enc(orgId)}`),
  updateOrg: (orgId: string, body: Body<typeof ADMIN_ORG, 'patch'>) =>
    request<Res<typeof ADMIN_ORG, 'patch'>>(`/api/admin/orgs/${enc(orgId)}`, { method: 'PATCH', body }),
  deleteOrg: (orgId: string) =>
    request<Res<typeof ADMIN_ORG, 'delete'>>(`/api/admin/orgs/${enc(orgId)}`, { method: 'DELETE' }),
  addMember: (orgId: string, body: Body<`${typeof ADMIN_ORG}/members`, 'post'>) =>
    request<Res<`${typeof ADMIN_ORG}/members`, 'post'>>(`/api/admin/orgs/${enc(orgId)}/members`, {
      method: 'POST',
      body,
    }),
  updateMember: (orgId: string, userId: string, body: Body<`${typeof ADMIN_ORG}/members/{userId}`, 'patch'>) =>
    request<Res<`${typeof ADMIN_ORG}/members/{userId}`, 'patch'>>(
      `/api/admin/orgs/${enc(orgId)}/members/${enc(userId)}`,
      { method: 'PATCH', body },
    ),
  removeMember: (orgId: string, userId: string) =>
    request<Res<`${typeof ADMIN_ORG}/members/{userId}`, 'delete'>>(
      `/api/admin/orgs/${enc(orgId)}/members/${enc(userId)}`,
      { method: 'DELETE' },
    ),
  users: () => request<Res<'/api/admin/users', 'get'>>('/api/admin/users'),
  createUser: (body: Body<'/api/admin/users', 'post'>) =>
    request<Res<'/api/admin/users', 'post'>>('/api/admin/users', { method: 'POST', body }),
  updateUser: (userId: string, body: Body<'/api/admin/users/{userId}', 'patch'>) =>
    request<Res<'/api/admin/users/{userId}', 'patch'>>(`/api/admin/users/${enc(userId)}`, { method: 'PATCH', body }),
  reissueInvite: (userId: string) =>
    request<Res<'/api/admin/users/{userId}/invite', 'post'>>(`/api/admin/users/${enc(userId)}/invite`, {
      method: 'POST',
    }),
  revokeInvite: (userId: string) =>
    request<Res<'/api/admin/users/{userId}/invite', 'delete'>>(`/api/admin/users/${enc(userId)}/invite`, {
      method: 'DELETE',
    }),
  platformKeys: () => request<Res<'/api/admin/platform-keys', 'get'>>('/api/admin/platform-keys'),
  createPlatformKey: (body: Body<'/api/admin/platform-keys', 'post'>) =>
    request<Res<'/api/admin/platform-keys', 'post'>>('/api/admin/platform-keys', { method: 'POST', body }),
  revokePlatformKey: (keyId: string) =>
    request<Res<'/api/admin/platform-keys/{keyId}', 'delete'>>(`/api/admin/platform-keys/${enc(keyId)}`, {
      method: 'DELETE',
    }),
  audit: (query: AuditQuery) => request<Res<'/api/admin/audit', 'get'>>('/api/admin/audit', { query }),
  phoneNumbers: () => request<Res<'/api/admin/phone-numbers', 'get'>>('/api/admin/phone-numbers'),
  createPhoneNumber: (body: Body<'/api/admin/phone-numbers', 'post'>) =>
    request<Res<'/api/admin/phone-numbers', 'post'>>('/api/admin/phone-numbers', { method: 'POST', body }),
  /** assignedFrom is an instant (ISO with offset); omitted = the number's whole history counts */
  assignNumbers: (orgId: string, body: Body<`${typeof ADMIN_ORG}/phone-numbers`, 'post'>) =>
    request<Res<`${typeof ADMIN_ORG}/phone-numbers`, 'post'>>(`/api/admin/orgs/${enc(orgId)}/phone-numbers`, {
      method: 'POST',
      body,
    }),
  unassignNumber: (orgId: string, phoneNumberId: string) =>
    request<Res<`${typeof ADMIN_ORG}/phone-numbers/{phoneNumberId}`, 'delete'>>(
      `/api/admin/orgs/${enc(orgId)}/phone-numbers/${enc(phoneNumberId)}`,
      { method: 'DELETE' },
    ),
};

const MC = '/api/admin/mightycall/connections';
const MC_ONE = `${MC}/{id}` as const;
export const mightycall = {
  list: () => request<Res<typeof MC, 'get'>>(MC),
  create: (body: Body<typeof MC, 'post'>) => request<Res<typeof MC, 'post'>>(MC, { method: 'POST', body }),
  update: (id: string, body: Body<typeof MC_ONE, 'patch'>) =>
    request<Res<typeof MC_ONE, 'patch'>>(`${MC}/${enc(id)}`, { method: 'PATCH', body }),
  remove: (id: string) => request<Res<typeof MC_ONE, 'delete'>>(`${MC}/${enc(id)}`, { method: 'DELETE' }),
  test: (id: string) => request<Res<`${typeof MC_ONE}/test`, 'post'>>(`${MC}/${enc(id)}/test`, { method: 'POST' }),
  sync: (id: string) =>
    request<Res<`${typeof MC_ONE}/sync`, 'post'>>(`${MC}/${enc(id)}/sync`, { method: 'POST', body: {} }),
  status: (id: string) => request<Res<`${typeof MC_ONE}/status`, 'get'>>(`${MC}/${enc(id)}/status`),
};

export const live = {
  snapshot: (orgId: string) =>
    request<Res<`${typeof ORG}/live/snapshot`, 'get'>>(`/api/orgs/${enc(orgId)}/live/snapshot`),
  streamUrl: (orgId: string) => `/api/orgs/${enc(orgId)}/live`,
};
