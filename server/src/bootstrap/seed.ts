// First start: the bootstrap platform admin, and (in demo mode) the demo orgs, numbers, agents and calls.
import { demoTopology, generateCalls, type Topology } from '@victorysync/datagen';
import { sql } from 'kysely';
import { seedDemoAlertRule } from '../alerts/demo.js';
import { generatePassword, hashPassword } from '../auth/passwords.js';
import { systemPrincipal } from '../auth/principal.js';
import { type NormalizedCall, upsertCalls } from '../calls/ingest.js';
import type { Database } from '../db/database.js';
import { type Tx, withPrincipal } from '../db/tenant.js';
import type { OrgRole } from '../db/types.js';

export const DEMO_SEED = 42;
export const DEMO_PROVIDER_ACCOUNT = 'sim-demo';
export const DEMO_ADMIN_EMAIL = 'admin@demo.victorysync.dev';

export interface BootstrapOutcome {
  /** credentials created on this start, to print once; empty when the database already had users */
  created: Array<{ email: string; password: string | null; role: string }>;
  demoSeeded: boolean;
}

export async function bootstrap(
  database: Database,
  options: { admin: { email: string; password: string } | null; demo: boolean; now?: Date; days?: number },
): Promise<BootstrapOutcome> {
  const outcome: BootstrapOutcome = { created: [], demoSeeded: false };
  await withPrincipal(database.db, systemPrincipal('bootstrap'), async (tx) => {
    // Serialize concurrent first starts of several processes.
    await sql`select pg_advisory_xact_lock(hashtext('victorysync-bootstrap'))`.execute(tx);
    const anyUser = await tx.selectFrom('users').select('id').limit(1).executeTakeFirst();
    if (anyUser) return;
    if (options.admin) {
      await createUser(tx, options.admin.email, 'Platform Admin', options.admin.password, 'platform_admin');
      outcome.created.push({ email: options.admin.email, password: null, role: 'platform_admin' });
    }
    if (!options.demo) return;
    if (!options.admin) {
      const password = generatePassword();
      await createUser(tx, DEMO_ADMIN_EMAIL, 'Demo Admin', password, 'platform_admin');
      outcome.created.push({ email: DEMO_ADMIN_EMAIL, password, role: 'platform_admin' });
    }
    const people = await seedDemo(tx, demoTopology(), options.now ?? new Date(), options.days ?? 60);
    outcome.created.push(...people);
    outcome.demoSeeded = true;
  });
  return outcome;
}

