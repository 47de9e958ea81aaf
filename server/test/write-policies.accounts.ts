// Matrix cases for orgs and identity: orgs, users, memberships, invitations, keys, sessions, the audit log.
import { type RawBuilder, sql } from 'kysely';
import {
  ADMIN,
  all,
  insertAudit,
  insertKey,
  NOBODY,
  ORG_ADMIN,
  platformOnly,
  READS_A,
  type TableCases,
} from './write-policies.cells.js';
import { ids, ORG_KEY_SCOPES, TOKEN } from './write-policies.world.js';

const ORG_SCOPES = [...ORG_KEY_SCOPES];

const i = ids;

export const ACCOUNT_CASES: TableCases = {
  organizations: {
    select: {
      cases: [
        { what: 'org A', statement: sql`SELECT id FROM organizations WHERE id = ${i.orgA}`, allowed: READS_A },
        { what: 'org B', statement: sql`SELECT id FROM organizations WHERE id = ${i.orgB}`, allowed: ADMIN },
      ],
    },
    insert: {
      cases: [
        {
          what: 'a new org',
          statement: sql`INSERT INTO organizations (name, slug) VALUES ('New', 'new')`,
          allowed: ADMIN,
        },
        {
          what: 'a new org with an id chosen to join it next',
          statement: sql`INSERT INTO organizations (id, name, slug) VALUES (${i.orgNew}, 'Mine', 'mine')`,
          allowed: ADMIN,
        },
      ],
    },
    update: {
      cases: [
        {
          what: "org A's settings",
          statement: sql`UPDATE organizations SET sl_threshold_seconds = 30 WHERE id = ${i.orgA}`,
          allowed: ORG_ADMIN,
        },
        {
          what: "org B's settings",
          statement: sql`UPDATE organizations SET sl_threshold_seconds = 30 WHERE id = ${i.orgB}`,
          allowed: ADMIN,
        },
      ],
    },
    delete: {
      cases: [
        { what: 'org A', statement: sql`DELETE FROM organizations WHERE id = ${i.orgA}`, allowed: ADMIN },
        { what: 'org B', statement: sql`DELETE FROM organizations WHERE id = ${i.orgB}`, allowed: ADMIN },
      ],
    },
  },

  users: {
    select: {
      cases: [
        { what: 'agentA (in org A)', statement: sql`SELECT id FROM users WHERE id = ${i.agentA}`, allowed: READS_A },
        { what: 'adminB (in org B only)', statement: sql`SELECT id FROM users WHERE id = ${i.adminB}`, allowed: ADMIN },
      ],
    },
    insert: {
      cases: [
        {
          what: 'a new user',
          statement: sql`INSERT INTO users (email, display_name) VALUES ('new@example.com', 'New')`,
          allowed: ADMIN,
        },
        {
          what: 'a new platform admin',
          statement: sql`INSERT INTO users (email, display_name, platform_role)
            VALUES ('boss@example.com', 'Boss', 'platform_admin')`,
          allowed: ADMIN,
        },
      ],
    },
    update: {
      cases: [
        ...[
          ['adminA', i.adminA],
          ['managerA', i.managerA],
          ['agentA', i.agentA],
        ].map(([name, id]) => ({
          what: `${name} made platform admin`,
          statement: sql`UPDATE users SET platform_role = 'platform_admin' WHERE id = ${id}`,
          allowed: ADMIN,
        })),
        {
          what: 'adminB renamed',
          statement: sql`UPDATE users SET display_name = 'B' WHERE id = ${i.adminB}`,
          allowed: ADMIN,
        },
      ],
    },
    delete: {
      cases: [
        { what: 'the loner', statement: sql`DELETE FROM users WHERE id = ${i.loner}`, allowed: ADMIN },
        { what: 'agentA', statement: sql`DELETE FROM users WHERE id = ${i.agentA}`, allowed: ADMIN },
      ],
    },
  },

  org_memberships: {
    select: {
      cases: [
        {
          what: "agentA's membership of A",
          statement: sql`SELECT role FROM org_memberships WHERE org_id = ${i.orgA} AND user_id = ${i.agentA}`,
          allowed: READS_A,
        },
        {
          what: "adminB's membership of B",
          statement: sql`SELECT role FROM org_memberships WHERE org_id = ${i.orgB} AND user_id = ${i.adminB}`,
          allowed: ADMIN,
        },
      ],
    },
    insert: {
      cases: [
        {
          what: 'the loner added to A as agent',
          statement: sql`INSERT INTO org_memberships (org_id, user_id, role) VALUES (${i.orgA}, ${i.loner}, 'agent')`,
          allowed: ORG_ADMIN,
        },
        {
          what: 'adminA made org_admin of B',
          statement: sql`INSERT INTO org_memberships (org_id, user_id, role) VALUES (${i.orgB}, ${i.adminA}, 'org_admin')`,
          allowed: ADMIN,
        },
        // Each of these was allowed to the user named, as "the creator of a new org", before 0010.
        ...[
          ['adminA', i.adminA],
          ['managerA', i.managerA],
          ['agentA', i.agentA],
        ].map(([name, id]) => ({
          what: `${name} made org_admin of org C (no members yet)`,
          statement: sql`INSERT INTO org_memberships (org_id, user_id, role) VALUES (${i.orgC}, ${id}, 'org_admin')`,
          allowed: ADMIN,
        })),
      ],
    },
    update: {
      cases: [
        {
          what: 'agentA made org_admin of A',
          statement: sql`UPDATE org_memberships SET role = 'org_admin' WHERE org_id = ${i.orgA} AND user_id = ${i.agentA}`,
          allowed: ORG_ADMIN,
        },
        {
          what: 'managerA made org_admin of A',
          statement: sql`UPDATE org_memberships SET role = 'org_admin'
            WHERE org_id = ${i.orgA} AND user_id = ${i.managerA}`,
          allowed: ORG_ADMIN,
        },
        {
          what: "agentA's membership of A moved to B",
          statement: sql`UPDATE org_memberships SET org_id = ${i.orgB} WHERE org_id = ${i.orgA} AND user_id = ${i.agentA}`,
          allowed: ADMIN,
          except: { orgAdmin: 'violates' },
        },
        {
          what: 'adminB made agent of B',
          statement: sql`UPDATE org_memberships SET role = 'agent' WHERE org_id = ${i.orgB} AND user_id = ${i.adminB}`,
          allowed: ADMIN,
        },
      ],
    },
    delete: {
      cases: [
        {
          what: "agentA's membership of A",
          statement: sql`DELETE FROM org_memberships WHERE org_id = ${i.orgA} AND user_id = ${i.agentA}`,
          allowed: ORG_ADMIN,
        },
        {
          what: "adminB's membership of B",
          statement: sql`DELETE FROM org_memberships WHERE org_id = ${i.orgB} AND user_id = ${i.adminB}`,
          allowed: ADMIN,
        },
      ],
    },
  },

  api_keys: {
    select: {
      cases: [
        { what: "A's key", statement: sql`SELECT id FROM api_keys WHERE id = ${i.keyA}`, allowed: ORG_ADMIN },
        { what: "B's key", statement: sql`SELECT id FROM api_keys WHERE id = ${i.keyB}`, allowed: ADMIN },
        { what: 'a platform key', statement: sql`SELECT id FROM api_keys WHERE id = ${i.keyP}`, allowed: ADMIN },
      ],
    },
    insert: {
      cases: [
        {
          what: "a key of A in adminA's name with org scopes",
          statement: insertKey(i.keyNew, i.orgA, i.adminA, ORG_SCOPES),
          allowed: ORG_ADMIN,
        },
        {
          what: 'a platform key',
          statement: insertKey(i.keyNew, null, i.adminA, ['orgs:admin'], 'platform'),
          allowed: ADMIN,
        },
        { what: 'a key of B', statement: insertKey(i.keyNew, i.orgB, i.adminA, ORG_SCOPES), allowed: ADMIN },
        {
          what: 'a key of A with the platform scope orgs:admin',
          statement: insertKey(i.keyNew, i.orgA, i.adminA, ['orgs:admin']),
          allowed: ADMIN,
        },
        {
          what: "a key of A in managerA's name",
          statement: insertKey(i.keyNew, i.orgA, i.managerA, ['metrics:read']),
          allowed: ADMIN,
        },
      ],
    },
    update: {
      cases: [
        {
          what: "A's key revoked",
          statement: sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${i.keyA}`,
          allowed: ORG_ADMIN,
        },
        {
          what: "A's revoked key (the platform admin's) made active again",
          statement: sql`UPDATE api_keys SET revoked_at = NULL WHERE id = ${i.keyA2}`,
          allowed: ADMIN,
          except: { orgAdmin: 'violates' },
        },
        {
          what: "A's key given orgs:admin",
          statement: sql`UPDATE api_keys SET scopes = '{orgs:admin}' WHERE id = ${i.keyA}`,
          allowed: ADMIN,
          except: { orgAdmin: 'violates' },
        },
        {
          what: "A's key moved to B",
          statement: sql`UPDATE api_keys SET org_id = ${i.orgB} WHERE id = ${i.keyA}`,
          allowed: ADMIN,
          except: { orgAdmin: 'violates' },
        },
        {
          what: "B's key revoked",
          statement: sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${i.keyB}`,
          allowed: ADMIN,
        },
      ],
    },
    delete: {
      cases: [
        { what: "A's key", statement: sql`DELETE FROM api_keys WHERE id = ${i.keyA}`, allowed: ADMIN },
        { what: "B's key", statement: sql`DELETE FROM api_keys WHERE id = ${i.keyB}`, allowed: ADMIN },
      ],
    },
  },

  sessions: {
    select: {
      cases: [
        {
          what: "adminA's session",
          statement: sql`SELECT id FROM sessions WHERE id = ${i.sessionAdminA}`,
          allowed: ORG_ADMIN,
        },
        {
          what: "managerA's session",
          statement: sql`SELECT id FROM sessions WHERE id = ${i.sessionManagerA}`,
          allowed: ['platformAdmin', 'manager'],
        },
        {
          what: "agentA's session",
          statement: sql`SELECT id FROM sessions WHERE id = ${i.sessionAgentA}`,
          allowed: ['platformAdmin', 'agent'],
        },
        {
          what: "adminB's session",
          statement: sql`SELECT id FROM sessions WHERE id = ${i.sessionAdminB}`,
          allowed: ADMIN,
        },
      ],
    },
    insert: {
      cases: [
        ...[
          ['adminA', i.adminA],
          ['managerA', i.managerA],
          ['agentA', i.agentA],
        ].map(([name, id]) => ({
          what: `a session for ${name}`,
          statement: sql`INSERT INTO sessions (token_hash, user_id, expires_at)
            VALUES (${TOKEN}, ${id}, now() + interval '1 year')`,
          allowed: ADMIN,
        })),
      ],
    },
    update: {
      cases: [
        ...[
          ['adminA', i.sessionAdminA],
          ['managerA', i.sessionManagerA],
          ['agentA', i.sessionAgentA],
        ].map(([name, id]) => ({
          what: `${name}'s session made to last a year`,
          statement: sql`UPDATE sessions SET expires_at = now() + interval '1 year' WHERE id = ${id}`,
          allowed: ADMIN,
        })),
      ],
    },
    delete: {
      cases: [
        {
          what: "agentA's session",
          statement: sql`DELETE FROM sessions WHERE id = ${i.sessionAgentA}`,
          allowed: ADMIN,
        },
        {
          what: "adminB's session",
          statement: sql`DELETE FROM sessions WHERE id = ${i.sessionAdminB}`,
          allowed: ADMIN,
        },
      ],
    },
  },

  audit_log: {
    select: {
      cases: [
        {
          what: "a row of A's",
          statement: sql`SELECT id FROM audit_log WHERE action = 'fixture.a'`,
          allowed: ORG_ADMIN,
        },
        { what: "a row of B's", statement: sql`SELECT id FROM audit_log WHERE action = 'fixture.b'`, allowed: ADMIN },
        {
          what: 'a row of no org',
          statement: sql`SELECT id FROM audit_log WHERE action = 'fixture.none'`,
          allowed: ADMIN,
        },
      ],
    },
    insert: {
      cases: [
        { what: "adminA's own, in A", statement: insertAudit({ org: i.orgA, user: i.adminA }), allowed: ORG_ADMIN },
        {
          what: "managerA's own, in A",
          statement: insertAudit({ org: i.orgA, user: i.managerA }),
          allowed: ['platformAdmin', 'manager'],
        },
        {
          what: "agentA's own, in A (calls.export)",
          statement: insertAudit({ org: i.orgA, user: i.agentA }),
          allowed: ['platformAdmin', 'agent'],
        },
        {
          what: "agentA's own, no org (auth.logout)",
          statement: insertAudit({ org: null, user: i.agentA }),
          allowed: ['platformAdmin', 'agent'],
        },
        {
          what: "A's key's own, in A (calls.export)",
          statement: insertAudit({ org: i.orgA, key: i.keyA }),
          allowed: ['platformAdmin', 'orgKey'],
        },
        { what: "adminA's own, in B", statement: insertAudit({ org: i.orgB, user: i.adminA }), allowed: ADMIN },
        { what: "agentA's own, in B", statement: insertAudit({ org: i.orgB, user: i.agentA }), allowed: ADMIN },
        { what: 'no actor, in A', statement: insertAudit({ org: i.orgA }), allowed: ADMIN },
        {
          what: "agentA's own, in A, dated yesterday",
          statement: insertAudit({ org: i.orgA, user: i.agentA, at: sql`now() - interval '1 day'` }),
          allowed: ADMIN,
        },
        {
          what: "B's key's, in A",
          statement: insertAudit({ org: i.orgA, key: i.keyB }),
          allowed: ADMIN,
        },
      ],
    },
    update: {
      cases: [
        {
          what: "a row of A's",
          statement: sql`UPDATE audit_log SET action = 'x' WHERE action = 'fixture.a'`,
          allowed: NOBODY,
          except: all('denied'),
        },
        {
          what: 'a row of no org',
          statement: sql`UPDATE audit_log SET action = 'x' WHERE action = 'fixture.none'`,
          allowed: NOBODY,
          except: all('denied'),
        },
      ],
    },
    delete: {
      cases: [
        {
          what: "a row of A's",
          statement: sql`DELETE FROM audit_log WHERE action = 'fixture.a'`,
          allowed: NOBODY,
          except: all('denied'),
        },
        {
          what: 'a row of no org',
          statement: sql`DELETE FROM audit_log WHERE action = 'fixture.none'`,
          allowed: NOBODY,
          except: all('denied'),
        },
      ],
    },
  },

  user_invites: platformOnly({
    select: [
      sql`SELECT id FROM user_invites WHERE id = ${i.inviteLoner}`,
      sql`SELECT id FROM user_invites WHERE id = ${i.inviteAgentA}`,
    ],
    insert: [
      sql`INSERT INTO user_invites (user_id, token_hash, expires_at) VALUES (${i.loner}, ${TOKEN}, now() + interval '1 day')`,
      sql`INSERT INTO user_invites (user_id, token_hash, expires_at) VALUES (${i.agentA}, ${TOKEN}, now() + interval '1 day')`,
    ],
    update: [
      sql`UPDATE user_invites SET accepted_at = now() WHERE id = ${i.inviteLoner}`,
      sql`UPDATE user_invites SET expires_at = now() + interval '1 year' WHERE id = ${i.inviteAgentA}`,
    ],
    delete: [
      sql`DELETE FROM user_invites WHERE id = ${i.inviteLoner}`,
      sql`DELETE FROM user_invites WHERE id = ${i.inviteAgentA}`,
    ],
  }),

  // Migration 0009's pending invitations: managed by the org's admins, accepted by the system principal.
  org_invitations: {
    select: {
      cases: [
        {
          what: "A's invitation",
          statement: sql`SELECT id FROM org_invitations WHERE id = ${i.invitationA}`,
          allowed: ORG_ADMIN,
        },
        {
          what: "B's invitation",
          statement: sql`SELECT id FROM org_invitations WHERE id = ${i.invitationB}`,
          allowed: ADMIN,
        },
      ],
    },
    insert: {
      cases: [
        { what: "to A, in adminA's name", statement: invitation(i.orgA, i.adminA), allowed: ORG_ADMIN },
        { what: "to B, in adminA's name", statement: invitation(i.orgB, i.adminA), allowed: ADMIN },
        { what: "to A, in managerA's name", statement: invitation(i.orgA, i.managerA), allowed: ADMIN },
      ],
    },
    update: {
      cases: [
        {
          what: "A's invitation revoked",
          statement: sql`UPDATE org_invitations SET revoked_at = now() WHERE id = ${i.invitationA}`,
          allowed: ORG_ADMIN,
        },
        {
          what: "A's invitation moved to B",
          statement: sql`UPDATE org_invitations SET org_id = ${i.orgB} WHERE id = ${i.invitationA}`,
          allowed: ADMIN,
          except: { orgAdmin: 'violates' },
        },
        {
          what: "B's invitation revoked",
          statement: sql`UPDATE org_invitations SET revoked_at = now() WHERE id = ${i.invitationB}`,
          allowed: ADMIN,
        },
      ],
    },
    delete: {
      cases: [
        {
          what: "A's invitation",
          statement: sql`DELETE FROM org_invitations WHERE id = ${i.invitationA}`,
          allowed: ADMIN,
        },
        {
          what: "B's invitation",
          statement: sql`DELETE FROM org_invitations WHERE id = ${i.invitationB}`,
          allowed: ADMIN,
        },
      ],
    },
  },
};

function invitation(org: string, createdBy: string): RawBuilder<unknown> {
  return sql`INSERT INTO org_invitations (org_id, email, role, token_hash, delivery, created_by, expires_at)
    VALUES (${org}, 'someone@example.com', 'org_admin', ${TOKEN}, 'link', ${createdBy}, now() + interval '1 day')`;
}
