// The 'alerts.evaluate' recurring job kind: every interval, under one lease (one process at a time), each rule is
// measured and its state changed only on a transition — fired once when its condition starts, resolved once when
// it ends — in one transaction with the history row and the deliveries it causes (mail, webhook job).
import type { Kysely } from 'kysely';
import { systemPrincipal } from '../auth/principal.js';
import { type Tx, withPrincipal } from '../db/tenant.js';
import type { DB } from '../db/types.js';
import { errorMessage, type Logger } from '../http/logger.js';
import { enqueue } from '../jobs/queue.js';
import type { Clock, RecurringKind } from '../jobs/runner.js';
import { enqueueMail } from '../mail/outbox.js';
import { measure, type OrgContext } from './conditions.js';
import { type AlertFacts, alertMail, type Transition } from './messages.js';
import { businessHours } from './rules.js';

export const ALERTS_EVALUATE = 'alerts.evaluate';
export const ALERT_WEBHOOK = 'alert.webhook';
const KEY = 'all';
const SYSTEM = systemPrincipal('alerts');

export interface EvaluatorDeps {
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  /** the public origin for the link to the org's alerts page (null: a path) */
  publicUrl: string | null;
}

export interface EvaluationResult {
  fired: string[];
  resolved: string[];
}

/** The recurring kind: due once per interval in this process; the lease keeps other processes out meanwhile. */
export function alertEvaluatorKind(deps: EvaluatorDeps): RecurringKind {
  let lastRun = Number.NEGATIVE_INFINITY;
  return {
    kind: ALERTS_EVALUATE,
    leaseMs: Math.max(60_000, deps.intervalMs * 3),
    async due() {
      return deps.clock.now() - lastRun >= deps.intervalMs ? [KEY] : [];
    },
    async run() {
      lastRun = deps.clock.now();
      await evaluateAlerts(deps);
    },
  };
}

/** Evaluates every enabled (or still firing) rule once, at the clock's now. */
export async function evaluateAlerts(deps: Omit<EvaluatorDeps, 'intervalMs'>): Promise<EvaluationResult> {
  const result: EvaluationResult = { fired: [], resolved: [] };
  const rules = await withPrincipal(deps.db, SYSTEM, (tx) =>
    tx
      .selectFrom('alert_rules')
      .select(['id'])
      .where((eb) => eb.or([eb('enabled', '=', true), eb('firing_since', 'is not', null)]))
      .orderBy('org_id')
      .orderBy('id')
      .execute(),
  );
  for (const { id } of rules) {
    try {
      const transition = await withPrincipal(deps.db, SYSTEM, (tx) => evaluateRule(tx, deps, id));
      if (transition === 'fired') result.fired.push(id);
      if (transition === 'resolved') result.resolved.push(id);
    } catch (error) {
      deps.logger.warn('alert rule evaluation failed', { ruleId: id, error: errorMessage(error) });
    }
  }
  return result;
}

/**
 * Measures one rule under its row lock and applies a transition if there is one. Two evaluators (another
 * process, a run after a crash) serialize on the lock and the second sees the state the first committed.
 */
