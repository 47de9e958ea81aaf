// Resolves who is calling from the request: session cookie, API key (Bearer or x-api-key), Supabase JWT, act_as.
import type { Context } from 'hono';
import type { CoreDeps } from '../core-deps.js';
import { withPrincipal } from '../db/tenant.js';
import { AppError } from '../http/errors.js';
import {
  ANONYMOUS_CALLER,
  type Caller,
  creatorGaveUp,
  loadUserAccess,
  userCaller,
  type VerifiedKey,
} from './caller.js';
import type { KeyVerifier } from './key-verifier.js';
import { systemPrincipal } from './principal.js';
import { lookupSession, readSessionCookie, type SessionCache } from './sessions.js';
import type { SupabaseVerifier } from './supabase.js';
import { looksLikeJwt } from './tokens.js';
import { HOW_TO_AUTHENTICATE, unauthenticated } from './unauthenticated.js';

export interface ResolverParts {
  deps: CoreDeps;
  keys: KeyVerifier;
  sessions: SessionCache;
  supabase: SupabaseVerifier | null;
}

/** The credential the request presents, before any lookup. */
function presentedCredential(c: Context): { kind: 'bearer' | 'x-api-key'; value: string } | null {
  const header = c.req.header('x-api-key');
  if (header !== undefined) return { kind: 'x-api-key', value: header.trim() };
  const authorization = c.req.header('authorization');
  if (authorization === undefined) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!m?.[1]) throw unauthenticated(`The Authorization header must be "Bearer <key>". ${HOW_TO_AUTHENTICATE}`);
  return { kind: 'bearer', value: m[1] };
}

/**
 * Every credential presented is checked: an unknown, malformed, revoked or expired one is a 401, never
 * ignored. A stale session cookie is only an error where authentication is required (`required`).
 */
export async function resolveCaller(c: Context, parts: ResolverParts, required: boolean): Promise<Caller> {
  const actAsHeader = c.req.header('x-user-id');
  const credential = presentedCredential(c);
  let caller: Caller;
  if (credential && looksLikeJwt(credential.value) && credential.kind === 'bearer') {
    if (!parts.supabase) throw unauthenticated('Bearer JWTs are not accepted: Supabase sign-in is not configured.');
    caller = await parts.supabase.resolve(credential.value);
  } else if (credential) {
    caller = await callerFromKey(parts, credential.value);
  } else {
    caller = await callerFromSession(c, parts, required && actAsHeader === undefined);
  }
  if (actAsHeader !== undefined) return actAs(parts, caller, actAsHeader);
  return caller;
}

async function callerFromKey(parts: ResolverParts, value: string): Promise<Caller> {
  const check = await parts.keys.verify(value);
  if (!check.ok) {
    const messages = {
      malformed: 'The API key is malformed (wrong prefix, length or checksum).',
      unknown: 'The API key is not recognized.',
      revoked: 'The API key has been revoked.',
      expired: 'The API key has expired.',
    };
    throw unauthenticated(messages[check.reason], `api_key_${check.reason}`);
  }
  const key = check.key;
  if (creatorGaveUp(key)) {
    throw unauthenticated(
      'The API key no longer works: the user who created it was disabled, deleted, removed from its org or lost the role it relied on. Create a new key.',
      'api_key_creator_inactive',
    );
  }
  const base = { memberships: new Map(), via: 'api_key' as const, key };
  if (key.kind === 'org' && key.orgId) {
    return {
      ...base,
      principal: { kind: 'org_key', keyId: key.id, orgId: key.orgId, scopes: key.scopes, createdBy: key.createdBy },
    };
  }
  return { ...base, principal: { kind: 'platform_key', keyId: key.id, scopes: key.scopes, createdBy: key.createdBy } };
}

async function callerFromSession(c: Context, parts: ResolverParts, required: boolean): Promise<Caller> {
  const token = readSessionCookie(c);
  if (!token) return ANONYMOUS_CALLER;
  const found = await lookupSession(parts.deps.database.db, token, parts.deps.config.auth, parts.sessions);
  if (found.ok) return userCaller(found.access, 'session', { sessionId: found.sessionId });
  if (!required) return ANONYMOUS_CALLER;
  const why =
    found.reason === 'disabled'
      ? 'The account is disabled.'
      : `The session has ${found.reason === 'unknown' ? 'ended' : found.reason}.`;
  throw unauthenticated(`${why} Sign in again with POST /api/auth/login.`, 'session_invalid');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** x-user-id is honoured only for a platform key holding the act_as scope. */
async function actAs(parts: ResolverParts, caller: Caller, userId: string): Promise<Caller> {
  const key: VerifiedKey | null = caller.principal.kind === 'platform_key' ? caller.key : null;
  if (!key) {
    throw unauthenticated(
      `x-user-id is only accepted together with a platform API key holding the act_as scope. ${HOW_TO_AUTHENTICATE}`,
      'act_as_not_allowed',
    );
  }
  if (!key.scopes.includes('act_as')) {
    throw new AppError(403, 'insufficient_scope', 'This platform key lacks the act_as scope needed for x-user-id.', {
      requiredScope: 'act_as',
    });
  }
  if (!UUID.test(userId)) throw new AppError(400, 'invalid_request', 'header.x-user-id: must be a user id (UUID)');
  const access = await withPrincipal(parts.deps.database.db, systemPrincipal('act_as lookup'), (tx) =>
    loadUserAccess(tx, userId),
  );
  if (!access || access.disabled) {
    throw unauthenticated('x-user-id names no active user.', 'act_as_user_invalid');
  }
  return userCaller(access, 'api_key', { key });
}