async function createUser(
  tx: Tx,
  email: string,
  displayName: string,
  password: string,
  platformRole: 'none' | 'platform_admin',
): Promise<string> {
  const row = await tx
    .insertInto('users')
    .values({
      email,
      display_name: displayName,
      password_hash: await hashPassword(password),
      platform_role: platformRole,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * The orgs, numbers (assigned from the beginning of time, shared where the topology says so) and agents of
 * a generated topology, as MightyCall inventory of one provider account. Returns org key → org id.
 */
export async function insertTopology(
  tx: Tx,
  topology: Topology,
  providerAccount: string,
): Promise<Map<string, string>> {
  const orgIds = new Map<string, string>();
  for (const org of topology.orgs) {
    const row = await tx
      .insertInto('organizations')
      .values({ name: org.name, slug: org.slug, timezone: org.timezone })
      .returning('id')
      .executeTakeFirstOrThrow();
    orgIds.set(org.key, row.id);
  }
  for (const n of topology.numbers) {
    const number = await tx
      .insertInto('phone_numbers')
      .values({ e164: n.e164, label: n.label, provider: 'mightycall', provider_account: providerAccount })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('org_phone_numbers')
      .values(n.orgKeys.map((k) => ({ org_id: orgIds.get(k) as string, phone_number_id: number.id })))
      .execute();
  }
  await tx
    .insertInto('agents')
    .values(
      topology.agents.map((a) => ({
        provider: 'mightycall',
        provider_account: providerAccount,
        extension: a.extension,
        display_name: a.name,
        email: a.email,
      })),
    )
    .execute();
  return orgIds;
}

/**
 * Demo orgs, numbers (one shared), agents, one user per org role in the first org, and the call history. Each
 * user gets a password of their own: one shared password would let any demo user sign in as the others.
 */
export async function seedDemo(
  tx: Tx,
  topology: Topology,
  now: Date,
  days: number,
): Promise<BootstrapOutcome['created']> {
  const orgIds = await insertTopology(tx, topology, DEMO_PROVIDER_ACCOUNT);

  const created: BootstrapOutcome['created'] = [];
  const first = topology.orgs[0];
  const firstAgent = topology.agents.find((a) => a.orgKey === first?.key);
  if (first) {
    const people: Array<{ email: string; name: string; role: OrgRole; extension: string | null }> = [
      { email: `owner@${first.slug}.example`, name: 'Olivia Owner', role: 'org_admin', extension: null },
      { email: `supervisor@${first.slug}.example`, name: 'Sam Supervisor', role: 'org_manager', extension: null },
      {
        email: firstAgent?.email ?? `agent@${first.slug}.example`,
        name: firstAgent?.name ?? 'Demo Agent',
        role: 'agent',
        extension: firstAgent?.extension ?? null,
      },
    ];
    for (const p of people) {
      const password = generatePassword();
      const userId = await createUser(tx, p.email, p.name, password, 'none');
      await tx
        .insertInto('org_memberships')
        .values({
          org_id: orgIds.get(first.key) as string,
          user_id: userId,
          role: p.role,
          mightycall_extension: p.extension,
        })
        .execute();
      created.push({ email: p.email, password, role: `${p.role} of ${first.name}` });
    }
    await seedDemoAlertRule(tx, orgIds.get(first.key) as string);
  }

  // The rest of the staff are members of their org too (no password: an admin invites them to sign in), so
  // each org's wallboard lists its own agents (an agent is an org's through a member's extension).
  for (const agent of topology.agents) {
    const orgId = orgIds.get(agent.orgKey);
    if (agent === firstAgent || !orgId) continue;
    const user = await tx
      .insertInto('users')
      .values({ email: agent.email, display_name: agent.name, password_hash: null, platform_role: 'none' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('org_memberships')
      .values({
        org_id: orgId,
        user_id: user.id,
        role: 'agent',
        mightycall_extension: agent.extension,
      })
      .execute();
  }

  const from = new Date(now.getTime() - days * 86_400_000);
  if (first) await seedReportSchedule(tx, orgIds.get(first.key) as string, `owner@${first.slug}.example`, from);
  let batch: NormalizedCall[] = [];
  for (const call of generateCalls(topology, { seed: DEMO_SEED, from, to: now })) {
    if (call.endedAt > now) continue; // still in progress at seeding time
    batch.push({ ...call, provider: 'mightycall', providerAccount: DEMO_PROVIDER_ACCOUNT });
    if (batch.length >= 1000) {
      await upsertCalls(tx, batch);
      batch = [];
    }
  }
  await upsertCalls(tx, batch);
  return created;
}

/**
 * The first demo org's weekly report to its owner (Monday 08:00, org time). Dated from the start of the demo data, so
 * its latest Monday is already due: the job runner's first pass sends that week's report through the same job path
 * as any other, and "Sent mail" shows it within the first minute of the demo.
 */
async function seedReportSchedule(tx: Tx, orgId: string, ownerEmail: string, createdAt: Date): Promise<void> {
  const owner = await tx.selectFrom('users').select('id').where('email', '=', ownerEmail).executeTakeFirstOrThrow();
  await tx
    .insertInto('report_schedules')
    .values({
      org_id: orgId,
      name: 'Weekly summary',
      frequency: 'weekly',
      weekday: 1,
      send_minute: 8 * 60,
      recipient_user_ids: [owner.id],
      created_by: owner.id,
      created_at: createdAt,
    })
    .execute();
}