async function evaluateRule(
  tx: Tx,
  deps: Omit<EvaluatorDeps, 'intervalMs'>,
  ruleId: string,
): Promise<Transition | null> {
  const rule = await tx
    .selectFrom('alert_rules as r')
    .innerJoin('organizations as o', 'o.id', 'r.org_id')
    .select([
      'r.id',
      'r.org_id',
      'r.name',
      'r.kind',
      'r.threshold',
      'r.window_minutes',
      'r.min_calls',
      'r.enabled',
      'r.recipients',
      'r.notify_email',
      'r.notify_webhook',
      'r.firing_since',
      'r.open_event_id',
      'o.name as org_name',
      'o.timezone',
      'o.sl_threshold_seconds',
      'o.short_abandon_seconds',
    ])
    .where('r.id', '=', ruleId)
    .forUpdate('r')
    .executeTakeFirst();
  if (!rule) return null;
  const now = new Date(deps.clock.now());
  const org: OrgContext = {
    timezone: rule.timezone,
    slThresholdSeconds: rule.sl_threshold_seconds,
    shortAbandonSeconds: rule.short_abandon_seconds,
    hours: await businessHours(tx, rule.org_id),
  };
  const m = rule.enabled
    ? await measure(
        tx,
        {
          orgId: rule.org_id,
          kind: rule.kind,
          threshold: rule.threshold,
          windowMinutes: rule.window_minutes,
          minCalls: rule.min_calls,
        },
        org,
        now,
      )
    : { active: false, value: null };
  const firing = rule.firing_since !== null;
  let transition: Transition | null = null;
  let facts: AlertFacts | null = null;
  if (m.active && !firing) {
    const event = await tx
      .insertInto('alert_events')
      .values({
        org_id: rule.org_id,
        rule_id: rule.id,
        rule_name: rule.name,
        kind: rule.kind,
        threshold: rule.threshold,
        window_minutes: rule.window_minutes,
        fired_at: now,
        fired_value: m.value,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx
      .updateTable('alert_rules')
      .set({ firing_since: now, open_event_id: event.id, last_value: m.value, last_evaluated_at: now })
      .where('id', '=', rule.id)
      .execute();
    transition = 'fired';
    facts = factsOf(rule, event.id, { firedAt: now, firedValue: m.value, resolvedAt: null, resolvedValue: null });
  } else if (!m.active && firing) {
    const event = rule.open_event_id
      ? await tx
          .updateTable('alert_events')
          .set({ resolved_at: now, resolved_value: m.value })
          .where('id', '=', rule.open_event_id)
          .where('resolved_at', 'is', null)
          .returning(['id', 'fired_at', 'fired_value'])
          .executeTakeFirst()
      : undefined;
    await tx
      .updateTable('alert_rules')
      .set({ firing_since: null, open_event_id: null, last_value: m.value, last_evaluated_at: now })
      .where('id', '=', rule.id)
      .execute();
    if (event) {
      transition = 'resolved';
      facts = factsOf(rule, event.id, {
        firedAt: new Date(event.fired_at),
        firedValue: event.fired_value,
        resolvedAt: now,
        resolvedValue: m.value,
      });
    }
  } else {
    await tx
      .updateTable('alert_rules')
      .set({ last_value: m.value, last_evaluated_at: now })
      .where('id', '=', rule.id)
      .execute();
  }
  if (transition && facts) {
    if (rule.notify_email) await queueMails(tx, deps, facts, transition, rule.recipients);
    if (rule.notify_webhook) {
      const hook = await tx
        .selectFrom('alert_webhooks')
        .select('org_id')
        .where('org_id', '=', rule.org_id)
        .executeTakeFirst();
      if (hook) {
        await enqueue(tx, {
          kind: ALERT_WEBHOOK,
          key: `${facts.eventId}:${transition}`,
          payload: { eventId: facts.eventId, transition },
          maxAttempts: 10,
        });
      }
    }
    deps.logger.info(`alert ${transition}`, { ruleId: rule.id, orgId: rule.org_id, value: m.value });
  }
  return transition;
}

function factsOf(
  rule: {
    id: string;
    org_id: string;
    org_name: string;
    name: string;
    kind: AlertFacts['kind'];
    threshold: number;
    window_minutes: number | null;
  },
  eventId: string,
  times: Pick<AlertFacts, 'firedAt' | 'firedValue' | 'resolvedAt' | 'resolvedValue'>,
): AlertFacts {
  return {
    eventId,
    orgId: rule.org_id,
    orgName: rule.org_name,
    ruleId: rule.id,
    ruleName: rule.name,
    kind: rule.kind,
    threshold: rule.threshold,
    windowMinutes: rule.window_minutes,
    ...times,
  };
}

/** The rule's listed addresses, or else the org's admins and managers (enabled accounts). */
async function recipientsOf(tx: Tx, orgId: string, listed: readonly string[]): Promise<string[]> {
  if (listed.length > 0) return [...new Set(listed)];
  const rows = await tx
    .selectFrom('org_memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('u.email')
    .where('m.org_id', '=', orgId)
    .where('m.role', 'in', ['org_admin', 'org_manager'])
    .where('u.disabled_at', 'is', null)
    .orderBy('u.email')
    .execute();
  return [...new Set(rows.map((r) => r.email.toLowerCase()))];
}

async function queueMails(
  tx: Tx,
  deps: Omit<EvaluatorDeps, 'intervalMs'>,
  facts: AlertFacts,
  transition: Transition,
  listed: readonly string[],
): Promise<void> {
  const base = deps.publicUrl ? deps.publicUrl.replace(/\/$/, '') : '';
  const mail = alertMail(facts, transition, `${base}/orgs/${facts.orgId}/alerts`);
  for (const to of await recipientsOf(tx, facts.orgId, listed)) {
    await enqueueMail(tx, {
      idempotencyKey: `alert:${facts.eventId}:${transition}:${to}`,
      purpose: transition === 'fired' ? 'alert_fired' : 'alert_resolved',
      orgId: facts.orgId,
      to,
      ...mail,
    });
  }
}
