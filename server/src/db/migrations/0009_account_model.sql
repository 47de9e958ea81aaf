-- Account model: an email counts as proven only through a link delivered to it, and adding someone to an org by
-- email makes a pending invitation, never a membership, until the invitee accepts it (docs/security.md).

-- Set when the account holder followed a link that was sent to this address (or an identity provider vouched
-- for it); an administrator typing an address proves nothing.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;

CREATE TABLE org_invitations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  email text NOT NULL CHECK (length(email) BETWEEN 3 AND 320 AND email = lower(email)),
  role text NOT NULL CHECK (role IN ('org_admin', 'org_manager', 'agent')),
  mightycall_extension text CHECK (mightycall_extension ~ '^[0-9]{1,10}$'),
  token_hash bytea NOT NULL UNIQUE,
  -- 'email': the link went only to the address, so accepting it proves control of the address;
  -- 'link': the inviter was shown the link, so accepting it proves nothing about the address.
  delivery text NOT NULL CHECK (delivery IN ('link', 'email')),
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  accepted_by uuid REFERENCES users (id) ON DELETE SET NULL,
  revoked_at timestamptz,
  CHECK (accepted_at IS NULL OR revoked_at IS NULL)
);
-- One open invitation per org and address: inviting again replaces it.
CREATE UNIQUE INDEX org_invitations_open_key ON org_invitations (org_id, email)
  WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- Org admins (and platform admins) manage their org's invitations; acceptance runs as the system principal.
-- Org keys never reach them: vs_has_org_role needs a signed-in member.
ALTER TABLE org_invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY org_invitations_read ON org_invitations FOR SELECT
  USING ((SELECT vs_is_admin()) OR vs_has_org_role(org_id, '{org_admin}'));
-- An org admin makes only open, link-delivered invitations in their own name: 'email' claims the address was
-- reached without the inviter seeing the token, which only the mailer (running as the system) can vouch for.
CREATE POLICY org_invitations_insert ON org_invitations FOR INSERT
  WITH CHECK ((SELECT vs_is_admin()) OR (
    vs_has_org_role(org_id, '{org_admin}') AND created_by = (SELECT vs_user_id()) AND delivery = 'link'
    AND accepted_at IS NULL AND accepted_by IS NULL AND revoked_at IS NULL
  ));
CREATE POLICY org_invitations_update ON org_invitations FOR UPDATE
  USING ((SELECT vs_is_admin()) OR vs_has_org_role(org_id, '{org_admin}'))
  WITH CHECK ((SELECT vs_is_admin()) OR vs_has_org_role(org_id, '{org_admin}'));
CREATE POLICY org_invitations_delete ON org_invitations FOR DELETE USING ((SELECT vs_is_admin()));

-- Row-level security cannot compare a row with its old self: an org admin may only revoke (set revoked_at once);
-- the token, address, role, delivery and acceptance are the invitation and stay as issued.
DO $fn$
BEGIN
  EXECUTE format($f$
    CREATE FUNCTION %1$I.vs_org_invitations_guard() RETURNS trigger LANGUAGE plpgsql
    SET search_path = %1$I, pg_temp AS $b$
    BEGIN
      IF vs_is_admin() THEN
        RETURN NEW;
      END IF;
      IF (NEW.id, NEW.email, NEW.role, NEW.mightycall_extension, NEW.token_hash, NEW.delivery, NEW.created_by,
          NEW.created_at, NEW.expires_at, NEW.accepted_at, NEW.accepted_by)
         IS DISTINCT FROM
         (OLD.id, OLD.email, OLD.role, OLD.mightycall_extension, OLD.token_hash, OLD.delivery, OLD.created_by,
          OLD.created_at, OLD.expires_at, OLD.accepted_at, OLD.accepted_by)
         OR (OLD.revoked_at IS NOT NULL AND NEW.revoked_at IS DISTINCT FROM OLD.revoked_at) THEN
        RAISE EXCEPTION 'an invitation can only be revoked' USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END
    $b$;
  $f$, current_schema());
END $fn$;
CREATE TRIGGER org_invitations_guard BEFORE UPDATE ON org_invitations
  FOR EACH ROW EXECUTE FUNCTION vs_org_invitations_guard();
