// Names for audit targets (a user's name and email, an org's or key's name, a number, an invitation's address),
// looked up as the reader, so row-level security decides what they may see; else taken from the entry's own record.
import type { Tx } from '../db/tenant.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Named {
  id: string;
  name: string;
}

interface TargetKind {
  /** the names of those ids the reader may see (the query runs in the reader's transaction) */
  lookup?: (tx: Tx, ids: string[]) => Promise<Named[]>;
  /** the field of the entry's own before / after that names the target, when the lookup finds nothing */
  recorded: string;
}

const KINDS: Readonly<Record<string, TargetKind>> = {
  user: {
    lookup: async (tx, ids) =>
      (await tx.selectFrom('users').select(['id', 'display_name', 'email']).where('id', 'in', ids).execute()).map(
        (u) => ({ id: u.id, name: `${u.display_name} (${u.email})` }),
      ),
    recorded: 'email',
  },
  org: {
    lookup: (tx, ids) => tx.selectFrom('organizations').select(['id', 'name']).where('id', 'in', ids).execute(),
    recorded: 'name',
  },
  api_key: {
    lookup: (tx, ids) => tx.selectFrom('api_keys').select(['id', 'name']).where('id', 'in', ids).execute(),
    recorded: 'name',
  },
  phone_number: {
    lookup: (tx, ids) => tx.selectFrom('phone_numbers').select(['id', 'e164 as name']).where('id', 'in', ids).execute(),
    recorded: 'e164',
  },
  invitation: {
    lookup: (tx, ids) =>
      tx.selectFrom('org_invitations').select(['id', 'email as name']).where('id', 'in', ids).execute(),
    recorded: 'email',
  },
  mightycall_connection: { recorded: 'name' },
};

export interface TargetRef {
  targetType: string | null;
  targetId: string | null;
  before: unknown;
  after: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function recordedName(entry: TargetRef, field: string): string | null {
  for (const side of [entry.after, entry.before]) {
    const value = isRecord(side) ? side[field] : undefined;
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
}

/** Each entry's target name, or null where there is none the reader may see; one query per kind of target. */
export async function targetNames(tx: Tx, entries: TargetRef[]): Promise<(string | null)[]> {
  const found = new Map<string, string>();
  const idsByKind = new Map<string, Set<string>>();
  for (const e of entries) {
    if (!e.targetType || !e.targetId || !UUID.test(e.targetId) || !KINDS[e.targetType]?.lookup) continue;
    const ids = idsByKind.get(e.targetType) ?? new Set<string>();
    idsByKind.set(e.targetType, ids.add(e.targetId));
  }
  for (const [kind, ids] of idsByKind) {
    const rows = (await KINDS[kind]?.lookup?.(tx, [...ids])) ?? [];
    for (const row of rows) found.set(`${kind}:${row.id}`, row.name);
  }
  return entries.map((e) => {
    const kind = e.targetType ? KINDS[e.targetType] : undefined;
    if (!kind) return null;
    return found.get(`${e.targetType}:${e.targetId}`) ?? recordedName(e, kind.recorded);
  });
}
