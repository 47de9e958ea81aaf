-- VictorySync core schema: tenants, identity, phone-number inventory and assignment, calls, keys, audit.
-- Every tenant table has row-level security enabled and forced; the application runs as victorysync_app.

-- The application role: no login of its own, no BYPASSRLS. Roles are cluster-wide, so create it once.
DO $$
BEGIN
  CREATE ROLE victorysync_app NOLOGIN NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

DO $$
BEGIN
  EXECUTE format('GRANT victorysync_app TO %I', current_user);
EXCEPTION WHEN others THEN NULL; -- already a member, or a superuser who needs no grant
END $$;

CREATE TABLE organizations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 80),
  timezone text NOT NULL DEFAULT 'UTC',
  sl_threshold_seconds integer NOT NULL DEFAULT 20 CHECK (sl_threshold_seconds BETWEEN 0 AND 3600),
  sl_target_pct numeric(5, 2) NOT NULL DEFAULT 80 CHECK (sl_target_pct BETWEEN 0 AND 100),
  short_abandon_seconds integer NOT NULL DEFAULT 10 CHECK (short_abandon_seconds BETWEEN 0 AND 600),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  password_hash text,
  platform_role text NOT NULL DEFAULT 'none' CHECK (platform_role IN ('none', 'platform_admin')),
  auth_subject text UNIQUE,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE TABLE org_memberships (
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('org_admin', 'org_manager', 'agent')),
  mightycall_extension text CHECK (mightycall_extension ~ '^[0-9]{1,10}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_memberships_user_idx ON org_memberships (user_id);

CREATE TABLE phone_numbers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  e164 text NOT NULL UNIQUE CHECK (e164 ~ '^\+[1-9][0-9]{6,14}$'),
  label text CHECK (length(label) <= 200),
  provider text,
  provider_account text,
  provider_ref text,
  is_active boolean NOT NULL DEFAULT true,
  last_synced_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Many-to-many assignment with an effective window [assigned_from, assigned_until); rows are never
-- deleted on unassign (assigned_until is set), so past reports keep their numbers.
CREATE TABLE org_phone_numbers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  phone_number_id uuid NOT NULL REFERENCES phone_numbers (id) ON DELETE CASCADE,
  assigned_from timestamptz NOT NULL DEFAULT '-infinity',
  assigned_until timestamptz,
  assigned_by uuid REFERENCES users (id) ON DELETE SET NULL,
  unassigned_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (assigned_until IS NULL OR assigned_until > assigned_from)
);
CREATE UNIQUE INDEX org_phone_numbers_open_key ON org_phone_numbers (org_id, phone_number_id) WHERE assigned_until IS NULL;
CREATE INDEX org_phone_numbers_number_idx ON org_phone_numbers (phone_number_id, org_id, assigned_from);
CREATE INDEX org_phone_numbers_org_idx ON org_phone_numbers (org_id, phone_number_id);

CREATE TABLE agents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  provider text NOT NULL DEFAULT 'mightycall',
  provider_account text NOT NULL DEFAULT '',
  extension text NOT NULL CHECK (length(extension) BETWEEN 1 AND 20),
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  email text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, provider_account, extension)
);

CREATE TABLE calls (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  provider text NOT NULL CHECK (length(provider) BETWEEN 1 AND 40),
  provider_call_id text NOT NULL CHECK (length(provider_call_id) BETWEEN 1 AND 200),
  provider_account text NOT NULL DEFAULT '',
  direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  status text NOT NULL CHECK (status IN ('answered', 'missed', 'voicemail')),
  business_number_id uuid NOT NULL REFERENCES phone_numbers (id),
  external_number text,
  started_at timestamptz NOT NULL,
  answered_at timestamptz,
  ended_at timestamptz NOT NULL,
  -- Derived, never written: one definition of wait and talk for every path into the table.
  wait_seconds numeric(12, 3) GENERATED ALWAYS AS (
    extract(epoch FROM (coalesce(answered_at, ended_at) - started_at))
  ) STORED,
  talk_seconds numeric(12, 3) GENERATED ALWAYS AS (
    CASE WHEN answered_at IS NULL THEN 0 ELSE extract(epoch FROM (ended_at - answered_at)) END
  ) STORED,
  agent_extension text,
  queue_name text,
  recording_ref text,
  raw jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, provider_call_id),
  CHECK (ended_at >= started_at),
  CHECK (answered_at IS NULL OR (answered_at >= started_at AND answered_at <= ended_at)),
  CHECK ((status = 'answered') = (answered_at IS NOT NULL))
);
CREATE INDEX calls_number_started_idx ON calls (business_number_id, started_at)
  INCLUDE (direction, status, wait_seconds, talk_seconds);
