-- The sign-in and mail throttles' counts (server/src/auth/throttle-store.ts), kept in the database so that their
-- limits hold across every server process: sign-in attempts per account and per client address, and requests that
-- send mail (password reset, verification) per address asked for and per client. Each request is counted the same
-- way whether or not the address has an account. The key is a SHA-256 of the address or client, so the table is no
-- list of the addresses people asked about; rows older than the longest window are pruned by a recurring job.
CREATE TABLE throttle_hits (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  scope text NOT NULL CHECK (scope IN ('login_account', 'login_address', 'mail_account', 'mail_client')),
  key_hash bytea NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX throttle_hits_key_idx ON throttle_hits (scope, key_hash, at);
CREATE INDEX throttle_hits_at_idx ON throttle_hits (at);

-- System-only, like the outbox: the throttles run as the system principal; no user or key reads it.
ALTER TABLE throttle_hits ENABLE ROW LEVEL SECURITY;
ALTER TABLE throttle_hits FORCE ROW LEVEL SECURITY;
CREATE POLICY throttle_hits_admin ON throttle_hits FOR ALL
  USING ((SELECT vs_is_admin())) WITH CHECK ((SELECT vs_is_admin()));
