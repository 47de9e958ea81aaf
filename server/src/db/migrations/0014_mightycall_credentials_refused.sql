-- A connection whose keys MightyCall refused: its scheduled sync and webhook fetches stop (no quota is spent on
-- requests bound to fail) until new keys are saved or a credentials test passes.
ALTER TABLE mightycall_connections ADD COLUMN credentials_refused_at timestamptz;
ALTER TABLE mightycall_connections
  ADD COLUMN credentials_refusal text CHECK (length(credentials_refusal) <= 500);
