// An org's alert rules, business hours and history: reads and writes as the caller (row-level security decides).
import type { Selectable } from 'kysely';
import type { Tx } from '../db/tenant.js';
import type { AlertEventsTable, AlertRulesTable } from '../db/types.js';
import { AppError, notFound } from '../http/errors.js';
import {
  type AlertEvent,
  type AlertRule,
  type AlertRuleInput,
  type BusinessHoursRange,
  MAX_RULES_PER_ORG,
} from './schema.js';

export const ruleNotFound = () => notFound('Alert rule', 'alert_rule_not_found');

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function ruleView(row: Selectable<AlertRulesTable>): AlertRule {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    kind: row.kind,
    threshold: row.threshold,
    windowMinutes: row.window_minutes,
    minCalls: row.min_calls,
    enabled: row.enabled,
    recipients: row.recipients,
    notifyEmail: row.notify_email,
    notifyWebhook: row.notify_webhook,
    firing: row.firing_since !== null,
    firingSince: iso(row.firing_since),
    lastValue: row.last_value,
    lastEvaluatedAt: iso(row.last_evaluated_at),
  };
}

export function eventView(row: Selectable<AlertEventsTable>): AlertEvent {
  return {
    id: row.id,
    ruleId: row.rule_id,
    ruleName: row.rule_name,
    kind: row.kind,
    threshold: row.threshold,
    windowMinutes: row.window_minutes,
    firedAt: new Date(row.fired_at).toISOString(),
    firedValue: row.fired_value,
    resolvedAt: iso(row.resolved_at),
    resolvedValue: row.resolved_value,
  };
}

function columnsOf(input: AlertRuleInput) {
  return {
    name: input.name,
    kind: input.kind,
    threshold: input.threshold,
    window_minutes: input.windowMinutes,
    min_calls: input.kind === 'service_level_below' ? input.minCalls : null,
    enabled: input.enabled,
    recipients: input.recipients.map((r) => r.toLowerCase()),
    notify_email: input.notifyEmail,
    notify_webhook: input.notifyWebhook,
  };
}

export async function listRules(tx: Tx, orgId: string): Promise<AlertRule[]> {
  const rows = await tx
    .selectFrom('alert_rules')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(ruleView);
}

export async function createRule(tx: Tx, orgId: string, input: AlertRuleInput): Promise<AlertRule> {
  const count = await tx
    .selectFrom('alert_rules')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  if (Number(count.n) >= MAX_RULES_PER_ORG) {
    throw new AppError(409, 'too_many_rules', `An org has at most ${MAX_RULES_PER_ORG} alert rules.`);
  }
  const row = await tx
    .insertInto('alert_rules')
    .values({ org_id: orgId, ...columnsOf(input) })
    .returningAll()
    .executeTakeFirstOrThrow();
  return ruleView(row);
}

/** Replaces a rule's settings; its state stays (the next evaluation resolves it if it no longer holds). */
export async function updateRule(tx: Tx, orgId: string, ruleId: string, input: AlertRuleInput): Promise<AlertRule> {
  const row = await tx
    .updateTable('alert_rules')
    .set({ ...columnsOf(input), updated_at: new Date() })
    .where('org_id', '=', orgId)
    .where('id', '=', ruleId)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw ruleNotFound();
  return ruleView(row);
}

/** Deletes a rule; its history stays, an open alert of it ends now (without a notification). */
export async function deleteRule(tx: Tx, orgId: string, ruleId: string): Promise<AlertRule> {
  const row = await tx
    .deleteFrom('alert_rules')
    .where('org_id', '=', orgId)
    .where('id', '=', ruleId)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw ruleNotFound();
  return ruleView(row);
}

export async function businessHours(tx: Tx, orgId: string): Promise<BusinessHoursRange[]> {
  const rows = await tx
    .selectFrom('org_business_hours')
    .select(['weekday', 'start_minute', 'end_minute'])
    .where('org_id', '=', orgId)
    .orderBy('weekday')
    .orderBy('start_minute')
    .execute();
  return rows.map((r) => ({ weekday: r.weekday, startMinute: r.start_minute, endMinute: r.end_minute }));
}

export async function replaceBusinessHours(tx: Tx, orgId: string, ranges: BusinessHoursRange[]) {
  await tx.deleteFrom('org_business_hours').where('org_id', '=', orgId).execute();
  if (ranges.length > 0) {
    await tx
      .insertInto('org_business_hours')
      .values(
        ranges.map((r) => ({
          org_id: orgId,
          weekday: r.weekday,
          start_minute: r.startMinute,
          end_minute: r.endMinute,
        })),
      )
      .execute();
  }
  return businessHours(tx, orgId);
}

export async function alertHistory(tx: Tx, orgId: string, limit: number): Promise<AlertEvent[]> {
  const rows = await tx
    .selectFrom('alert_events')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('fired_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(eventView);
}
