-- Identity additions: one-time invite tokens for users created without a password.

CREATE TABLE user_invites (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash bytea NOT NULL UNIQUE,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz
);
CREATE INDEX user_invites_user_idx ON user_invites (user_id);

-- Only platform-level work touches invites: admins issue them, the sign-in path (system) redeems them.
ALTER TABLE user_invites ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_invites FORCE ROW LEVEL SECURITY;
CREATE POLICY user_invites_admin ON user_invites FOR ALL USING (vs_is_admin()) WITH CHECK (vs_is_admin());

-- Keyset paging of the audit log walks (at, id) newest first.
CREATE INDEX audit_log_at_id_idx ON audit_log (at DESC, id DESC);
