// The one write path for calls (import, MightyCall sync, webhooks, demo data): idempotent upsert by provider id.
import { sql } from 'kysely';
import type { Tx } from '../db/tenant.js';
import type { CallDirection, CallStatus } from '../db/types.js';

export interface NormalizedCall {
  provider: string;
  providerCallId: string;
  providerAccount?: string;
  direction: CallDirection;
  status: CallStatus;
  /** E.164, already normalized */
  businessNumber: string;
  externalNumber: string | null;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date;
  agentExtension: string | null;
  queue: string | null;
  recordingRef?: string | null;
  /** the provider's link to the recording (the conversation, or the voicemail message): server-side only */
  recordingUrl?: string | null;
  voicemailTranscript?: string | null;
  raw?: unknown;
}

export interface UpsertResult {
  inserted: number;
  updated: number;
  unchanged: number;
}

/**
 * Resolves business numbers (unknown ones become unassigned inventory) and upserts the calls.
 * A re-delivery with identical data changes nothing; a richer one (say a recording) updates the row.
 */
export async function upsertCalls(tx: Tx, calls: readonly NormalizedCall[]): Promise<UpsertResult> {
  const result: UpsertResult = { inserted: 0, updated: 0, unchanged: 0 };
  if (calls.length === 0) return result;
  const numberIds = await ensurePhoneNumbers(
    tx,
    calls.map((c) => ({ e164: c.businessNumber, provider: c.provider, providerAccount: c.providerAccount ?? '' })),
  );
  // Last one wins inside a batch, so a batch never conflicts with itself.
  const unique = new Map<string, NormalizedCall>();
  for (const c of calls) unique.set(`${c.provider}\u0000${c.providerCallId}`, c);
  result.unchanged += calls.length - unique.size;
  const rows = [...unique.values()].map((c) => ({
    provider: c.provider,
    provider_call_id: c.providerCallId,
    provider_account: c.providerAccount ?? '',
    direction: c.direction,
    status: c.status,
    business_number_id: numberIds.get(c.businessNumber) as string,
    external_number: c.externalNumber,
    started_at: c.startedAt,
    answered_at: c.answeredAt,
    ended_at: c.endedAt,
    agent_extension: c.agentExtension,
    queue_name: c.queue,
    recording_ref: c.recordingRef ?? null,
    recording_url: c.recordingUrl ?? null,
    voicemail_transcript: c.voicemailTranscript ?? null,
    raw: c.raw === undefined ? null : JSON.stringify(c.raw),
  }));
  // Column arrays through unnest: one statement and sixteen parameters per chunk, however many rows.
  for (let i = 0; i < rows.length; i += 5000) {
    const chunk = rows.slice(i, i + 5000);
    const col = <K extends keyof (typeof chunk)[number]>(k: K) => chunk.map((r) => r[k]);
    const written = await sql<{ inserted: boolean }>`
      INSERT INTO calls AS calls (provider, provider_call_id, provider_account, direction, status, business_number_id,
        external_number, started_at, answered_at, ended_at, agent_extension, queue_name, recording_ref, recording_url,
        voicemail_transcript, raw)
      SELECT * FROM unnest(${col('provider')}::text[], ${col('provider_call_id')}::text[], ${col('provider_account')}::text[],
        ${col('direction')}::text[], ${col('status')}::text[], ${col('business_number_id')}::uuid[],
        ${col('external_number')}::text[], ${col('started_at').map((d) => d.toISOString())}::timestamptz[],
        ${col('answered_at').map((d) => d?.toISOString() ?? null)}::timestamptz[],
        ${col('ended_at').map((d) => d.toISOString())}::timestamptz[], ${col('agent_extension')}::text[],
        ${col('queue_name')}::text[], ${col('recording_ref')}::text[], ${col('recording_url')}::text[],
        ${col('voicemail_transcript')}::text[], ${col('raw')}::jsonb[])
      ON CONFLICT (provider, provider_call_id) DO UPDATE SET
        provider_account = excluded.provider_account, direction = excluded.direction, status = excluded.status,
        business_number_id = excluded.business_number_id, external_number = excluded.external_number,
        started_at = excluded.started_at, answered_at = excluded.answered_at, ended_at = excluded.ended_at,
        agent_extension = excluded.agent_extension,
        -- Providers without queues (MightyCall's call records) never erase a queue another source gave.
        queue_name = coalesce(excluded.queue_name, calls.queue_name),
        recording_ref = coalesce(excluded.recording_ref, calls.recording_ref),
        recording_url = coalesce(excluded.recording_url, calls.recording_url),
        voicemail_transcript = coalesce(excluded.voicemail_transcript, calls.voicemail_transcript),
        raw = coalesce(excluded.raw, calls.raw),
        updated_at = now()
      WHERE (calls.direction, calls.status, calls.business_number_id, calls.external_number, calls.started_at,
          calls.answered_at, calls.ended_at, calls.agent_extension, calls.queue_name, calls.provider_account)
        IS DISTINCT FROM (excluded.direction, excluded.status, excluded.business_number_id, excluded.external_number,
          excluded.started_at, excluded.answered_at, excluded.ended_at, excluded.agent_extension,
          coalesce(excluded.queue_name, calls.queue_name), excluded.provider_account)
        OR (excluded.recording_ref IS NOT NULL AND excluded.recording_ref IS DISTINCT FROM calls.recording_ref)
        -- A renewed link (they expire) or a transcript that arrived later.
        OR (excluded.recording_url IS NOT NULL AND excluded.recording_url IS DISTINCT FROM calls.recording_url)
        OR (excluded.voicemail_transcript IS NOT NULL
          AND excluded.voicemail_transcript IS DISTINCT FROM calls.voicemail_transcript)
      RETURNING (xmax = 0) AS inserted`.execute(tx);
    const inserted = written.rows.filter((r) => r.inserted).length;
    result.inserted += inserted;
    result.updated += written.rows.length - inserted;
    result.unchanged += chunk.length - written.rows.length;
  }
  return result;
}

/** E.164 → phone_numbers.id, creating missing numbers as active, unassigned inventory. */
export async function ensurePhoneNumbers(
  tx: Tx,
  numbers: ReadonlyArray<{ e164: string; provider?: string; providerAccount?: string; label?: string | null }>,
): Promise<Map<string, string>> {
  const wanted = new Map<string, (typeof numbers)[number]>();
  for (const n of numbers) if (!wanted.has(n.e164)) wanted.set(n.e164, n);
  const ids = new Map<string, string>();
  if (wanted.size === 0) return ids;
  const existing = await tx
    .selectFrom('phone_numbers')
    .select(['id', 'e164'])
    .where('e164', 'in', [...wanted.keys()])
    .execute();
  for (const row of existing) ids.set(row.e164, row.id);
  const missing = [...wanted.values()].filter((n) => !ids.has(n.e164));
  if (missing.length > 0) {
    await tx
      .insertInto('phone_numbers')
      .values(
        missing.map((n) => ({
          e164: n.e164,
          label: n.label ?? null,
          provider: n.provider ?? null,
          provider_account: n.providerAccount ?? null,
        })),
      )
      .onConflict((oc) => oc.column('e164').doNothing())
      .execute();
    const created = await tx
      .selectFrom('phone_numbers')
      .select(['id', 'e164'])
      .where(
        'e164',
        'in',
        missing.map((n) => n.e164),
      )
      .execute();
    for (const row of created) ids.set(row.e164, row.id);
  }
  return ids;
}
