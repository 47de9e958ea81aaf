// The write-policy matrix's world: fixed ids, a row or two in every table with row-level security, the principals.
import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { SCOPES, type Scope } from '../src/auth/permissions.js';
import type { Principal } from '../src/auth/principal.js';
import type { DB } from '../src/db/types.js';

/** Ids chosen before the rows exist, so a case's statement can name its target directly. */
export const ids = {
  orgA: randomUUID(),
  orgB: randomUUID(),
  /** an org without members yet: the hole the "creator becomes its first admin" clause left open */
  orgC: randomUUID(),
  orgNew: randomUUID(),
  platformAdmin: randomUUID(),
  adminA: randomUUID(),
  managerA: randomUUID(),
  agentA: randomUUID(),
  adminB: randomUUID(),
  /** a user in no org */
  loner: randomUUID(),
  /** org admin of A, disabled */
  disabledAdminA: randomUUID(),
  numberA: randomUUID(),
  numberB: randomUUID(),
  numberFree1: randomUUID(),
  numberFree2: randomUUID(),
  agentRowA: randomUUID(),
  agentRowB: randomUUID(),
  callA: randomUUID(),
  callB: randomUUID(),
  /** org A's key, created by adminA: the org key principal */
  keyA: randomUUID(),
  /** a revoked key of org A, created by the platform admin */
  keyA2: randomUUID(),
  keyB: randomUUID(),
  /** a platform key */
  keyP: randomUUID(),
  /** the id a case gives a key it creates */
  keyNew: randomUUID(),
  sessionAdminA: randomUUID(),
  sessionManagerA: randomUUID(),
  sessionAgentA: randomUUID(),
  sessionAdminB: randomUUID(),
  inviteLoner: randomUUID(),
  inviteAgentA: randomUUID(),
  connectionA: randomUUID(),
  connectionB: randomUUID(),
  connectionC: randomUUID(),
  invitationA: randomUUID(),
  invitationB: randomUUID(),
  jobA: randomUUID(),
  jobB: randomUUID(),
  mailA: randomUUID(),
  ruleA: randomUUID(),
  ruleB: randomUUID(),
  alertEventA: randomUUID(),
  alertEventB: randomUUID(),
  reportA: randomUUID(),
  reportB: randomUUID(),
  mailB: randomUUID(),
  tokenAgentA: randomUUID(),
  tokenAdminB: randomUUID(),
};

/** The scopes an org key may hold, from the one scope table. */
export const ORG_KEY_SCOPES: readonly Scope[] = SCOPES.filter((s) => s.kinds.includes('org')).map((s) => s.scope);

export const ROLES = ['platformAdmin', 'orgAdmin', 'manager', 'agent', 'orgKey', 'anonymous'] as const;
export type Role = (typeof ROLES)[number];

const user = (userId: string, platformAdmin = false, actingKeyId: string | null = null): Principal => ({
  kind: 'user',
  userId,
  platformAdmin,
  sessionId: null,
  actingKeyId,
});

/** The principals of the matrix, as the route wrapper would build them (org A is the home org). */
export const PRINCIPALS: Record<Role, Principal> = {
  platformAdmin: user(ids.platformAdmin, true),
  orgAdmin: user(ids.adminA),
  manager: user(ids.managerA),
  agent: user(ids.agentA),
  orgKey: { kind: 'org_key', keyId: ids.keyA, orgId: ids.orgA, scopes: ORG_KEY_SCOPES, createdBy: ids.adminA },
  anonymous: { kind: 'anonymous' },
};

/** Principals outside the grid, for the escalation cases. */
export const OTHER_PRINCIPALS = {
  platformKey: {
    kind: 'platform_key',
    keyId: ids.keyP,
    scopes: ['orgs:admin', 'act_as'],
    createdBy: ids.platformAdmin,
  },
  keyActingAsAdminA: user(ids.adminA, false, ids.keyP),
  disabledAdminA: user(ids.disabledAdminA),
} satisfies Record<string, Principal>;