CREATE INDEX calls_started_idx ON calls (started_at);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('platform', 'org')),
  org_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  key_hash bytea NOT NULL UNIQUE,
  prefix text NOT NULL,
  last4 text NOT NULL,
  scopes text[] NOT NULL DEFAULT '{}',
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  CHECK ((kind = 'org') = (org_id IS NOT NULL))
);
CREATE INDEX api_keys_org_idx ON api_keys (org_id);

CREATE TABLE sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash bytea NOT NULL UNIQUE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  ip text,
  user_agent text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_user_id uuid,
  actor_key_id uuid,
  act_as_user_id uuid,
  org_id uuid,
  action text NOT NULL,
  target_type text,
  target_id text,
  before jsonb,
  after jsonb,
  ip text,
  request_id text
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
CREATE INDEX audit_log_org_at_idx ON audit_log (org_id, at DESC);

-- The principal of the current transaction, set by the application with set_config(..., true):
--   vs.user_id    the signed-in (or acted-as) user, '' for none
--   vs.is_admin   'on' for platform admins, platform keys and system jobs
--   vs.org_scope  a single org an org API key is limited to, '' for none
-- The helper functions run as the owner (SECURITY DEFINER) so policies can read memberships without
-- recursing into their own policies; search_path is pinned to this schema.
DO $fn$
DECLARE
  s text := current_schema();
BEGIN
  EXECUTE format($f$
    CREATE FUNCTION %1$I.vs_user_id() RETURNS uuid LANGUAGE sql STABLE
    SET search_path = %1$I, pg_temp AS $b$
      SELECT nullif(current_setting('vs.user_id', true), '')::uuid
    $b$;
    CREATE FUNCTION %1$I.vs_org_scope() RETURNS uuid LANGUAGE sql STABLE
    SET search_path = %1$I, pg_temp AS $b$
      SELECT nullif(current_setting('vs.org_scope', true), '')::uuid
    $b$;
    CREATE FUNCTION %1$I.vs_is_admin() RETURNS boolean LANGUAGE sql STABLE
    SET search_path = %1$I, pg_temp AS $b$
      SELECT coalesce(current_setting('vs.is_admin', true), '') = 'on'
    $b$;
    CREATE FUNCTION %1$I.vs_visible_org_ids() RETURNS uuid[] LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = %1$I, pg_temp AS $b$
      SELECT coalesce(array_agg(o.id), '{}')
      FROM organizations o
      WHERE (vs_org_scope() IS NULL OR o.id = vs_org_scope())
        AND (
          vs_is_admin()
          OR (vs_user_id() IS NULL AND vs_org_scope() IS NOT NULL)
          OR EXISTS (
            SELECT 1 FROM org_memberships m JOIN users u ON u.id = m.user_id
            WHERE m.org_id = o.id AND m.user_id = vs_user_id() AND u.disabled_at IS NULL
          )
        )
    $b$;
    CREATE FUNCTION %1$I.vs_org_has_members(target uuid) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = %1$I, pg_temp AS $b$
      SELECT EXISTS (SELECT 1 FROM org_memberships WHERE org_id = target)
    $b$;
    CREATE FUNCTION %1$I.vs_has_org_role(target uuid, roles text[]) RETURNS boolean LANGUAGE sql STABLE
    SECURITY DEFINER SET search_path = %1$I, pg_temp AS $b$
      SELECT vs_is_admin() OR EXISTS (
        SELECT 1 FROM org_memberships m JOIN users u ON u.id = m.user_id
        WHERE m.org_id = target AND m.user_id = vs_user_id() AND m.role = ANY (roles)
          AND u.disabled_at IS NULL AND (vs_org_scope() IS NULL OR vs_org_scope() = target)
      )
    $b$;
  $f$, s);
END $fn$;

ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY organizations_read ON organizations FOR SELECT USING (vs_is_admin() OR id = ANY ((SELECT vs_visible_org_ids())::uuid[]));
CREATE POLICY organizations_create ON organizations FOR INSERT WITH CHECK (vs_is_admin() OR vs_user_id() IS NOT NULL);
CREATE POLICY organizations_update ON organizations FOR UPDATE USING (vs_has_org_role(id, '{org_admin}'));
CREATE POLICY organizations_delete ON organizations FOR DELETE USING (vs_is_admin());

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_read ON users FOR SELECT USING (
  vs_is_admin() OR id = vs_user_id()
  OR EXISTS (SELECT 1 FROM org_memberships m WHERE m.user_id = users.id AND m.org_id = ANY ((SELECT vs_visible_org_ids())::uuid[]))
);
CREATE POLICY users_write ON users FOR ALL USING (vs_is_admin()) WITH CHECK (vs_is_admin());

ALTER TABLE org_memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY org_memberships_read ON org_memberships FOR SELECT USING (
  vs_is_admin() OR org_id = ANY ((SELECT vs_visible_org_ids())::uuid[]) OR user_id = vs_user_id()
);
CREATE POLICY org_memberships_insert ON org_memberships FOR INSERT WITH CHECK (vs_has_org_role(org_id, '{org_admin}')
  -- the creator of a new org becomes its first admin
  OR (user_id = vs_user_id() AND role = 'org_admin' AND NOT vs_org_has_members(org_id)));
