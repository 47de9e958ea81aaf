// Row types of the schema (migrations/*.sql), for Kysely's typed queries.
import type { ColumnType, Generated } from 'kysely';
import type { MightyCallTables } from '../mightycall/db-types.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
/** numeric columns arrive as strings from both drivers */
type ReadOnlyNumeric = ColumnType<string, never, never>;
type Json = ColumnType<unknown, string, string>;

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  slug: string;
  timezone: Generated<string>;
  sl_threshold_seconds: Generated<number>;
  sl_target_pct: ColumnType<string, number | string | undefined, number | string>;
  short_abandon_seconds: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface UsersTable {
  id: Generated<string>;
  email: string;
  display_name: string;
  password_hash: string | null;
  platform_role: Generated<'none' | 'platform_admin'>;
  auth_subject: string | null;
  disabled_at: Date | null;
  email_verified_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type OrgRole = 'org_admin' | 'org_manager' | 'agent';

export interface OrgMembershipsTable {
  org_id: string;
  user_id: string;
  role: OrgRole;
  mightycall_extension: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface PhoneNumbersTable {
  id: Generated<string>;
  e164: string;
  label: string | null;
  provider: string | null;
  provider_account: string | null;
  provider_ref: string | null;
  is_active: Generated<boolean>;
  last_synced_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface OrgPhoneNumbersTable {
  id: Generated<string>;
  org_id: string;
  phone_number_id: string;
  assigned_from: ColumnType<Date, Date | string | undefined, Date | string>;
  assigned_until: Date | null;
  assigned_by: string | null;
  unassigned_by: string | null;
  created_at: CreatedAt;
}

export interface AgentsTable {
  id: Generated<string>;
  provider: Generated<string>;
  provider_account: Generated<string>;
  extension: string;
  display_name: string;
  email: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type CallDirection = 'inbound' | 'outbound';
export type CallStatus = 'answered' | 'missed' | 'voicemail';

export interface CallsTable {
  id: Generated<string>;
  provider: string;
  provider_call_id: string;
  provider_account: Generated<string>;
  direction: CallDirection;
  status: CallStatus;
  business_number_id: string;
  external_number: string | null;
  started_at: Timestamp;
  answered_at: Timestamp | null;
  ended_at: Timestamp;
  wait_seconds: ReadOnlyNumeric;
  talk_seconds: ReadOnlyNumeric;
  agent_extension: string | null;
  queue_name: string | null;
  recording_ref: string | null;
  /** the provider's link to the audio (migrations/0018): for the recording proxy only, never in an answer */
  recording_url: string | null;
  voicemail_transcript: string | null;
  raw: Json | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ApiKeysTable {
  id: Generated<string>;
  kind: 'platform' | 'org';
  org_id: string | null;
  name: string;
  key_hash: Uint8Array;
  prefix: string;
  last4: string;
  scopes: string[];
  created_by: string | null;
  created_at: CreatedAt;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface SessionsTable {
  id: Generated<string>;
  token_hash: Uint8Array;
  user_id: string;
  created_at: CreatedAt;
  last_seen_at: UpdatedAt;
  expires_at: Timestamp;
  revoked_at: Date | null;
  ip: string | null;
  user_agent: string | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: CreatedAt;
  actor_user_id: string | null;
  actor_key_id: string | null;
  act_as_user_id: string | null;
  org_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before: Json | null;
  after: Json | null;
  ip: string | null;
  request_id: string | null;
}

export interface UserInvitesTable {
  id: Generated<string>;
  user_id: string;
  token_hash: Uint8Array;
  created_by: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  accepted_at: Date | null;
}

export interface OrgInvitationsTable {
  id: Generated<string>;
  org_id: string;
  email: string;
  role: OrgRole;
  mightycall_extension: string | null;
  token_hash: Uint8Array;
  delivery: 'link' | 'email';
  created_by: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  accepted_at: Date | null;
  accepted_by: string | null;
  revoked_at: Date | null;
}

export interface SchemaMigrationsTable {
  version: string;
  name: string;
  checksum: string;
  applied_at: CreatedAt;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface JobsTable {
  id: Generated<string>;
  kind: string;
  key: string | null;
  payload: ColumnType<unknown, string | undefined, string>;
  status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>;
  run_at: ColumnType<Date, Date | string | undefined, Date | string>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  locked_by: string | null;
  locked_until: Timestamp | null;
  last_error: string | null;
  created_at: CreatedAt;
  finished_at: Timestamp | null;
}

export interface JobLeasesTable {
  kind: string;
  key: string;
  owner: string;
  expires_at: Timestamp;
}

export type MailStatus = 'queued' | 'sent' | 'captured' | 'failed';

export interface MailOutboxTable {
  id: Generated<string>;
  idempotency_key: string;
  purpose: string;
  org_id: string | null;
  to_address: string;
  subject: string;
  text_body: string | null;
  html_body: string | null;
  attachments: ColumnType<unknown, string | undefined, string>;
  status: ColumnType<MailStatus, MailStatus | undefined, MailStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  from_address: string | null;
  message_id: string | null;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
}

export type AccountTokenPurpose = 'password_reset' | 'email_verification';

export interface AccountTokensTable {
  id: Generated<string>;
  user_id: string;
  purpose: AccountTokenPurpose;
  email: string;
  token_hash: Uint8Array;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export type AlertKind = 'service_level_below' | 'calls_waiting' | 'longest_wait' | 'missed_calls' | 'no_inbound';

export interface OrgBusinessHoursTable {
  org_id: string;
  weekday: number;
  start_minute: number;
  end_minute: number;
}

export interface AlertRulesTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  kind: AlertKind;
  threshold: number;
  window_minutes: number | null;
  min_calls: number | null;
  enabled: Generated<boolean>;
  recipients: Generated<string[]>;
  notify_email: Generated<boolean>;
  notify_webhook: Generated<boolean>;
  firing_since: Date | null;
  open_event_id: string | null;
  last_value: number | null;
  last_evaluated_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type ReportFrequency = 'daily' | 'weekly' | 'monthly';

export interface ReportSchedulesTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  frequency: ReportFrequency;
  weekday: number | null;
  month_day: number | null;
  send_minute: number;
  recipient_user_ids: Generated<string[]>;
  recipient_emails: Generated<string[]>;
  enabled: Generated<boolean>;
  created_by: string | null;
  last_sent_period: string | null;
  last_sent_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface AlertEventsTable {
  id: Generated<string>;
  org_id: string;
  rule_id: string | null;
  rule_name: string;
  kind: AlertKind;
  threshold: number;
  window_minutes: number | null;
  fired_at: Timestamp;
  fired_value: number | null;
  resolved_at: Timestamp | null;
  resolved_value: number | null;
}

export interface AlertWebhooksTable {
  org_id: string;
  url: string;
  secret_enc: string;
  created_at: CreatedAt;
}

/** One counted request of the sign-in or mail throttle (0024): shared by every process. */
export interface ThrottleHitsTable {
  id: Generated<string>;
  scope: 'login_account' | 'login_address' | 'mail_account' | 'mail_client';
  key_hash: Uint8Array;
  at: Timestamp;
}

export interface DB extends MightyCallTables {
  org_business_hours: OrgBusinessHoursTable;
  alert_rules: AlertRulesTable;
  alert_events: AlertEventsTable;
  alert_webhooks: AlertWebhooksTable;
  report_schedules: ReportSchedulesTable;
  jobs: JobsTable;
  job_leases: JobLeasesTable;
  mail_outbox: MailOutboxTable;
  throttle_hits: ThrottleHitsTable;
  account_tokens: AccountTokensTable;
  organizations: OrganizationsTable;
  users: UsersTable;
  org_memberships: OrgMembershipsTable;
  phone_numbers: PhoneNumbersTable;
  org_phone_numbers: OrgPhoneNumbersTable;
  agents: AgentsTable;
  calls: CallsTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  user_invites: UserInvitesTable;
  org_invitations: OrgInvitationsTable;
  schema_migrations: SchemaMigrationsTable;
}
