-- Write policies follow the permission model (server/src/auth/permissions.ts), least privilege: only platform
-- admins (and platform keys, system jobs) create orgs, only org admins write their org's members, settings and keys,
-- keys never mint keys, sessions are written by the sign-in path alone, and an audit row names the principal that
-- writes it.

-- The key behind the transaction (an org or platform key, or a platform key acting as a user), '' for none: set by
-- withPrincipal next to vs.user_id, so a policy can tell a key's work from a signed-in user's.
DO $fn$
BEGIN
  EXECUTE format($f$
    CREATE FUNCTION %1$I.vs_key_id() RETURNS uuid LANGUAGE sql STABLE AS $b$
      SELECT nullif(pg_catalog.current_setting('vs.key_id', true), '')::uuid
    $b$;
  $f$, current_schema());
END $fn$;

-- Orgs are created through /api/admin/orgs only (platform:orgs); any signed-in user could create one before, and then
-- make themselves its first admin through the membership clause below.
DROP POLICY organizations_create ON organizations;
CREATE POLICY organizations_create ON organizations FOR INSERT WITH CHECK ((SELECT vs_is_admin()));
DROP POLICY organizations_update ON organizations;
CREATE POLICY organizations_update ON organizations FOR UPDATE
  USING (vs_has_org_role(id, '{org_admin}')) WITH CHECK (vs_has_org_role(id, '{org_admin}'));

-- Memberships are written by the org's admins (and platform admins: vs_has_org_role includes them). The clause that let
-- any user make themselves org_admin of an org without members is gone: a platform admin creating an org becomes its
-- admin as a platform admin.
DROP POLICY org_memberships_insert ON org_memberships;
CREATE POLICY org_memberships_insert ON org_memberships FOR INSERT WITH CHECK (vs_has_org_role(org_id, '{org_admin}'));
DROP POLICY org_memberships_update ON org_memberships;
CREATE POLICY org_memberships_update ON org_memberships FOR UPDATE
  USING (vs_has_org_role(org_id, '{org_admin}')) WITH CHECK (vs_has_org_role(org_id, '{org_admin}'));
DROP FUNCTION vs_org_has_members(uuid);

-- API keys: no key mints, changes or deletes keys (not even a platform key, nor one acting as a user). An org admin
-- creates their org's keys in their own name with org scopes only (the org kind in SCOPES), and may revoke any key of
-- the org, but may leave a key active only if it is their own; rows are revoked, never deleted, except by platform
-- admins.
DROP POLICY api_keys_write ON api_keys;
CREATE POLICY api_keys_insert ON api_keys FOR INSERT WITH CHECK (
  (SELECT vs_key_id()) IS NULL AND (
    (SELECT vs_is_admin()) OR (
      kind = 'org' AND vs_has_org_role(org_id, '{org_admin}') AND created_by = (SELECT vs_user_id())
      AND scopes <@ ARRAY['metrics:read', 'calls:read', 'numbers:read', 'members:read']
    )
  )
);
CREATE POLICY api_keys_update ON api_keys FOR UPDATE
  USING (
    (SELECT vs_key_id()) IS NULL
    AND ((SELECT vs_is_admin()) OR (kind = 'org' AND vs_has_org_role(org_id, '{org_admin}')))
  )
  WITH CHECK (
    (SELECT vs_key_id()) IS NULL AND (
      (SELECT vs_is_admin()) OR (
        kind = 'org' AND vs_has_org_role(org_id, '{org_admin}')
        AND scopes <@ ARRAY['metrics:read', 'calls:read', 'numbers:read', 'members:read']
        AND (revoked_at IS NOT NULL OR created_by = (SELECT vs_user_id()))
      )
    )
  );
CREATE POLICY api_keys_delete ON api_keys FOR DELETE USING ((SELECT vs_key_id()) IS NULL AND (SELECT vs_is_admin()));

-- Sessions are created, touched and revoked by the sign-in and session-lookup paths (the system principal); a user
-- writing their own row could mint a session or outlive its expiry. A user still reads their own.
DROP POLICY sessions_own ON sessions;
CREATE POLICY sessions_read_own ON sessions FOR SELECT USING (user_id = (SELECT vs_user_id()));
CREATE POLICY sessions_admin ON sessions FOR ALL USING ((SELECT vs_is_admin())) WITH CHECK ((SELECT vs_is_admin()));

-- The audit log records who did what; anyone could write any row before. Platform admins and system work (sign-in
-- audits for the user it signs in) write freely; anyone else writes only as themselves (a user as actor; a key as
-- actor, with the user it acts as), now, and only about no org or an org they reach.
DROP POLICY audit_log_append ON audit_log;
CREATE POLICY audit_log_append ON audit_log FOR INSERT WITH CHECK (
  (SELECT vs_is_admin()) OR (
    at = now()
    AND (org_id IS NULL OR org_id = ANY ((SELECT vs_visible_org_ids())::uuid[]))
    AND (
      ((SELECT vs_key_id()) IS NULL AND actor_user_id = (SELECT vs_user_id()) AND actor_key_id IS NULL
        AND act_as_user_id IS NULL)
      OR (actor_key_id = (SELECT vs_key_id()) AND actor_user_id IS NULL
        AND act_as_user_id IS NOT DISTINCT FROM (SELECT vs_user_id()))
    )
  )
);
