-- The orgs a principal sees, computed from where it stands instead of by testing every org: a platform admin
-- (or platform key) sees all orgs, an org key its org, a user the orgs of their memberships (none if
-- disabled); an org scope narrows each. Same result as before, without a scan of all orgs per call.
DO $fn$
BEGIN
  EXECUTE format($f$
    CREATE OR REPLACE FUNCTION %1$I.vs_visible_org_ids() RETURNS uuid[] LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = %1$I, pg_temp AS $b$
    DECLARE
      scope uuid := vs_org_scope();
      uid uuid := vs_user_id();
    BEGIN
      IF vs_is_admin() THEN
        RETURN (SELECT coalesce(array_agg(o.id), '{}') FROM organizations o WHERE scope IS NULL OR o.id = scope);
      END IF;
      IF uid IS NULL THEN
        RETURN (SELECT coalesce(array_agg(o.id), '{}') FROM organizations o WHERE o.id = scope);
      END IF;
      RETURN (
        SELECT coalesce(array_agg(m.org_id), '{}')
        FROM org_memberships m JOIN users u ON u.id = m.user_id
        WHERE m.user_id = uid AND u.disabled_at IS NULL AND (scope IS NULL OR m.org_id = scope)
      );
    END
    $b$;
  $f$, current_schema());
END $fn$;
