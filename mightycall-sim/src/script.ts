// Scripted calls (control API): a compact scenario description turned into a validated call plan.
import { digitsOf } from './format.js';
import { GUID_RE, randomGuid, seededGuid } from './ids.js';
import type { CallKind, CallPlan, RingStep, SimAccount } from './types.js';

export interface ScriptedCall {
  /** default 'incoming' */
  kind?: CallKind;
  /** the call GUID (Body.Id); default random */
  id?: string;
  /** incoming: the client number (default +15550100…); outgoing/callback: the business number */
  from?: string;
  /** incoming: the business number (default the account's first); outgoing: a client number or a colleague's extension; callback: the client */
  to?: string;
  /** incoming call from a website widget: its name goes into Body.From */
  widgetName?: string;
  /** outgoing: the dialing extension (default the first user) */
  extension?: string;
  /** incoming/callback ring steps: "101" rings alone, ["101","102"] rings together; default [answeredBy] */
  ringExtensions?: Array<string | string[]>;
  /** incoming/callback: who answers (null or omitted with voicemail: nobody) */
  answeredBy?: string | null;
  /** outgoing: whether the callee answers (default true) */
  answered?: boolean;
  /** seconds each ring step lasts (default 6) */
  ringSeconds?: number;
  /** default 45 */
  talkSeconds?: number;
  /** incoming/callback: nobody answers and the caller leaves a voicemail */
  voicemail?: boolean;
  /** default 20 */
  voicemailSeconds?: number;
  /** the answering agent consults this extension mid-call */
  consultWith?: string;
  /** the answering agent transfers the call to this extension */
  transferTo?: string;
  /** start time (ISO string or epoch ms); default now */
  startAt?: string | number;
}

export class ScriptError extends Error {}

function seconds(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new ScriptError(`${name} must be a non-negative number`);
  return Math.round(v * 1000);
}

function parseStart(value: string | number | undefined, now: number): number {
  if (value === undefined) return now;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new ScriptError('startAt is not a valid time');
  return ms;
}

export function planFromScript(account: SimAccount, script: ScriptedCall, now: number): CallPlan {
  const kind: CallKind = script.kind ?? 'incoming';
  if (!['incoming', 'outgoing', 'callback'].includes(kind)) throw new ScriptError(`unknown kind ${String(kind)}`);
  const extensions = new Set(account.users.map((u) => u.extension));
  const checkExt = (ext: string | null | undefined, what: string): string | null => {
    if (ext === undefined || ext === null) return null;
    if (!extensions.has(ext)) throw new ScriptError(`${what}: unknown extension ${ext}`);
    return ext;
  };
  const business = (value: string | undefined): string => {
    const fallback = account.numbers[0]?.number;
    const chosen = value ?? fallback;
    const found = chosen ? account.numbers.find((n) => digitsOf(n.number) === digitsOf(chosen)) : undefined;
    if (!found) throw new ScriptError(`not a business number of this account: ${chosen ?? '(none)'}`);
    return found.number;
  };
  const id = script.id ?? randomGuid();
  if (!GUID_RE.test(id)) throw new ScriptError('id must be a GUID');
  if (account.callsById.has(id.toLowerCase())) throw new ScriptError(`call ${id} already exists`);
  const startMs = parseStart(script.startAt, now);
  const ringMs = seconds(script.ringSeconds, 6, 'ringSeconds');
  const talkMs = seconds(script.talkSeconds, 45, 'talkSeconds');
  const defaultClient = `+1555010${String(Number.parseInt(seededGuid(id).slice(0, 4), 16) % 10_000).padStart(4, '0')}`;
  const plan: CallPlan = {
    id: id.toLowerCase(),
    kind,
    startMs,
    businessNumber: '',
    client: null,
    widgetName: null,
    colleague: null,
    caller: null,
    ringSteps: [],
    answeredBy: null,
    talkMs: 0,
    voicemailMs: 0,
    consultWith: checkExt(script.consultWith, 'consultWith'),
    transferTo: checkExt(script.transferTo, 'transferTo'),
    queue: null,
  };

  if (kind === 'outgoing') {
    plan.businessNumber = business(script.from);
    plan.caller = checkExt(script.extension, 'extension') ?? account.users[0]?.extension ?? null;
    if (!plan.caller) throw new ScriptError('the account has no users');
    const to = script.to ?? defaultClient;
    if (extensions.has(to)) plan.colleague = to;
    else plan.client = to;
    const answered = script.answered ?? true;
    plan.ringSteps = [{ extensions: plan.colleague ? [plan.colleague] : [], ms: ringMs }];
    plan.answeredBy = answered ? (plan.colleague ?? plan.caller) : null;
    plan.talkMs = answered ? talkMs : 0;
    plan.consultWith = null;
    plan.transferTo = null;
    return plan;
  }

  if (kind === 'incoming') {
    plan.businessNumber = business(script.to);
    plan.client = script.from ?? defaultClient;
    plan.widgetName = script.widgetName ?? null;
  } else {
    plan.businessNumber = business(script.from);
    plan.client = script.to ?? defaultClient;
  }
  plan.queue = account.numbers.find((n) => n.number === plan.businessNumber)?.queue ?? null;
  const answeredBy = script.voicemail ? null : checkExt(script.answeredBy, 'answeredBy');
  const steps: RingStep[] = (script.ringExtensions ?? []).map((entry) => {
    const list = Array.isArray(entry) ? entry : [entry];
    return { extensions: list.map((e) => checkExt(e, 'ringExtensions') ?? ''), ms: ringMs };
  });
  if (steps.length === 0) {
    const first = answeredBy ?? account.users[0]?.extension;
    steps.push({ extensions: first ? [first] : [], ms: ringMs });
  }
  const lastStep = steps[steps.length - 1];
  if (answeredBy && lastStep && !lastStep.extensions.includes(answeredBy)) {
    steps.push({ extensions: [answeredBy], ms: ringMs });
  }
  plan.ringSteps = steps;
  plan.answeredBy = answeredBy;
  plan.talkMs = answeredBy ? talkMs : 0;
  plan.voicemailMs = script.voicemail ? seconds(script.voicemailSeconds, 20, 'voicemailSeconds') : 0;
  if (!answeredBy) {
    plan.consultWith = null;
    plan.transferTo = null;
  }
  return plan;
}
