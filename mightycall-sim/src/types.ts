// Shared data model of the simulator: accounts, users, numbers, planned calls and per-account switches.
import type { Topology } from '@victorysync/datagen';
import type { QuotaTracker } from './quota.js';

export type Product = 'classic' | 'contactCenter';
export type ProfileRole = 'admin' | 'user';
export type UserStatus = 'available' | 'dnd';

export interface SimUser {
  userGuid: string;
  firstName: string;
  lastName: string;
  email: string;
  extension: string;
  role: ProfileRole;
  userKey: string;
  status: UserStatus;
}

export interface SimPhoneNumber {
  objectGuid: string;
  number: string;
  label: string;
  queue: string | null;
  isPrimary: boolean;
  lastUsed: boolean;
  /** set on entries of the deleted list (7 fractional digits, Z) */
  whenDeleted: string | null;
}

export interface SimGroup {
  id: string;
  name: string;
}

/** One ringing step: the extensions in it ring together (one extension = sequential hunt). */
export interface RingStep {
  extensions: string[];
  ms: number;
}

export type CallKind = 'incoming' | 'outgoing' | 'callback';

/** Everything that decides a call: its webhooks, its /calls row, its journal request and voicemail. */
export interface CallPlan {
  id: string;
  kind: CallKind;
  startMs: number;
  businessNumber: string;
  /** the external party (E.164); null when an outgoing call goes to a colleague */
  client: string | null;
  /** incoming calls from a website widget carry its name in Body.From */
  widgetName: string | null;
  /** outgoing call to a colleague: the colleague's extension */
  colleague: string | null;
  /** outgoing calls: the dialing extension */
  caller: string | null;
  /** incoming/callback: agent ringing steps; outgoing: one dial step */
  ringSteps: RingStep[];
  /** incoming/callback: the extension that answered; outgoing: colleague or caller when connected */
  answeredBy: string | null;
  talkMs: number;
  voicemailMs: number;
  consultWith: string | null;
  transferTo: string | null;
  queue: string | null;
}

export type CallOutcome = 'answered' | 'missed' | 'voicemail';

export interface SimCall {
  plan: CallPlan;
  /** 24-hex journal request id */
  journalId: string;
  /** null while the call is in progress */
  outcome: CallOutcome | null;
  answeredMs: number | null;
  endedMs: number;
  recordingId: string | null;
  voicemailId: string | null;
  read: boolean;
}

export type JournalEnvelope = 'top' | 'data';
export type EnumCase = 'camel' | 'pascal';

export interface WebhookSwitches {
  /** deliver each call's events in a shuffled order */
  shuffle: boolean;
  /** 0..1: share of deliveries sent a second time with the same Guid */
  duplicateRate: number;
  /** 0..1: share of deliveries lost */
  dropRate: number;
  /** ring the same extension twice (a second Ringing for the same Id and extension) */
  repeatRinging: boolean;
  /** IncomingCallAgentRinging-style names for per-agent events */
  agentVariantNames: boolean;
  /** IncomingStopRinging (the Swagger's typo) before voicemail */
  typoVoicemailEvent: boolean;
  /** retry a delivery once when the receiver does not answer 2xx */
  retryOnNon2xx: boolean;
  timeoutMs: number;
}

export interface AccountSettings {
  journalEnvelope: JournalEnvelope;
  enumCase: EnumCase;
  /** GET /calls/{id}: the documented envelope or a bare Call (the prose example) */
  callByIdEnvelope: 'wrapped' | 'bare';
  /** a missing x-api-key header on data calls answers 401 (a mismatched one always does) */
  requireApiKeyHeader: boolean;
  /** in-progress calls are listed by /calls with callStatus null; the journal shows completed calls only */
  showInProgressCalls: boolean;
  /** recording/voicemail links answer 403 this long after they were served; null = never expire */
  recordingLinkTtlMs: number | null;
  webhooks: WebhookSwitches;
}

export interface SimAccount {
  apiKey: string;
  name: string;
  product: Product;
  seed: number;
  topology: Topology;
  users: SimUser[];
  numbers: SimPhoneNumber[];
  deletedNumbers: SimPhoneNumber[];
  groups: SimGroup[];
  vmboxes: SimGroup[];
  /** ascending by start time */
  calls: SimCall[];
  callsById: Map<string, SimCall>;
  /** recording and voicemail ids → their call, for the audio route */
  mediaById: Map<string, SimCall>;
  webhookUrls: string[];
  settings: AccountSettings;
  quota: QuotaTracker;
}