export const AT = '2026-03-02T15:00:00Z';
/** A random 16-byte token hash, unique per row. */
export const TOKEN = sql`decode(md5(gen_random_uuid()::text), 'hex')`;

/** Writes the world; run as the system principal, which every write policy admits. */
export async function seedWorld(tx: Kysely<DB>): Promise<void> {
  const i = ids;
  const statements = [
    sql`INSERT INTO organizations (id, name, slug) VALUES
      (${i.orgA}, 'Acme Plumbing', 'acme'), (${i.orgB}, 'Bayside Dental', 'bayside'), (${i.orgC}, 'Cedar Law', 'cedar')`,
    sql`INSERT INTO users (id, email, display_name, platform_role, disabled_at) VALUES
      (${i.platformAdmin}, 'root@agency.example', 'Root', 'platform_admin', NULL),
      (${i.adminA}, 'admin@acme.example', 'Ada', 'none', NULL),
      (${i.managerA}, 'manager@acme.example', 'Max', 'none', NULL),
      (${i.agentA}, 'agent@acme.example', 'Ann', 'none', NULL),
      (${i.adminB}, 'admin@bayside.example', 'Bea', 'none', NULL),
      (${i.loner}, 'loner@example.com', 'Lou', 'none', NULL),
      (${i.disabledAdminA}, 'gone@acme.example', 'Gus', 'none', now())`,
    sql`INSERT INTO org_memberships (org_id, user_id, role, mightycall_extension) VALUES
      (${i.orgA}, ${i.adminA}, 'org_admin', NULL), (${i.orgA}, ${i.managerA}, 'org_manager', NULL),
      (${i.orgA}, ${i.agentA}, 'agent', '101'), (${i.orgB}, ${i.adminB}, 'org_admin', '201'),
      (${i.orgA}, ${i.disabledAdminA}, 'org_admin', NULL)`,
    sql`INSERT INTO phone_numbers (id, e164, provider, provider_account) VALUES
      (${i.numberA}, '+13125550101', 'mightycall', 'acct-a'), (${i.numberB}, '+13125550202', 'mightycall', 'acct-b'),
      (${i.numberFree1}, '+13125550303', NULL, NULL), (${i.numberFree2}, '+13125550404', NULL, NULL)`,
    sql`INSERT INTO org_phone_numbers (org_id, phone_number_id) VALUES (${i.orgA}, ${i.numberA}), (${i.orgB}, ${i.numberB})`,
    sql`INSERT INTO agents (id, provider, provider_account, extension, display_name) VALUES
      (${i.agentRowA}, 'mightycall', 'acct-a', '101', 'Ann at Acme'), (${i.agentRowB}, 'mightycall', 'acct-b', '201', 'Bea')`,
    // The rollup triggers give each org a row for the day in every rollup (its queue, agent and number) and the
    // platform a row for the hour.
    sql`INSERT INTO calls (id, provider, provider_call_id, provider_account, direction, status, business_number_id,
        started_at, answered_at, ended_at, agent_extension) VALUES
      (${i.callA}, 'mightycall', 'call-a', 'acct-a', 'inbound', 'answered', ${i.numberA}, ${AT}, ${AT}, ${AT}, '101'),
      (${i.callB}, 'mightycall', 'call-b', 'acct-b', 'inbound', 'answered', ${i.numberB}, ${AT}, ${AT}, ${AT}, '201')`,
    sql`INSERT INTO api_keys (id, kind, org_id, name, key_hash, prefix, last4, scopes, created_by, revoked_at) VALUES
      (${i.keyA}, 'org', ${i.orgA}, 'A reports', ${TOKEN}, 'vs_org', 'aaaa', ${ORG_KEY_SCOPES}, ${i.adminA}, NULL),
      (${i.keyA2}, 'org', ${i.orgA}, 'A old', ${TOKEN}, 'vs_org', 'aaa2', ${ORG_KEY_SCOPES}, ${i.platformAdmin}, now()),
      (${i.keyB}, 'org', ${i.orgB}, 'B reports', ${TOKEN}, 'vs_org', 'bbbb', ${ORG_KEY_SCOPES}, ${i.adminB}, NULL),
      (${i.keyP}, 'platform', NULL, 'ops', ${TOKEN}, 'vs_plat', 'pppp', ${['orgs:admin', 'act_as']}, ${i.platformAdmin}, NULL)`,
    sql`INSERT INTO sessions (id, token_hash, user_id, expires_at) VALUES
      (${i.sessionAdminA}, ${TOKEN}, ${i.adminA}, now() + interval '1 day'),
      (${i.sessionManagerA}, ${TOKEN}, ${i.managerA}, now() + interval '1 day'),
      (${i.sessionAgentA}, ${TOKEN}, ${i.agentA}, now() + interval '1 day'),
      (${i.sessionAdminB}, ${TOKEN}, ${i.adminB}, now() + interval '1 day')`,
    sql`INSERT INTO audit_log (org_id, actor_user_id, action) VALUES
      (${i.orgA}, ${i.adminA}, 'fixture.a'), (${i.orgB}, ${i.adminB}, 'fixture.b'), (NULL, ${i.agentA}, 'fixture.none')`,
    sql`INSERT INTO user_invites (id, user_id, token_hash, expires_at) VALUES
      (${i.inviteLoner}, ${i.loner}, ${TOKEN}, now() + interval '7 days'),
      (${i.inviteAgentA}, ${i.agentA}, ${TOKEN}, now() + interval '7 days')`,
    sql`INSERT INTO mightycall_connections (id, name, host, base_url, provider_account, api_key_enc, user_key_enc,
        webhook_token_enc) VALUES
      (${i.connectionA}, 'Acme line', 'classic', 'https://a.example', 'acct-a', 'x', 'x', 'x'),
      (${i.connectionB}, 'Bayside line', 'classic', 'https://b.example', 'acct-b', 'x', 'x', 'x'),
      (${i.connectionC}, 'Spare line', 'classic', 'https://c.example', 'acct-c', 'x', 'x', 'x')`,
    sql`INSERT INTO mightycall_sync_state (connection_id, job) VALUES (${i.connectionA}, 'numbers'), (${i.connectionB}, 'numbers')`,
    sql`INSERT INTO job_leases (kind, key, owner, expires_at) VALUES
      ('mightycall.sync', ${i.connectionA}::text, 'p1', now() + interval '1 hour'),
      ('mightycall.sync', ${i.connectionB}::text, 'p2', now() + interval '1 hour')`,
    sql`INSERT INTO mightycall_quota_accounts (provider_account) VALUES ('acct-a'), ('acct-b')`,
    sql`INSERT INTO jobs (id, kind, key) VALUES (${i.jobA}, 'mail.send', 'a'), (${i.jobB}, 'mail.send', 'b')`,
    sql`INSERT INTO mail_outbox (id, idempotency_key, purpose, org_id, to_address, subject) VALUES
      (${i.mailA}, 'fixture:a', 'invitation', ${i.orgA}, 'a@example.com', 'Hello A'),
      (${i.mailB}, 'fixture:b', 'invitation', ${i.orgB}, 'b@example.com', 'Hello B')`,
    sql`INSERT INTO alert_rules (id, org_id, name, kind, threshold) VALUES
      (${i.ruleA}, ${i.orgA}, 'Queue A', 'calls_waiting', 3), (${i.ruleB}, ${i.orgB}, 'Queue B', 'calls_waiting', 3)`,
    sql`INSERT INTO alert_events (id, org_id, rule_id, rule_name, kind, threshold, fired_at) VALUES
      (${i.alertEventA}, ${i.orgA}, ${i.ruleA}, 'Queue A', 'calls_waiting', 3, ${AT}),
      (${i.alertEventB}, ${i.orgB}, ${i.ruleB}, 'Queue B', 'calls_waiting', 3, ${AT})`,
    sql`INSERT INTO report_schedules (id, org_id, name, frequency, weekday, send_minute, recipient_emails) VALUES
      (${i.reportA}, ${i.orgA}, 'Weekly A', 'weekly', 1, 480, '{a@example.com}'),
      (${i.reportB}, ${i.orgB}, 'Weekly B', 'weekly', 1, 480, '{b@example.com}')`,
    sql`INSERT INTO org_business_hours (org_id, weekday, start_minute, end_minute) VALUES
      (${i.orgA}, 1, 540, 1020), (${i.orgB}, 1, 540, 1020)`,
    sql`INSERT INTO alert_webhooks (org_id, url, secret_enc) VALUES
      (${i.orgA}, 'https://hooks.example.com/a', 'v1:sealed'), (${i.orgB}, 'https://hooks.example.com/b', 'v1:sealed')`,
    sql`INSERT INTO throttle_hits (scope, key_hash, at) VALUES
      ('mail_account', decode('0a', 'hex'), now()), ('login_address', decode('0b', 'hex'), now())`,
    sql`INSERT INTO account_tokens (id, user_id, purpose, email, token_hash, expires_at) VALUES
      (${i.tokenAgentA}, ${i.agentA}, 'password_reset', 'agent-a@example.com', ${TOKEN}, now() + interval '1 hour'),
      (${i.tokenAdminB}, ${i.adminB}, 'email_verification', 'admin-b@example.com', ${TOKEN}, now() + interval '1 hour')`,
    sql`INSERT INTO mightycall_quota_usage (provider_account, bucket, requests) VALUES ('acct-a', ${AT}, 1), ('acct-b', ${AT}, 1)`,
    sql`INSERT INTO mightycall_webhook_inbox (connection_id, dedupe_key, event_type, call_id, event_ts, event_at, body) VALUES
      (${i.connectionA}, 'd-a', 'IncomingCall', 'lc-a', '2026-03-02T15:00:00.0000000Z', ${AT}, '{}'),
      (${i.connectionB}, 'd-b', 'IncomingCall', 'lc-b', '2026-03-02T15:00:00.0000000Z', ${AT}, '{}')`,
    sql`INSERT INTO mightycall_live_calls (connection_id, call_id, provider_account, direction, state, business_number_id,
        started_at, last_event_ts, last_event_at) VALUES
      (${i.connectionA}, 'lc-a', 'acct-a', 'inbound', 'ringing', ${i.numberA}, ${AT}, 'ts', ${AT}),
      (${i.connectionB}, 'lc-b', 'acct-b', 'inbound', 'ringing', ${i.numberB}, ${AT}, 'ts', ${AT})`,
    sql`INSERT INTO mightycall_live_legs (connection_id, call_id, extension, provider_account, business_number_id,
        call_started_at, state, since, last_event_ts) VALUES
      (${i.connectionA}, 'lc-a', '101', 'acct-a', ${i.numberA}, ${AT}, 'ringing', ${AT}, 'ts'),
      (${i.connectionB}, 'lc-b', '201', 'acct-b', ${i.numberB}, ${AT}, 'ringing', ${AT}, 'ts')`,
    sql`INSERT INTO org_invitations (id, org_id, email, role, token_hash, delivery, created_by, expires_at)
      VALUES (${i.invitationA}, ${i.orgA}, 'new@acme.example', 'agent', ${TOKEN}, 'email', ${i.adminA}, now() + interval '7 days'),
        (${i.invitationB}, ${i.orgB}, 'new@bayside.example', 'agent', ${TOKEN}, 'email', ${i.adminB}, now() + interval '7 days')`,
  ];
  for (const statement of statements) await statement.execute(tx);
}
