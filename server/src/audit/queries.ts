// Reading the audit log: filters and keyset paging (newest first, by id), actors' emails and targets' names where visible.
import { z } from '@hono/zod-openapi';
import type { Tx } from '../db/tenant.js';
import { InstantSchema } from '../http/instant.js';
import { UuidSchema } from '../http/route.js';
import { targetNames } from './targets.js';

export const AuditQuery = z
  .object({
    actorUserId: UuidSchema.optional().openapi({ description: 'as actor or as the user acted as' }),
    actorKeyId: UuidSchema.optional(),
    action: z
      .string()
      .regex(/^[a-z_]+(\.[a-z_]+)*\.?$/, 'an action such as member.add, or a prefix such as member.')
      .max(100)
      .optional()
      .openapi({ description: 'exact action, or a prefix ending in "." (e.g. "api_key.")' }),
    targetType: z.string().max(50).optional(),
    targetId: z.string().max(200).optional(),
    from: InstantSchema().optional(),
    to: InstantSchema().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z
      .string()
      .regex(/^[0-9]{1,18}$/, 'must be a nextCursor from a previous page')
      .optional(),
  })
  .strict();
export type AuditFilters = z.infer<typeof AuditQuery> & { orgId?: string };

export const AuditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    orgId: z.string().nullable(),
    action: z.string(),
    actor: z.object({
      userId: z.string().nullable(),
      email: z.string().nullable(),
      keyId: z.string().nullable(),
      actAsUserId: z.string().nullable(),
    }),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    targetName: z.string().nullable().openapi({
      description:
        "the target's name as the reader may see it: a user's name and email, an org's or key's name, a number (E.164), an invitation's address",
    }),
    before: z.unknown(),
    after: z.unknown(),
    ip: z.string().nullable(),
    requestId: z.string().nullable(),
  })
  .openapi('AuditEntry');
export type AuditEntryView = z.infer<typeof AuditEntrySchema>;

export const AuditPage = z.object({ entries: z.array(AuditEntrySchema), nextCursor: z.string().nullable() });

/** One page of entries the caller may read (row-level security limits org admins to their orgs). */
export async function listAudit(
  tx: Tx,
  f: AuditFilters,
): Promise<{ entries: AuditEntryView[]; nextCursor: string | null }> {
  let q = tx
    .selectFrom('audit_log as a')
    .leftJoin('users as u', 'u.id', 'a.actor_user_id')
    .select([
      'a.id',
      'a.at',
      'a.org_id',
      'a.action',
      'a.actor_user_id',
      'u.email',
      'a.actor_key_id',
      'a.act_as_user_id',
      'a.target_type',
      'a.target_id',
      'a.before',
      'a.after',
      'a.ip',
      'a.request_id',
    ])
    .orderBy('a.id', 'desc')
    .limit(f.limit + 1);
  if (f.orgId) q = q.where('a.org_id', '=', f.orgId);
  if (f.actorUserId) {
    const id = f.actorUserId;
    q = q.where((eb) => eb.or([eb('a.actor_user_id', '=', id), eb('a.act_as_user_id', '=', id)]));
  }
  if (f.actorKeyId) q = q.where('a.actor_key_id', '=', f.actorKeyId);
  if (f.action?.endsWith('.')) q = q.where('a.action', 'like', `${f.action}%`);
  else if (f.action) q = q.where('a.action', '=', f.action);
  if (f.targetType) q = q.where('a.target_type', '=', f.targetType);
  if (f.targetId) q = q.where('a.target_id', '=', f.targetId);
  if (f.from) q = q.where('a.at', '>=', new Date(f.from));
  if (f.to) q = q.where('a.at', '<', new Date(f.to));
  if (f.cursor) q = q.where('a.id', '<', f.cursor);
  const rows = await q.execute();
  const page = rows.slice(0, f.limit);
  const refs = page.map((r) => ({
    targetType: r.target_type,
    targetId: r.target_id,
    before: r.before,
    after: r.after,
  }));
  const names = await targetNames(tx, refs);
  return {
    entries: page.map((r, i) => ({
      id: String(r.id),
      at: r.at.toISOString(),
      orgId: r.org_id,
      action: r.action,
      actor: { userId: r.actor_user_id, email: r.email, keyId: r.actor_key_id, actAsUserId: r.act_as_user_id },
      targetType: r.target_type,
      targetId: r.target_id,
      targetName: names[i] ?? null,
      before: r.before,
      after: r.after,
      ip: r.ip,
      requestId: r.request_id,
    })),
    nextCursor: rows.length > f.limit ? String(page.at(-1)?.id) : null,
  };
}
