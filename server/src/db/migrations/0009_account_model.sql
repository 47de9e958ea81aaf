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
CREATE POLICY org_invitations_insert ON org_invitations FOR INSERT
  WITH CHECK ((SELECT vs_is_admin()) OR (vs_has_org_role(org_id, '{org_admin}') AND created_by = (SELECT vs_user_id())));
CREATE POLICY org_invitations_update ON org_invitations FOR UPDATE
  USING ((SELECT vs_is_admin()) OR vs_has_org_role(org_id, '{org_admin}'))
  WITH CHECK ((SELECT vs_is_admin()) OR vs_has_org_role(org_id, '{org_admin}'));
CREATE POLICY org_invitations_delete ON org_invitations FOR DELETE USING ((SELECT vs_is_admin()));
