-- One job runner for every kind of background work (server/src/jobs/), the outgoing-mail outbox it sends from,
-- and single-use account tokens (password reset, email verification).

-- Queued jobs: one row per piece of work of a named kind, due at run_at. A runner claims due rows with
-- FOR UPDATE SKIP LOCKED and holds them until locked_until; a row whose holder died is claimed again after that.
CREATE TABLE jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
  -- at most one job per kind and key: enqueueing the same key again does nothing (idempotency)
  key text CHECK (length(key) <= 300),
  payload jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  run_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 8 CHECK (max_attempts BETWEEN 1 AND 100),
  locked_by text,
  locked_until timestamptz,
  last_error text CHECK (length(last_error) <= 2000),
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE UNIQUE INDEX jobs_kind_key ON jobs (kind, key) WHERE key IS NOT NULL;
CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE status IN ('queued', 'running');

-- Leases of recurring work that keeps its own state (MightyCall sync per connection): one holder at a time
-- across processes. Replaces mightycall_sync_leases (a row exists only while somebody holds the lease).
CREATE TABLE job_leases (
  kind text NOT NULL,
  key text NOT NULL,
  owner text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (kind, key)
);
INSERT INTO job_leases (kind, key, owner, expires_at)
  SELECT 'mightycall.sync', connection_id::text, owner, expires_at FROM mightycall_sync_leases
  WHERE owner IS NOT NULL AND expires_at IS NOT NULL;
DROP TABLE mightycall_sync_leases;

-- Outgoing mail: written in the transaction that caused it, sent by the runner ('mail.send' jobs).
-- status: queued → sent (SMTP accepted it) or captured (no SMTP_URL: kept for the Sent mail page) or failed.
CREATE TABLE mail_outbox (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- what caused the message, e.g. 'invitation:<id>': a second enqueue of the same key is ignored
  idempotency_key text NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 300),
  purpose text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 60),
  org_id uuid REFERENCES organizations (id) ON DELETE SET NULL,
  to_address text NOT NULL CHECK (length(to_address) BETWEEN 3 AND 320),
  subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
  -- the bodies are dropped once SMTP took the message (or it failed for good): a single-use token in them is
  -- kept at rest only while it may still be sent; captured messages keep them (the mail catcher shows them)
  text_body text,
  html_body text,
  -- [{ filename, contentType, content (base64) }]
  attachments jsonb NOT NULL DEFAULT '[]',
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'captured', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text CHECK (length(last_error) <= 2000),
  from_address text,
  message_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX mail_outbox_created_idx ON mail_outbox (created_at DESC, id DESC);

-- Single-use links mailed to an account's address: only the token's hash is stored.
CREATE TABLE account_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose text NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
  -- the address the link went to: it proves only that address (a changed email makes the link useless)
  email text NOT NULL,
  token_hash bytea NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose);

-- Background work and mail run as the system principal; platform admins read status. Nobody else.
ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY jobs_admin ON jobs FOR ALL USING ((SELECT vs_is_admin())) WITH CHECK ((SELECT vs_is_admin()));

ALTER TABLE job_leases ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_leases FORCE ROW LEVEL SECURITY;
CREATE POLICY job_leases_admin ON job_leases FOR ALL USING ((SELECT vs_is_admin())) WITH CHECK ((SELECT vs_is_admin()));

ALTER TABLE mail_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE mail_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY mail_outbox_admin ON mail_outbox FOR ALL USING ((SELECT vs_is_admin())) WITH CHECK ((SELECT vs_is_admin()));

ALTER TABLE account_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY account_tokens_admin ON account_tokens FOR ALL
  USING ((SELECT vs_is_admin())) WITH CHECK ((SELECT vs_is_admin()));
