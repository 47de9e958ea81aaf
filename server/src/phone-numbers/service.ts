// Phone-number inventory and effective-dated, many-to-many assignment of numbers to orgs.
import { sql } from 'kysely';
import type { Tx } from '../db/tenant.js';
import { AppError, orgNotFound } from '../http/errors.js';
import { toE164 } from './normalize.js';

export interface Assignment {
  orgId: string;
  orgName: string;
  assignedFrom: string | null;
  assignedUntil: string | null;
}

export interface PhoneNumberView {
  id: string;
  e164: string;
  label: string | null;
  isActive: boolean;
  provider: string | null;
  lastSyncedAt: string | null;
  assignments: Assignment[];
}

/** -infinity (the beginning of time) is reported as null. */
const instant = (d: unknown): string | null =>
  d instanceof Date && Number.isFinite(d.getTime()) ? d.toISOString() : null;

export async function listPhoneNumbers(tx: Tx, options: { orgId?: string } = {}): Promise<PhoneNumberView[]> {
  let numbers = tx
    .selectFrom('phone_numbers')
    .select(['id', 'e164', 'label', 'is_active', 'provider', 'last_synced_at'])
    .orderBy('e164');
  if (options.orgId) {
    const orgId = options.orgId;
    numbers = numbers.where((eb) =>
      eb.exists(
        eb
          .selectFrom('org_phone_numbers as a')
          .select(sql`1`.as('one'))
          .whereRef('a.phone_number_id', '=', 'phone_numbers.id')
          .where('a.org_id', '=', orgId),
      ),
    );
  }
  const rows = await numbers.execute();
  if (rows.length === 0) return [];
  const assignments = await tx
    .selectFrom('org_phone_numbers as a')
    .innerJoin('organizations as o', 'o.id', 'a.org_id')
    .select(['a.phone_number_id', 'a.org_id', 'o.name', 'a.assigned_from', 'a.assigned_until'])
    .where(
      'a.phone_number_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('a.assigned_from')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    e164: r.e164,
    label: r.label,
    isActive: r.is_active,
    provider: r.provider,
    lastSyncedAt: instant(r.last_synced_at),
    assignments: assignments
      .filter((a) => a.phone_number_id === r.id)
      .map((a) => ({
        orgId: a.org_id,
        orgName: a.name,
        assignedFrom: instant(a.assigned_from),
        assignedUntil: instant(a.assigned_until),
      })),
  }));
}

export async function createPhoneNumber(tx: Tx, input: { number: string; label?: string }): Promise<PhoneNumberView> {
  const e164 = toE164(input.number);
  if (!e164)
    throw new AppError(400, 'invalid_request', `number: ${input.number.slice(0, 40)} is not a phone number`, {
      field: 'number',
    });
  const existing = await tx.selectFrom('phone_numbers').select('id').where('e164', '=', e164).executeTakeFirst();
  if (existing)
    throw new AppError(409, 'phone_number_exists', `${e164} is already in the inventory`, { id: existing.id });
  const row = await tx
    .insertInto('phone_numbers')
    .values({ e164, label: input.label ?? null })
    .returning(['id', 'e164', 'label', 'is_active', 'provider', 'last_synced_at'])
    .executeTakeFirstOrThrow();
  return {
    id: row.id,
    e164: row.e164,
    label: row.label,
    isActive: row.is_active,
    provider: row.provider,
    lastSyncedAt: instant(row.last_synced_at),
    assignments: [],
  };
}

export interface AssignResult {
  phoneNumberId: string;
  e164: string;
  outcome: 'assigned' | 'already_assigned';
  assignedFrom: string | null;
  /** other orgs the number serves too (assignment is never exclusive) */
  sharedWith: Array<{ orgId: string; orgName: string }>;
}

/**
 * Opens a window [assignedFrom, ∞) per number. Without a date it starts at the beginning of time, or
 * right after this org's last closed window, so windows of one org and number never overlap (the
 * metrics join relies on that); an explicit date inside an earlier window is a 409.
 */
export async function assignNumbers(
  tx: Tx,
  orgId: string,
  phoneNumberIds: readonly string[],
  assignedFrom: Date | null,
  actorUserId: string | null,
): Promise<AssignResult[]> {
  const org = await tx.selectFrom('organizations').select('id').where('id', '=', orgId).executeTakeFirst();
  if (!org) throw orgNotFound();
  const ids = [...new Set(phoneNumberIds)];
  // Lock the numbers so two admins assigning at once cannot open overlapping windows.
  const numbers = await tx
    .selectFrom('phone_numbers')
    .select(['id', 'e164'])
    .where('id', 'in', ids)
    .forUpdate()
    .execute();
  const missing = ids.filter((id) => !numbers.some((n) => n.id === id));
  if (missing.length > 0)
    throw new AppError(404, 'phone_number_not_found', `Phone number ${missing[0]} not found`, { missing });
  const results: AssignResult[] = [];
  for (const number of numbers) {
    const windows = await tx
      .selectFrom('org_phone_numbers')
      .select(['assigned_from', 'assigned_until'])
      .where('org_id', '=', orgId)
      .where('phone_number_id', '=', number.id)
      .execute();
    const open = windows.find((w) => w.assigned_until === null);
    let from = assignedFrom;
    if (!open) {
      const lastEnd = windows.reduce<Date | null>(
        (m, w) => (w.assigned_until && (!m || w.assigned_until > m) ? w.assigned_until : m),
        null,
      );
      if (from === null) from = lastEnd;
      else if (lastEnd && from < lastEnd) {
        throw new AppError(
          409,
          'assignment_overlap',
          `${number.e164} was assigned to this org until ${lastEnd.toISOString()}; choose a date after it`,
          {
            phoneNumberId: number.id,
          },
        );
      }
      await tx
        .insertInto('org_phone_numbers')
        .values({
          org_id: orgId,
          phone_number_id: number.id,
          assigned_by: actorUserId,
          ...(from ? { assigned_from: from } : {}),
        })
        .execute();
    }
    const others = await tx
      .selectFrom('org_phone_numbers as a')
      .innerJoin('organizations as o', 'o.id', 'a.org_id')
      .select(['o.id', 'o.name'])
      .where('a.phone_number_id', '=', number.id)
      .where('a.org_id', '!=', orgId)
      .where('a.assigned_until', 'is', null)
      .execute();
    results.push({
      phoneNumberId: number.id,
      e164: number.e164,
      outcome: open ? 'already_assigned' : 'assigned',
      assignedFrom: instant(open ? open.assigned_from : from),
      sharedWith: others.map((o) => ({ orgId: o.id, orgName: o.name })),
    });
  }
  return results;
}

/** Closes the open window now; history stays, so reports of the past do not change. */
export async function unassignNumber(tx: Tx, orgId: string, phoneNumberId: string, actorUserId: string | null) {
  const closed = await tx
    .updateTable('org_phone_numbers')
    .set({ assigned_until: sql`greatest(now(), assigned_from + interval '1 microsecond')`, unassigned_by: actorUserId })
    .where('org_id', '=', orgId)
    .where('phone_number_id', '=', phoneNumberId)
    .where('assigned_until', 'is', null)
    .returning(['assigned_from', 'assigned_until'])
    .executeTakeFirst();
  if (!closed) throw new AppError(404, 'assignment_not_found', 'This number is not assigned to this organization');
  return { phoneNumberId, assignedFrom: instant(closed.assigned_from), assignedUntil: instant(closed.assigned_until) };
}
