// What the database knows of a principal: the settings its row-level security policies read.
import type { Principal } from '../auth/principal.js';

export interface PrincipalSettings {
  /** vs.user_id: the user behind the request ('' for keys and jobs) */
  userId: string;
  /** vs.is_admin: platform-wide access */
  isAdmin: boolean;
  /** vs.org_scope: the one org an org key is bound to ('' otherwise) */
  orgScope: string;
  /** vs.key_id: the API key making the request, also when it acts as a user ('' otherwise) */
  keyId: string;
}

/** The settings the row-level security policies read (see migrations/0001_init.sql and 0010_write_policies.sql). */
export function databaseSettings(principal: Principal): PrincipalSettings {
  switch (principal.kind) {
    case 'user':
      return {
        userId: principal.userId,
        isAdmin: principal.platformAdmin,
        orgScope: '',
        keyId: principal.actingKeyId ?? '',
      };
    case 'org_key':
      return { userId: '', isAdmin: false, orgScope: principal.orgId, keyId: principal.keyId };
    case 'platform_key':
      return { userId: '', isAdmin: true, orgScope: '', keyId: principal.keyId };
    case 'system':
      return { userId: '', isAdmin: true, orgScope: '', keyId: '' };
    case 'anonymous':
      return { userId: '', isAdmin: false, orgScope: '', keyId: '' };
  }
}
