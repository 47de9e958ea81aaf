-- Per-org, per-local-day sums of calls, kept exact by triggers in the writing transaction, so dashboards over
-- months read a few hundred rows instead of hundreds of thousands of calls. Sums and counts only: every rate
-- is still derived at read time. Thresholds and the day boundary are the org's own, so changing them (or the
-- org's number assignments) rebuilds that org's rows.
CREATE TABLE org_daily_rollups (
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  day date NOT NULL,
  offered integer NOT NULL,
  outbound integer NOT NULL,
  answered integer NOT NULL,
  voicemail integer NOT NULL,
  missed integer NOT NULL,
  short_abandoned integer NOT NULL,
  sl_answered integer NOT NULL,
  wait_sum_answered numeric NOT NULL,
  wait_max numeric,
  talk_sum_answered numeric NOT NULL,
  outbound_connected integer NOT NULL,
  outbound_talk_sum numeric NOT NULL,
  PRIMARY KEY (org_id, day)
);

ALTER TABLE org_daily_rollups ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_daily_rollups FORCE ROW LEVEL SECURITY;
CREATE POLICY org_daily_rollups_read ON org_daily_rollups FOR SELECT
  USING ((SELECT vs_is_admin()) OR org_id = ANY ((SELECT vs_visible_org_ids())::uuid[]));
-- No write policy: only the owner's trigger functions below write here.

DO $fn$
DECLARE
  s text := current_schema();
