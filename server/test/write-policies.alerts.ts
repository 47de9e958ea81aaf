// Matrix cases for alerts: rules, their history, business hours and the webhook (managers read; org admins write;
// the history is the evaluator's alone; keys and agents reach none of it).
import { sql } from 'kysely';
import { ADMIN, ORG_ADMIN, type TableCases } from './write-policies.cells.js';
import { ids } from './write-policies.world.js';

const i = ids;
/** Org A's admins and managers (and platform admins): never agents, never a key. */
const ALERT_READERS_A = ['platformAdmin', 'orgAdmin', 'manager'] as const;

export const ALERT_CASES: TableCases = {
  alert_rules: {
    select: {
      cases: [
        {
          what: "org A's rule",
          statement: sql`SELECT id FROM alert_rules WHERE id = ${i.ruleA}`,
          allowed: ALERT_READERS_A,
        },
        { what: "org B's rule", statement: sql`SELECT id FROM alert_rules WHERE id = ${i.ruleB}`, allowed: ADMIN },
      ],
    },
    insert: {
      cases: [
        {
          what: 'a rule in org A',
          statement: sql`INSERT INTO alert_rules (org_id, name, kind, threshold) VALUES (${i.orgA}, 'New', 'calls_waiting', 2)`,
          allowed: ORG_ADMIN,
        },
        {
          what: 'a rule in org B',
          statement: sql`INSERT INTO alert_rules (org_id, name, kind, threshold) VALUES (${i.orgB}, 'New', 'calls_waiting', 2)`,
          allowed: ADMIN,
        },
      ],
    },
    update: {
      cases: [
        {
          what: "org A's rule",
          statement: sql`UPDATE alert_rules SET threshold = 9 WHERE id = ${i.ruleA}`,
          allowed: ORG_ADMIN,
        },
        {
          what: "org A's rule moved to org B",
          statement: sql`UPDATE alert_rules SET org_id = ${i.orgB} WHERE id = ${i.ruleA}`,
          allowed: ADMIN,
          except: { orgAdmin: 'violates' },
        },
        {
          what: "org B's rule",
          statement: sql`UPDATE alert_rules SET threshold = 9 WHERE id = ${i.ruleB}`,
          allowed: ADMIN,
        },
      ],
    },
    delete: {
      cases: [
        { what: "org A's rule", statement: sql`DELETE FROM alert_rules WHERE id = ${i.ruleA}`, allowed: ORG_ADMIN },
        { what: "org B's rule", statement: sql`DELETE FROM alert_rules WHERE id = ${i.ruleB}`, allowed: ADMIN },
      ],
    },
  },

  alert_events: {
    select: {
      cases: [
        {
          what: "org A's alert",
          statement: sql`SELECT id FROM alert_events WHERE id = ${i.alertEventA}`,
          allowed: ALERT_READERS_A,
        },
        {
          what: "org B's alert",
          statement: sql`SELECT id FROM alert_events WHERE id = ${i.alertEventB}`,
          allowed: ADMIN,
        },
      ],
    },
    insert: {
      cases: [
        {
          what: 'an alert in org A',
          statement: sql`INSERT INTO alert_events (org_id, rule_name, kind, threshold, fired_at)
            VALUES (${i.orgA}, 'Forged', 'calls_waiting', 1, now())`,
          allowed: ADMIN,
        },
        {
          what: 'an alert in org B',
          statement: sql`INSERT INTO alert_events (org_id, rule_name, kind, threshold, fired_at)
            VALUES (${i.orgB}, 'Forged', 'calls_waiting', 1, now())`,
          allowed: ADMIN,
        },
      ],
    },
    update: {
      cases: [
        {
          what: "org A's alert resolved",
          statement: sql`UPDATE alert_events SET resolved_at = now() WHERE id = ${i.alertEventA}`,
          allowed: ADMIN,
        },
        {
          what: "org B's alert resolved",
          statement: sql`UPDATE alert_events SET resolved_at = now() WHERE id = ${i.alertEventB}`,
          allowed: ADMIN,
        },
      ],
    },
    delete: {
      cases: [
        { what: "org A's alert", statement: sql`DELETE FROM alert_events WHERE id = ${i.alertEventA}`, allowed: ADMIN },
        { what: "org B's alert", statement: sql`DELETE FROM alert_events WHERE id = ${i.alertEventB}`, allowed: ADMIN },
      ],
    },
  },

  org_business_hours: {
    select: {
      cases: [
        {
          what: "org A's hours",
          statement: sql`SELECT org_id FROM org_business_hours WHERE org_id = ${i.orgA}`,
          allowed: ALERT_READERS_A,
        },
        {
          what: "org B's hours",
          statement: sql`SELECT org_id FROM org_business_hours WHERE org_id = ${i.orgB}`,
          allowed: ADMIN,
        },
      ],
    },
    insert: {
      cases: [
        {
          what: 'a range in org A',
          statement: sql`INSERT INTO org_business_hours (org_id, weekday, start_minute, end_minute) VALUES (${i.orgA}, 2, 540, 1020)`,
          allowed: ORG_ADMIN,
        },
        {
          what: 'a range in org B',
          statement: sql`INSERT INTO org_business_hours (org_id, weekday, start_minute, end_minute) VALUES (${i.orgB}, 2, 540, 1020)`,
          allowed: ADMIN,
        },
      ],
    },
    update: {
      cases: [
        {
          what: "org A's range",
          statement: sql`UPDATE org_business_hours SET end_minute = 1080 WHERE org_id = ${i.orgA}`,
          allowed: ORG_ADMIN,
        },
        {
          what: "org B's range",
          statement: sql`UPDATE org_business_hours SET end_minute = 1080 WHERE org_id = ${i.orgB}`,
          allowed: ADMIN,
        },
      ],
    },
    delete: {
      cases: [
        {
          what: "org A's range",
          statement: sql`DELETE FROM org_business_hours WHERE org_id = ${i.orgA}`,
          allowed: ORG_ADMIN,
        },
        {
          what: "org B's range",
          statement: sql`DELETE FROM org_business_hours WHERE org_id = ${i.orgB}`,
          allowed: ADMIN,
        },
      ],
    },
  },

  alert_webhooks: {
    select: {
      cases: [
        {
          what: "org A's webhook",
          statement: sql`SELECT url FROM alert_webhooks WHERE org_id = ${i.orgA}`,
          allowed: ORG_ADMIN,
        },
        {
          what: "org B's webhook",
          statement: sql`SELECT url FROM alert_webhooks WHERE org_id = ${i.orgB}`,
          allowed: ADMIN,
        },
      ],
    },
    insert: {
      cases: [
        {
          what: 'a webhook for org C',
          statement: sql`INSERT INTO alert_webhooks (org_id, url, secret_enc) VALUES (${i.orgC}, 'https://x.example/h', 'v1:x')`,
          allowed: ADMIN,
        },
        {
          what: "org A's webhook replaced",
          statement: sql`INSERT INTO alert_webhooks (org_id, url, secret_enc) VALUES (${i.orgA}, 'https://x.example/h', 'v1:x')
            ON CONFLICT (org_id) DO UPDATE SET url = excluded.url, secret_enc = excluded.secret_enc`,
          allowed: ORG_ADMIN,
        },
      ],
    },
    update: {
      cases: [
        {
          what: "org A's webhook",
          statement: sql`UPDATE alert_webhooks SET url = 'https://evil.example/' WHERE org_id = ${i.orgA}`,
          allowed: ORG_ADMIN,
        },
        {
          what: "org B's webhook",
          statement: sql`UPDATE alert_webhooks SET url = 'https://evil.example/' WHERE org_id = ${i.orgB}`,
          allowed: ADMIN,
        },
      ],
    },
    delete: {
      cases: [
        {
          what: "org A's webhook",
          statement: sql`DELETE FROM alert_webhooks WHERE org_id = ${i.orgA}`,
          allowed: ORG_ADMIN,
        },
        {
          what: "org B's webhook",
          statement: sql`DELETE FROM alert_webhooks WHERE org_id = ${i.orgB}`,
          allowed: ADMIN,
        },
      ],
    },
  },
};
