// Matrix cases for report schedules: org admins and managers read, org admins write, agents and keys reach nothing.
import { sql } from 'kysely';
import { ADMIN, ORG_ADMIN, type TableCases } from './write-policies.cells.js';
import { ids } from './write-policies.world.js';

const i = ids;
const REPORT_READERS_A = ['platformAdmin', 'orgAdmin', 'manager'] as const;

export const REPORT_CASES: TableCases = {
  report_schedules: {
    select: {
      cases: [
        {
          what: "org A's schedule",
          statement: sql`SELECT id FROM report_schedules WHERE id = ${i.reportA}`,
          allowed: REPORT_READERS_A,
        },
        {
          what: "org B's schedule",
          statement: sql`SELECT id FROM report_schedules WHERE id = ${i.reportB}`,
          allowed: ADMIN,
        },
      ],
    },
    insert: {
      cases: [
        {
          what: 'a schedule in org A',
          statement: sql`INSERT INTO report_schedules (org_id, name, frequency, send_minute) VALUES (${i.orgA}, 'New', 'daily', 420)`,
          allowed: ORG_ADMIN,
        },
        {
          what: 'a schedule in org B',
          statement: sql`INSERT INTO report_schedules (org_id, name, frequency, send_minute) VALUES (${i.orgB}, 'New', 'daily', 420)`,
          allowed: ADMIN,
        },
      ],
    },
    update: {
      cases: [
        {
          what: "org A's schedule",
          statement: sql`UPDATE report_schedules SET send_minute = 540 WHERE id = ${i.reportA}`,
          allowed: ORG_ADMIN,
        },
        {
          what: "org A's schedule moved to org B",
          statement: sql`UPDATE report_schedules SET org_id = ${i.orgB} WHERE id = ${i.reportA}`,
          allowed: ADMIN,
          except: { orgAdmin: 'violates' },
        },
        {
          what: "org B's schedule",
          statement: sql`UPDATE report_schedules SET send_minute = 540 WHERE id = ${i.reportB}`,
          allowed: ADMIN,
        },
      ],
    },
    delete: {
      cases: [
        {
          what: "org A's schedule",
          statement: sql`DELETE FROM report_schedules WHERE id = ${i.reportA}`,
          allowed: ORG_ADMIN,
        },
        {
          what: "org B's schedule",
          statement: sql`DELETE FROM report_schedules WHERE id = ${i.reportB}`,
          allowed: ADMIN,
        },
      ],
    },
  },
};
