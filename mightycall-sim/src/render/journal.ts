// Journal RequestModel payloads: hh:mm:ss durations, businessNumber objects, agents, switchable enum casing.
import { numberLabel, userByExtension } from '../accounts.js';
import { ringTotal, vmboxFor } from '../calls.js';
import { enumCaser, hhmmss, timestamp } from '../format.js';
import type { SimAccount, SimCall } from '../types.js';
import { mediaLink, type RenderContext } from './crm.js';

export type JournalState = 'Connected' | 'Missed' | 'VoiceMail' | 'NoAnswer';
export type JournalOrigin = 'Inbound' | 'Outbound' | 'Callback' | 'Internal';

/** Canonical (PascalCase) type/state/origin of a call's journal request. */
export function journalFacts(call: SimCall): { type: 'Call'; state: JournalState; origin: JournalOrigin } {
  const { plan } = call;
  const origin: JournalOrigin =
    plan.kind === 'incoming'
      ? 'Inbound'
      : plan.kind === 'callback'
        ? 'Callback'
        : plan.colleague
          ? 'Internal'
          : 'Outbound';
  let state: JournalState;
  if (call.outcome === 'answered') state = 'Connected';
  else if (call.outcome === 'voicemail') state = 'VoiceMail';
  else state = plan.kind === 'outgoing' ? 'NoAnswer' : 'Missed';
  return { type: 'Call', state, origin };
}

type AgentRole = 'NotDialed' | 'CallOwner' | 'Consultant' | 'VoiceMailReceiver';

/** Every agent involved with their role in the call; the owner first. */
export function involvedAgents(call: SimCall): Array<{ extension: string; role: AgentRole }> {
  const { plan } = call;
  const out = new Map<string, AgentRole>();
  const owner = plan.kind === 'outgoing' ? plan.caller : plan.answeredBy;
  if (owner) out.set(owner, 'CallOwner');
  if (plan.kind === 'outgoing' && plan.colleague) out.set(plan.colleague, plan.answeredBy ? 'Consultant' : 'NotDialed');
  for (const step of plan.ringSteps) for (const ext of step.extensions) if (!out.has(ext)) out.set(ext, 'NotDialed');
  if (plan.consultWith) out.set(plan.consultWith, 'Consultant');
  if (plan.transferTo) out.set(plan.transferTo, 'Consultant');
  return [...out].map(([extension, role]) => ({ extension, role }));
}

function agentModel(account: SimAccount, extension: string, role: AgentRole, e: (v: string) => string) {
  const user = userByExtension(account, extension);
  if (!user) return { agentRole: e(role), extension, type: e('User') };
  return {
    id: user.userGuid,
    agentRole: e(role),
    name: `${user.firstName} ${user.lastName}`.trim(),
    extension,
    role: user.role === 'admin' ? 'admin' : 'agent',
    email: user.email,
    type: e('User'),
  };
}

export interface JournalRenderOptions {
  showUsers: boolean;
}

/** A call as a journal RequestModel, in the account's enum casing. */
export function renderJournalCall(
  ctx: RenderContext,
  call: SimCall,
  options: JournalRenderOptions,
): Record<string, unknown> {
  const { account } = ctx;
  const { plan } = call;
  const e = enumCaser(account.settings.enumCase);
  const facts = journalFacts(call);
  const agents = involvedAgents(call);
  const owner = agents.find((a) => a.role === 'CallOwner');
  const widget = plan.kind === 'incoming' && plan.widgetName !== null;
  const client: Record<string, unknown> = {
    address: widget ? plan.widgetName : (plan.client ?? plan.colleague ?? ''),
    resolvedContacts: [],
    type: e(widget ? 'Widget' : 'PhoneNumber'),
    callerKind: e('Default'),
    resolvedExternalContacts: [],
  };
  if (widget) client.widgetName = plan.widgetName;
  const out: Record<string, unknown> = {
    id: call.journalId,
    requestGuid: plan.id,
    state: e(facts.state),
    client,
    type: e(facts.type),
    created: timestamp(plan.startMs, 3, '+00:00'),
    businessNumber: { number: plan.businessNumber, label: numberLabel(account, plan.businessNumber) },
    businessNumbersCount: 1,
    tags: [],
    origin: e(facts.origin),
    comment: '',
    favorite: false,
    duration: hhmmss(call.endedMs - plan.startMs),
    read: call.read,
    wfstate: { state: e('Open') },
    inConversation: false,
    availability: e('Available'),
  };
  if (call.answeredMs !== null) out.respondedAt = timestamp(call.answeredMs, 6, 'Z');
  if (owner) out.agent = agentModel(account, owner.extension, owner.role, e);
  if (options.showUsers) out.users = agents.map((a) => agentModel(account, a.extension, a.role, e));
  if (call.recordingId && call.answeredMs !== null) {
    out.recording = {
      recordingId: call.recordingId,
      duration: hhmmss(call.endedMs - call.answeredMs),
      flag: e('None'),
      status: e('Recorded'),
      link: mediaLink(ctx, call.recordingId, plan.id),
      availability: e('Available'),
    };
  }
  if (call.voicemailId) {
    const box = vmboxFor(account, plan.queue);
    const duration = hhmmss(plan.voicemailMs);
    out.voicemail = {
      duration,
      text: voicemailText(call),
      speechRecognitionStatus: e('Success'),
      assignee: { id: box.id, agentRole: e('VoiceMailReceiver'), name: box.name, type: 'voiceMailBox' },
      recording: {
        recordingId: call.voicemailId,
        duration,
        flag: e('None'),
        status: e('Recorded'),
        link: mediaLink(ctx, call.voicemailId, plan.id),
        availability: e('Available'),
      },
      availability: e('Available'),
    };
  }
  return out;
}

/** A deterministic transcription for voicemail calls. */
export function voicemailText(call: SimCall): string {
  const { plan } = call;
  const seconds = Math.round((ringTotal(plan.ringSteps) + plan.voicemailMs) / 1000);
  const topic = plan.queue ? `about ${plan.queue.toLowerCase()}` : 'about my account';
  return `Hi, I'm calling ${topic}. Please call me back at ${plan.client ?? 'this number'}. (${seconds}s)`;
}
