// An org's metric settings (time zone, service-level thresholds and target) and how a read gets them in the same
// statement as its figures: the memo of settings last seen, checked against the org's row on every read.
import { type RawBuilder, sql } from 'kysely';
import type { Tx } from '../db/tenant.js';
import { orgNotFound } from '../http/errors.js';
import { PLATFORM_SL_TARGET_PCT, PLATFORM_THRESHOLDS, type Thresholds } from './definitions.js';

export interface OrgContext {
  orgId: string | null;
  timezone: string;
  thresholds: Thresholds;
  slTargetPct: number;
}

export const platformContext = (tz?: string): OrgContext => ({
  orgId: null,
  timezone: tz ?? 'UTC',
  thresholds: PLATFORM_THRESHOLDS,
  slTargetPct: PLATFORM_SL_TARGET_PCT,
});

interface SettingsRow {
  timezone: string;
  sl_threshold_seconds: number;
  sl_target_pct: string | number;
  short_abandon_seconds: number;
}

const contextOf = (orgId: string, org: SettingsRow): OrgContext => ({
  orgId,
  timezone: org.timezone,
  thresholds: { slThresholdSeconds: org.sl_threshold_seconds, shortAbandonSeconds: org.short_abandon_seconds },
  slTargetPct: Number(org.sl_target_pct),
});

export async function orgContext(tx: Tx, orgId: string | null, tz?: string): Promise<OrgContext> {
  if (orgId === null) return platformContext(tz);
  const org = await tx
    .selectFrom('organizations')
    .select(['timezone', 'sl_threshold_seconds', 'sl_target_pct', 'short_abandon_seconds'])
    .where('id', '=', orgId)
    .executeTakeFirst();
  if (!org) throw orgNotFound();
  return contextOf(orgId, org);
}

/**
 * The settings each org had when this process last read them. Only a guess: readWithSettings checks it against
 * the org's row in the same statement that uses it, so a stale entry (a change made through another process,
 * say) costs a second statement, never a wrong figure. Bounded; cleared when full.
 */
export class OrgSettingsMemo {
  private readonly seen = new Map<string, OrgContext>();

  constructor(private readonly maxEntries = 10_000) {}

  get(orgId: string): OrgContext | undefined {
    return this.seen.get(orgId);
  }

  remember(orgId: string, ctx: OrgContext): void {
    if (this.seen.size >= this.maxEntries && !this.seen.has(orgId)) this.seen.clear();
    this.seen.set(orgId, ctx);
  }

  forget(orgId: string): void {
    this.seen.delete(orgId);
  }
}

const sameSettings = (a: OrgContext, b: OrgContext) =>
  a.timezone === b.timezone &&
  a.slTargetPct === b.slTargetPct &&
  a.thresholds.slThresholdSeconds === b.thresholds.slThresholdSeconds &&
  a.thresholds.shortAbandonSeconds === b.thresholds.shortAbandonSeconds;

interface SettingsColumns {
  vs_org_timezone: string;
  vs_org_sl_threshold_seconds: number;
  vs_org_sl_target_pct: string | number;
  vs_org_short_abandon_seconds: number;
}

/**
 * Runs a statement that depends on the org's settings (time zone, thresholds) and reads those settings in the
 * same statement, so a dashboard read is one round trip. The statement is built for the settings last seen; the
 * org's row comes back beside its rows, and when the two differ the statement is built again for the row's
 * settings and run again. `key` is a column every real row has (not null): the org's row alone, when the
 * statement finds nothing, has it null. An org the caller cannot see (row-level security) is a 404.
 */
export async function readWithSettings<R extends object>(
  tx: Tx,
  settings: OrgSettingsMemo | undefined,
  orgId: string | null,
  tz: string | undefined,
  key: keyof R & string,
  build: (ctx: OrgContext) => RawBuilder<R>,
): Promise<{ ctx: OrgContext; rows: R[] }> {
  if (orgId === null) {
    const ctx = platformContext(tz);
    return { ctx, rows: (await build(ctx).execute(tx)).rows };
  }
  let ctx = settings?.get(orgId) ?? (await orgContext(tx, orgId));
  // A third differing answer means the settings changed between each of three statements: give up loudly.
  for (let attempt = 0; attempt < 3; attempt++) {
    const result = await sql<R & SettingsColumns>`
      SELECT o.timezone AS vs_org_timezone, o.sl_threshold_seconds AS vs_org_sl_threshold_seconds,
        o.sl_target_pct AS vs_org_sl_target_pct, o.short_abandon_seconds AS vs_org_short_abandon_seconds, q.*
      FROM organizations o LEFT JOIN LATERAL (${build(ctx)}) q ON true
      WHERE o.id = ${orgId}`.execute(tx);
    const first = result.rows[0];
    if (!first) {
      settings?.forget(orgId);
      throw orgNotFound();
    }
    const current = contextOf(orgId, {
      timezone: first.vs_org_timezone,
      sl_threshold_seconds: first.vs_org_sl_threshold_seconds,
      sl_target_pct: first.vs_org_sl_target_pct,
      short_abandon_seconds: first.vs_org_short_abandon_seconds,
    });
    settings?.remember(orgId, current);
    if (sameSettings(current, ctx)) {
      // The settings columns stay on each row (callers read their own columns); the org's row alone is dropped.
      const rows: R[] = result.rows.filter((row) => row[key] !== null);
      return { ctx, rows };
    }
    ctx = current;
  }
  throw new Error(`readWithSettings: the settings of org ${orgId} changed during three statements in a row`);
}

/**
 * `derive` computed once per settings object: readWithSettings builds its statement with one and answers with
 * the same object, so what the statement was built from is not computed again afterwards.
 */
export function perSettings<T>(derive: (ctx: OrgContext) => T): (ctx: OrgContext) => T {
  const done = new Map<OrgContext, T>();
  return (ctx) => {
    if (!done.has(ctx)) done.set(ctx, derive(ctx));
    return done.get(ctx) as T;
  };
}
