// The rows pglite-writer.ts writes: batch N is fully determined by N, so the test knows what must be there.
import type { NormalizedCall } from '../../src/calls/ingest.js';

export const PROVIDER = 'pglite-kill';
export const BATCH_SIZE = 40;
const BASE_MS = Date.parse('2026-01-05T09:00:00Z');

export function batchCalls(batch: number): NormalizedCall[] {
  return Array.from({ length: BATCH_SIZE }, (_, i) => {
    const started = new Date(BASE_MS + (batch * BATCH_SIZE + i) * 60_000);
    const answered = i % 3 !== 0;
    return {
      provider: PROVIDER,
      providerCallId: `b${batch}-${i}`,
      direction: i % 5 === 0 ? 'outbound' : 'inbound',
      status: answered ? 'answered' : 'missed',
      businessNumber: `+1312555${String(1000 + (i % 7)).padStart(4, '0')}`,
      externalNumber: `+1555${String(1_000_000 + batch * BATCH_SIZE + i).padStart(7, '0')}`,
      startedAt: started,
      answeredAt: answered ? new Date(started.getTime() + 5_000 + i * 100) : null,
      endedAt: new Date(started.getTime() + 30_000 + i * 1000),
      agentExtension: answered ? String(100 + (i % 9)) : null,
      queue: i % 2 ? 'Front desk' : null,
      raw: { batch, i, note: 'x'.repeat(200) },
    };
  });
}

/** One row rewritten by every batch: its agent_extension is the last batch that committed. */
export function progressCall(batch: number): NormalizedCall {
  return {
    provider: PROVIDER,
    providerCallId: 'progress',
    direction: 'inbound',
    status: 'missed',
    businessNumber: '+13125551000',
    externalNumber: null,
    startedAt: new Date(BASE_MS),
    answeredAt: null,
    endedAt: new Date(BASE_MS + 1000),
    agentExtension: String(batch),
    queue: null,
  };
}
