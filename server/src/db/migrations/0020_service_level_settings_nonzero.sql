-- A service level "within 0 s" or a target of 0 % means nothing. Before the API refused them, emptying the settings
-- form saved them. Orgs left with such a value get the default back (the organizations trigger rebuilds their
-- rollups), with an audit entry saying so, and the table refuses them from now on.
INSERT INTO audit_log (org_id, action, target_type, target_id, before, after)
SELECT id, 'org.settings.repaired', 'org', id::text,
       jsonb_build_object('slThresholdSeconds', sl_threshold_seconds, 'slTargetPct', sl_target_pct),
       jsonb_build_object('slThresholdSeconds', CASE WHEN sl_threshold_seconds = 0 THEN 20 ELSE sl_threshold_seconds END,
                          'slTargetPct', CASE WHEN sl_target_pct = 0 THEN 80 ELSE sl_target_pct END)
FROM organizations
WHERE sl_threshold_seconds = 0 OR sl_target_pct = 0;

UPDATE organizations SET sl_threshold_seconds = 20 WHERE sl_threshold_seconds = 0;
UPDATE organizations SET sl_target_pct = 80 WHERE sl_target_pct = 0;

ALTER TABLE organizations ADD CONSTRAINT organizations_sl_threshold_meaningful CHECK (sl_threshold_seconds >= 1);
ALTER TABLE organizations ADD CONSTRAINT organizations_sl_target_meaningful CHECK (sl_target_pct >= 1);
