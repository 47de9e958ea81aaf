// What an alert says, once for every channel: the sentence of its condition, the email (text and HTML) and the
// webhook's JSON body with its Slack-compatible `text`.
import { escapeHtml, type RenderedMail } from '../mail/templates.js';
import type { AlertKindName } from './schema.js';

export type Transition = 'fired' | 'resolved';

export interface AlertFacts {
  eventId: string;
  orgId: string;
  orgName: string;
  ruleId: string | null;
  ruleName: string;
  kind: AlertKindName;
  threshold: number;
  windowMinutes: number | null;
  firedAt: Date;
  firedValue: number | null;
  resolvedAt: Date | null;
  resolvedValue: number | null;
}

/** The rule's condition as a sentence. */
export function conditionText(kind: AlertKindName, threshold: number, windowMinutes: number | null): string {
  const w = windowMinutes ?? 0;
  switch (kind) {
    case 'service_level_below':
      return `service level below ${threshold} % over the last ${w} minutes`;
    case 'calls_waiting':
      return `${threshold} or more calls waiting`;
    case 'longest_wait':
      return `a caller waiting ${threshold} seconds or longer`;
    case 'missed_calls':
      return `${threshold} or more missed calls within ${w} minutes`;
    case 'no_inbound':
      return `no inbound call for ${w} minutes during business hours`;
  }
}

const UNITS: Record<AlertKindName, string> = {
  service_level_below: ' %',
  calls_waiting: ' calls',
  longest_wait: ' s',
  missed_calls: ' calls',
  no_inbound: ' minutes',
};

export function valueText(kind: AlertKindName, value: number | null): string {
  return value === null ? 'no value' : `${value}${UNITS[kind]}`;
}

export function headline(facts: AlertFacts, transition: Transition): string {
  const condition = conditionText(facts.kind, facts.threshold, facts.windowMinutes);
  return transition === 'fired'
    ? `${facts.orgName}: alert "${facts.ruleName}" is firing — ${condition} (now ${valueText(facts.kind, facts.firedValue)})`
    : `${facts.orgName}: alert "${facts.ruleName}" resolved — ${condition} no longer holds (now ${valueText(facts.kind, facts.resolvedValue)})`;
}

export function alertMail(facts: AlertFacts, transition: Transition, alertsUrl: string): RenderedMail {
  const subject =
    transition === 'fired'
      ? `[${facts.orgName}] Alert firing: ${facts.ruleName}`
      : `[${facts.orgName}] Alert resolved: ${facts.ruleName}`;
  const lines = [
    headline(facts, transition),
    `Fired at: ${facts.firedAt.toISOString()}`,
    ...(facts.resolvedAt ? [`Resolved at: ${facts.resolvedAt.toISOString()}`] : []),
  ];
  const text = [
    ...lines,
    '',
    `The org's alerts: ${alertsUrl}`,
    '',
    '--',
    `VictorySync alerts for ${facts.orgName}`,
    '',
  ].join('\n');
  const url = escapeHtml(alertsUrl);
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: system-ui, sans-serif; color: #1f2933; max-width: 560px; margin: 0 auto; padding: 24px;">
<h1 style="font-size: 20px;">${escapeHtml(subject)}</h1>
${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n')}
<p><a href="${url}">Open the alerts of ${escapeHtml(facts.orgName)}</a></p>
<hr style="border: none; border-top: 1px solid #d9e2ec;">
<p style="font-size: 12px; color: #7b8794;">VictorySync alerts for ${escapeHtml(facts.orgName)}</p>
</body></html>
`;
  return { subject, text, html };
}

/** The webhook's body: the facts, and `text` for Slack-compatible receivers. */
export function webhookBody(facts: AlertFacts, transition: Transition) {
  return {
    type: transition === 'fired' ? 'alert.fired' : 'alert.resolved',
    text: headline(facts, transition),
    org: { id: facts.orgId, name: facts.orgName },
    rule: {
      id: facts.ruleId,
      name: facts.ruleName,
      kind: facts.kind,
      threshold: facts.threshold,
      windowMinutes: facts.windowMinutes,
      condition: conditionText(facts.kind, facts.threshold, facts.windowMinutes),
    },
    alert: {
      id: facts.eventId,
      firedAt: facts.firedAt.toISOString(),
      firedValue: facts.firedValue,
      resolvedAt: facts.resolvedAt?.toISOString() ?? null,
      resolvedValue: facts.resolvedValue,
    },
  };
}
