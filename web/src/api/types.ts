// Response and request shapes of the server API, mirrored from the contract (server/src/**/schema.ts is the source).
export type PlatformRole = 'none' | 'platform_admin';
export type OrgRole = 'org_admin' | 'org_manager' | 'agent';

export type UserStatus = 'active' | 'invited' | 'disabled';

export interface User {
  id: string;
  email: string;
  displayName: string;
  platformRole: PlatformRole;
  status: UserStatus;
  createdAt: string;
  updatedAt: string;
  /** present in the admin user list */
  memberships?: Array<{ orgId: string; orgName: string; role: OrgRole }>;
}

export interface Membership {
  orgId: string;
  orgName: string;
  orgSlug: string;
  timezone: string;
  /** null for an org API key's own org */
  role: OrgRole | null;
  mightycallExtension: string | null;
  /** what the caller may do in this org (org:read, metrics:read, members:write, keys:manage, …) */
  permissions: string[];
}

export interface Me {
  user: User | null;
  authenticatedVia: 'session' | 'api_key' | 'supabase_jwt';
  /** permissions outside any org (platform:orgs, platform:users, …) */
  permissions: string[];
  memberships: Membership[];
}

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export interface Invitation {
  id: string;
  email: string;
  role: OrgRole;
  mightycallExtension: string | null;
  delivery: 'link' | 'email';
  status: InvitationStatus;
  createdAt: string;
  expiresAt: string;
}

/** Adding a member: the membership at once, or a pending invitation (with its link when not emailed). */
export interface AddedMember {
  member: Member | null;
  invitation: Invitation | null;
  url: string | null;
}

export interface Invite {
  token: string;
  url: string;
  expiresAt: string;
}

export interface Org {
  id: string;
  name: string;
  slug: string;
  timezone: string;
  slThresholdSeconds: number;
  slTargetPct: number;
  shortAbandonSeconds: number;
  createdAt: string;
  updatedAt: string;
  /** in the admin org list */
  memberCount?: number;
}

export interface Member {
  userId: string;
  email: string;
  displayName: string;
  role: OrgRole;
  mightycallExtension: string | null;
  status: UserStatus;
  createdAt: string;
  updatedAt: string;
}

export interface ApiKey {
  id: string;
  kind: 'org' | 'platform';
  orgId: string | null;
  name: string;
  prefix: string;
  last4: string;
  /** e.g. vs_org_Ab12…wxYZ */
  display: string;
  scopes: string[];
  createdBy: { id: string; email: string | null } | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
}

export interface CreatedKey {
  key: string;
  apiKey: ApiKey;
}

export interface NumberAssignment {
  orgId: string;
  orgName: string;
  assignedFrom: string | null;
  assignedUntil: string | null;
}

export interface PhoneNumber {
  id: string;
  e164: string;
  label: string | null;
  isActive: boolean;
  provider: string | null;
  lastSyncedAt: string | null;
  assignments: NumberAssignment[];
}

export interface AssignResult {
  phoneNumberId: string;
  outcome: string;
  assignedFrom: string | null;
  sharedWith: Array<{ orgId: string; orgName: string }>;
}

export interface AuditEntry {
  id: string;
  at: string;
  orgId: string | null;
  action: string;
  actor: { userId: string | null; email: string | null; keyId: string | null; actAsUserId: string | null };
  targetType: string | null;
  targetId: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  requestId: string | null;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}

export type Interval = 'hour' | 'day' | 'week' | 'month';

export interface Metrics {
  org_id: string | null;
  total_calls: number;
  offered_calls: number;
  outbound_calls: number;
  answered_calls: number;
  missed_calls: number;
  voicemail_calls: number;
  short_abandoned_calls: number;
  answer_rate_pct: number | null;
  service_level_pct: number | null;
  service_level_threshold_seconds: number;
  service_level_target_pct: number;
  abandon_rate_pct: number | null;
  avg_wait_seconds: number | null;
  longest_wait_seconds: number | null;
  avg_talk_seconds: number | null;
  outbound_connected_calls: number;
  outbound_avg_talk_seconds: number | null;
}

export type MetricField = keyof Metrics;

export interface Change {
  delta: number | null;
  pct: number | null;
}

export interface Range {
  from: string;
  to: string;
  /** where the last bucket ends (after `to` while the period is in progress) */
  periodEnd: string;
  timezone: string;
  interval: Interval;
}

