// Policies mirror the permission model: every RLS table × command × role, run in the database as the app runs them.
import { type Kysely, type QueryResult, type RawBuilder, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../src/auth/permissions.js';
import { type Principal, systemPrincipal } from '../src/auth/principal.js';
import { withPrincipal } from '../src/db/tenant.js';
import type { DB } from '../src/db/types.js';
import { openTestDatabase, type TestDatabase, testTargets } from './support/database.js';
import { ACCOUNT_CASES } from './write-policies.accounts.js';
import { ALERT_CASES } from './write-policies.alerts.js';
import {
  type Case,
  COMMANDS,
  type Command,
  HOLDS_EVERYTHING,
  insertAudit,
  insertKey,
  type Outcome,
  outcomeFor,
  type TableCases,
} from './write-policies.cells.js';
import { REPORT_CASES } from './write-policies.reports.js';
import { ROLLUP_CASES } from './write-policies.rollups.js';
import { TELEPHONY_CASES } from './write-policies.telephony.js';
import { ids, OTHER_PRINCIPALS, PRINCIPALS, ROLES, seedWorld, TOKEN } from './write-policies.world.js';

/** What a statement did: rows read, rows written, or the error it raised. */
type Observed = { rows: number } | { affected: number } | { error: string };

/** Carries a result out of a transaction that must not commit (every case leaves the world as it was). */
class Rollback extends Error {
  constructor(readonly observed: Observed) {
    super('rolled back on purpose');
  }
}

/** Every table with row-level security, its commands and their cases. */
const MATRIX: TableCases = { ...ACCOUNT_CASES, ...TELEPHONY_CASES, ...ROLLUP_CASES, ...ALERT_CASES, ...REPORT_CASES };

const SYSTEM: Principal = { kind: 'system', reason: 'write-policy matrix' };

function observation(command: Command, result: QueryResult<unknown>): Observed {
  return command === 'select' ? { rows: result.rows.length } : { affected: Number(result.numAffectedRows ?? 0n) };
}

const violation = (table: string): Observed => ({
  error: `new row violates row-level security policy for table "${table}"`,
});

function expected(table: string, command: Command, outcome: Outcome): Observed {
  switch (outcome) {
    case 'allowed':
      return command === 'select' ? { rows: 1 } : { affected: 1 };
    case 'hidden':
      return { rows: 0 };
    case 'filtered':
      return { affected: 0 };
    case 'violates':
      return violation(table);
    case 'denied':
      return { error: `permission denied for table ${table}` };
  }
}

describe.each(testTargets())('write policies on %s', (target) => {
  let database: TestDatabase;
  /** what each refused case's statement does with no policy in the way (the test's owner connection) */
  const unguarded = new Map<Case, Observed>();

  beforeAll(async () => {
    database = await openTestDatabase(target);
    await withPrincipal(database.db, SYSTEM, (tx) => seedWorld(tx));
  });
  afterAll(async () => {
    await database.cleanup();
  });

  /** Runs work as the principal in its own transaction, always rolled back; an error is the observation. */
  async function attempt(principal: Principal, work: (tx: Kysely<DB>) => Promise<Observed>): Promise<Observed> {
    try {
      await withPrincipal(database.db, principal, async (tx) => {
        throw new Rollback(await work(tx));
      });
      throw new Error('unreachable: the work always throws');
    } catch (error) {
      if (error instanceof Rollback) return error.observed;
      if (error instanceof Error) return { error: error.message };
      throw error;
    }
  }

  const run = (principal: Principal, command: Command, statement: RawBuilder<unknown>) =>
    attempt(principal, async (tx) => observation(command, await statement.execute(tx)));

  /** The same statement as the owner, rolled back: proves a refusal is the policy's, not an empty target. */
  async function withoutPolicies(c: Case, command: Command): Promise<Observed> {
    const known = unguarded.get(c);
    if (known) return known;
    let observed: Observed;
    try {
      await database.db.transaction().execute(async (tx) => {
        throw new Rollback(observation(command, await c.statement.execute(tx)));
      });
      throw new Error('unreachable: the transaction always throws');
    } catch (error) {
      if (!(error instanceof Rollback)) throw error;
      observed = error.observed;
    }
    unguarded.set(c, observed);
    return observed;
  }

  it('every table of the schema has row-level security and cases here, and no other table has cases', async () => {
    const tables = await sql<{ relname: string; relrowsecurity: boolean }>`
      SELECT c.relname, c.relrowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ${database.schema} AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations'
      ORDER BY c.relname`.execute(database.db);
    expect(tables.rows.filter((t) => !t.relrowsecurity).map((t) => t.relname)).toEqual([]);
    expect(Object.keys(MATRIX).sort()).toEqual(tables.rows.map((t) => t.relname));
  });

  it('every cell has an allowed and a refused case, or only refusals, or says why nothing is refused', () => {
    for (const [table, commands] of Object.entries(MATRIX)) {
      for (const command of COMMANDS) {
        const { cases, everyone } = commands[command];
        for (const role of ROLES) {
          const where = `${table} ${command} as ${role}`;
          expect.soft(cases.length, where).toBeGreaterThanOrEqual(2);
          const refused = cases.some((c) => outcomeFor(command, c, role) !== 'allowed');
          if (!refused) expect.soft(HOLDS_EVERYTHING.includes(role) || everyone !== undefined, where).toBe(true);
        }
      }
    }
  });

  for (const [table, commands] of Object.entries(MATRIX)) {
    describe(table, () => {
      for (const command of COMMANDS) {
        for (const role of ROLES) {
          it(`${command} as ${role}`, async () => {
            for (const c of commands[command].cases) {
              const outcome = outcomeFor(command, c, role);
              const observed = await run(PRINCIPALS[role], command, c.statement);
              expect.soft(observed, `${c.what}: ${outcome}`).toEqual(expected(table, command, outcome));
              if (outcome === 'hidden' || outcome === 'filtered' || outcome === 'denied') {
                expect
                  .soft(await withoutPolicies(c, command), `${c.what}: touches a row when no policy is in the way`)
                  .toEqual(expected(table, command, 'allowed'));
              }
            }
          });
        }
      }
    });
  }

  describe('escalations beyond the grid', () => {
    it('an org admin gives an org key exactly the org-key scopes of SCOPES, none a platform key holds', async () => {
      for (const { scope, kinds } of SCOPES) {
        const observed = await run(PRINCIPALS.orgAdmin, 'insert', insertKey(ids.keyNew, ids.orgA, ids.adminA, [scope]));
        expect.soft(observed, scope).toEqual(kinds.includes('org') ? { affected: 1 } : violation('api_keys'));
      }
    });

    it('no key mints, changes or deletes keys: not a platform key, not a key acting as an org admin', async () => {
      const { platformKey, keyActingAsAdminA } = OTHER_PRINCIPALS;
      expect(
        await run(platformKey, 'insert', insertKey(ids.keyNew, null, ids.platformAdmin, ['orgs:admin'], 'platform')),
      ).toEqual(violation('api_keys'));
      expect(
        await run(platformKey, 'update', sql`UPDATE api_keys SET revoked_at = NULL WHERE id = ${ids.keyA2}`),
      ).toEqual({ affected: 0 });
      expect(await run(platformKey, 'delete', sql`DELETE FROM api_keys WHERE id = ${ids.keyB}`)).toEqual({
        affected: 0,
      });
      expect(
        await run(keyActingAsAdminA, 'insert', insertKey(ids.keyNew, ids.orgA, ids.adminA, ['metrics:read'])),
      ).toEqual(violation('api_keys'));
      expect(
        await run(keyActingAsAdminA, 'update', sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${ids.keyA}`),
      ).toEqual({ affected: 0 });
      // The same revocation signed in as adminA is theirs to make.
      expect(
        await run(PRINCIPALS.orgAdmin, 'update', sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${ids.keyA}`),
      ).toEqual({ affected: 1 });
    });

    it('a key acting as a user audits as that key for that user, in that user’s orgs, as nothing else', async () => {
      const { platformKey, keyActingAsAdminA: acting } = OTHER_PRINCIPALS;
      const asActing = (fields: Parameters<typeof insertAudit>[0]) => run(acting, 'insert', insertAudit(fields));
      expect(await asActing({ org: ids.orgA, key: ids.keyP, actAs: ids.adminA })).toEqual({ affected: 1 });
      expect(await asActing({ org: null, key: ids.keyP, actAs: ids.adminA })).toEqual({ affected: 1 });
      expect(await asActing({ org: ids.orgA, user: ids.adminA })).toEqual(violation('audit_log'));
      expect(await asActing({ org: ids.orgA, key: ids.keyP })).toEqual(violation('audit_log'));
      expect(await asActing({ org: ids.orgA, key: ids.keyP, actAs: ids.agentA })).toEqual(violation('audit_log'));
      expect(await asActing({ org: ids.orgB, key: ids.keyP, actAs: ids.adminA })).toEqual(violation('audit_log'));
      // A platform key is platform-wide: it records anything, as platform admins do.
      expect(await run(platformKey, 'insert', insertAudit({ org: ids.orgB, key: ids.keyP }))).toEqual({ affected: 1 });
    });

    it('an org admin can only revoke an invitation, and never claim one was emailed', async () => {
      const admin = PRINCIPALS.orgAdmin;
      const emailed = sql`INSERT INTO org_invitations (org_id, email, role, token_hash, delivery, created_by, expires_at)
        VALUES (${ids.orgA}, 'victim@example.com', 'agent', ${TOKEN}, 'email', ${ids.adminA}, now() + interval '1 day')`;
      expect(await run(admin, 'insert', emailed)).toEqual(violation('org_invitations'));
      for (const change of [
        sql`UPDATE org_invitations SET token_hash = ${TOKEN} WHERE id = ${ids.invitationA}`,
        sql`UPDATE org_invitations SET delivery = 'link' WHERE id = ${ids.invitationA}`,
        sql`UPDATE org_invitations SET email = 'victim@example.com' WHERE id = ${ids.invitationA}`,
        sql`UPDATE org_invitations SET expires_at = now() + interval '1 year' WHERE id = ${ids.invitationA}`,
        sql`UPDATE org_invitations SET accepted_at = now() WHERE id = ${ids.invitationA}`,
      ]) {
        expect(await run(admin, 'update', change)).toEqual({ error: 'an invitation can only be revoked' });
      }
      const revoke = sql`UPDATE org_invitations SET revoked_at = now() WHERE id = ${ids.invitationA}`;
      expect(await run(admin, 'update', revoke)).toEqual({ affected: 1 });
      // The system (the mailer, the acceptance) may do both.
      expect(await run(systemPrincipal('test'), 'insert', emailed)).toEqual({ affected: 1 });
    });

    it('the reported escalation: an agent cannot create an org and then make themselves its first admin', async () => {
      const observed = await attempt(PRINCIPALS.agent, async (tx) => {
        await sql`INSERT INTO organizations (id, name, slug) VALUES (${ids.orgNew}, 'Mine', 'mine')`.execute(tx);
        const r = await sql`INSERT INTO org_memberships (org_id, user_id, role)
          VALUES (${ids.orgNew}, ${ids.agentA}, 'org_admin')`.execute(tx);
        return observation('insert', r);
      });
      expect(observed).toEqual(violation('organizations'));
    });

    it('a disabled org admin writes nothing in their org', async () => {
      const { disabledAdminA } = OTHER_PRINCIPALS;
      expect(
        await run(
          disabledAdminA,
          'insert',
          sql`INSERT INTO org_memberships (org_id, user_id, role) VALUES (${ids.orgA}, ${ids.loner}, 'agent')`,
        ),
      ).toEqual(violation('org_memberships'));
      expect(
        await run(disabledAdminA, 'update', sql`UPDATE organizations SET name = 'X' WHERE id = ${ids.orgA}`),
      ).toEqual({ affected: 0 });
      expect(
        await run(disabledAdminA, 'update', sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${ids.keyA}`),
      ).toEqual({ affected: 0 });
      expect(await run(disabledAdminA, 'insert', insertAudit({ org: ids.orgA, user: ids.disabledAdminA }))).toEqual(
        violation('audit_log'),
      );
    });
  });
});
