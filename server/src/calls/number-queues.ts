// A business number's queue as its call history shows it, for calls whose source names no queue (MightyCall's
// webhooks, call records and journal carry none): the queue of the number's latest inbound call that had one.
import { type RawBuilder, sql } from 'kysely';
import type { Tx } from '../db/tenant.js';
import type { NormalizedCall } from './ingest.js';

/** How far back the history is read: a number moved to another queue shows its new queue once a call says so. */
export const QUEUE_HISTORY_DAYS = 90;

/**
 * The queue (text, or NULL when the history shows none) of the business number `numberId` refers to, as a scalar
 * subquery: one index range scan on calls (business_number_id, started_at), newest first, stopping at the first hit.
 */
export function knownQueueOf(numberId: RawBuilder<unknown>, now: number): RawBuilder<string | null> {
  const since = new Date(now - QUEUE_HISTORY_DAYS * 86_400_000);
  return sql<string | null>`(SELECT qc.queue_name FROM calls qc
    WHERE qc.business_number_id = ${numberId} AND qc.direction = 'inbound' AND qc.queue_name IS NOT NULL
      AND qc.started_at >= ${since}
    ORDER BY qc.started_at DESC LIMIT 1)`;
}

/** E.164 → the number's known queue, for the numbers that have one. */
export async function knownQueuesByNumber(tx: Tx, e164s: readonly string[], now: number): Promise<Map<string, string>> {
  if (e164s.length === 0) return new Map();
  const rows = await sql<{ e164: string; queue: string | null }>`
    SELECT p.e164, ${knownQueueOf(sql.raw('p.id'), now)} AS queue
    FROM phone_numbers p WHERE p.e164 = ANY(${[...new Set(e164s)]}::text[])`.execute(tx);
  return new Map(rows.rows.flatMap((r) => (r.queue ? [[r.e164, r.queue] as const] : [])));
}

/**
 * The calls with each inbound call that names no queue given its number's known queue; outbound calls and calls
 * whose number has no queue in its history keep none.
 */
export async function withKnownQueues(
  tx: Tx,
  calls: readonly NormalizedCall[],
  now: number,
): Promise<NormalizedCall[]> {
  const missing = calls.filter((c) => c.direction === 'inbound' && c.queue === null).map((c) => c.businessNumber);
  if (missing.length === 0) return [...calls];
  const queues = await knownQueuesByNumber(tx, missing, now);
  return calls.map((c) =>
    c.direction === 'inbound' && c.queue === null ? { ...c, queue: queues.get(c.businessNumber) ?? null } : c,
  );
}
