-- MightyCall integration: connections (encrypted secrets), sync state and leases, the request quota,
-- the durable webhook inbox, and live call/agent state derived from webhooks.
-- Connections, sync, quota and inbox are platform-level (vs_is_admin() only: platform admins, platform keys,
-- system jobs). Live rows carry their business number so orgs see them the way they see calls.

CREATE TABLE mightycall_connections (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  host text NOT NULL CHECK (host IN ('classic', 'contact-center', 'custom')),
  base_url text NOT NULL CHECK (base_url ~ '^https?://' AND length(base_url) <= 500),
  -- the account's name in phone_numbers/agents/calls.provider_account (never the api key itself)
  provider_account text NOT NULL UNIQUE CHECK (provider_account ~ '^[A-Za-z0-9._-]{1,80}$'),
  -- AES-256-GCM under VICTORYSYNC_SECRET_KEY; never returned by the API
  api_key_enc text NOT NULL,
  user_key_enc text NOT NULL,
  webhook_token_enc text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per (connection, job): schedule, run-now requests, outcome of the last run, calls watermark/backfill.
CREATE TABLE mightycall_sync_state (
  connection_id uuid NOT NULL REFERENCES mightycall_connections (id) ON DELETE CASCADE,
  job text NOT NULL CHECK (job IN ('numbers', 'agents', 'calls')),
  status text NOT NULL DEFAULT 'never' CHECK (status IN ('never', 'running', 'ok', 'error', 'waiting_quota')),
  next_run_at timestamptz,
  requested_at timestamptz,
  last_started_at timestamptz,
  last_finished_at timestamptz,
  last_success_at timestamptz,
  last_rows integer NOT NULL DEFAULT 0,
  last_error text,
  runs integer NOT NULL DEFAULT 0,
  failures integer NOT NULL DEFAULT 0,
  watermark timestamptz,
  backfill jsonb,
  PRIMARY KEY (connection_id, job)
);

-- One run per connection at a time across processes: a lease claimed with a conditional UPDATE.
CREATE TABLE mightycall_sync_leases (
  connection_id uuid PRIMARY KEY REFERENCES mightycall_connections (id) ON DELETE CASCADE,
  owner text,
  expires_at timestamptz
);

-- The per-account daily request quota (rolling 24 h), shared by every process: per-minute counters.
CREATE TABLE mightycall_quota_accounts (
  provider_account text PRIMARY KEY,
  daily_limit integer NOT NULL DEFAULT 2500 CHECK (daily_limit > 0),
  -- after a 429: no request before this time
  blocked_until timestamptz,
  throttled_count integer NOT NULL DEFAULT 0,
  last_throttled_at timestamptz
);
CREATE TABLE mightycall_quota_usage (
  provider_account text NOT NULL,
  bucket timestamptz NOT NULL,
  requests integer NOT NULL DEFAULT 0,
  PRIMARY KEY (provider_account, bucket)
);

-- Webhook events as received: deduplicated on Guid (or a hash), processed in Timestamp order per call.
CREATE TABLE mightycall_webhook_inbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  connection_id uuid NOT NULL REFERENCES mightycall_connections (id) ON DELETE CASCADE,
  dedupe_key text NOT NULL,
  event_type text NOT NULL,
  call_id text NOT NULL,
  extension text,
  -- UTC with 7 fractional digits: sorts like the event order, finer than timestamptz
  event_ts text NOT NULL,
  event_at timestamptz NOT NULL,
  body jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz,
  UNIQUE (connection_id, dedupe_key)
);
CREATE INDEX mightycall_webhook_inbox_pending_idx ON mightycall_webhook_inbox (connection_id, call_id)
  WHERE processed_at IS NULL;
CREATE INDEX mightycall_webhook_inbox_call_idx ON mightycall_webhook_inbox (connection_id, call_id, event_ts);
CREATE INDEX mightycall_webhook_inbox_received_idx ON mightycall_webhook_inbox (received_at);

-- Live state per call, folded from every event of the call; the completed call is fetched once.
CREATE TABLE mightycall_live_calls (
  connection_id uuid NOT NULL REFERENCES mightycall_connections (id) ON DELETE CASCADE,
  call_id text NOT NULL,
  provider_account text NOT NULL,
  direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  state text NOT NULL CHECK (state IN ('ringing', 'connected', 'completed')),
  from_party text,
  to_party text,
  business_number_id uuid REFERENCES phone_numbers (id),
  extension text,
  started_at timestamptz NOT NULL,
  answered_at timestamptz,
  ended_at timestamptz,
  last_event_ts text NOT NULL,
  last_event_at timestamptz NOT NULL,
  -- set when the journal (sync) saw the call finished, whatever the webhooks said
  closed_at timestamptz,
  fetch_state text CHECK (fetch_state IN ('pending', 'done', 'gave_up')),
  fetch_attempts integer NOT NULL DEFAULT 0,
  fetch_after timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, call_id)
);
CREATE INDEX mightycall_live_calls_active_idx ON mightycall_live_calls (business_number_id, state, last_event_at);
CREATE INDEX mightycall_live_calls_fetch_idx ON mightycall_live_calls (fetch_after) WHERE fetch_state = 'pending';

