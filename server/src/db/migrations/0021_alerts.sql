-- Alerts (server/src/alerts/): rules per org, the org's business hours, the history of fired and resolved alerts,
-- and an outgoing webhook per org. Org admins (and platform admins) write them; org admins and managers read them;
-- agents and API keys reach none of it. The evaluator runs as the system principal.

-- Business hours: weekday ranges in the org's time zone (ISO weekday 1 = Monday … 7 = Sunday, minutes from local
-- midnight, end exclusive). No rows: the org has no business hours, so "no inbound call" rules never fire.
CREATE TABLE org_business_hours (
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  weekday smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  start_minute smallint NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
  end_minute smallint NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
  CHECK (start_minute < end_minute),
  PRIMARY KEY (org_id, weekday, start_minute)
);

-- A rule and its state: firing_since is set while its condition holds (hysteresis: it changes only in the
-- transaction that records the event and queues its deliveries, under the row's lock).
CREATE TABLE alert_rules (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  kind text NOT NULL CHECK (kind IN ('service_level_below', 'calls_waiting', 'longest_wait', 'missed_calls', 'no_inbound')),
  threshold double precision NOT NULL CHECK (threshold >= 0 AND threshold <= 1000000),
  window_minutes integer CHECK (window_minutes BETWEEN 1 AND 1440),
  min_calls integer CHECK (min_calls BETWEEN 0 AND 100000),
  enabled boolean NOT NULL DEFAULT true,
  -- empty: the org's admins and managers
  recipients text[] NOT NULL DEFAULT '{}' CHECK (cardinality(recipients) <= 20),
  notify_email boolean NOT NULL DEFAULT true,
  notify_webhook boolean NOT NULL DEFAULT true,
  firing_since timestamptz,
  open_event_id uuid,
  last_value double precision,
  last_evaluated_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_rules_org_idx ON alert_rules (org_id);
CREATE INDEX alert_rules_firing_idx ON alert_rules (org_id) WHERE firing_since IS NOT NULL;

-- One row per firing: written when the condition starts, completed when it ends. The rule's name and settings
-- are copied, so the history reads the same after the rule changes or is deleted.
CREATE TABLE alert_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  rule_id uuid REFERENCES alert_rules (id) ON DELETE SET NULL,
  rule_name text NOT NULL,
  kind text NOT NULL,
  threshold double precision NOT NULL,
  window_minutes integer,
  fired_at timestamptz NOT NULL,
  fired_value double precision,
  resolved_at timestamptz,
  resolved_value double precision
);
CREATE INDEX alert_events_org_idx ON alert_events (org_id, fired_at DESC, id DESC);

-- The org's outgoing webhook: its secret sealed with VICTORYSYNC_SECRET_KEY (like MightyCall credentials).
CREATE TABLE alert_webhooks (
  org_id uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  url text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
  secret_enc text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Readers: platform admins and system work, or a signed-in (not key) org admin or manager of the row's org.
-- Writers: platform admins and system work, or a signed-in org admin. The webhook: org admins only.
ALTER TABLE org_business_hours ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_business_hours FORCE ROW LEVEL SECURITY;
CREATE POLICY org_business_hours_read ON org_business_hours FOR SELECT USING (
  (SELECT vs_is_admin()) OR ((SELECT vs_key_id()) IS NULL AND vs_has_org_role(org_id, '{org_admin,org_manager}')));
CREATE POLICY org_business_hours_write ON org_business_hours FOR ALL
  USING ((SELECT vs_is_admin()) OR ((SELECT vs_key_id()) IS NULL AND vs_has_org_role(org_id, '{org_admin}')))
  WITH CHECK ((SELECT vs_is_admin()) OR ((SELECT vs_key_id()) IS NULL AND vs_has_org_role(org_id, '{org_admin}')));

ALTER TABLE alert_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_rules FORCE ROW LEVEL SECURITY;
CREATE POLICY alert_rules_read ON alert_rules FOR SELECT USING (
  (SELECT vs_is_admin()) OR ((SELECT vs_key_id()) IS NULL AND vs_has_org_role(org_id, '{org_admin,org_manager}')));
CREATE POLICY alert_rules_write ON alert_rules FOR ALL
  USING ((SELECT vs_is_admin()) OR ((SELECT vs_key_id()) IS NULL AND vs_has_org_role(org_id, '{org_admin}')))
  WITH CHECK ((SELECT vs_is_admin()) OR ((SELECT vs_key_id()) IS NULL AND vs_has_org_role(org_id, '{org_admin}')));

-- The history is written by the evaluator alone.
ALTER TABLE alert_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_events FORCE ROW LEVEL SECURITY;
CREATE POLICY alert_events_read ON alert_events FOR SELECT USING (
  (SELECT vs_is_admin()) OR ((SELECT vs_key_id()) IS NULL AND vs_has_org_role(org_id, '{org_admin,org_manager}')));
CREATE POLICY alert_events_write ON alert_events FOR ALL
  USING ((SELECT vs_is_admin())) WITH CHECK ((SELECT vs_is_admin()));

ALTER TABLE alert_webhooks ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_webhooks FORCE ROW LEVEL SECURITY;
CREATE POLICY alert_webhooks_admin ON alert_webhooks FOR ALL
  USING ((SELECT vs_is_admin()) OR ((SELECT vs_key_id()) IS NULL AND vs_has_org_role(org_id, '{org_admin}')))
  WITH CHECK ((SELECT vs_is_admin()) OR ((SELECT vs_key_id()) IS NULL AND vs_has_org_role(org_id, '{org_admin}')));