CREATE POLICY org_memberships_update ON org_memberships FOR UPDATE USING (vs_has_org_role(org_id, '{org_admin}'));
CREATE POLICY org_memberships_delete ON org_memberships FOR DELETE USING (vs_has_org_role(org_id, '{org_admin}'));

ALTER TABLE org_phone_numbers ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_phone_numbers FORCE ROW LEVEL SECURITY;
CREATE POLICY org_phone_numbers_read ON org_phone_numbers FOR SELECT USING (vs_is_admin() OR org_id = ANY ((SELECT vs_visible_org_ids())::uuid[]));
CREATE POLICY org_phone_numbers_write ON org_phone_numbers FOR ALL USING (vs_is_admin()) WITH CHECK (vs_is_admin());

ALTER TABLE phone_numbers ENABLE ROW LEVEL SECURITY;
ALTER TABLE phone_numbers FORCE ROW LEVEL SECURITY;
CREATE POLICY phone_numbers_read ON phone_numbers FOR SELECT USING (
  vs_is_admin() OR EXISTS (
    SELECT 1 FROM org_phone_numbers a
    WHERE a.phone_number_id = phone_numbers.id AND a.org_id = ANY ((SELECT vs_visible_org_ids())::uuid[])
  )
);
CREATE POLICY phone_numbers_write ON phone_numbers FOR ALL USING (vs_is_admin()) WITH CHECK (vs_is_admin());

ALTER TABLE agents ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents FORCE ROW LEVEL SECURITY;
-- An org sees the agents of the provider accounts whose numbers it has (had) assigned.
CREATE POLICY agents_read ON agents FOR SELECT USING (
  vs_is_admin() OR EXISTS (
    SELECT 1 FROM phone_numbers p JOIN org_phone_numbers a ON a.phone_number_id = p.id
    WHERE p.provider_account = agents.provider_account AND coalesce(p.provider, agents.provider) = agents.provider
      AND a.org_id = ANY ((SELECT vs_visible_org_ids())::uuid[])
  )
);
CREATE POLICY agents_write ON agents FOR ALL USING (vs_is_admin()) WITH CHECK (vs_is_admin());

ALTER TABLE calls ENABLE ROW LEVEL SECURITY;
ALTER TABLE calls FORCE ROW LEVEL SECURITY;
-- A call is an org's when its business number was assigned to that org at the call's start.
CREATE POLICY calls_read ON calls FOR SELECT USING (
  vs_is_admin() OR EXISTS (
    SELECT 1 FROM org_phone_numbers a
    WHERE a.phone_number_id = calls.business_number_id
      AND a.org_id = ANY ((SELECT vs_visible_org_ids())::uuid[])
      AND a.assigned_from <= calls.started_at
      AND (a.assigned_until IS NULL OR calls.started_at < a.assigned_until)
  )
);
CREATE POLICY calls_write ON calls FOR ALL USING (vs_is_admin()) WITH CHECK (vs_is_admin());

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY api_keys_read ON api_keys FOR SELECT USING (
  vs_is_admin() OR (kind = 'org' AND vs_has_org_role(org_id, '{org_admin}'))
);
CREATE POLICY api_keys_write ON api_keys FOR ALL
  USING (vs_is_admin() OR (kind = 'org' AND vs_has_org_role(org_id, '{org_admin}')))
  WITH CHECK (vs_is_admin() OR (kind = 'org' AND vs_has_org_role(org_id, '{org_admin}')));

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY sessions_own ON sessions FOR ALL
  USING (vs_is_admin() OR user_id = vs_user_id()) WITH CHECK (vs_is_admin() OR user_id = vs_user_id());

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_read ON audit_log FOR SELECT USING (
  vs_is_admin() OR (org_id IS NOT NULL AND vs_has_org_role(org_id, '{org_admin}'))
);
-- Append-only for the application: anyone acting may record what they did; nobody may edit it.
CREATE POLICY audit_log_append ON audit_log FOR INSERT WITH CHECK (true);

DO $g$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO victorysync_app', current_schema());
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO victorysync_app', current_schema());
  EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO victorysync_app', current_schema());
  EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO victorysync_app', current_schema());
  EXECUTE format('REVOKE UPDATE, DELETE ON %I.audit_log FROM victorysync_app', current_schema());
  EXECUTE format('REVOKE ALL ON %I.schema_migrations FROM victorysync_app', current_schema());
  -- Tables and functions added by later migrations are granted the same way.
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO victorysync_app', current_schema());
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO victorysync_app', current_schema());
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT EXECUTE ON FUNCTIONS TO victorysync_app', current_schema());
END $g$;
