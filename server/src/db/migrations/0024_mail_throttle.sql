-- Requests that send mail to an address (password reset, verification), counted in the database so that the
-- per-address and per-client limits (server/src/auth/mail-throttle.ts) hold across every server process. Each
-- request is counted the same way whether or not the address has an account. The key is a SHA-256 of the
-- address (or client) asked for, so the table is no list of addresses; rows older than the window are pruned.
CREATE TABLE mail_throttle_hits (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  scope text NOT NULL CHECK (scope IN ('account', 'client')),
  key_hash bytea NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX mail_throttle_hits_key_idx ON mail_throttle_hits (scope, key_hash, at);
CREATE INDEX mail_throttle_hits_at_idx ON mail_throttle_hits (at);

-- System-only, like the outbox: the throttle runs as the system principal; no user or key reads it.
ALTER TABLE mail_throttle_hits ENABLE ROW LEVEL SECURITY;
ALTER TABLE mail_throttle_hits FORCE ROW LEVEL SECURITY;
CREATE POLICY mail_throttle_hits_admin ON mail_throttle_hits FOR ALL
  USING ((SELECT vs_is_admin())) WITH CHECK ((SELECT vs_is_admin()));
