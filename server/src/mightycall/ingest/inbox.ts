// The durable webhook inbox: envelope parsing, the dedupe key (Guid, else a hash), and the idempotent insert.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Tx } from '../../db/tenant.js';
import { extensionOf, type McTime, parseMcTime } from '../client/wire.js';

const EnvelopeSchema = z.looseObject({
  EventType: z.string().trim().min(1).max(100),
  Body: z.looseObject({
    From: z.string().max(200).nullish(),
    To: z.string().max(200).nullish(),
    Id: z.string().trim().min(1).max(200),
    Extension: z.union([z.string().max(40), z.number()]).nullish(),
  }),
  Guid: z.string().max(100).nullish(),
  ApiKey: z.string().max(500).nullish(),
  Timestamp: z.string().max(60).nullish(),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

const ZERO_GUID = /^[0{}-]+$/;

/** Guid when it is real; otherwise sha256 of (EventType, Body.Id, Extension, Timestamp). */
function dedupeKeyOf(envelope: Envelope): string {
  const guid = envelope.Guid?.trim().toLowerCase();
  if (guid && !ZERO_GUID.test(guid)) return `guid:${guid}`;
  const parts = [
    envelope.EventType,
    envelope.Body.Id,
    extensionOf(envelope.Body.Extension) ?? '',
    envelope.Timestamp ?? '',
  ];
  return `sha256:${createHash('sha256').update(parts.join('\u0000')).digest('hex')}`;
}

/** Reads a request body: an envelope, a validation POST (empty or not an event), or junk. */
export function classifyBody(
  text: string,
): { kind: 'event'; envelope: Envelope } | { kind: 'validation' } | { kind: 'invalid'; message: string } {
  if (text.trim() === '') return { kind: 'validation' };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { kind: 'invalid', message: 'the body is not JSON' };
  }
  if (!body || typeof body !== 'object' || !('EventType' in body)) return { kind: 'validation' };
  const parsed = EnvelopeSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'invalid', message: `${issue?.path.join('.') ?? 'body'}: ${issue?.message ?? 'invalid'}` };
  }
  return { kind: 'event', envelope: parsed.data };
}

/** The inbox row of an event (not yet stored). */
export interface InboxRow {
  connection_id: string;
  dedupe_key: string;
  event_type: string;
  call_id: string;
  extension: string | null;
  event_ts: string;
  event_at: Date;
  body: string;
}

/** `parsed`: the envelope's Timestamp, when the caller has read it already. */
export function inboxRow(
  connectionId: string,
  envelope: Envelope,
  receivedMs: number,
  parsed: McTime | null = parseMcTime(envelope.Timestamp),
): InboxRow {
  const time = parsed ?? {
    ms: receivedMs,
    key: `${new Date(receivedMs).toISOString().slice(0, 23)}0000Z`,
  };
  return {
    connection_id: connectionId,
    dedupe_key: dedupeKeyOf(envelope),
    event_type: envelope.EventType,
    call_id: envelope.Body.Id.toLowerCase(),
    extension: extensionOf(envelope.Body.Extension),
    event_ts: time.key,
    event_at: new Date(time.ms),
    // The ApiKey is a credential: checked by the route, never stored.
    body: JSON.stringify({ ...envelope, ApiKey: undefined }),
  };
}

/** Where an event is stored once: its connection and dedupe key. */
export const inboxKey = (row: Pick<InboxRow, 'connection_id' | 'dedupe_key'>): string =>
  `${row.connection_id}\u0000${row.dedupe_key}`;

/**
 * Inserts rows (distinct keys) idempotently; answers the keys (inboxKey) that were new. Rows go in key order,
 * so two batches sharing keys take their locks in the same order and cannot deadlock.
 */
export async function insertInboxRows(tx: Tx, rows: readonly InboxRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const ordered = [...rows].sort((a, b) => (inboxKey(a) < inboxKey(b) ? -1 : 1));
  const inserted = await tx
    .insertInto('mightycall_webhook_inbox')
    .values(ordered)
    .onConflict((oc) => oc.columns(['connection_id', 'dedupe_key']).doNothing())
    .returning(['connection_id', 'dedupe_key'])
    .execute();
  return new Set(inserted.map(inboxKey));
}