export interface ClientMetrics {
  range: Range;
  metrics: Metrics;
  previous: Metrics | null;
  change: Partial<Record<MetricField, Change>> | null;
}

export interface SeriesPoint {
  bucketStart: string;
  totalCalls: number;
  offered: number;
  outbound: number;
  answered: number;
  missed: number;
  voicemail: number;
  serviceLevelPct: number | null;
  avgWaitSeconds: number | null;
}

export interface Series {
  interval: Interval;
  timezone: string;
  range: Range;
  points: SeriesPoint[];
}

export interface QueueSummaryItem {
  queueName: string | null;
  totalCalls: number;
  answered: number;
  missed: number;
  voicemail: number;
  shortAbandoned: number;
  answerRatePct: number | null;
  serviceLevelPct: number | null;
  avgWaitSeconds: number | null;
}

export type CallDirection = 'inbound' | 'outbound';
export type CallStatus = 'answered' | 'missed' | 'voicemail';

export interface CallItem {
  id: string;
  direction: CallDirection;
  status: CallStatus;
  fromNumber: string | null;
  toNumber: string | null;
  /** the org side of the call: callee of an inbound call, caller of an outbound one */
  businessNumber: string;
  queueName: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string;
  waitSeconds: number;
  talkSeconds: number;
  agentExtension: string | null;
  agentName: string | null;
}

export interface CallDetail extends CallItem {
  recordingRef: string | null;
  raw?: unknown;
}

export interface CallPage {
  items: CallItem[];
  nextCursor: string | null;
}

export interface AgentStats {
  agentExtension: string;
  agentName: string | null;
  answered: number;
  outbound: number;
  outboundConnected: number;
  avgWaitSeconds: number | null;
  avgTalkSeconds: number | null;
  totalTalkSeconds: number;
}

export interface NumberStats {
  phoneNumberId: string;
  e164: string;
  label: string | null;
  offered: number;
  answered: number;
  missed: number;
  voicemail: number;
  answerRatePct: number | null;
  serviceLevelPct: number | null;
  avgWaitSeconds: number | null;
  outbound: number;
}

export interface LiveCall {
  callId: string;
  state: 'ringing' | 'connected';
  from: string | null;
  to: string | null;
  extension: string | null;
  agentName: string | null;
  startedAt: string;
  answeredAt: string | null;
}

export interface LiveAgent {
  extension: string;
  name: string | null;
  state: 'available' | 'ringing' | 'on_call' | 'offline';
  since: string | null;
}

export interface LiveSnapshot {
  asOf: string;
  calls: LiveCall[];
  agents: LiveAgent[];
}

export type SyncStatus = 'never' | 'running' | 'ok' | 'error' | 'waiting_quota';
export type MightyCallHost = 'classic' | 'contact-center' | 'custom';

export interface MightyCallConnection {
  id: string;
  name: string;
  host: MightyCallHost;
  baseUrl: string;
  /** the provider account label */
  accountId: string;
  enabled: boolean;
  status: SyncStatus;
  lastSyncAt: string | null;
  lastError: string | null;
  /** paste into MightyCall → Integrations → API → Webhooks */
  webhookUrl: string;
  quotaUsed: number;
  quotaLimit: number;
  createdAt: string;
  updatedAt: string;
}

export interface MightyCallTestResult {
  ok: boolean;
  message: string;
  ping: { ok: boolean; version: string | null; error: string | null };
  token: { ok: boolean; error: string | null };
}

export interface MightyCallJob {
  job: 'numbers' | 'agents' | 'calls';
  status: SyncStatus;
  lastStartedAt: string | null;
  lastFinishedAt: string | null;
  lastSuccessAt: string | null;
  lastRows: number;
  lastError: string | null;
  nextRunAt: string | null;
  runs: number;
  failures: number;
}

export interface MightyCallStatus {
  connection: MightyCallConnection;
  webhookUrl: string;
  quota: { used: number; limit: number; syncRemaining: number; blockedUntil: string | null; throttledCount: number };
  jobs: MightyCallJob[];
  webhooks: { received24h: number; pending: number; lastReceivedAt: string | null };
}

export interface MightyCallConnectionInput {
  name: string;
  host: MightyCallHost;
  baseUrl?: string;
  apiKey: string;
  userKey: string;
  providerAccount?: string;
  dailyQuota?: number;
  initialSyncDays?: number;
}
