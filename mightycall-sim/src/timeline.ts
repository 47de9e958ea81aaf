// The documented webhook event sequences of a call plan (API-NOTES 3.5), with the robustness variants.
import { ringTotal } from './calls.js';
import type { CallPlan, WebhookSwitches } from './types.js';

export interface TimelineEvent {
  offsetMs: number;
  eventType: string;
  /** undefined: no Extension key; null: Extension null (the whole call is over) */
  extension?: string | null;
  /** the extensionless final Completed */
  final?: boolean;
}

type Prefix = 'Incoming' | 'Outgoing' | 'Callback';
type Suffix = 'Ringing' | 'StopRinging' | 'Connected' | 'Completed';

export type TimelineSwitches = Pick<WebhookSwitches, 'agentVariantNames' | 'typoVoicemailEvent' | 'repeatRinging'>;

export function eventEndpoints(plan: CallPlan): { from: string; to: string } {
  if (plan.kind === 'incoming') return { from: plan.widgetName ?? plan.client ?? '', to: plan.businessNumber };
  if (plan.kind === 'outgoing') return { from: plan.businessNumber, to: plan.colleague ?? plan.client ?? '' };
  return { from: plan.businessNumber, to: plan.client ?? '' };
}

export function buildTimeline(plan: CallPlan, switches: TimelineSwitches): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  const agent = (prefix: Prefix, suffix: Suffix, extension: string, at: number) => {
    const name = switches.agentVariantNames ? `${prefix}CallAgent${suffix}` : `${prefix}Call${suffix}`;
    events.push({ offsetMs: Math.round(at), eventType: name, extension });
  };
  const ring = (prefix: Prefix, extension: string, at: number, stepMs: number) => {
    agent(prefix, 'Ringing', extension, at);
    if (switches.repeatRinging) agent(prefix, 'Ringing', extension, at + Math.min(1000, stepMs / 3));
  };
  const prefix: Prefix = plan.kind === 'incoming' ? 'Incoming' : plan.kind === 'outgoing' ? 'Outgoing' : 'Callback';
  let t = 0;

  if (plan.kind === 'outgoing') {
    const caller = plan.caller ?? '';
    events.push({ offsetMs: 0, eventType: 'OutgoingCall', extension: caller });
    const dialMs = ringTotal(plan.ringSteps);
    if (plan.colleague) ring('Incoming', plan.colleague, Math.min(500, dialMs / 4), dialMs);
    t = dialMs;
    const connected = plan.answeredBy !== null;
    if (plan.colleague) agent('Incoming', connected ? 'Connected' : 'StopRinging', plan.colleague, t);
    else if (connected) agent('Outgoing', 'Connected', caller, t);
    if (connected) t += plan.talkMs;
    if (plan.colleague && connected) agent('Incoming', 'Completed', plan.colleague, t);
    const finalExtension = plan.colleague ? null : caller;
    events.push({
      offsetMs: Math.round(t),
      eventType: 'OutgoingCallCompleted',
      extension: finalExtension,
      final: true,
    });
    return stable(events);
  }

  events.push({ offsetMs: 0, eventType: `${prefix}Call` });
  plan.ringSteps.forEach((step, index) => {
    for (const extension of step.extensions) ring(prefix, extension, t, step.ms);
    t += step.ms;
    const last = index === plan.ringSteps.length - 1;
    const answerer =
      last && plan.answeredBy !== null && step.extensions.includes(plan.answeredBy) ? plan.answeredBy : null;
    for (const extension of step.extensions) {
      if (extension === answerer) continue;
      if (last && plan.voicemailMs > 0 && switches.typoVoicemailEvent && prefix === 'Incoming') {
        events.push({ offsetMs: Math.round(t), eventType: 'IncomingStopRinging', extension });
      } else {
        agent(prefix, 'StopRinging', extension, t);
      }
    }
    if (answerer) agent(prefix, 'Connected', answerer, t);
  });

  if (plan.answeredBy !== null) {
    const talk = plan.talkMs;
    if (plan.consultWith) {
      ring('Incoming', plan.consultWith, t + talk * 0.3, talk * 0.05);
      agent('Incoming', 'Connected', plan.consultWith, t + talk * 0.35);
      agent('Incoming', 'Completed', plan.consultWith, t + talk * 0.6);
    }
    if (plan.transferTo) {
      ring('Incoming', plan.transferTo, t + talk * 0.5, talk * 0.05);
      agent(prefix, 'Completed', plan.answeredBy, t + talk * 0.55);
      agent('Incoming', 'Connected', plan.transferTo, t + talk * 0.56);
      agent('Incoming', 'Completed', plan.transferTo, t + talk);
    }
    t += talk;
  }
  t += plan.voicemailMs;
  events.push({ offsetMs: Math.round(t), eventType: `${prefix}CallCompleted`, extension: null, final: true });
  return stable(events);
}

/** Sorts by offset, keeping the documented order of events that share an instant. */
function stable(events: TimelineEvent[]): TimelineEvent[] {
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.offsetMs - b.e.offsetMs || a.i - b.i)
    .map(({ e }) => e);
}
