// Who is making a request: the identity every permission check and every database policy works from.

export type Principal =
  | {
      kind: 'user';
      userId: string;
      platformAdmin: boolean;
      sessionId: string | null;
      /** set when a platform key with the act_as scope is acting as this user */
      actingKeyId: string | null;
    }
  | { kind: 'org_key'; keyId: string; orgId: string; scopes: readonly string[]; createdBy: string | null }
  | { kind: 'platform_key'; keyId: string; scopes: readonly string[]; createdBy: string | null }
  /** background work (sync, webhook processing, bootstrap, authentication lookups) */
  | { kind: 'system'; reason: string }
  | { kind: 'anonymous' };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export function systemPrincipal(reason: string): Principal {
  return { kind: 'system', reason };
}

/** The user behind a request (also when a key acts as them), for created_by columns; null for keys and jobs. */
export function userIdOf(principal: Principal): string | null {
  return principal.kind === 'user' ? principal.userId : null;
}
