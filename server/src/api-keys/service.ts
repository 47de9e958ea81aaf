// API-key rules and SQL: create (scopes within the creator's role, hash stored), list, revoke.
import type { KeyKind, Scope } from '../auth/permissions.js';
import { generateApiKey } from '../auth/tokens.js';
import type { Tx } from '../db/tenant.js';
import { AppError, notFound } from '../http/errors.js';
import type { ApiKeyView, CreateKey } from './schema.js';

const COLUMNS = [
  'k.id',
  'k.kind',
  'k.org_id',
  'k.name',
  'k.prefix',
  'k.last4',
  'k.scopes',
  'k.created_by',
  'k.created_at',
  'k.last_used_at',
  'k.expires_at',
  'k.revoked_at',
  'u.email',
] as const;

function keyQuery(tx: Tx, kind: KeyKind, orgId: string | null) {
  let q = tx
    .selectFrom('api_keys as k')
    .leftJoin('users as u', 'u.id', 'k.created_by')
    .select(COLUMNS)
    .where('k.kind', '=', kind);
  if (orgId) q = q.where('k.org_id', '=', orgId);
  return q;
}

type KeyRow = Awaited<ReturnType<ReturnType<typeof keyQuery>['executeTakeFirstOrThrow']>>;

function toKeyView(r: KeyRow, now = Date.now()): ApiKeyView {
  return {
    id: r.id,
    kind: r.kind,
    orgId: r.org_id,
    name: r.name,
    prefix: r.prefix,
    last4: r.last4,
    display: `${r.prefix}…${r.last4}`,
    scopes: r.scopes,
    createdBy: r.created_by ? { id: r.created_by, email: r.email } : null,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    expiresAt: r.expires_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
    status: r.revoked_at ? 'revoked' : r.expires_at && r.expires_at.getTime() <= now ? 'expired' : 'active',
  };
}

export const keyNotFound = () => notFound('API key', 'api_key_not_found');

/** Creates a key; every scope must be grantable by the creator. The plaintext is returned once and never stored. */
export async function createKey(
  tx: Tx,
  target: { kind: KeyKind; orgId: string | null },
  input: CreateKey,
  creator: { userId: string | null; grantable: readonly Scope[] },
): Promise<{ apiKey: ApiKeyView; key: string }> {
  const refused = input.scopes.filter((s) => !creator.grantable.includes(s));
  if (refused.length > 0) {
    throw new AppError(
      403,
      'scope_not_allowed',
      `body.scopes: ${refused.join(', ')} ${refused.length === 1 ? 'is' : 'are'} beyond what you may grant to ${target.kind} keys (allowed: ${creator.grantable.join(', ') || 'none'})`,
      { refused, allowed: creator.grantable },
    );
  }
  if (input.expiresAt && Date.parse(input.expiresAt) <= Date.now()) {
    throw new AppError(400, 'invalid_request', 'body.expiresAt: must be in the future', {
      issues: [{ path: 'body.expiresAt', message: 'must be in the future' }],
    });
  }
  const secret = generateApiKey(target.kind);
  const inserted = await tx
    .insertInto('api_keys')
    .values({
      kind: target.kind,
      org_id: target.orgId,
      name: input.name,
      key_hash: secret.hash,
      prefix: secret.prefix,
      last4: secret.last4,
      scopes: [...new Set(input.scopes)],
      created_by: creator.userId,
      expires_at: input.expiresAt ? new Date(input.expiresAt) : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const row = await keyQuery(tx, target.kind, target.orgId).where('k.id', '=', inserted.id).executeTakeFirstOrThrow();
  return { apiKey: toKeyView(row), key: secret.key };
}

export async function listKeys(tx: Tx, kind: KeyKind, orgId: string | null): Promise<ApiKeyView[]> {
  const rows = await keyQuery(tx, kind, orgId).orderBy('k.created_at', 'desc').orderBy('k.id').execute();
  const now = Date.now();
  return rows.map((r) => toKeyView(r, now));
}

/** Soft revocation: the row stays for the record; revoking twice is harmless. Returns the key before. */
export async function revokeKey(tx: Tx, kind: KeyKind, orgId: string | null, keyId: string): Promise<ApiKeyView> {
  const row = await keyQuery(tx, kind, orgId).where('k.id', '=', keyId).executeTakeFirst();
  if (!row) throw keyNotFound();
  if (!row.revoked_at) {
    await tx.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', keyId).execute();
  }
  return toKeyView(row);
}
