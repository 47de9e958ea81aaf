-- The agents on an org's wallboard and their states: an agent is the org's when a member of the org has its
-- extension (on a MightyCall account of a number the org holds now), and its state comes from all its live legs,
-- whichever org's number the call came in on (an agent busy on one client's call is busy for every client).
-- Legs of other orgs' numbers are hidden from the org by row-level security, so this runs as the owner; it
-- answers only for an org the caller sees, and only (account, extension, state, since) of that org's own
-- agents: no call, number or caller of another org leaves it.
DO $fn$
BEGIN
  EXECUTE format($f$
    CREATE FUNCTION %1$I.vs_live_agent_states(
      p_org uuid, p_ringing_after timestamptz, p_connected_after timestamptz, p_updated_after timestamptz
    ) RETURNS TABLE (provider_account text, extension text, state text, since timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = %1$I, pg_temp AS $b$
      WITH linked AS (
        SELECT DISTINCT pn.provider_account, m.mightycall_extension AS extension
        FROM org_memberships m
        JOIN org_phone_numbers a ON a.org_id = m.org_id AND a.assigned_until IS NULL
        JOIN phone_numbers pn ON pn.id = a.phone_number_id
        WHERE m.org_id = p_org AND m.mightycall_extension IS NOT NULL
          AND pn.provider = 'mightycall' AND pn.provider_account IS NOT NULL
          AND p_org = ANY (vs_visible_org_ids())
      ),
      legs AS (
        SELECT k.provider_account, k.extension, l.since,
          l.state IN ('connected', 'dialing') AND l.since > p_connected_after AS busy,
          l.state = 'ringing' AND l.since > p_ringing_after AS ringing
        FROM linked k
        LEFT JOIN mightycall_live_legs l ON l.provider_account = k.provider_account AND l.extension = k.extension
          AND l.updated_at > p_updated_after
      )
      -- On a call before ringing before available; since: the earliest busy or ringing leg, else the last to end.
      SELECT provider_account, extension,
        CASE WHEN bool_or(busy) THEN 'on_call' WHEN bool_or(ringing) THEN 'ringing' ELSE 'available' END,
        coalesce(min(since) FILTER (WHERE busy), min(since) FILTER (WHERE ringing),
          max(since) FILTER (WHERE NOT busy AND NOT ringing))
      FROM legs
      GROUP BY provider_account, extension
    $b$;
  $f$, current_schema());
END $fn$;
