// Zod shapes of the MightyCall v4 responses the client reads: every field optional and nullable, unknown fields kept.
import { z } from 'zod';

const str = z.string().nullish();
const bool = z.boolean().nullish();
const ext = z.union([z.string(), z.number()]).nullish();

export const TokenSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: str,
  expires_in: z.coerce.number().nullish(),
  refresh_token: str,
});

const ParticipantSchema = z.looseObject({ name: str, extension: ext, phone: str });
const CalledSchema = ParticipantSchema.extend({ isConnected: bool, isFirstConnected: bool });

export const CallSchema = z.looseObject({
  id: z.string(),
  caller: ParticipantSchema.nullish(),
  called: z.array(CalledSchema).nullish(),
  businessNumber: str,
  dateTimeUtc: str,
  duration: z.union([z.string(), z.number()]).nullish(),
  direction: str,
  callStatus: str,
  callRecord: z.looseObject({ fileName: str, uri: str }).nullish(),
});
export type McCall = z.infer<typeof CallSchema>;

export const CallsPageSchema = z.looseObject({
  data: z.looseObject({ calls: z.array(z.unknown()).nullish(), total: z.coerce.number().nullish() }).nullish(),
});

const AgentModelSchema = z.looseObject({
  id: str,
  agentRole: str,
  name: str,
  extension: ext,
  email: str,
  role: str,
  type: str,
});
export type McAgentModel = z.infer<typeof AgentModelSchema>;

const RecordingSchema = z.looseObject({ recordingId: str, duration: str, link: str, status: str });

export const RequestSchema = z.looseObject({
  id: z.string(),
  requestGuid: str,
  type: str,
  state: str,
  origin: str,
  created: str,
  respondedAt: str,
  duration: str,
  client: z.looseObject({ address: str, type: str, widgetName: str }).nullish(),
  businessNumber: z.looseObject({ number: str, label: str }).nullish(),
  agent: AgentModelSchema.nullish(),
  users: z.array(AgentModelSchema).nullish(),
  recording: RecordingSchema.nullish(),
  voicemail: z
    .looseObject({ duration: str, text: str, speechRecognitionStatus: str, recording: RecordingSchema.nullish() })
    .nullish(),
});
export type McRequest = z.infer<typeof RequestSchema>;

const JournalListSchema = z.looseObject({ currentPage: z.unknown(), requests: z.array(z.unknown()).nullish() });

/** The journal list in any of its envelopes: top-level, `data`-wrapped, or an array around either. */
export function journalRequestsOf(body: unknown): unknown[] | null {
  const candidates: unknown[] = [body];
  if (Array.isArray(body)) candidates.push(body[0]);
  for (const candidate of [...candidates]) {
    if (candidate && typeof candidate === 'object' && 'data' in candidate) candidates.push(candidate.data);
  }
  for (const candidate of candidates) {
    const parsed = JournalListSchema.safeParse(candidate);
    if (parsed.success && Array.isArray(parsed.data.requests)) return parsed.data.requests;
  }
  return null;
}

export const PhoneNumberSchema = z.looseObject({
  number: z.string(),
  label: str,
  description: str,
  objectGuid: str,
  whenDeleted: str,
  isEnabled: bool,
});
export type McPhoneNumber = z.infer<typeof PhoneNumberSchema>;

export const PhoneNumbersSchema = z.looseObject({
  data: z.looseObject({
    phoneNumbers: z.array(z.unknown()).nullish(),
    deletedPhoneNumbers: z.array(z.unknown()).nullish(),
    total: z.coerce.number().nullish(),
  }),
});

export const ProfileSchema = z.looseObject({
  data: z.looseObject({ firstName: str, lastName: str, email: str, extension: ext, role: str }),
});
export type McProfile = z.infer<typeof ProfileSchema>['data'];

/** `{data: X, isSuccess}` or, as the prose shows for /calls/{id}, a bare X. */
export function unwrapData(body: unknown): unknown {
  if (body && typeof body === 'object' && !Array.isArray(body) && 'data' in body && body.data !== undefined) {
    return body.data;
  }
  return body;
}

/** Parses each item on its own: one malformed item is reported, not fatal to the page. */
export function parseItems<T>(schema: z.ZodType<T>, items: readonly unknown[]): { items: T[]; skipped: number } {
  const out: T[] = [];
  let skipped = 0;
  for (const item of items) {
    const parsed = schema.safeParse(item);
    if (parsed.success) out.push(parsed.data);
    else skipped++;
  }
  return { items: out, skipped };
}
