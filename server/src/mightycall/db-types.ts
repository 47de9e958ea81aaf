// Row types of the MightyCall tables (migrations/0003_mightycall.sql), merged into the DB interface.
import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<unknown, string, string>;

export type ConnectionHost = 'classic' | 'contact-center' | 'custom';
export type SyncJob = 'numbers' | 'agents' | 'calls';
export type SyncStatus = 'never' | 'running' | 'ok' | 'error' | 'waiting_quota';
export type LiveCallState = 'ringing' | 'connected' | 'completed';
export type LegState = 'ringing' | 'dialing' | 'connected' | 'ended';
export type FetchState = 'pending' | 'done' | 'gave_up';

export interface MightyCallConnectionsTable {
  id: Generated<string>;
  name: string;
  host: ConnectionHost;
  base_url: string;
  provider_account: string;
  api_key_enc: string;
  user_key_enc: string;
  webhook_token_enc: string;
  enabled: Generated<boolean>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  /** when MightyCall refused the keys (migrations/0014); null while they work or since new ones were saved */
  credentials_refused_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** what MightyCall said */
  credentials_refusal: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A connection's row as read (secrets still sealed). */
export type ConnectionRow = Selectable<MightyCallConnectionsTable>;

export interface MightyCallSyncStateTable {
  connection_id: string;
  job: SyncJob;
  status: Generated<SyncStatus>;
  next_run_at: Timestamp | null;
  requested_at: Timestamp | null;
  last_started_at: Timestamp | null;
  last_finished_at: Timestamp | null;
  last_success_at: Timestamp | null;
  last_rows: Generated<number>;
  last_error: string | null;
  runs: Generated<number>;
  failures: Generated<number>;
  watermark: Timestamp | null;
  backfill: Json | null;
}

export interface MightyCallQuotaAccountsTable {
  provider_account: string;
  daily_limit: Generated<number>;
  blocked_until: Timestamp | null;
  throttled_count: Generated<number>;
  last_throttled_at: Timestamp | null;
}

export interface MightyCallQuotaUsageTable {
  provider_account: string;
  bucket: Timestamp;
  requests: Generated<number>;
}

export interface MightyCallWebhookInboxTable {
  id: Generated<number>;
  connection_id: string;
  dedupe_key: string;
  event_type: string;
  call_id: string;
  extension: string | null;
  event_ts: string;
  event_at: Timestamp;
  body: Json;
  received_at: CreatedAt;
  processed_at: Timestamp | null;
}

export interface MightyCallLiveCallsTable {
  connection_id: string;
  call_id: string;
  provider_account: string;
  direction: 'inbound' | 'outbound';
  state: LiveCallState;
  from_party: string | null;
  to_party: string | null;
  business_number_id: string | null;
  extension: string | null;
  started_at: Timestamp;
  answered_at: Timestamp | null;
  ended_at: Timestamp | null;
  last_event_ts: string;
  last_event_at: Timestamp;
  closed_at: Timestamp | null;
  fetch_state: FetchState | null;
  fetch_attempts: Generated<number>;
  fetch_after: Timestamp | null;
  updated_at: UpdatedAt;
}

export interface MightyCallLiveLegsTable {
  connection_id: string;
  call_id: string;
  extension: string;
  provider_account: string;
  business_number_id: string | null;
  call_started_at: Timestamp;
  state: LegState;
  since: Timestamp;
  last_event_ts: string;
  updated_at: UpdatedAt;
}

export interface MightyCallLiveVersionTable {
  id: Generated<boolean>;
  version: Generated<number>;
  changed_at: UpdatedAt;
}

export interface MightyCallTables {
  mightycall_connections: MightyCallConnectionsTable;
  mightycall_sync_state: MightyCallSyncStateTable;
  mightycall_quota_accounts: MightyCallQuotaAccountsTable;
  mightycall_quota_usage: MightyCallQuotaUsageTable;
  mightycall_webhook_inbox: MightyCallWebhookInboxTable;
  mightycall_live_calls: MightyCallLiveCallsTable;
  mightycall_live_legs: MightyCallLiveLegsTable;
  mightycall_live_version: MightyCallLiveVersionTable;
}
