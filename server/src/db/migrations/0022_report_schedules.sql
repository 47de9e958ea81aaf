-- Scheduled reports (server/src/reports/): an org's report schedules. Org admins (and platform admins) write them;
-- org admins and managers read them; agents and API keys reach none of it. The sender runs as the system principal
-- and records the last period it sent in the same transaction that queues the mail (docs/reports.md).
CREATE TABLE report_schedules (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  frequency text NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly')),
  -- weekly: ISO weekday (1 = Monday … 7 = Sunday) of the send day
  weekday smallint CHECK (weekday BETWEEN 1 AND 7),
  -- monthly: day of the month (a day past the month's end means its last day)
  month_day smallint CHECK (month_day BETWEEN 1 AND 31),
  -- the local time of day in the org's time zone, in minutes from midnight
  send_minute smallint NOT NULL CHECK (send_minute BETWEEN 0 AND 1439),
  -- members of the org (resolved to their address when sent) and extra addresses
  recipient_user_ids uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(recipient_user_ids) <= 50),
  recipient_emails text[] NOT NULL DEFAULT '{}' CHECK (cardinality(recipient_emails) <= 20),
  enabled boolean NOT NULL DEFAULT true,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  -- the local start date (YYYY-MM-DD) of the last period sent: one send per schedule and period
  last_sent_period text CHECK (last_sent_period ~ '^\d{4}-\d{2}-\d{2}$'),
  last_sent_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((frequency = 'weekly') = (weekday IS NOT NULL)),
  CHECK ((frequency = 'monthly') = (month_day IS NOT NULL))
);
CREATE INDEX report_schedules_org_idx ON report_schedules (org_id);
CREATE INDEX report_schedules_enabled_idx ON report_schedules (org_id) WHERE enabled;

-- Readers: platform admins and system work, or a signed-in (not key) org admin or manager of the row's org.
-- Writers: platform admins and system work, or a signed-in org admin.
ALTER TABLE report_schedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE report_schedules FORCE ROW LEVEL SECURITY;
CREATE POLICY report_schedules_read ON report_schedules FOR SELECT USING (
  (SELECT vs_is_admin()) OR ((SELECT vs_key_id()) IS NULL AND vs_has_org_role(org_id, '{org_admin,org_manager}')));
CREATE POLICY report_schedules_write ON report_schedules FOR ALL
  USING ((SELECT vs_is_admin()) OR ((SELECT vs_key_id()) IS NULL AND vs_has_org_role(org_id, '{org_admin}')))
  WITH CHECK ((SELECT vs_is_admin()) OR ((SELECT vs_key_id()) IS NULL AND vs_has_org_role(org_id, '{org_admin}')));