-- Live state per (call, extension): one leg of a call at one agent.
CREATE TABLE mightycall_live_legs (
  connection_id uuid NOT NULL,
  call_id text NOT NULL,
  extension text NOT NULL,
  provider_account text NOT NULL,
  business_number_id uuid REFERENCES phone_numbers (id),
  call_started_at timestamptz NOT NULL,
  state text NOT NULL CHECK (state IN ('ringing', 'dialing', 'connected', 'ended')),
  since timestamptz NOT NULL,
  last_event_ts text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, call_id, extension),
  FOREIGN KEY (connection_id, call_id) REFERENCES mightycall_live_calls (connection_id, call_id) ON DELETE CASCADE
);
CREATE INDEX mightycall_live_legs_agent_idx ON mightycall_live_legs (provider_account, extension, state);

-- A change counter the live streams of every process poll (fan-out without LISTEN/NOTIFY).
CREATE TABLE mightycall_live_version (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  version bigint NOT NULL DEFAULT 0,
  changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO mightycall_live_version (id, version) VALUES (true, 0);

ALTER TABLE mightycall_connections ENABLE ROW LEVEL SECURITY;
ALTER TABLE mightycall_connections FORCE ROW LEVEL SECURITY;
CREATE POLICY mightycall_connections_admin ON mightycall_connections FOR ALL USING (vs_is_admin()) WITH CHECK (vs_is_admin());

ALTER TABLE mightycall_sync_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE mightycall_sync_state FORCE ROW LEVEL SECURITY;
CREATE POLICY mightycall_sync_state_admin ON mightycall_sync_state FOR ALL USING (vs_is_admin()) WITH CHECK (vs_is_admin());

ALTER TABLE mightycall_sync_leases ENABLE ROW LEVEL SECURITY;
ALTER TABLE mightycall_sync_leases FORCE ROW LEVEL SECURITY;
CREATE POLICY mightycall_sync_leases_admin ON mightycall_sync_leases FOR ALL USING (vs_is_admin()) WITH CHECK (vs_is_admin());

ALTER TABLE mightycall_quota_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE mightycall_quota_accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY mightycall_quota_accounts_admin ON mightycall_quota_accounts FOR ALL USING (vs_is_admin()) WITH CHECK (vs_is_admin());

ALTER TABLE mightycall_quota_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE mightycall_quota_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY mightycall_quota_usage_admin ON mightycall_quota_usage FOR ALL USING (vs_is_admin()) WITH CHECK (vs_is_admin());

ALTER TABLE mightycall_webhook_inbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE mightycall_webhook_inbox FORCE ROW LEVEL SECURITY;
CREATE POLICY mightycall_webhook_inbox_admin ON mightycall_webhook_inbox FOR ALL USING (vs_is_admin()) WITH CHECK (vs_is_admin());

-- A live call (and each of its legs) is an org's when its business number was assigned to the org at the
-- call's start: the same rule as calls_read.
ALTER TABLE mightycall_live_calls ENABLE ROW LEVEL SECURITY;
ALTER TABLE mightycall_live_calls FORCE ROW LEVEL SECURITY;
CREATE POLICY mightycall_live_calls_read ON mightycall_live_calls FOR SELECT USING (
  vs_is_admin() OR EXISTS (
    SELECT 1 FROM org_phone_numbers a
    WHERE a.phone_number_id = mightycall_live_calls.business_number_id
      AND a.org_id = ANY ((SELECT vs_visible_org_ids())::uuid[])
      AND a.assigned_from <= mightycall_live_calls.started_at
      AND (a.assigned_until IS NULL OR mightycall_live_calls.started_at < a.assigned_until)
  )
);
CREATE POLICY mightycall_live_calls_write ON mightycall_live_calls FOR ALL USING (vs_is_admin()) WITH CHECK (vs_is_admin());

ALTER TABLE mightycall_live_legs ENABLE ROW LEVEL SECURITY;
ALTER TABLE mightycall_live_legs FORCE ROW LEVEL SECURITY;
CREATE POLICY mightycall_live_legs_read ON mightycall_live_legs FOR SELECT USING (
  vs_is_admin() OR EXISTS (
    SELECT 1 FROM org_phone_numbers a
    WHERE a.phone_number_id = mightycall_live_legs.business_number_id
      AND a.org_id = ANY ((SELECT vs_visible_org_ids())::uuid[])
      AND a.assigned_from <= mightycall_live_legs.call_started_at
      AND (a.assigned_until IS NULL OR mightycall_live_legs.call_started_at < a.assigned_until)
  )
);
CREATE POLICY mightycall_live_legs_write ON mightycall_live_legs FOR ALL USING (vs_is_admin()) WITH CHECK (vs_is_admin());

-- The counter holds no tenant data: anyone may read it, only admins and jobs move it.
ALTER TABLE mightycall_live_version ENABLE ROW LEVEL SECURITY;
ALTER TABLE mightycall_live_version FORCE ROW LEVEL SECURITY;
CREATE POLICY mightycall_live_version_read ON mightycall_live_version FOR SELECT USING (true);
CREATE POLICY mightycall_live_version_write ON mightycall_live_version FOR UPDATE USING (vs_is_admin()) WITH CHECK (vs_is_admin());
