// The write-policy matrix's vocabulary: commands, outcomes, cases, who may by default, and the statement builders.
import { type RawBuilder, sql } from 'kysely';
import { ROLES, type Role, TOKEN } from './write-policies.world.js';

export const COMMANDS = ['select', 'insert', 'update', 'delete'] as const;
export type Command = (typeof COMMANDS)[number];

/**
 * What a principal's statement must do. allowed: SELECT returns the one row, a write touches exactly one row.
 * hidden: SELECT returns nothing. filtered: UPDATE/DELETE touches nothing (USING). violates: the WITH CHECK error.
 * denied: the table privilege is missing (the audit log is append-only for everyone).
 */
export type Outcome = 'allowed' | 'hidden' | 'filtered' | 'violates' | 'denied';

export interface Case {
  what: string;
  statement: RawBuilder<unknown>;
  /** the roles that may; every other role gets the command's refusal unless `except` names another */
  allowed: readonly Role[];
  except?: Partial<Record<Role, Outcome>>;
}

export interface CommandCases {
  cases: Case[];
  /** why every role may do all of this, when none is refused (said, not assumed) */
  everyone?: string;
}

/**
 * Platform admins (and platform keys, system work) hold every permission in every org: a cell that refuses them
 * nothing needs no further reason.
 */
export const HOLDS_EVERYTHING: readonly Role[] = ['platformAdmin'];

const REFUSAL: Record<Command, Outcome> = {
  select: 'hidden',
  insert: 'violates',
  update: 'filtered',
  delete: 'filtered',
};

export function outcomeFor(command: Command, c: Case, role: Role): Outcome {
  if (c.allowed.includes(role)) return 'allowed';
  return c.except?.[role] ?? REFUSAL[command];
}

export const ADMIN: readonly Role[] = ['platformAdmin'];
export const ORG_ADMIN: readonly Role[] = ['platformAdmin', 'orgAdmin'];
/** Everyone who reaches org A's data: its members and its key. */
export const READS_A: readonly Role[] = ['platformAdmin', 'orgAdmin', 'manager', 'agent', 'orgKey'];
export const NOBODY: readonly Role[] = [];
export const all = (outcome: Outcome): Partial<Record<Role, Outcome>> =>
  Object.fromEntries(ROLES.map((role) => [role, outcome]));

/**
 * A platform-only table: admins may do everything, nobody else anything. Two rows of each command: `a` and `b`.
 * `reads` widens who reads row `a` (live state of org A's numbers).
 */
export function platformOnly(
  spec: Record<Command, [RawBuilder<unknown>, RawBuilder<unknown>]>,
  reads: readonly Role[] = ADMIN,
): Record<Command, CommandCases> {
  const pair = (command: Command, first: readonly Role[]): CommandCases => ({
    cases: [
      { what: `row a (${command})`, statement: spec[command][0], allowed: first },
      { what: `row b (${command})`, statement: spec[command][1], allowed: ADMIN },
    ],
  });
  return {
    select: pair('select', reads),
    insert: pair('insert', ADMIN),
    update: pair('update', ADMIN),
    delete: pair('delete', ADMIN),
  };
}

export const insertKey = (id: string, org: string | null, createdBy: string, scopes: readonly string[], kind = 'org') =>
  sql`INSERT INTO api_keys (id, kind, org_id, name, key_hash, prefix, last4, scopes, created_by)
    VALUES (${id}, ${kind}, ${org}, 'new key', ${TOKEN}, 'vs_x', 'xxxx', ${[...scopes]}, ${createdBy})`;

export const insertAudit = (fields: {
  org: string | null;
  user?: string;
  key?: string;
  actAs?: string;
  at?: RawBuilder<unknown>;
}) =>
  sql`INSERT INTO audit_log (org_id, actor_user_id, actor_key_id, act_as_user_id, action, at)
    VALUES (${fields.org}, ${fields.user ?? null}, ${fields.key ?? null}, ${fields.actAs ?? null}, 'test.event',
      ${fields.at ?? sql`now()`})`;

/** Cases of each command of each table. */
export type TableCases = Record<string, Record<Command, CommandCases>>;