BEGIN
  EXECUTE format($f$
    -- Rebuilds an org's rows for the given local days (NULL = every day) from the raw calls.
    CREATE FUNCTION %1$I.vs_rebuild_org_rollups(p_org uuid, p_days date[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = %1$I, pg_temp AS $b$
    DECLARE
      tz text;
      lo timestamptz := '-infinity';
      hi timestamptz := 'infinity';
    BEGIN
      SELECT timezone INTO tz FROM organizations WHERE id = p_org;
      IF tz IS NULL THEN RETURN; END IF;
      IF p_days IS NOT NULL THEN
        lo := (SELECT min(d) FROM unnest(p_days) d)::timestamp AT TIME ZONE tz;
        hi := ((SELECT max(d) FROM unnest(p_days) d) + 1)::timestamp AT TIME ZONE tz;
      END IF;
      DELETE FROM org_daily_rollups WHERE org_id = p_org AND (p_days IS NULL OR day = ANY (p_days));
      INSERT INTO org_daily_rollups
      SELECT p_org, (c.started_at AT TIME ZONE o.timezone)::date AS day,
        count(*) FILTER (WHERE c.direction = 'inbound'),
        count(*) FILTER (WHERE c.direction = 'outbound'),
        count(*) FILTER (WHERE c.direction = 'inbound' AND c.status = 'answered'),
        count(*) FILTER (WHERE c.direction = 'inbound' AND c.status = 'voicemail'),
        count(*) FILTER (WHERE c.direction = 'inbound' AND c.status = 'missed'),
        count(*) FILTER (WHERE c.direction = 'inbound' AND c.status = 'missed' AND c.wait_seconds < o.short_abandon_seconds),
        count(*) FILTER (WHERE c.direction = 'inbound' AND c.status = 'answered' AND c.wait_seconds <= o.sl_threshold_seconds),
        coalesce(sum(c.wait_seconds) FILTER (WHERE c.direction = 'inbound' AND c.status = 'answered'), 0),
        max(c.wait_seconds) FILTER (WHERE c.direction = 'inbound'),
        coalesce(sum(c.talk_seconds) FILTER (WHERE c.direction = 'inbound' AND c.status = 'answered'), 0),
        count(*) FILTER (WHERE c.direction = 'outbound' AND c.status = 'answered'),
        coalesce(sum(c.talk_seconds) FILTER (WHERE c.direction = 'outbound' AND c.status = 'answered'), 0)
      FROM organizations o
      JOIN org_phone_numbers a ON a.org_id = o.id
      JOIN calls c ON c.business_number_id = a.phone_number_id
        AND c.started_at >= greatest(a.assigned_from, lo)
        AND c.started_at < least(coalesce(a.assigned_until, 'infinity'::timestamptz), hi)
      WHERE o.id = p_org
        AND (p_days IS NULL OR (c.started_at AT TIME ZONE o.timezone)::date = ANY (p_days))
      GROUP BY 2;
    END $b$;

    -- New calls: add their sums to each org-day they belong to.
    CREATE FUNCTION %1$I.vs_calls_rollup_insert() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = %1$I, pg_temp AS $b$
    BEGIN
      INSERT INTO org_daily_rollups AS r
      SELECT a.org_id, (n.started_at AT TIME ZONE o.timezone)::date,
        count(*) FILTER (WHERE n.direction = 'inbound'),
        count(*) FILTER (WHERE n.direction = 'outbound'),
        count(*) FILTER (WHERE n.direction = 'inbound' AND n.status = 'answered'),
        count(*) FILTER (WHERE n.direction = 'inbound' AND n.status = 'voicemail'),
        count(*) FILTER (WHERE n.direction = 'inbound' AND n.status = 'missed'),
        count(*) FILTER (WHERE n.direction = 'inbound' AND n.status = 'missed' AND n.wait_seconds < o.short_abandon_seconds),
        count(*) FILTER (WHERE n.direction = 'inbound' AND n.status = 'answered' AND n.wait_seconds <= o.sl_threshold_seconds),
        coalesce(sum(n.wait_seconds) FILTER (WHERE n.direction = 'inbound' AND n.status = 'answered'), 0),
        max(n.wait_seconds) FILTER (WHERE n.direction = 'inbound'),
        coalesce(sum(n.talk_seconds) FILTER (WHERE n.direction = 'inbound' AND n.status = 'answered'), 0),
        count(*) FILTER (WHERE n.direction = 'outbound' AND n.status = 'answered'),
        coalesce(sum(n.talk_seconds) FILTER (WHERE n.direction = 'outbound' AND n.status = 'answered'), 0)
      FROM new_calls n
      JOIN org_phone_numbers a ON a.phone_number_id = n.business_number_id
        AND a.assigned_from <= n.started_at AND (a.assigned_until IS NULL OR n.started_at < a.assigned_until)
      JOIN organizations o ON o.id = a.org_id
      GROUP BY 1, 2
      ON CONFLICT (org_id, day) DO UPDATE SET
        offered = r.offered + excluded.offered,
        outbound = r.outbound + excluded.outbound,
        answered = r.answered + excluded.answered,
        voicemail = r.voicemail + excluded.voicemail,
        missed = r.missed + excluded.missed,
        short_abandoned = r.short_abandoned + excluded.short_abandoned,
        sl_answered = r.sl_answered + excluded.sl_answered,
        wait_sum_answered = r.wait_sum_answered + excluded.wait_sum_answered,
        wait_max = greatest(r.wait_max, excluded.wait_max),
        talk_sum_answered = r.talk_sum_answered + excluded.talk_sum_answered,
        outbound_connected = r.outbound_connected + excluded.outbound_connected,
        outbound_talk_sum = r.outbound_talk_sum + excluded.outbound_talk_sum;
      RETURN NULL;
    END $b$;

    -- Changed or removed calls: rebuild every org-day the old or new versions touched (a max cannot be subtracted).
    CREATE FUNCTION %1$I.vs_calls_rollup_rebuild() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = %1$I, pg_temp AS $b$
    DECLARE
      rec record;
    BEGIN
      FOR rec IN
        SELECT a.org_id, array_agg(DISTINCT (x.started_at AT TIME ZONE o.timezone)::date) AS days
        FROM (
          SELECT business_number_id, started_at FROM old_calls
          UNION ALL
          SELECT business_number_id, started_at FROM new_calls
        ) x
        JOIN org_phone_numbers a ON a.phone_number_id = x.business_number_id
          AND a.assigned_from <= x.started_at AND (a.assigned_until IS NULL OR x.started_at < a.assigned_until)
        JOIN organizations o ON o.id = a.org_id
        GROUP BY a.org_id
      LOOP
        PERFORM vs_rebuild_org_rollups(rec.org_id, rec.days);
      END LOOP;
      RETURN NULL;
    END $b$;

    CREATE FUNCTION %1$I.vs_calls_rollup_delete() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = %1$I, pg_temp AS $b$
    DECLARE
      rec record;
    BEGIN
      FOR rec IN
        SELECT a.org_id, array_agg(DISTINCT (x.started_at AT TIME ZONE o.timezone)::date) AS days
        FROM old_calls x
        JOIN org_phone_numbers a ON a.phone_number_id = x.business_number_id
          AND a.assigned_from <= x.started_at AND (a.assigned_until IS NULL OR x.started_at < a.assigned_until)
        JOIN organizations o ON o.id = a.org_id
        GROUP BY a.org_id
      LOOP
        PERFORM vs_rebuild_org_rollups(rec.org_id, rec.days);
      END LOOP;
      RETURN NULL;
    END $b$;

    -- Assignment windows or day/threshold settings changed: rebuild the org.
    CREATE FUNCTION %1$I.vs_assignment_rollup_rebuild() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = %1$I, pg_temp AS $b$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM vs_rebuild_org_rollups(OLD.org_id, NULL); END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.org_id IS DISTINCT FROM OLD.org_id) THEN
        PERFORM vs_rebuild_org_rollups(NEW.org_id, NULL);
      END IF;
      RETURN NULL;
    END $b$;

    CREATE FUNCTION %1$I.vs_org_settings_rollup_rebuild() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = %1$I, pg_temp AS $b$
    BEGIN
      PERFORM vs_rebuild_org_rollups(NEW.id, NULL);
      RETURN NULL;
    END $b$;
  $f$, s);
END $fn$;

CREATE TRIGGER calls_rollup_insert AFTER INSERT ON calls
  REFERENCING NEW TABLE AS new_calls FOR EACH STATEMENT EXECUTE FUNCTION vs_calls_rollup_insert();
CREATE TRIGGER calls_rollup_update AFTER UPDATE ON calls
  REFERENCING OLD TABLE AS old_calls NEW TABLE AS new_calls FOR EACH STATEMENT EXECUTE FUNCTION vs_calls_rollup_rebuild();
CREATE TRIGGER calls_rollup_delete AFTER DELETE ON calls
  REFERENCING OLD TABLE AS old_calls FOR EACH STATEMENT EXECUTE FUNCTION vs_calls_rollup_delete();
CREATE TRIGGER org_phone_numbers_rollup AFTER INSERT OR UPDATE OR DELETE ON org_phone_numbers
  FOR EACH ROW EXECUTE FUNCTION vs_assignment_rollup_rebuild();
CREATE TRIGGER organizations_rollup AFTER UPDATE OF timezone, sl_threshold_seconds, short_abandon_seconds ON organizations
  FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone
    OR OLD.sl_threshold_seconds IS DISTINCT FROM NEW.sl_threshold_seconds
    OR OLD.short_abandon_seconds IS DISTINCT FROM NEW.short_abandon_seconds)
  EXECUTE FUNCTION vs_org_settings_rollup_rebuild();

-- Existing data (an upgrade): build every org's rows once.
SELECT vs_rebuild_org_rollups(id, NULL) FROM organizations;
