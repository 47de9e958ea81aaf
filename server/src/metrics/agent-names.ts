// An agent's display name for an extension, in SQL: the org member linked to that MightyCall extension first
// (platform-wide: none), then the provider's agent directory for (provider, account, extension); null when
// neither knows it. Used by the call log and the agents breakdown in their own statements.
import { type RawBuilder, sql } from 'kysely';

/** The name for the extension columns given as SQL references (e.g. `c.agent_extension`). */
export function agentNameSql(
  orgId: string | null,
  columns: { provider: string; providerAccount: string; extension: string },
): RawBuilder<string | null> {
  const [provider, account, extension] = [columns.provider, columns.providerAccount, columns.extension].map(sql.raw);
  const member =
    orgId === null
      ? sql`NULL::text`
      : sql`(SELECT mu.display_name FROM org_memberships m JOIN users mu ON mu.id = m.user_id
          WHERE m.org_id = ${orgId} AND m.mightycall_extension = ${extension} ORDER BY mu.display_name LIMIT 1)`;
  return sql<string | null>`coalesce(${member}, (SELECT ag.display_name FROM agents ag
    WHERE ag.provider = ${provider} AND ag.provider_account = ${account} AND ag.extension = ${extension}))`;
}
