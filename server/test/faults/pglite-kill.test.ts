// The embedded database killed mid-write: a child process writes batches of calls to a PGlite data dir (through
// openDatabase and the ingest path) and is SIGKILLed while writing. The data dir opens again, every acknowledged
// batch is there and intact, a batch is all or nothing, and writing goes on; twice over.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { providerCalls } from '../support/mightycall.js';
import { ROOT, waitFor } from './helpers.js';
import { BATCH_SIZE, batchCalls, PROVIDER } from './pglite-batches.js';

const WRITER = join(ROOT, 'server/test/faults/pglite-writer.ts');

interface Round {
  acked: number;
  signal: NodeJS.Signals | null;
}

/** Starts the writer at `first`, waits for `acks` acknowledged batches, then SIGKILLs it without warning. */
async function writeAndKill(dataDir: string, first: number, acks: number): Promise<Round> {
  let out = '';
  let acked = first - 1;
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dataDir, String(first)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (const m of out.matchAll(/^ack (\d+)$/gm)) acked = Math.max(acked, Number(m[1]));
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await waitFor(
    `${acks} acknowledged batches`,
    () => {
      if (gone) throw new Error(`writer exited early:\n${out}`);
      return acked >= first + acks - 1;
    },
    { timeoutMs: 60_000, intervalMs: 1 },
  );
  // The writer is inside its next transaction now: kill it there.
  child.kill('SIGKILL');
  const signal = await exited;
  // Everything it printed before dying was acknowledged (printed after commit).
  for (const m of out.matchAll(/^ack (\d+)$/gm)) acked = Math.max(acked, Number(m[1]));
  return { acked, signal };
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** Reopens the data dir and checks it against the batches; returns the last batch present. */
async function verify(dataDir: string, acked: number): Promise<number> {
  const database = await openDatabase({ kind: 'pglite', dataDir });
  try {
    const byId = await providerCalls(database, PROVIDER);
    const batches = new Set<number>();
    for (const id of byId.keys()) {
      const m = /^b(\d+)-\d+$/.exec(id);
      if (m) batches.add(Number(m[1]));
    }
    const last = Math.max(-1, ...batches);
    // Every acknowledged batch, and nothing past one unacknowledged batch that may have committed before the kill.
    expect(last).toBeGreaterThanOrEqual(acked);
    expect(last).toBeLessThanOrEqual(acked + 1);
    for (let b = 0; b <= last; b++) {
      for (const c of batchCalls(b)) {
        const row = byId.get(c.providerCallId);
        expect(row, `call ${c.providerCallId}`).toBeDefined();
        expect({
          id: c.providerCallId,
          direction: row?.direction,
          status: row?.status,
          e164: row?.business_number,
          external: row?.external_number,
          started: row?.started_at,
          answered: row?.answered_at,
          ended: row?.ended_at,
          agent: row?.agent_extension,
          queue: row?.queue_name,
          raw: row?.raw,
        }).toEqual({
          id: c.providerCallId,
          direction: c.direction,
          status: c.status,
          e164: c.businessNumber,
          external: c.externalNumber,
          started: iso(c.startedAt),
          answered: iso(c.answeredAt),
          ended: iso(c.endedAt),
          agent: c.agentExtension,
          queue: c.queue,
          raw: c.raw,
        });
      }
    }
    expect(byId.size).toBe((last + 1) * BATCH_SIZE + 1);
    // The row every batch rewrote names the last batch: the update committed with its batch, not apart from it.
    expect(byId.get('progress')?.agent_extension).toBe(String(last));
    return last;
  } finally {
    await database.close();
  }
}

describe('PGlite killed mid-write', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vs-pglite-kill-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reopens with every acknowledged write intact, twice over', { timeout: 120_000 }, async () => {
    let next = 0;
    for (const acks of [25, 15]) {
      const round = await writeAndKill(dataDir, next, acks);
      expect(round.signal).toBe('SIGKILL');
      const last = await verify(dataDir, round.acked);
      next = last + 1;
    }
    expect(next).toBeGreaterThanOrEqual(40);
  });
});
