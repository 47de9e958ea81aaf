// Org rules and SQL: create (with a unique slug), list, read, change settings, delete.
import { sql, type Updateable } from 'kysely';
import type { Tx } from '../db/tenant.js';
import type { OrganizationsTable } from '../db/types.js';
import { AppError, orgNotFound } from '../http/errors.js';
import type { OrgChanges, OrgView } from './schema.js';

const COLUMNS = [
  'id',
  'name',
  'slug',
  'timezone',
  'sl_threshold_seconds',
  'sl_target_pct',
  'short_abandon_seconds',
  'created_at',
  'updated_at',
] as const;

interface OrgRow {
  id: string;
  name: string;
  slug: string;
  timezone: string;
  sl_threshold_seconds: number;
  sl_target_pct: string;
  short_abandon_seconds: number;
  created_at: Date;
  updated_at: Date;
}

export function toOrgView(row: OrgRow): OrgView {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    timezone: row.timezone,
    slThresholdSeconds: row.sl_threshold_seconds,
    slTargetPct: Number(row.sl_target_pct),
    shortAbandonSeconds: row.short_abandon_seconds,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function slugify(name: string): string {
  const base = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return base || 'org';
}

/** The first of slug, slug-2, slug-3 … not yet taken (checked as the system sees it, across all orgs). */
async function freeSlug(tx: Tx, wanted: string): Promise<string> {
  const taken = await tx
    .selectFrom('organizations')
    .select('slug')
    .where((eb) => eb.or([eb('slug', '=', wanted), eb('slug', 'like', `${wanted}-%`)]))
    .execute();
  const used = new Set(taken.map((r) => r.slug));
  if (!used.has(wanted)) return wanted;
  for (let n = 2; ; n++) if (!used.has(`${wanted}-${n}`)) return `${wanted}-${n}`;
}

function settingsColumns(changes: OrgChanges): Updateable<OrganizationsTable> {
  return {
    ...(changes.name === undefined ? {} : { name: changes.name }),
    ...(changes.slug === undefined ? {} : { slug: changes.slug }),
    ...(changes.timezone === undefined ? {} : { timezone: changes.timezone }),
    ...(changes.slThresholdSeconds === undefined ? {} : { sl_threshold_seconds: changes.slThresholdSeconds }),
    ...(changes.slTargetPct === undefined ? {} : { sl_target_pct: changes.slTargetPct }),
    ...(changes.shortAbandonSeconds === undefined ? {} : { short_abandon_seconds: changes.shortAbandonSeconds }),
  };
}

export async function createOrg(tx: Tx, input: OrgChanges & { name: string }): Promise<OrgView> {
  if (
    input.slug !== undefined &&
    (await tx.selectFrom('organizations').select('id').where('slug', '=', input.slug).executeTakeFirst())
  ) {
    throw new AppError(409, 'slug_taken', `body.slug: "${input.slug}" is already used by another org`);
  }
  const slug = input.slug ?? (await freeSlug(tx, slugify(input.name)));
  const row = await tx
    .insertInto('organizations')
    .values({ ...settingsColumns(input), name: input.name, slug })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return toOrgView(row);
}

export async function listOrgs(tx: Tx): Promise<Array<OrgView & { memberCount: number }>> {
  const rows = await tx
    .selectFrom('organizations as o')
    .select(COLUMNS.map((c) => `o.${c}` as const))
    .select((eb) =>
      eb
        .selectFrom('org_memberships as m')
        .select(sql<number>`count(*)::int`.as('n'))
        .whereRef('m.org_id', '=', 'o.id')
        .as('member_count'),
    )
    .orderBy('o.name')
    .orderBy('o.id')
    .execute();
  return rows.map((r) => ({ ...toOrgView(r), memberCount: Number(r.member_count ?? 0) }));
}

export async function getOrg(tx: Tx, orgId: string): Promise<OrgView> {
  const row = await tx.selectFrom('organizations').select(COLUMNS).where('id', '=', orgId).executeTakeFirst();
  if (!row) throw orgNotFound();
  return toOrgView(row);
}

/** Applies the changes; returns the org before and after, for the audit log. */
export async function updateOrg(
  tx: Tx,
  orgId: string,
  changes: OrgChanges,
): Promise<{ before: OrgView; after: OrgView }> {
  const before = await getOrg(tx, orgId);
  if (changes.slug !== undefined && changes.slug !== before.slug) {
    const clash = await tx.selectFrom('organizations').select('id').where('slug', '=', changes.slug).executeTakeFirst();
    if (clash) throw new AppError(409, 'slug_taken', `body.slug: "${changes.slug}" is already used by another org`);
  }
  const columns = settingsColumns(changes);
  if (Object.keys(columns).length === 0) return { before, after: before };
  const row = await tx
    .updateTable('organizations')
    .set({ ...columns, updated_at: new Date() })
    .where('id', '=', orgId)
    .returning(COLUMNS)
    .executeTakeFirst();
  if (!row) throw new AppError(403, 'forbidden', 'You may not change this org.');
  return { before, after: toOrgView(row) };
}

export async function deleteOrg(tx: Tx, orgId: string): Promise<OrgView> {
  const before = await getOrg(tx, orgId);
  await tx.deleteFrom('organizations').where('id', '=', orgId).execute();
  return before;
}
