// Agent display names for extensions: the org member linked to the extension first, then MightyCall's directory.
import type { Tx } from '../db/tenant.js';

export const nameKey = (provider: string, account: string, extension: string) =>
  `${provider}\u0000${account}\u0000${extension}`;

/**
 * Extension → display name: the org member linked to that MightyCall extension first, then the
 * provider's agent directory; null when neither knows the extension.
 */
export async function agentNames(
  tx: Tx,
  orgId: string | null,
  keys: ReadonlyArray<{ provider: string; providerAccount: string; extension: string | null }>,
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const wanted = keys.filter(
    (k): k is { provider: string; providerAccount: string; extension: string } => k.extension !== null,
  );
  if (wanted.length === 0) return names;
  const extensions = [...new Set(wanted.map((k) => k.extension))];
  const directory = await tx
    .selectFrom('agents')
    .select(['provider', 'provider_account', 'extension', 'display_name'])
    .where('extension', 'in', extensions)
    .execute();
  for (const a of directory) names.set(nameKey(a.provider, a.provider_account, a.extension), a.display_name);
  if (orgId !== null) {
    const members = await tx
      .selectFrom('org_memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.mightycall_extension as extension', 'u.display_name'])
      .where('m.org_id', '=', orgId)
      .where('m.mightycall_extension', 'in', extensions)
      .execute();
    const byExtension = new Map(members.map((m) => [m.extension, m.display_name]));
    for (const k of wanted) {
      const member = byExtension.get(k.extension);
      if (member) names.set(nameKey(k.provider, k.providerAccount, k.extension), member);
    }
  }
  return names;
}
