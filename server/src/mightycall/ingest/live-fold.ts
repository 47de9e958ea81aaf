// Live state of one call, folded from all its webhook events in Timestamp order: order-free and duplicate-proof.

import { phoneOf } from '../client/wire.js';
import type { LegState, LiveCallState } from '../db-types.js';

export interface LiveEvent {
  id: number;
  eventType: string;
  extension: string | null;
  /** 7-digit UTC key (sorts in event order) */
  key: string;
  ms: number;
  from: string | null;
  to: string | null;
}

const PREFIXES = ['incoming', 'outgoing', 'callback'] as const;
const STEPS = ['start', 'ringing', 'dialing', 'stopringing', 'connected', 'completed'] as const;
type Prefix = (typeof PREFIXES)[number];
type Step = (typeof STEPS)[number];

// Names are parsed by pattern (API-NOTES 3.4): a prefix, an optional "Call" and "Agent", then the step.
const EVENT_RE = /^(incoming|outgoing|callback)(?:call)?(?:agent)?(ringing|dialing|stopringing|connected|completed)?$/;

export function parseEventType(eventType: string): { prefix: Prefix; step: Step } | null {
  const m = EVENT_RE.exec(eventType.trim().toLowerCase());
  const prefix = PREFIXES.find((p) => p === m?.[1]);
  if (!m || !prefix) return null;
  return { prefix, step: STEPS.find((s) => s === m[2]) ?? 'start' };
}

const ORDER: Record<Step, number> = { start: 0, ringing: 1, dialing: 1, stopringing: 2, connected: 3, completed: 4 };

export interface LegView {
  extension: string;
  state: LegState;
  sinceMs: number;
  key: string;
}

export interface CallFold {
  direction: 'inbound' | 'outbound';
  state: LiveCallState;
  from: string | null;
  to: string | null;
  /** E.164 of the business number, when the events name one */
  businessNumber: string | null;
  extension: string | null;
  startedMs: number;
  answeredMs: number | null;
  endedMs: number | null;
  lastKey: string;
  lastMs: number;
  legs: LegView[];
}

/** A whole-call end: an extensionless Completed, or the caller's OutgoingCallCompleted. */
function isFinal(prefix: Prefix, step: Step, extension: string | null): boolean {
  return step === 'completed' && (extension === null || prefix === 'outgoing');
}

export function foldCall(events: readonly LiveEvent[]): CallFold | null {
  const parsed = events
    .map((e) => ({ e, t: parseEventType(e.eventType) }))
    .filter((x): x is { e: LiveEvent; t: { prefix: Prefix; step: Step } } => x.t !== null)
    .map((x) => ({ ...x, rank: ORDER[x.t.step] + (isFinal(x.t.prefix, x.t.step, x.e.extension) ? 1 : 0) }))
    .sort((a, b) => (a.e.key < b.e.key ? -1 : a.e.key > b.e.key ? 1 : a.rank - b.rank || a.e.id - b.e.id));
  const first = parsed[0];
  const last = parsed.at(-1);
  if (!first || !last) return null;
  const primary = parsed.find((x) => x.t.step === 'start') ?? first;
  const outgoing = parsed.some((x) => x.t.prefix === 'outgoing');
  const legs = new Map<string, LegView>();
  const setLeg = (extension: string, state: LegState, ms: number, key: string) => {
    const current = legs.get(extension);
    if (current && current.state === state) return;
    legs.set(extension, { extension, state, sinceMs: ms, key });
  };
  const fold: CallFold = {
    direction: outgoing ? 'outbound' : 'inbound',
    state: 'ringing',
    from: primary.e.from,
    to: primary.e.to,
    businessNumber: phoneOf(outgoing || primary.t.prefix === 'callback' ? primary.e.from : primary.e.to),
    extension: null,
    startedMs: first.e.ms,
    answeredMs: null,
    endedMs: null,
    lastKey: last.e.key,
    lastMs: last.e.ms,
    legs: [],
  };
  for (const { e, t } of parsed) {
    if (fold.state === 'completed') break;
    const ext = e.extension;
    if (isFinal(t.prefix, t.step, ext)) {
      for (const leg of legs.values()) if (leg.state !== 'ended') setLeg(leg.extension, 'ended', e.ms, e.key);
      if (ext) setLeg(ext, 'ended', e.ms, e.key);
      fold.state = 'completed';
      fold.endedMs = e.ms;
      continue;
    }
    if (!ext) continue;
    if (t.step === 'start' || t.step === 'dialing') setLeg(ext, 'dialing', e.ms, e.key);
    else if (t.step === 'ringing') setLeg(ext, 'ringing', e.ms, e.key);
    else if (t.step === 'stopringing') {
      if (legs.get(ext)?.state !== 'connected') setLeg(ext, 'ended', e.ms, e.key);
    } else if (t.step === 'connected') {
      setLeg(ext, 'connected', e.ms, e.key);
      fold.state = 'connected';
      fold.answeredMs ??= e.ms;
    } else if (t.step === 'completed') setLeg(ext, 'ended', e.ms, e.key);
  }
  fold.legs = [...legs.values()];
  fold.extension = currentExtension(fold.legs);
  return fold;
}

/** Who the call is with now: the latest connected leg, else a ringing or dialing one, else the last to end. */
function currentExtension(legs: readonly LegView[]): string | null {
  const latest = (state: LegState) =>
    legs.filter((l) => l.state === state).sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0))[0];
  return (
    latest('connected')?.extension ??
    latest('ringing')?.extension ??
    latest('dialing')?.extension ??
    latest('ended')?.extension ??
    null
  );
}
