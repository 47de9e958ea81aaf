// CRM-style payloads: Call, Voicemail, PhoneNumber, profile and team objects as the Swagger shapes them.
import { userByExtension } from '../accounts.js';
import { ringTotal, vmboxFor } from '../calls.js';
import { timestamp, trimmedTime } from '../format.js';
import type { SimAccount, SimCall, SimPhoneNumber, SimUser } from '../types.js';

export interface RenderContext {
  account: SimAccount;
  /** scheme://host of the request, for recording links */
  origin: string;
  now: number;
}

/** A link to audio served by the simulator; with a link TTL it carries its expiry. */
export function mediaLink(ctx: RenderContext, fileId: string, callId: string): string {
  const ttl = ctx.account.settings.recordingLinkTtlMs;
  const expiry = ttl === null ? '' : `&exp=${ctx.now + ttl}`;
  return `${ctx.origin}/_sim/recordings/${fileId}.wav?id=${callId}${expiry}`;
}

function fileStamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}_${iso.slice(11, 16).replace(':', '')}`;
}

interface Participant {
  name?: string;
  extension?: string;
  phone?: string;
}

interface CalledParticipant extends Participant {
  isConnected: boolean;
  isFirstConnected: boolean;
}

function person(account: SimAccount, extension: string): Participant {
  const user = userByExtension(account, extension);
  return user ? { name: `${user.firstName} ${user.lastName}`.trim(), extension } : { extension };
}

function calledLegs(account: SimAccount, call: SimCall): CalledParticipant[] {
  const { plan } = call;
  const done = call.outcome !== null;
  const legs = new Map<string, CalledParticipant>();
  const add = (extension: string, connected: boolean, first: boolean) => {
    const existing = legs.get(extension);
    if (existing) {
      existing.isConnected ||= connected;
      existing.isFirstConnected ||= first;
      return;
    }
    legs.set(extension, { isConnected: connected, isFirstConnected: first, ...person(account, extension) });
  };
  for (const step of plan.ringSteps) {
    for (const ext of step.extensions) add(ext, done && ext === plan.answeredBy, done && ext === plan.answeredBy);
  }
  if (done && plan.consultWith) add(plan.consultWith, true, false);
  if (done && plan.transferTo) add(plan.transferTo, true, false);
  return [...legs.values()];
}

/** The Call object of GET /calls and /calls/{id}. `duration` is milliseconds as a string. */
export function renderCall(ctx: RenderContext, call: SimCall): Record<string, unknown> {
  const { account } = ctx;
  const { plan } = call;
  const done = call.outcome !== null;
  let caller: Participant;
  let called: CalledParticipant[];
  if (plan.kind === 'outgoing') {
    caller = person(account, plan.caller ?? '');
    const connected = done && plan.answeredBy !== null;
    called = plan.colleague
      ? [{ isConnected: connected, isFirstConnected: connected, ...person(account, plan.colleague) }]
      : [{ isConnected: connected, isFirstConnected: connected, phone: plan.client ?? '' }];
  } else {
    caller = plan.widgetName
      ? { name: plan.widgetName, phone: plan.client ?? undefined }
      : { phone: plan.client ?? '' };
    if (caller.phone === undefined) delete caller.phone;
    called = calledLegs(account, call);
  }
  const status = { answered: 'Connected', missed: 'Missed', voicemail: 'VoiceMail' } as const;
  // Both documented suffixes occur; which one a call gets depends on its id.
  const suffix = Number.parseInt(plan.id.charAt(0), 16) % 2 === 0 ? '+00:00' : 'Z';
  return {
    id: plan.id,
    caller,
    called,
    businessNumber: plan.businessNumber,
    dateTimeUtc: timestamp(plan.startMs, 3, suffix),
    duration: done ? String(call.endedMs - plan.startMs) : null,
    direction: plan.kind === 'outgoing' ? 'Outgoing' : 'Incoming',
    callStatus: call.outcome ? status[call.outcome] : null,
    callRecord:
      done && call.recordingId
        ? {
            fileName: `callrecord_${fileStamp(plan.startMs)}_${plan.id}.wav`,
            uri: mediaLink(ctx, call.recordingId, plan.id),
          }
        : null,
  };
}

/** The Voicemail object of GET /voicemails. `duration` is whole seconds as a string. */
export function renderVoicemail(ctx: RenderContext, call: SimCall): Record<string, unknown> {
  const { plan } = call;
  const id = call.voicemailId ?? '';
  const recordedAt = plan.startMs + ringTotal(plan.ringSteps);
  return {
    id,
    from: plan.client ?? '',
    to: plan.businessNumber,
    assignedTo: vmboxFor(ctx.account, plan.queue).name,
    dateTimeUtc: trimmedTime(recordedAt, '+00:00'),
    duration: String(Math.round(plan.voicemailMs / 1000)),
    voicemailStatus: call.read ? 'Read' : 'UnRead',
    voicemailRecord: { fileName: `voicemail_${fileStamp(recordedAt)}.wav`, uri: mediaLink(ctx, id, plan.id) },
    storageId: null,
  };
}

const TOLL_FREE = /^\+18(00|33|44|55|66|77|88)/;

/** A PhoneNumber with the production-only extras objectGuid, doNotOriginate and whenDeleted. */
export function renderPhoneNumber(number: SimPhoneNumber): Record<string, unknown> {
  const tollFree = TOLL_FREE.test(number.number);
  const international = !number.number.startsWith('+1');
  const out: Record<string, unknown> = {
    number: number.number,
    isEnabled: true,
    isPrimary: number.isPrimary,
    isTollFree: tollFree,
    isInternational: international,
    smsMode: international ? 'Disabled' : tollFree ? 'Capable' : 'Enabled',
    numberMessagingVerified: !international,
    isMmsEnabled: !international && !tollFree,
    callRecordingMode: international ? 'Both' : 'Both, OutgoingBeepDisabled',
    description: null,
    label: number.label,
    mayText: !international,
    mayCall: true,
    objectGuid: number.objectGuid,
    doNotOriginate: false,
  };
  if (number.lastUsed) out.lastUsed = true;
  if (number.whenDeleted) out.whenDeleted = number.whenDeleted;
  return out;
}

export function renderProfile(user: SimUser): Record<string, unknown> {
  return {
    firstName: user.firstName,
    lastName: user.lastName,
    email: user.email,
    extension: user.extension,
    role: user.role,
  };
}

export function renderTeam(account: SimAccount): Record<string, unknown> {
  return {
    users: account.users.map((u) => ({
      fullName: `${u.firstName} ${u.lastName}`.trim(),
      id: u.userGuid,
      role: null,
      avatarUrl: null,
    })),
    groups: account.groups.map((g) => ({ name: g.name, id: g.id })),
    vmboxes: account.vmboxes.map((b) => ({ name: b.name, id: b.id })),
  };
}
