// Matrix cases for telephony data: numbers and their assignment, agents, calls and the MightyCall tables (rollups: write-policies.rollups.ts).
import { sql } from 'kysely';
import { ADMIN, NOBODY, platformOnly, READS_A, type TableCases } from './write-policies.cells.js';
import { AT, ids, ROLES, TOKEN } from './write-policies.world.js';

const i = ids;

export const TELEPHONY_CASES: TableCases = {
  phone_numbers: {
    select: {
      cases: [
        { what: "A's number", statement: sql`SELECT id FROM phone_numbers WHERE id = ${i.numberA}`, allowed: READS_A },
        { what: "B's number", statement: sql`SELECT id FROM phone_numbers WHERE id = ${i.numberB}`, allowed: ADMIN },
      ],
    },
    insert: {
      cases: [
        {
          what: 'a new number',
          statement: sql`INSERT INTO phone_numbers (e164) VALUES ('+13125550909')`,
          allowed: ADMIN,
        },
        {
          what: "a new number on A's MightyCall account",
          statement: sql`INSERT INTO phone_numbers (e164, provider, provider_account)
            VALUES ('+13125550808', 'mightycall', 'acct-a')`,
          allowed: ADMIN,
        },
      ],
    },
    update: {
      cases: [
        {
          what: "A's number relabelled",
          statement: sql`UPDATE phone_numbers SET label = 'x' WHERE id = ${i.numberA}`,
          allowed: ADMIN,
        },
        {
          what: "B's number deactivated",
          statement: sql`UPDATE phone_numbers SET is_active = false WHERE id = ${i.numberB}`,
          allowed: ADMIN,
        },
      ],
    },
    delete: {
      cases: [
        {
          what: 'a free number',
          statement: sql`DELETE FROM phone_numbers WHERE id = ${i.numberFree1}`,
          allowed: ADMIN,
        },
        { what: 'another', statement: sql`DELETE FROM phone_numbers WHERE id = ${i.numberFree2}`, allowed: ADMIN },
      ],
    },
  },

  org_phone_numbers: {
    select: {
      cases: [
        {
          what: "A's assignment",
          statement: sql`SELECT id FROM org_phone_numbers WHERE org_id = ${i.orgA}`,
          allowed: READS_A,
        },
        {
          what: "B's assignment",
          statement: sql`SELECT id FROM org_phone_numbers WHERE org_id = ${i.orgB}`,
          allowed: ADMIN,
        },
      ],
    },
    insert: {
      cases: [
        {
          what: 'a free number assigned to A',
          statement: sql`INSERT INTO org_phone_numbers (org_id, phone_number_id) VALUES (${i.orgA}, ${i.numberFree1})`,
          allowed: ADMIN,
        },
        {
          what: "B's number assigned to A too",
          statement: sql`INSERT INTO org_phone_numbers (org_id, phone_number_id) VALUES (${i.orgA}, ${i.numberB})`,
          allowed: ADMIN,
        },
      ],
    },
    update: {
      cases: [
        {
          what: "A's assignment ended",
          statement: sql`UPDATE org_phone_numbers SET assigned_until = now() WHERE org_id = ${i.orgA}`,
          allowed: ADMIN,
        },
        {
          what: "B's assignment moved to A",
          statement: sql`UPDATE org_phone_numbers SET org_id = ${i.orgA} WHERE org_id = ${i.orgB}`,
          allowed: ADMIN,
        },
      ],
    },
    delete: {
      cases: [
        {
          what: "A's assignment",
          statement: sql`DELETE FROM org_phone_numbers WHERE org_id = ${i.orgA}`,
          allowed: ADMIN,
        },
        {
          what: "B's assignment",
          statement: sql`DELETE FROM org_phone_numbers WHERE org_id = ${i.orgB}`,
          allowed: ADMIN,
        },
      ],
    },
  },

  agents: {
    select: {
      cases: [
        {
          what: "A's account's agent",
          statement: sql`SELECT id FROM agents WHERE id = ${i.agentRowA}`,
          allowed: READS_A,
        },
        {
          what: "B's account's agent",
          statement: sql`SELECT id FROM agents WHERE id = ${i.agentRowB}`,
          allowed: ADMIN,
        },
      ],
    },
    insert: {
      cases: [
        {
          what: "an agent on A's account",
          statement: sql`INSERT INTO agents (provider_account, extension, display_name) VALUES ('acct-a', '102', 'New')`,
          allowed: ADMIN,
        },
        {
          what: "an agent on B's account",
          statement: sql`INSERT INTO agents (provider_account, extension, display_name) VALUES ('acct-b', '202', 'New')`,
          allowed: ADMIN,
        },
      ],
    },
    update: {
      cases: [
        {
          what: "A's agent renamed",
          statement: sql`UPDATE agents SET display_name = 'X' WHERE id = ${i.agentRowA}`,
          allowed: ADMIN,
        },
        {
          what: "B's agent renamed",
          statement: sql`UPDATE agents SET display_name = 'X' WHERE id = ${i.agentRowB}`,
          allowed: ADMIN,
        },
      ],
    },
    delete: {
      cases: [
        { what: "A's agent", statement: sql`DELETE FROM agents WHERE id = ${i.agentRowA}`, allowed: ADMIN },
        { what: "B's agent", statement: sql`DELETE FROM agents WHERE id = ${i.agentRowB}`, allowed: ADMIN },
      ],
    },
  },

  calls: {
    select: {
      cases: [
        { what: "a call of A's", statement: sql`SELECT id FROM calls WHERE id = ${i.callA}`, allowed: READS_A },
        { what: "a call of B's", statement: sql`SELECT id FROM calls WHERE id = ${i.callB}`, allowed: ADMIN },
      ],
    },
    insert: {
      cases: [
        {
          what: "a call on A's number",
          statement: sql`INSERT INTO calls (provider, provider_call_id, direction, status, business_number_id, started_at,
            ended_at) VALUES ('test', 'new-a', 'inbound', 'missed', ${i.numberA}, ${AT}, ${AT})`,
          allowed: ADMIN,
        },
        {
          what: "a call on B's number",
          statement: sql`INSERT INTO calls (provider, provider_call_id, direction, status, business_number_id, started_at,
            ended_at) VALUES ('test', 'new-b', 'inbound', 'missed', ${i.numberB}, ${AT}, ${AT})`,
          allowed: ADMIN,
        },
      ],
    },
    update: {
      cases: [
        {
          what: "a call of A's",
          statement: sql`UPDATE calls SET queue_name = 'q' WHERE id = ${i.callA}`,
          allowed: ADMIN,
        },
        {
          what: "a call of B's",
          statement: sql`UPDATE calls SET queue_name = 'q' WHERE id = ${i.callB}`,
          allowed: ADMIN,
        },
      ],
    },
    delete: {
      cases: [
        { what: "a call of A's", statement: sql`DELETE FROM calls WHERE id = ${i.callA}`, allowed: ADMIN },
        { what: "a call of B's", statement: sql`DELETE FROM calls WHERE id = ${i.callB}`, allowed: ADMIN },
      ],
    },
  },

  mightycall_connections: platformOnly({
    select: [
      sql`SELECT id FROM mightycall_connections WHERE id = ${i.connectionA}`,
      sql`SELECT id FROM mightycall_connections WHERE id = ${i.connectionB}`,
    ],
    insert: [
      sql`INSERT INTO mightycall_connections (name, host, base_url, provider_account, api_key_enc, user_key_enc,
        webhook_token_enc) VALUES ('D', 'classic', 'https://d.example', 'acct-d', 'x', 'x', 'x')`,
      sql`INSERT INTO mightycall_connections (name, host, base_url, provider_account, api_key_enc, user_key_enc,
        webhook_token_enc) VALUES ('E', 'custom', 'http://e.example', 'acct-e', 'x', 'x', 'x')`,
    ],
    update: [
      sql`UPDATE mightycall_connections SET enabled = false WHERE id = ${i.connectionA}`,
      sql`UPDATE mightycall_connections SET base_url = 'https://evil.example' WHERE id = ${i.connectionB}`,
    ],
    delete: [
      sql`DELETE FROM mightycall_connections WHERE id = ${i.connectionA}`,
      sql`DELETE FROM mightycall_connections WHERE id = ${i.connectionB}`,
    ],
  }),

  mightycall_sync_state: platformOnly({
    select: [
      sql`SELECT job FROM mightycall_sync_state WHERE connection_id = ${i.connectionA}`,
      sql`SELECT job FROM mightycall_sync_state WHERE connection_id = ${i.connectionB}`,
    ],
    insert: [
      sql`INSERT INTO mightycall_sync_state (connection_id, job) VALUES (${i.connectionA}, 'calls')`,
      sql`INSERT INTO mightycall_sync_state (connection_id, job) VALUES (${i.connectionC}, 'numbers')`,
    ],
    update: [
      sql`UPDATE mightycall_sync_state SET requested_at = now() WHERE connection_id = ${i.connectionA}`,
      sql`UPDATE mightycall_sync_state SET watermark = now() WHERE connection_id = ${i.connectionB}`,
    ],
    delete: [
      sql`DELETE FROM mightycall_sync_state WHERE connection_id = ${i.connectionA}`,
      sql`DELETE FROM mightycall_sync_state WHERE connection_id = ${i.connectionB}`,
    ],
  }),

  job_leases: platformOnly({
    select: [
      sql`SELECT owner FROM job_leases WHERE key = ${i.connectionA}::text`,
      sql`SELECT owner FROM job_leases WHERE key = ${i.connectionB}::text`,
    ],
    insert: [
      sql`INSERT INTO job_leases (kind, key, owner, expires_at) VALUES ('mightycall.sync', ${i.connectionC}::text, 'me', now())`,
      sql`INSERT INTO job_leases (kind, key, owner, expires_at)
        VALUES ('mightycall.sync', ${i.connectionC}::text, 'me', now() + interval '1 year')`,
    ],
    update: [
      sql`UPDATE job_leases SET owner = 'me' WHERE key = ${i.connectionA}::text`,
      sql`UPDATE job_leases SET expires_at = now() WHERE key = ${i.connectionB}::text`,
    ],
    delete: [
      sql`DELETE FROM job_leases WHERE key = ${i.connectionA}::text`,
      sql`DELETE FROM job_leases WHERE key = ${i.connectionB}::text`,
    ],
  }),

  mightycall_quota_accounts: platformOnly({
    select: [
      sql`SELECT daily_limit FROM mightycall_quota_accounts WHERE provider_account = 'acct-a'`,
      sql`SELECT daily_limit FROM mightycall_quota_accounts WHERE provider_account = 'acct-b'`,
    ],
    insert: [
      sql`INSERT INTO mightycall_quota_accounts (provider_account) VALUES ('acct-c')`,
      sql`INSERT INTO mightycall_quota_accounts (provider_account, daily_limit) VALUES ('acct-c', 1000000)`,
    ],
    update: [
      sql`UPDATE mightycall_quota_accounts SET daily_limit = 1000000 WHERE provider_account = 'acct-a'`,
      sql`UPDATE mightycall_quota_accounts SET blocked_until = NULL WHERE provider_account = 'acct-b'`,
    ],
    delete: [
      sql`DELETE FROM mightycall_quota_accounts WHERE provider_account = 'acct-a'`,
      sql`DELETE FROM mightycall_quota_accounts WHERE provider_account = 'acct-b'`,
    ],
  }),

  mightycall_quota_usage: platformOnly({
    select: [
      sql`SELECT requests FROM mightycall_quota_usage WHERE provider_account = 'acct-a'`,
      sql`SELECT requests FROM mightycall_quota_usage WHERE provider_account = 'acct-b'`,
    ],
    insert: [
      sql`INSERT INTO mightycall_quota_usage (provider_account, bucket) VALUES ('acct-a', now())`,
      sql`INSERT INTO mightycall_quota_usage (provider_account, bucket) VALUES ('acct-c', now())`,
    ],
    update: [
      sql`UPDATE mightycall_quota_usage SET requests = 0 WHERE provider_account = 'acct-a'`,
      sql`UPDATE mightycall_quota_usage SET requests = 0 WHERE provider_account = 'acct-b'`,
    ],
    delete: [
      sql`DELETE FROM mightycall_quota_usage WHERE provider_account = 'acct-a'`,
      sql`DELETE FROM mightycall_quota_usage WHERE provider_account = 'acct-b'`,
    ],
  }),

  mightycall_webhook_inbox: platformOnly({
    select: [
      sql`SELECT id FROM mightycall_webhook_inbox WHERE dedupe_key = 'd-a'`,
      sql`SELECT id FROM mightycall_webhook_inbox WHERE dedupe_key = 'd-b'`,
    ],
    insert: [
      sql`INSERT INTO mightycall_webhook_inbox (connection_id, dedupe_key, event_type, call_id, event_ts, event_at, body)
        VALUES (${i.connectionA}, 'd-new', 'IncomingCall', 'lc-x', 'ts', now(), '{}')`,
      sql`INSERT INTO mightycall_webhook_inbox (connection_id, dedupe_key, event_type, call_id, event_ts, event_at, body)
        VALUES (${i.connectionB}, 'd-new', 'IncomingCall', 'lc-x', 'ts', now(), '{}')`,
    ],
    update: [
      sql`UPDATE mightycall_webhook_inbox SET processed_at = now() WHERE dedupe_key = 'd-a'`,
      sql`UPDATE mightycall_webhook_inbox SET body = '{"forged": true}' WHERE dedupe_key = 'd-b'`,
    ],
    delete: [
      sql`DELETE FROM mightycall_webhook_inbox WHERE dedupe_key = 'd-a'`,
      sql`DELETE FROM mightycall_webhook_inbox WHERE dedupe_key = 'd-b'`,
    ],
  }),

  // Live state reads like calls: org A's readers see the live call on A's number; writes are the webhook worker's.
  mightycall_live_calls: platformOnly(
    {
      select: [
        sql`SELECT state FROM mightycall_live_calls WHERE call_id = 'lc-a'`,
        sql`SELECT state FROM mightycall_live_calls WHERE call_id = 'lc-b'`,
      ],
      insert: [
        sql`INSERT INTO mightycall_live_calls (connection_id, call_id, provider_account, direction, state,
          business_number_id, started_at, last_event_ts, last_event_at)
          VALUES (${i.connectionA}, 'lc-new', 'acct-a', 'inbound', 'ringing', ${i.numberA}, now(), 'ts', now())`,
        sql`INSERT INTO mightycall_live_calls (connection_id, call_id, provider_account, direction, state,
          business_number_id, started_at, last_event_ts, last_event_at)
          VALUES (${i.connectionB}, 'lc-new', 'acct-b', 'inbound', 'ringing', ${i.numberB}, now(), 'ts', now())`,
      ],
      update: [
        sql`UPDATE mightycall_live_calls SET state = 'connected' WHERE call_id = 'lc-a'`,
        sql`UPDATE mightycall_live_calls SET state = 'completed' WHERE call_id = 'lc-b'`,
      ],
      delete: [
        sql`DELETE FROM mightycall_live_calls WHERE call_id = 'lc-a'`,
        sql`DELETE FROM mightycall_live_calls WHERE call_id = 'lc-b'`,
      ],
    },
    READS_A,
  ),

  mightycall_live_legs: platformOnly(
    {
      select: [
        sql`SELECT state FROM mightycall_live_legs WHERE call_id = 'lc-a'`,
        sql`SELECT state FROM mightycall_live_legs WHERE call_id = 'lc-b'`,
      ],
      insert: [
        sql`INSERT INTO mightycall_live_legs (connection_id, call_id, extension, provider_account, business_number_id,
          call_started_at, state, since, last_event_ts)
          VALUES (${i.connectionA}, 'lc-a', '102', 'acct-a', ${i.numberA}, ${AT}, 'ringing', now(), 'ts')`,
        sql`INSERT INTO mightycall_live_legs (connection_id, call_id, extension, provider_account, business_number_id,
          call_started_at, state, since, last_event_ts)
          VALUES (${i.connectionB}, 'lc-b', '202', 'acct-b', ${i.numberB}, ${AT}, 'ringing', now(), 'ts')`,
      ],
      update: [
        sql`UPDATE mightycall_live_legs SET state = 'connected' WHERE call_id = 'lc-a'`,
        sql`UPDATE mightycall_live_legs SET state = 'ended' WHERE call_id = 'lc-b'`,
      ],
      delete: [
        sql`DELETE FROM mightycall_live_legs WHERE call_id = 'lc-a'`,
        sql`DELETE FROM mightycall_live_legs WHERE call_id = 'lc-b'`,
      ],
    },
    READS_A,
  ),

  // One counter row, created by its migration: everyone reads it, only admins and jobs move it, nobody adds or removes.
  mightycall_live_version: {
    select: {
      everyone: 'the change counter holds no tenant data; every live stream polls it',
      cases: [
        { what: 'the counter', statement: sql`SELECT version FROM mightycall_live_version`, allowed: ROLES },
        {
          what: 'the counter by its key',
          statement: sql`SELECT changed_at FROM mightycall_live_version WHERE id`,
          allowed: ROLES,
        },
      ],
    },
    insert: {
      cases: [
        {
          what: 'a second counter',
          statement: sql`INSERT INTO mightycall_live_version (id, version) VALUES (true, 0)`,
          allowed: NOBODY,
        },
        {
          what: 'a default counter',
          statement: sql`INSERT INTO mightycall_live_version DEFAULT VALUES`,
          allowed: NOBODY,
        },
      ],
    },
    update: {
      cases: [
        {
          what: 'the counter moved on',
          statement: sql`UPDATE mightycall_live_version SET version = version + 1, changed_at = now()`,
          allowed: ADMIN,
        },
        {
          what: 'the counter reset',
          statement: sql`UPDATE mightycall_live_version SET version = 0 WHERE id`,
          allowed: ADMIN,
        },
      ],
    },
    delete: {
      cases: [
        { what: 'the counter', statement: sql`DELETE FROM mightycall_live_version`, allowed: NOBODY },
        {
          what: 'the counter by its key',
          statement: sql`DELETE FROM mightycall_live_version WHERE id`,
          allowed: NOBODY,
        },
      ],
    },
  },

  // Migration 0015: the job runner's queue, the mail outbox and single-use account tokens are the system's.
  jobs: platformOnly({
    select: [sql`SELECT id FROM jobs WHERE id = ${i.jobA}`, sql`SELECT id FROM jobs WHERE id = ${i.jobB}`],
    insert: [
      sql`INSERT INTO jobs (kind, payload) VALUES ('mail.send', '{}')`,
      sql`INSERT INTO jobs (kind, key, payload) VALUES ('mail.send', 'mine', '{}')`,
    ],
    update: [
      sql`UPDATE jobs SET status = 'done' WHERE id = ${i.jobA}`,
      sql`UPDATE jobs SET run_at = now() WHERE id = ${i.jobB}`,
    ],
    delete: [sql`DELETE FROM jobs WHERE id = ${i.jobA}`, sql`DELETE FROM jobs WHERE id = ${i.jobB}`],
  }),

  mail_outbox: platformOnly({
    select: [
      sql`SELECT subject FROM mail_outbox WHERE id = ${i.mailA}`,
      sql`SELECT subject FROM mail_outbox WHERE id = ${i.mailB}`,
    ],
    insert: [
      sql`INSERT INTO mail_outbox (idempotency_key, purpose, org_id, to_address, subject)
        VALUES ('mine:a', 'invitation', ${i.orgA}, 'x@example.com', 'Hi')`,
      sql`INSERT INTO mail_outbox (idempotency_key, purpose, to_address, subject)
        VALUES ('mine:b', 'password_reset', 'y@example.com', 'Hi')`,
    ],
    update: [
      sql`UPDATE mail_outbox SET status = 'sent' WHERE id = ${i.mailA}`,
      sql`UPDATE mail_outbox SET to_address = 'me@example.com' WHERE id = ${i.mailB}`,
    ],
    delete: [sql`DELETE FROM mail_outbox WHERE id = ${i.mailA}`, sql`DELETE FROM mail_outbox WHERE id = ${i.mailB}`],
  }),

  throttle_hits: platformOnly({
    select: [
      sql`SELECT at FROM throttle_hits WHERE key_hash = decode('0a', 'hex')`,
      sql`SELECT at FROM throttle_hits WHERE key_hash = decode('0b', 'hex')`,
    ],
    insert: [
      sql`INSERT INTO throttle_hits (scope, key_hash, at) VALUES ('mail_account', decode('0c', 'hex'), now())`,
      sql`INSERT INTO throttle_hits (scope, key_hash, at) VALUES ('login_address', decode('0d', 'hex'), now())`,
    ],
    update: [
      sql`UPDATE throttle_hits SET at = now() - interval '1 day' WHERE key_hash = decode('0a', 'hex')`,
      sql`UPDATE throttle_hits SET scope = 'mail_account' WHERE key_hash = decode('0b', 'hex')`,
    ],
    delete: [
      sql`DELETE FROM throttle_hits WHERE key_hash = decode('0a', 'hex')`,
      sql`DELETE FROM throttle_hits WHERE key_hash = decode('0b', 'hex')`,
    ],
  }),

  account_tokens: platformOnly({
    select: [
      sql`SELECT id FROM account_tokens WHERE id = ${i.tokenAgentA}`,
      sql`SELECT id FROM account_tokens WHERE id = ${i.tokenAdminB}`,
    ],
    insert: [
      sql`INSERT INTO account_tokens (user_id, purpose, email, token_hash, expires_at)
        VALUES (${i.agentA}, 'password_reset', 'agent-a@example.com', ${TOKEN}, now() + interval '1 hour')`,
      sql`INSERT INTO account_tokens (user_id, purpose, email, token_hash, expires_at)
        VALUES (${i.adminB}, 'email_verification', 'admin-b@example.com', ${TOKEN}, now() + interval '1 day')`,
    ],
    update: [
      sql`UPDATE account_tokens SET used_at = now() WHERE id = ${i.tokenAgentA}`,
      sql`UPDATE account_tokens SET expires_at = now() + interval '1 year' WHERE id = ${i.tokenAdminB}`,
    ],
    delete: [
      sql`DELETE FROM account_tokens WHERE id = ${i.tokenAgentA}`,
      sql`DELETE FROM account_tokens WHERE id = ${i.tokenAdminB}`,
    ],
  }),
};
