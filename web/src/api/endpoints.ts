// One typed function per server endpoint the web app calls; pages use these through TanStack Query.
import { buildUrl, type QueryParams, request } from './client';
import type {
  AddedMember,
  AgentStats,
  ApiKey,
  AssignResult,
  AuditPage,
  CallDetail,
  CallPage,
  ClientMetrics,
  CreatedKey,
  Invitation,
  Invite,
  LiveSnapshot,
  Me,
  Member,
  MightyCallConnection,
  MightyCallConnectionInput,
  MightyCallStatus,
  MightyCallTestResult,
  NumberStats,
  Org,
  OrgRole,
  PhoneNumber,
  PlatformRole,
  QueueSummaryItem,
  Series,
  User,
} from './types';

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
    request<{ user: User }>('/api/auth/login', { method: 'POST', body: { email, password } }),
  /** Accepts an invite: sets the password of a new account (or joins as the signed-in one); answers /api/me. */
  acceptInvite: (body: { token: string; password?: string; displayName?: string }) =>
    request<Me>('/api/auth/accept-invite', { method: 'POST', body }),
  logout: () => request<void>('/api/auth/logout', { method: 'POST' }),
  me: () => request<Me>('/api/me'),
};

export const metrics = {
  client: (orgId: string, range: RangeQuery) =>
    request<ClientMetrics>('/api/client-metrics', { query: withOrg(orgId, compareParam(range)) }),
  series: (orgId: string, range: RangeQuery) =>
    request<Series>('/api/calls/series', { query: withOrg(orgId, noCompare(range)) }),
  queues: (orgId: string, range: RangeQuery) =>
    request<{ items: QueueSummaryItem[] }>('/api/calls/queue-summary', { query: withOrg(orgId, noCompare(range)) }),
  agents: (orgId: string, range: RangeQuery) =>
    request<{ items: AgentStats[] }>('/api/metrics/agents', { query: withOrg(orgId, noCompare(range)) }),
  numbers: (orgId: string, range: RangeQuery) =>
    request<{ items: NumberStats[] }>('/api/metrics/numbers', { query: withOrg(orgId, noCompare(range)) }),
};

export const calls = {
  recent: (orgId: string, limit: number) =>
    request<{ items: CallPage['items'] }>('/api/calls/recent', { query: { org_id: orgId, limit } }),
  list: (orgId: string, range: RangeQuery, filters: CallFilters, cursor: string | null, limit = 50) =>
    request<CallPage>('/api/calls', {
      query: withOrg(orgId, { ...noCompare(range), ...filters, cursor: cursor ?? undefined, limit }),
    }),
  csvUrl: (orgId: string, range: RangeQuery, filters: CallFilters) =>
    buildUrl('/api/calls', withOrg(orgId, { ...noCompare(range), ...filters, format: 'csv' })),
  get: (orgId: string, callId: string) =>
    request<{ call: CallDetail }>(`/api/calls/${enc(callId)}`, { query: { org_id: orgId } }),
};

export const orgs = {
  get: (orgId: string) => request<{ org: Org }>(`/api/orgs/${enc(orgId)}`),
  updateSettings: (orgId: string, body: Partial<Omit<Org, 'id' | 'name' | 'slug'>>) =>
    request<{ org: Org }>(`/api/orgs/${enc(orgId)}`, { method: 'PATCH', body }),
  members: (orgId: string) => request<{ members: Member[] }>(`/api/orgs/${enc(orgId)}/members`),
  addMember: (orgId: string, body: { email: string; role: OrgRole; mightycallExtension?: string | null }) =>
    request<AddedMember>(`/api/orgs/${enc(orgId)}/members`, { method: 'POST', body }),
  invitations: (orgId: string) => request<{ invitations: Invitation[] }>(`/api/orgs/${enc(orgId)}/invitations`),
  revokeInvitation: (orgId: string, id: string) =>
    request<{ invitation: Invitation }>(`/api/orgs/${enc(orgId)}/invitations/${enc(id)}`, { method: 'DELETE' }),
  reissueInvitation: (orgId: string, id: string) =>
    request<{ invitation: Invitation; url: string | null }>(`/api/orgs/${enc(orgId)}/invitations/${enc(id)}/reissue`, {
      method: 'POST',
    }),
  updateMember: (orgId: string, userId: string, body: { role?: OrgRole; mightycallExtension?: string | null }) =>
    request<{ member: Member }>(`/api/orgs/${enc(orgId)}/members/${enc(userId)}`, { method: 'PATCH', body }),
  removeMember: (orgId: string, userId: string) =>
    request<void>(`/api/orgs/${enc(orgId)}/members/${enc(userId)}`, { method: 'DELETE' }),
  apiKeys: (orgId: string) => request<{ apiKeys: ApiKey[] }>(`/api/orgs/${enc(orgId)}/api-keys`),
  createApiKey: (orgId: string, body: { name: string; scopes: string[]; expiresAt?: string }) =>
    request<CreatedKey>(`/api/orgs/${enc(orgId)}/api-keys`, { method: 'POST', body }),
  revokeApiKey: (orgId: string, keyId: string) =>
    request<void>(`/api/orgs/${enc(orgId)}/api-keys/${enc(keyId)}`, { method: 'DELETE' }),
  phoneNumbers: (orgId: string) => request<{ phoneNumbers: PhoneNumber[] }>(`/api/orgs/${enc(orgId)}/phone-numbers`),
  audit: (orgId: string, query: AuditQuery) => request<AuditPage>(`/api/orgs/${enc(orgId)}/audit`, { query }),
};

