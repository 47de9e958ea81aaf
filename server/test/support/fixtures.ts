// Small builders for test data, written through the system principal like real ingestion.
import { hashPassword } from '../../src/auth/passwords.js';
import { systemPrincipal } from '../../src/auth/principal.js';
import { type NormalizedCall, upsertCalls } from '../../src/calls/ingest.js';
import type { Database } from '../../src/db/database.js';
import { withPrincipal } from '../../src/db/tenant.js';
import type { OrgRole } from '../../src/db/types.js';

const SYSTEM = systemPrincipal('test fixtures');

export async function createOrg(
  database: Database,
  name: string,
  options: { timezone?: string; slThresholdSeconds?: number; shortAbandonSeconds?: number } = {},
): Promise<string> {
  return withPrincipal(database.db, SYSTEM, async (tx) => {
    const row = await tx
      .insertInto('organizations')
      .values({
        name,
        slug: name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-|-$/g, ''),
        timezone: options.timezone ?? 'UTC',
        ...(options.slThresholdSeconds === undefined ? {} : { sl_threshold_seconds: options.slThresholdSeconds }),
        ...(options.shortAbandonSeconds === undefined ? {} : { short_abandon_seconds: options.shortAbandonSeconds }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

export async function createUser(
  database: Database,
  email: string,
  options: {
    platformAdmin?: boolean;
    password?: string;
    displayName?: string;
    memberships?: Array<{ orgId: string; role: OrgRole; extension?: string }>;
  } = {},
): Promise<string> {
  const passwordHash = options.password ? await hashPassword(options.password) : null;
  return withPrincipal(database.db, SYSTEM, async (tx) => {
    const user = await tx
      .insertInto('users')
      .values({
        email,
        display_name: options.displayName ?? email.split('@')[0] ?? email,
        password_hash: passwordHash,
        platform_role: options.platformAdmin ? 'platform_admin' : 'none',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const m of options.memberships ?? []) {
      await tx
        .insertInto('org_memberships')
        .values({ org_id: m.orgId, user_id: user.id, role: m.role, mightycall_extension: m.extension ?? null })
        .execute();
    }
    return user.id;
  });
}

export async function createNumber(database: Database, e164: string, label?: string): Promise<string> {
  return withPrincipal(database.db, SYSTEM, async (tx) => {
    const row = await tx
      .insertInto('phone_numbers')
      .values({ e164, label: label ?? null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

export async function assignNumber(
  database: Database,
  orgId: string,
  phoneNumberId: string,
  window: { from?: Date; until?: Date } = {},
): Promise<void> {
  await withPrincipal(database.db, SYSTEM, async (tx) => {
    await tx
      .insertInto('org_phone_numbers')
      .values({
        org_id: orgId,
        phone_number_id: phoneNumberId,
        ...(window.from ? { assigned_from: window.from } : {}),
        assigned_until: window.until ?? null,
      })
      .execute();
  });
}

let callCounter = 0;

/** A call with sensible defaults; override any field. */
export function call(fields: Partial<NormalizedCall> & { businessNumber: string; startedAt: Date }): NormalizedCall {
  callCounter++;
  const status = fields.status ?? 'answered';
  const answeredAt =
    fields.answeredAt !== undefined
      ? fields.answeredAt
      : status === 'answered'
        ? new Date(fields.startedAt.getTime() + 10_000)
        : null;
  return {
    provider: 'test',
    providerCallId: `call-${callCounter}-${Math.random().toString(36).slice(2, 8)}`,
    direction: 'inbound',
    externalNumber: '+15555550100',
    endedAt: new Date((answeredAt ?? fields.startedAt).getTime() + 60_000),
    agentExtension: null,
    queue: null,
    ...fields,
    status,
    answeredAt,
  };
}

export async function insertCalls(database: Database, calls: NormalizedCall[]): Promise<void> {
  await withPrincipal(database.db, SYSTEM, (tx) => upsertCalls(tx, calls));
}
