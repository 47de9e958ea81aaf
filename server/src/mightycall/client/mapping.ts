// MightyCall records → our rows: journal requests and /calls objects become NormalizedCalls, AgentModels agents.
import type { NormalizedCall } from '../../calls/ingest.js';
import type { CallStatus } from '../../db/types.js';
import type { McAgentModel, McCall, McRequest } from './responses.js';
import { enumOf, extensionOf, parseHms, parseMcTime, parseMillis, phoneOf } from './wire.js';

export const PROVIDER = 'mightycall';

/** One reference for a call's recording whichever path stored it; the link itself expires, /calls/{id} renews it. */
const recordingRefOf = (callId: string): string => `mightycall:call:${callId}`;

/** The call whose recording a reference names (the id GET /calls/{id} takes); null for any other reference. */
export function callIdOfRecordingRef(ref: string | null): string | null {
  const match = /^mightycall:call:([0-9a-z-]{1,100})$/i.exec(ref ?? '');
  return match?.[1] ?? null;
}

/** A link as MightyCall gave it (an opaque string), when it is one we could ever fetch. */
function linkOf(value: string | null | undefined): string | null {
  const link = value?.trim();
  return link && link.length <= 2000 && /^https?:\/\//i.test(link) ? link : null;
}

/** The audio a journal call carries: the conversation's recording, or for a voicemail the message left. */
export function recordingLinkOf(
  request: McRequest,
  status: CallStatus | null = statusOf(request.state),
): string | null {
  return status === 'voicemail'
    ? linkOf(request.voicemail?.recording?.link ?? request.recording?.link)
    : linkOf(request.recording?.link);
}

/** The transcript of a voicemail: the journal's `voicemail.text`, when speech recognition produced one. */
function transcriptOf(request: McRequest): string | null {
  const text = request.voicemail?.text?.trim();
  return text ? text.slice(0, 10_000) : null;
}

function statusOf(value: string | null | undefined): CallStatus | null {
  switch (enumOf(value)) {
    case 'connected':
      return 'answered';
    case 'voicemail':
      return 'voicemail';
    case 'missed':
    case 'noanswer':
    case 'dropped':
    case 'canceled':
      return 'missed';
    default:
      return null;
  }
}

/** Answer time within [start, end]; null unless the call was answered. */
function answeredWithin(status: CallStatus, answered: number | null, start: number, end: number): Date | null {
  if (status !== 'answered') return null;
  return new Date(Math.min(end, Math.max(start, answered ?? start)));
}

/** A journal call request; null for non-calls and for items missing what a call row needs. */
export function callFromJournal(request: McRequest, account: string, raw: unknown): NormalizedCall | null {
  if (enumOf(request.type) !== 'call') return null;
  const status = statusOf(request.state);
  const started = parseMcTime(request.created);
  const businessNumber = phoneOf(request.businessNumber?.number);
  if (!status || !started || !businessNumber) return null;
  const origin = enumOf(request.origin);
  const duration = parseHms(request.duration) ?? 0;
  const end = started.ms + duration;
  const callId = (request.requestGuid ?? request.id).toLowerCase();
  return {
    provider: PROVIDER,
    providerCallId: callId,
    providerAccount: account,
    direction: directionOf(origin),
    status,
    businessNumber,
    externalNumber: enumOf(request.client?.type) === 'widget' ? null : phoneOf(request.client?.address),
    startedAt: new Date(started.ms),
    answeredAt: answeredWithin(status, parseMcTime(request.respondedAt)?.ms ?? null, started.ms, end),
    endedAt: new Date(end),
    agentExtension: extensionOf(request.agent?.extension),
    queue: null,
    recordingRef: request.recording?.recordingId ? recordingRefOf(callId) : null,
    recordingUrl: recordingLinkOf(request, status),
    voicemailTranscript: status === 'voicemail' ? transcriptOf(request) : null,
    raw: raw ?? request,
  };
}

/** Callback calls ring the agent first, then the client: MightyCall reports them as incoming. */
const directionOf = (origin: string): 'inbound' | 'outbound' =>
  origin === 'outbound' || origin === 'internal' ? 'outbound' : 'inbound';

/**
 * A finished /calls object. /calls has no answer time, so the webhook's Connected time is passed in;
 * null while the call is still in progress (callStatus or duration not yet set).
 */
export function callFromCallsApi(call: McCall, account: string, answeredAtMs: number | null): NormalizedCall | null {
  const status = statusOf(call.callStatus);
  const started = parseMcTime(call.dateTimeUtc);
  const duration = parseMillis(call.duration);
  const businessNumber = phoneOf(call.businessNumber);
  if (!status || !started || duration === null || !businessNumber) return null;
  const outgoing = enumOf(call.direction) === 'outgoing';
  const called = call.called ?? [];
  const answeredLeg = called.find((c) => c.isFirstConnected) ?? called.find((c) => c.isConnected);
  const end = started.ms + duration;
  return {
    provider: PROVIDER,
    providerCallId: call.id.toLowerCase(),
    providerAccount: account,
    direction: outgoing ? 'outbound' : 'inbound',
    status,
    businessNumber,
    externalNumber: outgoing ? phoneOf(called[0]?.phone) : phoneOf(call.caller?.phone),
    startedAt: new Date(started.ms),
    answeredAt: answeredWithin(status, answeredAtMs, started.ms, end),
    endedAt: new Date(end),
    agentExtension: outgoing ? extensionOf(call.caller?.extension) : extensionOf(answeredLeg?.extension),
    queue: null,
    recordingRef: call.callRecord?.uri || call.callRecord?.fileName ? recordingRefOf(call.id.toLowerCase()) : null,
    recordingUrl: linkOf(call.callRecord?.uri),
    raw: call,
  };
}

export interface AgentRecord {
  extension: string;
  name: string;
  email: string | null;
}

/** Named people among a request's agent and users (voicemail boxes and groups have no extension). */
export function agentsFromJournal(request: McRequest): AgentRecord[] {
  const out: AgentRecord[] = [];
  for (const model of [request.agent, ...(request.users ?? [])]) {
    const agent = agentOf(model);
    if (agent) out.push(agent);
  }
  return out;
}

function agentOf(model: McAgentModel | null | undefined): AgentRecord | null {
  const extension = extensionOf(model?.extension);
  const name = model?.name?.trim();
  if (!model || !extension || !name || !/^\d{1,20}$/.test(extension)) return null;
  if (!['user', ''].includes(enumOf(model.type))) return null;
  return { extension, name: name.slice(0, 200), email: model.email?.trim() || null };
}
