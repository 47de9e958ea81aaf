-- Row-level security at analytics volume: the principal helpers become inlinable (no SET clause; they read only
-- settings), and every policy evaluates them once per statement as an InitPlan ((SELECT …)) instead of per row.
DO $fn$
DECLARE
  s text := current_schema();
BEGIN
  EXECUTE format($f$
    CREATE OR REPLACE FUNCTION %1$I.vs_user_id() RETURNS uuid LANGUAGE sql STABLE AS $b$
      SELECT nullif(pg_catalog.current_setting('vs.user_id', true), '')::uuid
    $b$;
    CREATE OR REPLACE FUNCTION %1$I.vs_org_scope() RETURNS uuid LANGUAGE sql STABLE AS $b$
      SELECT nullif(pg_catalog.current_setting('vs.org_scope', true), '')::uuid
    $b$;
    CREATE OR REPLACE FUNCTION %1$I.vs_is_admin() RETURNS boolean LANGUAGE sql STABLE AS $b$
      SELECT coalesce(pg_catalog.current_setting('vs.is_admin', true), '') = 'on'
    $b$;
  $f$, s);
END $fn$;

DROP POLICY organizations_read ON organizations;
CREATE POLICY organizations_read ON organizations FOR SELECT
  USING ((SELECT vs_is_admin()) OR id = ANY ((SELECT vs_visible_org_ids())::uuid[]));
DROP POLICY organizations_create ON organizations;
CREATE POLICY organizations_create ON organizations FOR INSERT
  WITH CHECK ((SELECT vs_is_admin()) OR (SELECT vs_user_id()) IS NOT NULL);
DROP POLICY organizations_delete ON organizations;
CREATE POLICY organizations_delete ON organizations FOR DELETE USING ((SELECT vs_is_admin()));

DROP POLICY users_read ON users;
CREATE POLICY users_read ON users FOR SELECT USING (
  (SELECT vs_is_admin()) OR id = (SELECT vs_user_id())
  OR EXISTS (
    SELECT 1 FROM org_memberships m
    WHERE m.user_id = users.id AND m.org_id = ANY ((SELECT vs_visible_org_ids())::uuid[])
  )
);
DROP POLICY users_write ON users;
CREATE POLICY users_write ON users FOR ALL USING ((SELECT vs_is_admin())) WITH CHECK ((SELECT vs_is_admin()));

DROP POLICY org_memberships_read ON org_memberships;
CREATE POLICY org_memberships_read ON org_memberships FOR SELECT USING (
  (SELECT vs_is_admin()) OR org_id = ANY ((SELECT vs_visible_org_ids())::uuid[]) OR user_id = (SELECT vs_user_id())
);

DROP POLICY org_phone_numbers_read ON org_phone_numbers;
CREATE POLICY org_phone_numbers_read ON org_phone_numbers FOR SELECT
  USING ((SELECT vs_is_admin()) OR org_id = ANY ((SELECT vs_visible_org_ids())::uuid[]));
DROP POLICY org_phone_numbers_write ON org_phone_numbers;
CREATE POLICY org_phone_numbers_write ON org_phone_numbers FOR ALL
  USING ((SELECT vs_is_admin())) WITH CHECK ((SELECT vs_is_admin()));

DROP POLICY phone_numbers_read ON phone_numbers;
CREATE POLICY phone_numbers_read ON phone_numbers FOR SELECT USING (
  (SELECT vs_is_admin()) OR EXISTS (
    SELECT 1 FROM org_phone_numbers a
    WHERE a.phone_number_id = phone_numbers.id AND a.org_id = ANY ((SELECT vs_visible_org_ids())::uuid[])
  )
);
DROP POLICY phone_numbers_write ON phone_numbers;
CREATE POLICY phone_numbers_write ON phone_numbers FOR ALL
  USING ((SELECT vs_is_admin())) WITH CHECK ((SELECT vs_is_admin()));

DROP POLICY agents_read ON agents;
CREATE POLICY agents_read ON agents FOR SELECT USING (
  (SELECT vs_is_admin()) OR EXISTS (
    SELECT 1 FROM phone_numbers p JOIN org_phone_numbers a ON a.phone_number_id = p.id
    WHERE p.provider_account = agents.provider_account AND coalesce(p.provider, agents.provider) = agents.provider
      AND a.org_id = ANY ((SELECT vs_visible_org_ids())::uuid[])
  )
);
DROP POLICY agents_write ON agents;
CREATE POLICY agents_write ON agents FOR ALL USING ((SELECT vs_is_admin())) WITH CHECK ((SELECT vs_is_admin()));

-- Calls: the number must be one the caller's orgs ever had (a cheap array test per row), and the call must
-- fall inside one of those orgs' assignment windows for it.
DO $fn$
BEGIN
  EXECUTE format($f$
    CREATE FUNCTION %1$I.vs_visible_number_ids() RETURNS uuid[] LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = %1$I, pg_temp AS $b$
      SELECT coalesce(array_agg(DISTINCT a.phone_number_id), '{}')
      FROM org_phone_numbers a WHERE a.org_id = ANY (vs_visible_org_ids())
    $b$;
  $f$, current_schema());
END $fn$;

DROP POLICY calls_read ON calls;
CREATE POLICY calls_read ON calls FOR SELECT USING (
  (SELECT vs_is_admin()) OR (
    business_number_id = ANY ((SELECT vs_visible_number_ids())::uuid[])
    AND EXISTS (
      SELECT 1 FROM org_phone_numbers a
      WHERE a.phone_number_id = calls.business_number_id
        AND a.org_id = ANY ((SELECT vs_visible_org_ids())::uuid[])
        AND a.assigned_from <= calls.started_at
        AND (a.assigned_until IS NULL OR calls.started_at < a.assigned_until)
    )
  )
);
DROP POLICY calls_write ON calls;
CREATE POLICY calls_write ON calls FOR ALL USING ((SELECT vs_is_admin())) WITH CHECK ((SELECT vs_is_admin()));

DROP POLICY sessions_own ON sessions;
CREATE POLICY sessions_own ON sessions FOR ALL
  USING ((SELECT vs_is_admin()) OR user_id = (SELECT vs_user_id()))
  WITH CHECK ((SELECT vs_is_admin()) OR user_id = (SELECT vs_user_id()));
