// Asks again, mid-response, whether a long-lived request's caller (a live stream) may still see what it asked for.
import type { Context } from 'hono';
import { type Caller, ownOrgIds, permissionsOf, reachesEveryOrg } from '../auth/caller.js';
import type { Permission } from '../auth/permissions.js';
import { resolveCaller } from '../auth/resolve.js';
import type { AuthRuntime } from '../auth/runtime.js';
import { withPrincipal } from '../db/tenant.js';
import { AppError } from './errors.js';

/** Why access ended, in the API's error terms (code and message). */
export interface AccessEnded {
  code: string;
  message: string;
}

/**
 * Resolves the request's credential again through the route wrapper's resolver and asks the wrapper's questions
 * (reach of the org, the permission), then whether the org still exists. null: still allowed.
 *
 * The caller's entries in the key and session caches are dropped first, so the answer is as of now whatever the
 * cache times (VICTORYSYNC_KEY_CACHE_SECONDS may be minutes) and wherever the revocation happened: another
 * instance's sign-out or key revocation invalidates nothing here. A failure to ask (database down) throws.
 */
export async function reauthorize(
  c: Context,
  auth: AuthRuntime,
  was: Caller,
  orgId: string,
  permission: Permission,
): Promise<AccessEnded | null> {
  if (was.key) auth.keys.forget(was.key.id);
  if (was.principal.kind === 'user' && was.principal.sessionId) auth.sessions.forgetSession(was.principal.sessionId);
  let caller: Caller;
  try {
    caller = await resolveCaller(c, auth, true);
  } catch (error) {
    if (error instanceof AppError && error.status < 500) return { code: error.code, message: error.message };
    throw error;
  }
  if (!reachesEveryOrg(caller) && !ownOrgIds(caller).includes(orgId)) {
    return { code: 'org_access_ended', message: 'You no longer have access to this org.' };
  }
  if (!permissionsOf(caller, orgId).has(permission)) {
    return { code: 'forbidden', message: `You no longer have permission for this (${permission}).` };
  }
  const org = await withPrincipal(auth.deps.database.db, caller.principal, (tx) =>
    tx.selectFrom('organizations').select('id').where('id', '=', orgId).executeTakeFirst(),
  );
  if (!org) return { code: 'org_not_found', message: 'The org no longer exists.' };
  return null;
}
