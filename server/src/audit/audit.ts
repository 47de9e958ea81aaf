// Writing the audit log: who (user, key, or key acting as user), what, target, before/after, address, request.
import type { Caller } from '../auth/caller.js';
import type { Tx } from '../db/tenant.js';

export interface AuditEntry {
  action: string;
  orgId?: string | null;
  targetType?: string;
  targetId?: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditOrigin {
  caller: Caller;
  ip: string | null;
  requestId: string | null;
}

/** The actor columns for a caller: a user, a key, or a key acting as a user (both recorded). */
export function auditActor(caller: Caller): {
  actor_user_id: string | null;
  actor_key_id: string | null;
  act_as_user_id: string | null;
} {
  const p = caller.principal;
  switch (p.kind) {
    case 'user':
      return p.actingKeyId
        ? { actor_user_id: null, actor_key_id: p.actingKeyId, act_as_user_id: p.userId }
        : { actor_user_id: p.userId, actor_key_id: null, act_as_user_id: null };
    case 'org_key':
    case 'platform_key':
      return { actor_user_id: null, actor_key_id: p.keyId, act_as_user_id: null };
    default:
      return { actor_user_id: null, actor_key_id: null, act_as_user_id: null };
  }
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

/** Appends one entry inside the caller's transaction, so the record and the change commit together. */
export async function recordAudit(tx: Tx, origin: AuditOrigin, entry: AuditEntry): Promise<void> {
  await tx
    .insertInto('audit_log')
    .values({
      ...auditActor(origin.caller),
      org_id: entry.orgId ?? null,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      before: json(entry.before),
      after: json(entry.after),
      ip: origin.ip,
      request_id: origin.requestId,
    })
    .execute();
}