export const admin = {
  orgs: () => request<{ orgs: Org[] }>('/api/admin/orgs'),
  createOrg: (body: { name: string; timezone?: string }) =>
    request<{ org: Org }>('/api/admin/orgs', { method: 'POST', body }),
  org: (orgId: string) => request<{ org: Org }>(`/api/admin/orgs/${enc(orgId)}`),
  updateOrg: (orgId: string, body: { name?: string; timezone?: string }) =>
    request<{ org: Org }>(`/api/admin/orgs/${enc(orgId)}`, { method: 'PATCH', body }),
  deleteOrg: (orgId: string) => request<void>(`/api/admin/orgs/${enc(orgId)}`, { method: 'DELETE' }),
  addMember: (orgId: string, body: { email: string; role: OrgRole; mightycallExtension?: string | null }) =>
    request<AddedMember>(`/api/admin/orgs/${enc(orgId)}/members`, {
      method: 'POST',
      body,
    }),
  updateMember: (orgId: string, userId: string, body: { role?: OrgRole; mightycallExtension?: string | null }) =>
    request<{ member: Member }>(`/api/admin/orgs/${enc(orgId)}/members/${enc(userId)}`, { method: 'PATCH', body }),
  removeMember: (orgId: string, userId: string) =>
    request<void>(`/api/admin/orgs/${enc(orgId)}/members/${enc(userId)}`, { method: 'DELETE' }),
  users: () => request<{ users: User[] }>('/api/admin/users'),
  createUser: (body: { email: string; displayName: string; password?: string; platformRole?: PlatformRole }) =>
    request<{ user: User; invite: Invite | null }>('/api/admin/users', { method: 'POST', body }),
  updateUser: (userId: string, body: { displayName?: string; platformRole?: PlatformRole; disabled?: boolean }) =>
    request<{ user: User }>(`/api/admin/users/${enc(userId)}`, { method: 'PATCH', body }),
  platformKeys: () => request<{ apiKeys: ApiKey[] }>('/api/admin/platform-keys'),
  createPlatformKey: (body: { name: string; scopes: string[]; expiresAt?: string }) =>
    request<CreatedKey>('/api/admin/platform-keys', { method: 'POST', body }),
  revokePlatformKey: (keyId: string) => request<void>(`/api/admin/platform-keys/${enc(keyId)}`, { method: 'DELETE' }),
  audit: (query: AuditQuery) => request<AuditPage>('/api/admin/audit', { query }),
  phoneNumbers: () => request<{ phoneNumbers: PhoneNumber[] }>('/api/admin/phone-numbers'),
  createPhoneNumber: (body: { number: string; label?: string }) =>
    request<{ phoneNumber: PhoneNumber }>('/api/admin/phone-numbers', { method: 'POST', body }),
  /** assignedFrom is an instant (ISO with offset); omitted = the number's whole history counts */
  assignNumbers: (orgId: string, body: { phoneNumberIds: string[]; assignedFrom?: string }) =>
    request<{ assignments: AssignResult[] }>(`/api/admin/orgs/${enc(orgId)}/phone-numbers`, { method: 'POST', body }),
  unassignNumber: (orgId: string, phoneNumberId: string) =>
    request<{ assignment: { phoneNumberId: string; assignedFrom: string | null; assignedUntil: string | null } }>(
      `/api/admin/orgs/${enc(orgId)}/phone-numbers/${enc(phoneNumberId)}`,
      { method: 'DELETE' },
    ),
};

const MC = '/api/admin/mightycall/connections';
export const mightycall = {
  list: () => request<{ connections: MightyCallConnection[] }>(MC),
  create: (body: MightyCallConnectionInput) =>
    request<{ connection: MightyCallConnection }>(MC, { method: 'POST', body }),
  update: (id: string, body: Partial<MightyCallConnectionInput> & { enabled?: boolean }) =>
    request<{ connection: MightyCallConnection }>(`${MC}/${enc(id)}`, { method: 'PATCH', body }),
  remove: (id: string) => request<void>(`${MC}/${enc(id)}`, { method: 'DELETE' }),
  test: (id: string) => request<MightyCallTestResult>(`${MC}/${enc(id)}/test`, { method: 'POST' }),
  sync: (id: string) => request<{ requested: string[] }>(`${MC}/${enc(id)}/sync`, { method: 'POST', body: {} }),
  status: (id: string) => request<MightyCallStatus>(`${MC}/${enc(id)}/status`),
};

export const live = {
  snapshot: (orgId: string) => request<LiveSnapshot>(`/api/orgs/${enc(orgId)}/live/snapshot`),
  streamUrl: (orgId: string) => `/api/orgs/${enc(orgId)}/live`,
};
