// Turns datagen calls into call plans (ringing legs, transfers) and plans into stored call records.
import { createRng, type GeneratedCall, hashSeed } from '@victorysync/datagen';
import { journalIdFor, seededGuid } from './ids.js';
import type { CallOutcome, CallPlan, RingStep, SimAccount, SimCall } from './types.js';

/** Extensions of the account's users who answer calls on this business number. */
export function agentsForNumber(account: SimAccount, businessNumber: string): string[] {
  const known = new Set(account.users.map((u) => u.extension));
  const number = account.topology.numbers.find((n) => n.e164 === businessNumber);
  const fromTopology = number
    ? account.topology.agents.filter((a) => number.orgKeys.includes(a.orgKey)).map((a) => a.extension)
    : [];
  const pool = fromTopology.filter((e) => known.has(e));
  return pool.length > 0 ? pool : [...known];
}

function basePlan(g: GeneratedCall): CallPlan {
  return {
    id: g.providerCallId,
    kind: g.direction === 'inbound' ? 'incoming' : 'outgoing',
    startMs: g.startedAt.getTime(),
    businessNumber: g.businessNumber,
    client: g.externalNumber,
    widgetName: null,
    colleague: null,
    caller: null,
    ringSteps: [],
    answeredBy: null,
    talkMs: 0,
    voicemailMs: 0,
    consultWith: null,
    transferTo: null,
    queue: g.queue,
  };
}

/**
 * A plan that reproduces a generated call exactly (same start, answer and end times), adding the
 * details datagen leaves out: who rang before the answer, hunts, transfers, consultations.
 */
export function planFromGenerated(account: SimAccount, g: GeneratedCall): CallPlan {
  const rng = createRng(hashSeed(account.seed, 'plan', g.providerCallId));
  const plan = basePlan(g);
  const start = plan.startMs;
  const end = g.endedAt.getTime();
  const answered = g.answeredAt ? g.answeredAt.getTime() : null;
  const pool = agentsForNumber(account, g.businessNumber);

  if (g.direction === 'outbound') {
    plan.caller = g.agentExtension ?? pool[0] ?? null;
    plan.ringSteps = [{ extensions: [], ms: (answered ?? end) - start }];
    plan.answeredBy = answered !== null ? plan.caller : null;
    plan.talkMs = answered !== null ? end - answered : 0;
    return plan;
  }

  if (g.status === 'answered' && answered !== null && g.agentExtension) {
    const owner = g.agentExtension;
    const others = pool.filter((e) => e !== owner);
    const wait = answered - start;
    if (others.length > 0 && wait >= 4000 && rng.next() < 0.25) {
      const first = Math.floor(wait / 2);
      plan.ringSteps = [
        { extensions: [rng.pick(others)], ms: first },
        { extensions: [owner], ms: wait - first },
      ];
    } else {
      plan.ringSteps = [{ extensions: [owner], ms: wait }];
    }
    plan.answeredBy = owner;
    plan.talkMs = end - answered;
    const extra = rng.next();
    if (others.length > 0 && plan.talkMs >= 60_000) {
      if (extra < 0.04) plan.transferTo = rng.pick(others);
      else if (extra < 0.08) plan.consultWith = rng.pick(others);
    }
    return plan;
  }

  const total = end - start;
  if (g.status === 'voicemail') {
    const ring = Math.min(30_000, Math.round(total * 0.45));
    plan.ringSteps = [{ extensions: pool.length > 0 ? [rng.pick(pool)] : [], ms: ring }];
    plan.voicemailMs = total - ring;
    return plan;
  }

  // Missed: abandoned in the queue, possibly after ringing one or two agents in turn.
  if (pool.length === 0 || total < 3000) {
    plan.ringSteps = [{ extensions: [], ms: total }];
  } else if (total > 20_000 && pool.length > 1) {
    const first = rng.pick(pool);
    const second = rng.pick(pool.filter((e) => e !== first));
    const half = Math.floor(total / 2);
    plan.ringSteps = [
      { extensions: [first], ms: half },
      { extensions: [second], ms: total - half },
    ];
  } else {
    plan.ringSteps = [{ extensions: [rng.pick(pool)], ms: total }];
  }
  return plan;
}

export const ringTotal = (steps: RingStep[]): number => steps.reduce((sum, s) => sum + s.ms, 0);

export function outcomeOf(plan: CallPlan): CallOutcome {
  if (plan.answeredBy !== null) return 'answered';
  return plan.voicemailMs > 0 ? 'voicemail' : 'missed';
}

/** A stored call for the plan; `completed: false` leaves it in progress (outcome null). */
export function recordFromPlan(account: SimAccount, plan: CallPlan, completed: boolean): SimCall {
  const ring = ringTotal(plan.ringSteps);
  const outcome = outcomeOf(plan);
  const answered = outcome === 'answered';
  const rng = createRng(hashSeed(account.seed, 'record', plan.id));
  return {
    plan,
    journalId: journalIdFor(plan.startMs, account.seed, plan.id),
    outcome: completed ? outcome : null,
    answeredMs: answered ? plan.startMs + ring : null,
    endedMs: plan.startMs + ring + (answered ? plan.talkMs : 0) + plan.voicemailMs,
    recordingId: answered ? seededGuid('recording', plan.id).replace(/-/g, '') : null,
    voicemailId: outcome === 'voicemail' ? seededGuid('voicemail', plan.id) : null,
    read: outcome === 'voicemail' ? rng.next() < 0.6 : true,
  };
}

/** Inserts a call keeping the list ordered by start time; replaces a call with the same id. */
export function addCall(account: SimAccount, call: SimCall): void {
  const existing = account.callsById.get(call.plan.id);
  if (existing) {
    Object.assign(existing, call);
    indexMedia(account, existing);
    return;
  }
  const list = account.calls;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid]?.plan.startMs ?? 0) <= call.plan.startMs) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, call);
  account.callsById.set(call.plan.id, call);
  indexMedia(account, call);
}

function indexMedia(account: SimAccount, call: SimCall): void {
  if (call.recordingId) account.mediaById.set(call.recordingId, call);
  if (call.voicemailId) account.mediaById.set(call.voicemailId, call);
}

/** Marks an in-progress call as finished with the outcome its plan decides. */
export function completeCall(call: SimCall): void {
  call.outcome = outcomeOf(call.plan);
}

/** The account's voicemail box for a queue (the general box when the queue has none). */
export function vmboxFor(account: SimAccount, queue: string | null): { id: string; name: string } {
  const name = `${queue ?? 'General'} voicemail`;
  return account.vmboxes.find((b) => b.name === name) ?? account.vmboxes[0] ?? { id: seededGuid('vmbox', name), name };
}
